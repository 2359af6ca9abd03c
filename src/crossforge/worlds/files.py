"""World files: neutral records as JSON lines, the input of the API emulator.

A world file describes what two platforms hold (repositories, accounts, commits, threads,
comments, memberships, derivations, README and model card texts). The emulator serves it in
each platform's own API shapes; a collection from the emulator must give back the same
records, which is how the collectors are tested end to end. One line per record:
``{"record": "Commit", ...fields}``, datetimes in ISO 8601 UTC, tuples as lists. Lines may
be gzip-compressed (``.gz``).
"""

from __future__ import annotations

import dataclasses
import gzip
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from crossforge.errors import ConfigError
from crossforge.records import DocumentText, Repository
from crossforge.store.schema import PLATFORM_RECORDS

#: What platforms serve: the stored platform records, and document texts (no table: the
#: collector derives project links, documentation and dataset links from them).
RECORD_TYPES: dict[str, type] = {
    cls.__name__: cls for cls in (*PLATFORM_RECORDS, DocumentText)
}
_DATETIME_FIELDS = {
    name: {f.name for f in dataclasses.fields(cls) if "datetime" in str(f.type)}
    for name, cls in RECORD_TYPES.items()
}


def _open(path: Path, mode: str) -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, mode + "t", encoding="utf-8")  # type: ignore[return-value]
    return path.open(mode, encoding="utf-8")


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def write_world(path: str | Path, records: Iterable[object]) -> int:
    """Write ``records`` to a world file; returns the number of lines written.

    The file appears only when every record is written, so bad input never leaves a partial
    or empty world behind (nor replaces a good one)."""
    path = Path(path)
    partial = path.with_name(f"{path.stem}.partial{path.suffix}")
    count = 0
    try:
        with _open(partial, "w") as handle:
            for record in records:
                name = type(record).__name__
                if name not in RECORD_TYPES:
                    raise ConfigError(f"cannot put a {name} in a world file")
                row = {"record": name}
                row.update({f.name: _encode(getattr(record, f.name))
                            for f in dataclasses.fields(record)})  # type: ignore[arg-type]
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
                count += 1
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(path)
    return count


#: Repository fields a platform's answer must hold, per platform, so the emulator serves a
#: placeholder (0, a user) where a world record has none: GitHub's schema requires
#: ``stargazers_count``, ``forks_count`` and ``owner.type``; the Hub's listing gives likes and
#: downloads, and an owner is a user unless its organisation listing answers. GitHub's
#: ``hasDiscussionsEnabled`` is required too (served ``false``): a world that did not observe
#: a board leaves it unknown, and so its discussion measures. A world record's empty field
#: says the world did not observe it (``docs/worlds.md``).
PLACEHOLDER_FIELDS: dict[str, tuple[str, ...]] = {
    "github": ("owner_type", "popularity", "forks", "has_discussions"),
    "huggingface": ("owner_type", "popularity", "downloads"),
}


def unobserved_values(records: Iterable[object]) -> dict[str, list[tuple[str, str]]]:
    """Per field of ``PLACEHOLDER_FIELDS``, the (platform, repository) pairs whose world
    record leaves it empty: values a collection from the emulator gets as placeholders."""
    unobserved: dict[str, list[tuple[str, str]]] = {}
    for record in records:
        if isinstance(record, Repository):
            for name in PLACEHOLDER_FIELDS.get(record.platform, ()):
                if getattr(record, name) is None:
                    unobserved.setdefault(name, []).append((record.platform, record.repo))
    return unobserved


def read_world(path: str | Path) -> Iterator[object]:
    """Yield the records of a world file, lazily.

    Raises:
        ConfigError: the file is missing, or a line is not a known record (with its number).
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"world file {path} does not exist")
    with _open(path, "r") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                name = row.pop("record")
                cls = RECORD_TYPES[name]
                for key in _DATETIME_FIELDS[name]:
                    if row.get(key):
                        row[key] = datetime.fromisoformat(row[key])
                if "co_authors" in row:
                    row["co_authors"] = tuple(row["co_authors"] or ())
                for key in ("touched", "organizations"):   # lists that may be null
                    if row.get(key) is not None:
                        row[key] = tuple(row[key])
                yield cls(**row)
            except (ValueError, KeyError, TypeError) as exc:
                raise ConfigError(f"{path}:{number}: not a world record ({exc})") from None
