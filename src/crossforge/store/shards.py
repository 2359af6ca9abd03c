"""Scale-out: split a frame into shards for several machines or tokens, and merge their stores.

A repository belongs to shard ``I`` of ``N`` when a hash of its id (``platform:repo``) says
so: the split depends on nothing but the id, so every machine computes the same one from the
same frame, with no coordination. Each shard collects into its own database and raw store;
``merge`` copies the shards' rows (records, provenance, checkpoints and their notes, frames)
into one database and their raw segments into one raw store, so ``rebuild`` and provenance
keep working.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Sequence
from pathlib import Path

from crossforge.errors import ConfigError, StoreError
from crossforge.store import Store
from crossforge.store.schema import MERGED_TABLES


def parse_shard(text: str) -> tuple[int, int]:
    """``"I/N"`` (1 ≤ I ≤ N) as ``(I, N)``; anything else is a ``ConfigError``."""
    index, _, count = text.partition("/")
    if not (index.strip().isdigit() and count.strip().isdigit()):
        raise ConfigError(f"--shard must look like I/N (e.g. 2/4), not {text!r}")
    i, n = int(index), int(count)
    if not 1 <= i <= n:
        raise ConfigError(f"--shard {text}: I must be between 1 and N")
    return i, n


def shard_of(platform: str, repo: str, count: int) -> int:
    """The shard (1-based) of a repository among ``count``: a stable hash of its id."""
    digest = hashlib.sha256(f"{platform}:{repo}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def select(frame: Sequence[tuple[str, str]], shard: tuple[int, int]
           ) -> list[tuple[str, str]]:
    """The part of ``frame`` that shard ``(I, N)`` collects, in frame order."""
    index, count = shard
    return [(p, r) for p, r in frame if shard_of(p, r, count) == index]


def merge(shards: Sequence[str | Path], out: str | Path, *,
          raws: Sequence[str | Path] = (), out_raw: str | Path | None = None
          ) -> dict[str, int]:
    """Combine shard databases into ``out`` (and their raw stores into ``out_raw``).

    Returns:
        Rows in ``out`` per merged table.
    """
    if not shards:
        raise ConfigError("merge needs at least one shard database")
    if Path(out).exists():
        raise ConfigError(f"{out} exists: merge writes a fresh database")
    for shard in shards:
        Store(shard, read_only=True).close()  # exists, is crossforge, schema not newer
    if raws:
        if out_raw is None:
            raise ConfigError("--raw-from needs --raw for the merged raw store")
        _merge_raw([Path(r) for r in raws], Path(out_raw))
    with Store(out) as store:
        for number, shard in enumerate(shards):
            alias = f"shard{number}"
            quoted = str(Path(shard).resolve()).replace("'", "''")
            store.query(f"ATTACH '{quoted}' AS {alias} (READ_ONLY)")
            try:
                with store.transaction():
                    # upserts on the primary keys: a row two shards share is kept once
                    for table in MERGED_TABLES:
                        store.query(f"INSERT OR REPLACE INTO {table} BY NAME "
                                    f"SELECT * FROM {alias}.{table}")
            finally:
                store.query(f"DETACH {alias}")
        return {table: store.query(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in MERGED_TABLES}


def _merge_raw(raws: list[Path], out: Path) -> None:
    """Copy every segment; names carry a timestamp and process id, so they do not clash."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        for raw in raws:
            if not raw.is_dir():
                raise ConfigError(f"raw store {raw} does not exist")
            for segment in sorted(raw.glob("responses-*.jsonl.gz")):
                target = out / segment.name
                if target.exists() and target.read_bytes() != segment.read_bytes():
                    raise StoreError(f"raw segment {segment.name} differs between shards")
                shutil.copyfile(segment, target)
    except OSError as exc:
        raise StoreError(f"cannot merge raw stores into {out}: {exc.strerror}") from None
