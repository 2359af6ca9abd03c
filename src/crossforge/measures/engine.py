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
    """Let this connection see only repositories of ``kinds`` and their rows.

    Temporary views named like the tables shadow them (DuckDB resolves ``temp`` first), so
    every measure's SQL, and Spark's export, reads the narrowed store unchanged. Nothing is
    shadowed when the store holds no other kind. Returns the repositories left out.

    Raises:
        ConfigError: an unknown kind.
    """
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown or not kinds:
        raise ConfigError(f"unknown repository kind {', '.join(unknown) or '(none)'}: choose "
                          f"from {', '.join(KINDS)}")
    marks = ", ".join("?" for _ in kinds)
    left_out = store.query(f"SELECT count(*) FROM repositories WHERE kind NOT IN ({marks})",
                           list(kinds)).fetchone()[0]
    if not left_out:
        return 0
    catalog = store.query("SELECT current_database()").fetchone()[0]
    other = (f'SELECT platform, repo FROM "{catalog}".main.repositories '
             f"WHERE kind NOT IN ({', '.join(repr(k) for k in kinds)})")
    for table, column in _REPOSITORY_ROWS.items():
        store.query(f'CREATE OR REPLACE TEMP VIEW {table} AS SELECT * FROM "{catalog}".main.'
                    f"{table} t WHERE NOT EXISTS (SELECT 1 FROM ({other}) o "
                    f"WHERE o.platform = t.platform AND o.repo = t.{column})")
    return int(left_out)


@contextmanager
def open_engine(store: Store, engine: str = "duckdb", *, threads: int | None = None,
                memory_limit: str | None = None,
                kinds: tuple[str, ...] | None = None) -> Iterator[Engine]:
    """The engine named ``engine`` over ``store``, with its threads and memory capped;
    with ``kinds``, over those repository kinds only (``restrict_kinds``).

    Raises:
        ConfigError: an unknown engine or kind, or Spark without pyspark installed.
    """
    if memory_limit:
        memory_bytes(memory_limit)     # a bad size fails here, before any engine starts
    if engine not in ENGINES:
        raise ConfigError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if kinds is not None:
        restrict_kinds(store, kinds)
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
