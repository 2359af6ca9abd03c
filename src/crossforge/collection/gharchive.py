"""GH Archive as a population: repositories active in hourly dumps, read offline.

The only collection module that imports DuckDB: its streaming JSON reader aggregates the
dumps without materialising the events.
"""

from __future__ import annotations

import gzip
import tempfile
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from crossforge.collection.candidates import Candidate
from crossforge.errors import ConfigError
from crossforge.records import check_repo_id

#: GH Archive events that are reactions of outsiders rather than work on the repository.
REACTION_EVENTS = frozenset({"WatchEvent", "ForkEvent"})
#: From this day GH Archive PushEvent payloads carry no commit list or size (domain.md).
PUSH_COMMITS_DROPPED = date(2025, 10, 7)


@dataclass
class ArchiveActivity:
    """One repository's events in the dumps read."""

    repo: str
    events: int = 0
    types: Counter[str] = field(default_factory=Counter)
    commits: int = 0
    pushes_without_size: int = 0
    first_seen: str = ""
    last_seen: str = ""

    @property
    def activity(self) -> int:
        """Events that are work on the repository (stars and forks left out)."""
        return self.events - sum(self.types[t] for t in REACTION_EVENTS)


@dataclass
class ArchiveSummary:
    files: int = 0
    events: int = 0
    skipped_lines: int = 0
    damaged_files: list[str] = field(default_factory=list)
    first_event: str = ""
    last_event: str = ""


def archive_files(paths: Iterable[str | Path]) -> list[Path]:
    """The dump files named, a directory standing for the ``*.json.gz`` files under it."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            files += sorted(path.rglob("*.json.gz"))
        elif path.is_file():
            files.append(path)
        else:
            raise ConfigError(f"GH Archive dump {path} does not exist")
    if not files:
        raise ConfigError("no GH Archive dumps (*.json.gz) in the paths given")
    return files


#: The event fields read; the rest of each event (most of its bytes) is never materialised.
_EVENT_COLUMNS = ("{type: 'VARCHAR', created_at: 'VARCHAR', "
                  "repo: 'STRUCT(id BIGINT, name VARCHAR)', "
                  "repository: 'STRUCT(id BIGINT, name VARCHAR, owner VARCHAR)', "
                  "payload: 'STRUCT(size BIGINT, distinct_size BIGINT)'}")
#: Events without a repository (and malformed lines) form the group whose key is NULL.
_AGGREGATE = """
    WITH events AS (
        SELECT coalesce(repo.name, repository.owner || '/' || repository.name) AS name,
               coalesce(CAST(coalesce(repo.id, repository.id) AS VARCHAR),
                        repo.name, repository.owner || '/' || repository.name) AS key,
               type, created_at, coalesce(payload.distinct_size, payload.size) AS size
        FROM read_json($files, format = 'newline_delimited', compression = 'auto',
                       ignore_errors = true, columns = {columns}))
    SELECT key, arg_max(name, created_at), count(*), histogram(type),
           coalesce(sum(size) FILTER (WHERE type = 'PushEvent'), 0),
           count(*) FILTER (WHERE type = 'PushEvent' AND size IS NULL),
           min(created_at), max(created_at)
    FROM events GROUP BY key
""".replace("{columns}", _EVENT_COLUMNS)


def gharchive_activity(paths: Iterable[str | Path]
                       ) -> tuple[dict[str, ArchiveActivity], ArchiveSummary]:
    """Per-repository event counts from GH Archive hourly dumps, keyed by repository id.

    DuckDB's JSON reader streams the gzipped lines, reads only the fields above and groups
    by repository, spilling to disk when the groups outgrow memory. Events name their
    repository as ``repo: {id, name}`` (2015 on) or, in the 2011–2014 timeline format,
    ``repository: {id, owner, name}``; counting by id follows a rename within the dumps and
    keeps the newest name. Commits are summed from PushEvent ``distinct_size`` (or ``size``)
    where present; payloads from 2025-10-07 lack them, so such pushes are counted apart and
    ``activity`` counts events, never commits. Malformed lines and events without a
    repository are skipped and counted; a file cut short (an interrupted download) is read
    up to the damage and reported.
    """
    files = archive_files(paths)
    summary = ArchiveSummary(files=len(files))
    with tempfile.TemporaryDirectory(prefix="crossforge-gharchive-") as scratch:
        readable = list(files)
        while True:
            try:
                rows = _aggregate(readable, Path(scratch))
                break
            except duckdb.IOException as exc:
                damaged = next((f for f in readable if str(f) in str(exc)), None)
                if damaged is None:
                    raise ConfigError(f"cannot read the GH Archive dumps: "
                                      f"{str(exc).splitlines()[0]}") from None
                summary.damaged_files.append(damaged.name)
                readable[readable.index(damaged)] = _salvage(damaged, Path(scratch))
    repos: dict[str, ArchiveActivity] = {}
    for key, name, events, types, commits, unsized, first, last in rows:
        if first is not None:
            summary.first_event = min(summary.first_event or first, first)
            summary.last_event = max(summary.last_event, last)
        if key is None:
            summary.skipped_lines += events
            continue
        try:
            check_repo_id(name)
        except ConfigError:
            summary.skipped_lines += events
            continue
        summary.events += events
        repos[key] = ArchiveActivity(name, events=events, types=Counter(types),
                                     commits=int(commits), pushes_without_size=unsized,
                                     first_seen=first or "", last_seen=last or "")
    return repos, summary


def _aggregate(files: list[Path], scratch: Path) -> list[tuple[Any, ...]]:
    with duckdb.connect(config={"temp_directory": str(scratch)}) as connection:
        return connection.execute(_AGGREGATE, {"files": [str(f) for f in files]}).fetchall()


def _salvage(path: Path, scratch: Path) -> Path:
    """The complete lines of a dump cut short, recompressed into the scratch directory."""
    salvaged = scratch / f"salvaged-{path.name}"
    with gzip.open(salvaged, "wt", encoding="utf-8") as out:
        try:
            with gzip.open(path, "rt", encoding="utf-8", errors="replace") as handle:
                for line in handle:
                    if line.endswith("\n"):
                        out.write(line)
        except (EOFError, zlib.error, OSError):
            pass  # everything before the damage was written
    return salvaged


def gharchive_candidates(activity: dict[str, ArchiveActivity]) -> list[Candidate]:
    return [Candidate(entry.repo, activity=entry.activity) for entry in activity.values()]


def archive_params(summary: ArchiveSummary, activity: dict[str, ArchiveActivity]
                   ) -> dict[str, Any]:
    """What to store about the dumps read (the per-repository counts drive the filter)."""
    late_pushes = sum(a.pushes_without_size for a in activity.values())
    return {"files": summary.files, "events": summary.events,
            "repositories_active": len(activity), "skipped_lines": summary.skipped_lines,
            "damaged_files": summary.damaged_files, "first_event": summary.first_event,
            "last_event": summary.last_event, "pushes_without_commit_counts": late_pushes,
            "activity": "events except " + ", ".join(sorted(REACTION_EVENTS))}
