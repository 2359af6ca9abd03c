"""Source ``hub-metadata``: bulk Hugging Face Hub metadata dumps in the ``ModelInfo`` shape.

Reads JSON lines (optionally gzip-compressed) or Parquet where each row is either a
``huggingface_hub.ModelInfo`` as a dict (snake_case, as ``dataclasses.asdict`` gives it) or
the Hub API's own camelCase JSON (``/api/models?expand[]=...``), optionally wrapped as
``{"id", "info": {...}, "card", "children", "adapters", "quantized", "merges"}`` as model
family crawls store it. A researcher can start from a published snapshot and spend API
requests only on what it lacks.

Derivation relations come from, in order of authority (``relation_source``):

1. ``tag`` — the Hub's ``base_model:<relation>:<parent>`` tags;
2. ``card`` — card data ``base_model`` with an explicit ``base_model_relation``;
3. ``inferred`` — card data ``base_model`` without a relation: ``infer_relation`` decides
   from the repository's own evidence (rules in ``docs/derivations.md``);
4. ``api`` — lineage lists of a parent (``children``, ``adapters``, ``quantized``,
   ``merges``), as the Hub's model tree lists them.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from crossforge.errors import ConfigError
from crossforge.records import (
    RELATIONS,
    DatasetLink,
    Derivation,
    Documentation,
    ProfileLink,
    ProjectLink,
    Relation,
    Repository,
)
from crossforge.sources import cards

SOURCE = "hub-metadata"

_RELATION_TAG = re.compile(r"^base_model:(adapter|finetune|quantized|merge):(.+)$")
_PLAIN_BASE_TAG = re.compile(r"^base_model:(?!(?:adapter|finetune|quantized|merge):)(.+)$")
_SIBLING = re.compile(r"rfilename=(['\"])(.*?)\1")
_HUB_URL = re.compile(r"^https?://(?:www\.)?huggingface\.co/")
_FULL_WEIGHTS = re.compile(
    r"(^|/)(model|pytorch_model|diffusion_pytorch_model|tf_model|flax_model)"
    r"[-.\w]*\.(safetensors|bin|h5|msgpack)$")
_ADAPTER_WEIGHTS = re.compile(r"(^|/)adapter_model\.(safetensors|bin)$")
_QUANT_WORDS = re.compile(r"(^|[^a-z])(gguf|gptq|awq|exl2|bnb|bitsandbytes|4bit|4-bit|8bit|8-bit|"
                          r"int4|int8|nf4|fp8|mlx-[0-9]bit|quantized)([^a-z]|$)", re.IGNORECASE)
_LINEAGE: dict[str, Relation] = {"children": "finetune", "adapters": "adapter",
                                 "quantized": "quantized", "merges": "merge"}
_CAMEL = {"createdAt": "created_at", "lastModified": "last_modified", "cardData": "card_data",
          "pipelineTag": "pipeline_tag", "libraryName": "library_name", "modelId": "id",
          "usedStorage": "used_storage"}


@dataclass(frozen=True, slots=True)
class ModelEntry:
    """What one dump row says about one model, normalised."""

    id: str
    author: str | None
    created_at: datetime | None
    last_modified: datetime | None
    likes: int | None
    downloads: int | None
    tags: tuple[str, ...]
    card: dict[str, Any]
    library: str | None
    files: tuple[str, ...]
    config: dict[str, Any]
    lineage: dict[str, tuple[str, ...]]
    card_text: str | None = None
    children_count: int | None = None
    parameters: int | None = None
    storage_bytes: int | None = None


def read_entries(path: str | Path) -> Iterator[ModelEntry]:
    """Yield every model of a dump, lazily.

    Raises:
        ConfigError: missing file, unknown format, or a malformed row (with its number).
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"metadata dump {path} does not exist")
    for number, row in _rows(path):
        try:
            yield model_entry(row)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ConfigError(f"{path}:{number}: not a model metadata row ({exc})") from None


def _rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    name = path.name.lower()
    if name.endswith(".parquet"):
        import pyarrow.parquet as pq

        number = 0
        for batch in pq.ParquetFile(path).iter_batches(batch_size=2048):
            for row in batch.to_pylist():
                number += 1
                yield number, row
        return
    if not name.endswith((".jsonl", ".jsonl.gz", ".json", ".json.gz", ".ndjson")):
        raise ConfigError(f"{path}: unknown dump format (expected .jsonl[.gz] or .parquet)")
    opener = gzip.open if name.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:  # type: ignore[operator]
            for number, line in enumerate(handle, 1):
                if line.strip():
                    try:
                        yield number, json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise ConfigError(f"{path}:{number}: invalid JSON ({exc.msg})") from None
    except (OSError, EOFError) as exc:
        raise ConfigError(f"{path}: cannot read ({exc})") from None


