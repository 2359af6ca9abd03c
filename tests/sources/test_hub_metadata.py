import gzip
import json
from datetime import UTC, datetime

import pandas as pd
import pytest

from crossforge import api
from crossforge.errors import ConfigError
from crossforge.records import Derivation, Provenance
from crossforge.sources.hub_metadata import list_records, read_entries
from crossforge.store import Store
from tests.conftest import CORPUS

TAGGED = {"id": "me/llama-ft", "info": {
    "id": "me/llama-ft", "author": "me", "created_at": "2024-05-01T10:00:00Z", "likes": 3,
    "downloads": 10, "tags": ["base_model:meta/llama", "base_model:finetune:meta/llama",
                              "license:mit"],
    "card_data": "base_model: meta/llama\n", "siblings": [{"rfilename": "model.safetensors"}]}}
CARD = {"id": "me/q", "createdAt": "2024-06-01T00:00:00.000Z", "tags": [],
        "cardData": {"base_model": "https://huggingface.co/meta/llama",
                     "base_model_relation": "quantized"}}
ADAPTER = {"id": "me/lora", "tags": ["peft"], "cardData": {"base_model": ["meta/llama"]},
           "siblings": ["RepoSibling(rfilename='adapter_model.safetensors', size=None)",
                        "RepoSibling(rfilename='adapter_config.json', size=None)"]}
MERGE = {"id": "me/merged", "tags": [], "cardData": {"base_model": ["a/x", "b/y"]}}
GGUF = {"id": "me/llama-GGUF", "tags": [], "cardData": {"base_model": "meta/llama"},
        "siblings": [{"rfilename": "llama.Q4_K_M.gguf"}]}
PARENT = {"id": "meta/llama", "info": {"id": "meta/llama", "tags": []},
          "quantized": "https://huggingface.co/me/q, https://huggingface.co/x/q2",
          "children": ["https://huggingface.co/me/llama-ft"]}


def _dump(tmp_path, rows, name="dump.jsonl.gz"):
    path = tmp_path / name
    with gzip.open(path, "wt") as handle:
        for row in rows:
            handle.write(json.dumps(row) + "\n")
    return path


def _links(records):
    return {(d.child, d.parent, d.relation, d.relation_source)
            for d in records if isinstance(d, Derivation)}


def test_relations_from_tags_cards_inference_and_lineage(tmp_path):
    records = list(list_records(_dump(tmp_path, [TAGGED, CARD, ADAPTER, MERGE, GGUF, PARENT])))
    assert _links(records) == {
        ("me/llama-ft", "meta/llama", "finetune", "tag"),
        ("me/q", "meta/llama", "quantized", "card"),
        ("me/lora", "meta/llama", "adapter", "inferred"),
        ("me/merged", "a/x", "merge", "inferred"), ("me/merged", "b/y", "merge", "inferred"),
        ("me/llama-GGUF", "meta/llama", "quantized", "inferred"),
        ("me/q", "meta/llama", "quantized", "api"), ("x/q2", "meta/llama", "quantized", "api"),
        ("me/llama-ft", "meta/llama", "finetune", "api"),
    }
    repo = next(r for r in records if getattr(r, "repo", None) == "me/llama-ft")
    assert (repo.owner, repo.popularity, repo.license) == ("me", 3, "mit")
    assert repo.created_at == datetime(2024, 5, 1, 10, tzinfo=UTC)


def test_store_keeps_the_most_authoritative_source(tmp_path):
    path = _dump(tmp_path, [TAGGED, CARD, PARENT])
    with Store(tmp_path / "s.duckdb") as store:
        for _ in range(2):
            store.write(Provenance("hub-metadata", "x", datetime.now(UTC), "0"),
                        list_records(path))
        rows = set(map(tuple, store.frame(
            "SELECT child, relation_source FROM derivations").to_numpy()))
    # The tag beats the parent's lineage list, whichever comes first; api beats card.
    assert rows == {("me/llama-ft", "tag"), ("me/q", "api"), ("x/q2", "api")}


def test_parquet_dump(tmp_path):
    frame = pd.DataFrame([{"id": "me/a", "tags": ["base_model:adapter:meta/llama"],
                           "likes": 1}])
    frame.to_parquet(tmp_path / "d.parquet")
    assert _links(list_records(tmp_path / "d.parquet")) == {
        ("me/a", "meta/llama", "adapter", "tag")}


def test_malformed_rows_name_file_and_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(TAGGED) + "\n{not json\n")
    with pytest.raises(ConfigError, match=r"bad.jsonl:2: invalid JSON"):
        list(read_entries(path))
    (tmp_path / "x.txt").write_text("")
    with pytest.raises(ConfigError, match="unknown dump format"):
        list(read_entries(tmp_path / "x.txt"))


@pytest.fixture(scope="module")
def corpus_dump():
    path = CORPUS / "hf_models.jsonl.gz"
    if not path.exists():
        pytest.skip("../shared/corpus is absent: the Hub metadata corpus tests need it")
    return path


@pytest.mark.corpus
def test_corpus_reads_every_model_and_keeps_every_tagged_relation(corpus_dump, tmp_path):
    with gzip.open(corpus_dump, "rt") as handle:
        lines = sum(1 for line in handle if line.strip())
    entries = list(read_entries(corpus_dump))
    assert len(entries) == lines
    tagged = {(e.id, t.split(":", 2)[2]) for e in entries for t in e.tags
              if t.startswith("base_model:finetune:")}
    links = _links(list_records(corpus_dump))
    assert tagged <= {(c, p) for c, p, r, s in links if r == "finetune" and s == "tag"}


@pytest.mark.corpus
def test_corpus_relation_inference_validation(corpus_dump):
    result = api.validate_relations(corpus_dump)
    assert result["n"] > 1900
    confusion = result["confusion"]["finetune"]
    assert sum(confusion.values()) == result["n"]
    # Every disagreement is explained by the repository's own evidence (docs/derivations.md).
    assert result["accuracy"] == pytest.approx(confusion["finetune"] / result["n"])
    assert 0.5 < result["accuracy"] < 1.0


def test_parameters_and_storage_of_real_model_records(tmp_path):
    """Each real record's parameters are its ``safetensors`` total (unknown without one,
    never 0) and its storage its ``usedStorage``."""
    path = CORPUS / "hf_models.jsonl.gz"
    if not path.exists():
        pytest.skip("the shared corpus of real Hub model records is absent")
    with gzip.open(path, "rt") as lines:
        infos = {row["id"]: row["info"] for row in map(json.loads, lines)}
    entries = {entry.id: entry for entry in read_entries(path)}
    for model, info in infos.items():
        counted = (info.get("safetensors") or info.get("gguf") or {}).get("total")
        assert entries[model].parameters == counted, model
        assert entries[model].storage_bytes == info.get("usedStorage"), model
    known = sum(e.parameters is not None for e in entries.values())
    assert 0 < known < len(entries)
    assert all(e.parameters != 0 for e in entries.values())


def test_parameters_sum_the_data_types_when_no_total_is_given(tmp_path):
    row = {"id": "me/m", "safetensors": {"parameters": {"F32": 10, "BF16": 5}},
           "usedStorage": 1_024}
    (entry,) = read_entries(_dump(tmp_path, [row]))
    assert (entry.parameters, entry.storage_bytes) == (15, 1_024)
    (bare,) = read_entries(_dump(tmp_path, [{"id": "me/n"}], "bare.jsonl.gz"))
    assert (bare.parameters, bare.storage_bytes) == (None, None)
