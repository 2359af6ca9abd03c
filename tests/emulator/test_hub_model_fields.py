"""The Hub's model answers field by field: every field ``huggingface_hub``'s ``ModelInfo``
reads that the real Hub sets on most models (as the shared corpus of real ``ModelInfo``
records shows) is set by the emulator, and a derivative whose relation no tag or card names
carries the evidence (library, files) the collector infers it from."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from crossforge.emulator import Emulator
from crossforge.emulator.hub import EXPANDABLE
from crossforge.records import Derivation, Repository
from crossforge.sources.http import ApiClient, Breaker
from crossforge.sources.hub import HubSource, parse
from crossforge.sources.raw import RawStore

hf = pytest.importorskip("huggingface_hub")

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "hf_models.jsonl.gz"
START = datetime(2023, 5, 1, tzinfo=UTC)
BASE = "synthetic-base/llm-7b"
DERIVED = {"adapter": "someone/llm-7b-lora", "quantized": "someone/llm-7b-gguf",
           "finetune": "someone/llm-7b-chat"}
#: A SYNTHETIC world: one base model and one derivative of each relation, each relation
#: known only by inference (no ``base_model:<relation>:`` tag, no ``base_model_relation``).
WORLD = [Repository("huggingface", BASE, "model", "synthetic-base", "organization", START,
                    START, 40, downloads=900, license="apache-2.0"),
         *(Repository("huggingface", child, "model", "someone", "user", START, START, 2,
                      license="apache-2.0") for child in DERIVED.values()),
         *(Derivation("huggingface", child, BASE, relation, "inferred")  # type: ignore[arg-type]
           for relation, child in DERIVED.items())]


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator.from_records(WORLD) as running:
        yield running


def set_by_the_real_hub() -> set[str]:
    """``ModelInfo`` attributes set (not None) on at least half of the corpus's models."""
    if not CORPUS.exists():
        pytest.skip("the shared corpus of real Hub model records is absent")
    with gzip.open(CORPUS) as lines:
        infos = [row["info"] for row in map(json.loads, lines) if "id" in row["info"]]
    def given(info: dict[str, object], name: str) -> bool:
        head, *rest = name.split("_")
        camel = head + "".join(part.title() for part in rest)
        return info.get(name) is not None or info.get(camel) is not None

    return {name for name in hf.ModelInfo.__annotations__
            if sum(given(info, name) for info in infos) >= len(infos) / 2}


def test_every_field_the_real_hub_sets_on_most_models_is_set(emulator: Emulator) -> None:
    wanted = set_by_the_real_hub()
    assert {"siblings", "used_storage", "config", "library_name", "pipeline_tag"} <= wanted
    for model in (BASE, *DERIVED.values()):
        answer = httpx.get(f"{emulator.url}/api/models/{model}",
                           params=[("expand[]", e) for e in EXPANDABLE]).json()
        info = hf.ModelInfo(**answer)
        unset = sorted(name for name in wanted if getattr(info, name) is None)
        assert not unset, f"{model}: {unset}"
        assert info.siblings and all(s.rfilename for s in info.siblings)


def test_a_listing_entry_parses_with_every_expanded_field(emulator: Emulator) -> None:
    client = hf.HfApi(endpoint=emulator.url)
    listed = {m.id: m for m in client.list_models(expand=["siblings", "config", "safetensors",
                                                          "usedStorage", "library_name",
                                                          "pipeline_tag", "baseModels"])}
    assert listed[DERIVED["adapter"]].library_name == "peft"
    assert listed[BASE].safetensors is not None and listed[BASE].used_storage > 0
    assert listed[DERIVED["quantized"]].safetensors is None  # GGUF weights only
    assert listed[BASE].base_models is None and listed[DERIVED["adapter"]].base_models


def test_a_relation_no_tag_or_card_names_is_inferred_from_what_the_hub_sends(
        emulator: Emulator, tmp_path: Path) -> None:
    raw = RawStore(tmp_path / "raw")
    client = ApiClient(emulator.url, "huggingface", raw, breaker=Breaker(sleep=lambda _: None))
    try:
        source = HubSource(client)
        found = {d.child: d for model in DERIVED.values()
                 for d in parse(source.info(model, "user")) if isinstance(d, Derivation)}
    finally:
        client.close()
        raw.close()
    assert {relation: (found[child].relation, found[child].relation_source)
            for relation, child in DERIVED.items()} == {
        relation: (relation, "inferred") for relation in DERIVED}


def test_a_models_parameter_count_and_storage_come_with_its_info(emulator: Emulator,
                                                                 tmp_path: Path) -> None:
    raw = RawStore(tmp_path / "raw")
    client = ApiClient(emulator.url, "huggingface", raw, breaker=Breaker(sleep=lambda _: None))
    try:
        source = HubSource(client)
        models = {model: next(r for r in parse(source.info(model, "user"))
                              if isinstance(r, Repository)) for model in (BASE, *DERIVED.values())}
    finally:
        client.close()
        raw.close()
    for model, record in models.items():
        answer = httpx.get(f"{emulator.url}/api/models/{model}",
                           params=[("expand[]", e) for e in EXPANDABLE]).json()
        counted = (answer.get("safetensors") or answer["gguf"])["total"]
        assert (record.parameters, record.storage_bytes) == (counted, answer["usedStorage"])
    # GGUF weights only: the count comes from the GGUF metadata.
    assert models[DERIVED["quantized"]].parameters is not None


def test_a_world_models_own_sizes_are_served_and_pickle_weights_give_no_count(
        tmp_path: Path) -> None:
    sized, pickled = "lab/big-70b", "lab/old-pickle"
    world = [Repository("huggingface", sized, "model", "lab", "organization", START, START,
                        parameters=70_000_000_000, storage_bytes=140_000_000_000),
             Repository("huggingface", pickled, "model", "lab", "organization", START, START,
                        storage_bytes=4_000_000)]
    raw = RawStore(tmp_path / "raw")
    with Emulator.from_records(world) as running:
        client = ApiClient(running.url, "huggingface", raw,
                           breaker=Breaker(sleep=lambda _: None))
        try:
            source = HubSource(client)
            got = {model: next(r for r in parse(source.info(model, "user"))
                               if isinstance(r, Repository)) for model in (sized, pickled)}
            files = [s["rfilename"] for s in httpx.get(
                f"{running.url}/api/models/{pickled}").json()["siblings"]]
        finally:
            client.close()
            raw.close()
    assert (got[sized].parameters, got[sized].storage_bytes) == (70_000_000_000,
                                                                  140_000_000_000)
    # pickle weights only: the Hub gives no parameter count, only the storage
    assert (got[pickled].parameters, got[pickled].storage_bytes) == (None, 4_000_000)
    assert "pytorch_model.bin" in files and not any(f.endswith(".safetensors") for f in files)
