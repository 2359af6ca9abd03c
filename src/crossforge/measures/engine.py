"""Where the measures' SQL runs: DuckDB (the store itself, the default) or Apache Spark.

Every measure is one DuckDB SQL text run through ``engine.frame(sql, params)``. On Spark the
same text is transpiled with sqlglot (DuckDB dialect → Spark dialect) and run on the store's
tables exported as Parquet, so no measure is written twice (``docs/measures.md`` § Engines).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol

import pandas as pd

from crossforge.defaults import COMPARED_KINDS
from crossforge.errors import ConfigError
from crossforge.store import Store

ENGINES: tuple[str, ...] = ("duckdb", "spark")
#: Every repository kind; ``COMPARED_KINDS`` (``crossforge.defaults``) are those compared
#: by default.
KINDS: tuple[str, ...] = ("code", "model", "dataset", "space")
#: Tables whose rows belong to one repository, and the column naming it.
_REPOSITORY_ROWS = {"repositories": "repo", "commits": "repo", "threads": "repo",
                    "comments": "repo", "thread_labels": "repo", "derivations": "child"}


#: The bot accounts, the row source measures left-join to tell bots from people
#: (``coalesce(a.type, 'user') <> 'bot'``, ``a.type = 'bot'``): the same rows as joining
#: every account, but the join's hash table holds a handful of bots instead of millions of
#: accounts, which made each such join over commits or comments about 3x cheaper.
BOT_ACCOUNTS = "(SELECT platform, login, type FROM accounts WHERE type = 'bot')"

_UNITS = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def memory_bytes(limit: str) -> int:
    """A DuckDB-style size (``"4.5GB"``, ``"512MiB"``) in bytes.

    Raises:
        ConfigError: a size that is not a number followed by a unit.
    """
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b|b)\s*", limit.lower())
    if not match:
        raise ConfigError(f"memory limit {limit!r} is not a size such as 4GB or 512MiB")
    return int(float(match[1]) * _UNITS[match[2]])


class Engine(Protocol):
    """Anything that runs a measure's SQL and returns a DataFrame (``Store`` is one), and
    holds an intermediate result as a temporary table a measure's later queries read."""

    def frame(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame: ...

    def temp_table(self, name: str, sql: str, params: list[Any] | None = None
                   ) -> AbstractContextManager[None]:
        """The result of ``sql`` readable as the table ``name`` inside the block."""


def restrict_kinds(store: Store, kinds: tuple[str, ...] = COMPARED_KINDS) -> int:
    """Let this connection see only repositories of ``kinds`` and their rows
    (``restrict_repositories`` over every stored repository). Returns those left out.

    Raises:
        ConfigError: an unknown kind.
    """
    return restrict_repositories(store, kinds=kinds, study_only=False)


def restrict_repositories(store: Store, *, kinds: tuple[str, ...] = COMPARED_KINDS,
                          frame: str | None = None, study_only: bool = True) -> int:
    """Let this connection see only the measured repositories and their rows.

    The measured repositories are those of ``kinds`` that belong to the study: with
    ``frame``, that frame's; otherwise, when the store holds any frame, every frame's plus
    those ``import git`` brought (a ``git`` provenance on the repository or its commits);
    in a store without frames (a git-only study), all of them. So a Hub metadata dump adds
    lineage without adding measured repositories. Derivations are narrowed by kind only:
    lineage reads every stored edge, including children outside the frame.

    Temporary views named like the tables shadow them (DuckDB resolves ``temp`` first), so
    every measure's SQL, and Spark's export, reads the narrowed store unchanged. Nothing is
    shadowed when nothing is left out. Returns the repositories left out.

    Raises:
        ConfigError: an unknown kind, or a frame the store does not hold.
    """
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown or not kinds:
        raise ConfigError(f"unknown repository kind {', '.join(unknown) or '(none)'}: choose "
                          f"from {', '.join(KINDS)}")
    catalog = store.query("SELECT current_database()").fetchone()[0]
    main = f'"{catalog}".main'
    in_frame = (f"EXISTS (SELECT 1 FROM {main}.frames f WHERE f.platform = r.platform "
                "AND f.repo = r.repo{})")
    in_study = None
    if frame is not None:
        _check_frame(store, frame)
        in_study = in_frame.format(f" AND f.frame = {_literal(frame)}")
    elif study_only and store.query("SELECT count(*) FROM frames").fetchone()[0]:
        in_study = (f"({in_frame.format('')} OR EXISTS (SELECT 1 FROM "
                    f"({_GIT_IMPORTED.format(main=main)}) g "
                    "WHERE g.platform = r.platform AND g.repo = r.repo))")
    other_kind = f"r.kind NOT IN ({', '.join(_literal(k) for k in kinds)})"
    outside = other_kind if in_study is None else f"({other_kind} OR NOT {in_study})"
    store.query("CREATE OR REPLACE TEMP TABLE unmeasured_repositories AS SELECT r.platform, "
                f"r.repo, {other_kind} AS other_kind FROM {main}.repositories r "
                f"WHERE {outside}")
    left_out = store.query("SELECT count(*) FROM unmeasured_repositories").fetchone()[0]
    if not left_out:
        return 0
    for table, column in _REPOSITORY_ROWS.items():
        lineage = " AND o.other_kind" if table == "derivations" else ""
        store.query(f"CREATE OR REPLACE TEMP VIEW {table} AS SELECT * FROM {main}.{table} t "
                    "WHERE NOT EXISTS (SELECT 1 FROM unmeasured_repositories o WHERE "
                    f"o.platform = t.platform AND o.repo = t.{column}{lineage})")
    return int(left_out)


#: Repositories ``import git`` wrote: the repository row or any of its commits.
_GIT_IMPORTED = """
SELECT r.platform, r.repo FROM {main}.repositories r
JOIN {main}.provenance p ON p.id = r.provenance_id WHERE p.source = 'git'
UNION SELECT DISTINCT c.platform, c.repo FROM {main}.commits c
WHERE c.provenance_id IN (SELECT id FROM {main}.provenance WHERE source = 'git')
"""


def _check_frame(store: Store, frame: str) -> None:
    """Raise a one-line error naming the stored frames when ``frame`` is not one."""
    names = [name for (name,) in store.query(
        "SELECT DISTINCT frame FROM frames ORDER BY frame").fetchall()]
    if frame not in names:
        raise ConfigError(f"no frame {frame!r} in the store (frames: "
                          f"{', '.join(names) or 'none'})")


def _literal(text: str) -> str:
    """``text`` as a SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


@contextmanager
def open_engine(store: Store, engine: str = "duckdb", *, threads: int | None = None,
                memory_limit: str | None = None, kinds: tuple[str, ...] | None = None,
                frame: str | None = None) -> Iterator[Engine]:
    """The engine named ``engine`` over ``store``, with its threads and memory capped;
    with ``kinds``, over the study's repositories of those kinds, or ``frame``'s
    (``restrict_repositories``).

    Raises:
        ConfigError: an unknown engine or kind, or Spark without pyspark installed.
    """
    if memory_limit:
        memory_bytes(memory_limit)     # a bad size fails here, before any engine starts
    if engine not in ENGINES:
        raise ConfigError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if kinds is not None:
        restrict_repositories(store, kinds=kinds, frame=frame)
    if engine == "duckdb":
        store.query("SET TimeZone = 'UTC'")     # as Spark's session: results print alike
        if threads:
            store.query(f"SET threads = {int(threads)}")
        if memory_limit:
            store.query("SET memory_limit = ?", [memory_limit])
        yield store
        return
    from crossforge.measures.spark import SparkEngine

    with SparkEngine(store, threads=threads, memory_limit=memory_limit) as spark:
        yield spark