def model_entry(row: dict[str, Any]) -> ModelEntry:
    """One ``ModelInfo``-shaped row (a dump line or an API answer, camelCase or snake_case)."""
    info = dict(row.get("info") or row)
    for camel, snake in _CAMEL.items():
        if camel in info and info.get(snake) is None:
            info[snake] = info[camel]
    model_id = str(info.get("id") or row["id"])
    card = info.get("card_data") or {}
    if isinstance(card, str):
        try:
            card = yaml.safe_load(card) or {}
        except yaml.YAMLError:
            card = {}
    if not isinstance(card, dict):
        card = {}
    files = tuple(_sibling_name(s) for s in info.get("siblings") or ())
    lineage = {key: tuple(_model_id(u) for u in _listed(row.get(key)) if u.strip())
               for key in _LINEAGE}
    children_count = _int(info.get("childrenModelCount", info.get("children_model_count")))
    if children_count is None and any(key in row for key in _LINEAGE):
        # a dump's lineage lists are the platform's children; a list left out is not 0
        children_count = len({child for children in lineage.values() for child in children})
    return ModelEntry(
        id=model_id, author=info.get("author"),
        created_at=_time(info.get("created_at")), last_modified=_time(info.get("last_modified")),
        likes=_int(info.get("likes")), downloads=_int(info.get("downloads")),
        tags=tuple(str(t) for t in info.get("tags") or ()), card=card,
        library=info.get("library_name"), files=files,
        config=info.get("config") if isinstance(info.get("config"), dict) else {},
        lineage=lineage,
        card_text=row.get("card") if isinstance(row.get("card"), str) else None,
        children_count=children_count,
        parameters=parameter_count(info.get("safetensors"), info.get("gguf")),
        storage_bytes=_int(info.get("used_storage")),
    )


def parameter_count(safetensors: Any, gguf: Any = None) -> int | None:
    """A model's parameters from the Hub's ``safetensors`` metadata (its ``total``, else the
    sum over data types of ``parameters``), else its ``gguf`` metadata's ``total``; ``None``
    when the Hub gives neither (a pickle-only model has an unknown count, not 0)."""
    if isinstance(safetensors, dict):
        if safetensors.get("total") is not None:
            return int(safetensors["total"])
        by_type = safetensors.get("parameters")
        if isinstance(by_type, dict) and by_type:
            return sum(int(count) for count in by_type.values())
    if isinstance(gguf, dict) and gguf.get("total") is not None:
        return int(gguf["total"])
    return None


def _listed(value: Any) -> list[str]:
    """Lineage lists come as lists or as comma-separated strings."""
    if not value:
        return []
    if isinstance(value, str):
        return value.split(",")
    return [str(v) for v in value]


def _sibling_name(sibling: Any) -> str:
    if isinstance(sibling, dict):
        return str(sibling.get("rfilename", ""))
    match = _SIBLING.search(str(sibling))
    return match.group(2) if match else str(sibling)


def _model_id(value: str) -> str:
    return _HUB_URL.sub("", str(value).strip()).strip("/")


def _time(value: Any) -> datetime | None:
    if not value:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def base_models(entry: ModelEntry) -> tuple[str, ...]:
    """The parents named in card data (a string or a list; URLs and spaces tolerated)."""
    value = entry.card.get("base_model")
    values = value if isinstance(value, list) else [value] if value else []
    return tuple(dict.fromkeys(_model_id(v) for v in values if isinstance(v, str) and v.strip()))


