"""Where the measures' SQL runs: DuckDB (the store itself, the default) or Apache Spark.

Every measure is one DuckDB SQL text run through ``engine.frame(sql, params)``. On Spark the
same text is transpiled with sqlglot (DuckDB dialect → Spark dialect) and run on the store's
tables exported as Parquet, so no measure is written twice (``docs/measures.md`` § Engines).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import pandas as pd

from crossforge.errors import ConfigError
from crossforge.store import Store

ENGINES: tuple[str, ...] = ("duckdb", "spark")


class Engine(Protocol):
    """Anything that runs a measure's SQL and returns a DataFrame (``Store`` is one)."""

    def frame(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame: ...


@contextmanager
def open_engine(store: Store, engine: str = "duckdb", *, threads: int | None = None,
                memory_limit: str | None = None) -> Iterator[Engine]:
    """The engine named ``engine`` over ``store``, with its threads and memory capped.

    Raises:
        ConfigError: an unknown engine, or Spark without pyspark installed.
    """
    if engine not in ENGINES:
        raise ConfigError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
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