def infer_relation(entry: ModelEntry, parents: tuple[str, ...]) -> Relation:
    """Decide a derivative's relation from its own evidence when no tag or card says it.

    Rules, first match wins (rationale in ``docs/derivations.md``):

    1. **merge** — two or more parents, or a ``merge``/``mergekit`` tag, or card data with
       ``merge_method``.
    2. **adapter** — adapter weights (``adapter_model.*``) without full model weights, or
       ``library_name: peft``.
    3. **quantized** — GGUF files, a quantisation config in ``config.json``
       (``quantization_config``), or quantisation words (gguf, gptq, awq, exl2, bnb, 4bit,
       8bit, nf4, fp8, …) in tags, the library, or the model name.
    4. **finetune** — otherwise (a full set of new weights derived from the parent).
    """
    tags = {t.lower() for t in entry.tags}
    if len(parents) > 1 or tags & {"merge", "mergekit"} or "merge_method" in entry.card:
        return "merge"
    has_adapter = any(_ADAPTER_WEIGHTS.search(f) for f in entry.files)
    has_full = any(_FULL_WEIGHTS.search(f) for f in entry.files)
    if (has_adapter and not has_full) or (entry.library or "").lower() == "peft":
        return "adapter"
    name = entry.id.split("/")[-1]
    if (any(f.lower().endswith(".gguf") for f in entry.files)
            or "quantization_config" in entry.config
            or any(_QUANT_WORDS.search(t) for t in tags)
            or _QUANT_WORDS.search(entry.library or "") or _QUANT_WORDS.search(name)):
        return "quantized"
    return "finetune"


def hidden_tag_check(entry: ModelEntry) -> tuple[str, Relation] | None:
    """The model's one ``base_model:<relation>:`` tag and the relation inferred with its tags
    hidden (an explicit ``base_model_relation`` in card data is evidence and is used as such),
    so ``measures.relations`` can score inference against the Hub's own tags.

    ``None`` when the model has no single tagged relation or its card data names no parent
    (inference needs a parent).
    """
    hidden = {m.group(1) for t in entry.tags if (m := _RELATION_TAG.match(t))}
    parents = base_models(entry)
    if len(hidden) != 1 or not parents:
        return None
    declared = entry.card.get("base_model_relation")
    inferred = declared if declared in RELATIONS else infer_relation(entry, parents)
    return next(iter(hidden)), inferred


def derivations(entry: ModelEntry, *, use_tags: bool = True) -> list[Derivation]:
    """The model's links to its parents, and the lineage lists it carries for its children."""
    found: dict[tuple[str, str], Derivation] = {}
    tagged = [m.groups() for t in entry.tags if (m := _RELATION_TAG.match(t))] if use_tags else []
    for relation, parent in tagged:
        found[(parent, relation)] = Derivation("huggingface", entry.id, parent, relation, "tag")
    if not tagged:
        parents = base_models(entry) or tuple(
            m.group(1) for t in entry.tags if (m := _PLAIN_BASE_TAG.match(t))) if use_tags \
            else base_models(entry)
        declared = entry.card.get("base_model_relation")
        for parent in parents:
            if declared in _LINEAGE.values():
                found[(parent, declared)] = Derivation("huggingface", entry.id, parent,
                                                       declared, "card")
            else:
                relation = infer_relation(entry, parents)
                found[(parent, relation)] = Derivation("huggingface", entry.id, parent,
                                                       relation, "inferred")
    for key, relation in _LINEAGE.items():
        for child in entry.lineage.get(key, ()):
            found.setdefault((f"child:{child}", relation),
                             Derivation("huggingface", child, entry.id, relation, "api"))
    return [d for d in found.values() if d.child != d.parent]


def repository(entry: ModelEntry) -> Repository:
    """The model as a neutral repository record."""
    owner = entry.id.split("/", 1)[0] if "/" in entry.id else (entry.author or entry.id)
    license_ = entry.card.get("license") or next(
        (t.split(":", 1)[1] for t in entry.tags if t.startswith("license:")), None)
    if isinstance(license_, list):  # dataset cards may list several
        license_ = ",".join(map(str, license_))
    return Repository(
        platform="huggingface", repo=entry.id, kind="model", owner=owner,
        created_at=entry.created_at, last_modified=entry.last_modified,
        popularity=entry.likes, downloads=entry.downloads,
        license=str(license_) if license_ else None, children_count=entry.children_count,
        parameters=entry.parameters, storage_bytes=entry.storage_bytes,
    )


def card_records(entry: ModelEntry) -> Iterator[
        ProjectLink | Documentation | DatasetLink | ProfileLink]:
    """GitHub links, documentation features and datasets of the model's card (its text
    when the row carries it, ``card``; its card data always)."""
    yield from cards.card_records(entry.id, entry.card_text, entry.card)


def list_records(path: str | Path) -> Iterator[
        Repository | Derivation | ProjectLink | Documentation | DatasetLink | ProfileLink]:
    """Every model of the dump as a repository, followed by its derivation links and what
    its card says (``sources.cards``)."""
    for entry in read_entries(path):
        yield repository(entry)
        yield from derivations(entry)
        yield from card_records(entry)
