"""Run the measures' DuckDB SQL on Apache Spark (local mode), unchanged.

The store's tables are exported as Parquet (DuckDB ``COPY``) and registered as Spark views
of the same names; each measure's SQL text is transpiled by sqlglot from the DuckDB dialect
to Spark SQL, its ``?`` parameters bound as literals. Results come back as pandas frames
with the dtypes DuckDB would give (UTC timestamps, nullable integers), so everything after
the SQL — igraph, statistics, outputs — is shared code.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import sqlglot
from sqlglot import exp
from sqlglot.tokens import Tokenizer, TokenType

from crossforge.errors import ConfigError, StoreError, first_line
from crossforge.measures.engine import memory_bytes
from crossforge.store import TABLES, Store

#: Every table a measure reads.
EXPORTED: tuple[str, ...] = (*TABLES.values(), "provenance", "thread_labels")


def to_spark_sql(sql: str, params: list[Any] | None = None) -> str:
    """``sql`` (DuckDB dialect, ``?`` placeholders) as Spark SQL with ``params`` bound.

    Two DuckDB semantics are made explicit for Spark: parameters are bound in text order,
    and decimal literals (``86400.0``) are doubles, as DuckDB's division produces.
    """
    bound, cursor, values = [], 0, list(params or [])
    marks = [t for t in Tokenizer().tokenize(sql) if t.token_type == TokenType.PLACEHOLDER]
    if len(marks) != len(values):
        raise ConfigError(f"{len(marks)} ? placeholders but {len(values)} parameters")
    for token, value in zip(marks, values, strict=True):
        bound += [sql[cursor:token.start], exp.convert(value).sql(dialect="duckdb")]
        cursor = token.end + 1
    tree = sqlglot.parse_one("".join(bound) + sql[cursor:], read="duckdb")

    def as_double(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Literal) and node.is_number and "." in node.this:
            return exp.cast(node.copy(), exp.DataType.build("double"))
        return node

    return tree.transform(as_double).sql(dialect="spark")


def jvm_memory(limit: str) -> str:
    """A DuckDB-style size (``"4.5GB"``, ``"512MiB"``) as whole mebibytes for the JVM
    (``"4291m"``): the JVM takes no fractions and ``4.5g`` stops it from starting.

    Raises:
        ConfigError: a size that is not a number followed by a unit.
    """
    return f"{max(1, memory_bytes(limit) // 2**20)}m"



class SparkEngine:
    """A local Spark session over a Parquet export of ``store``.

    Args:
        store: the store to read.
        threads: Spark local threads (``local[threads]``; default all cores).
        memory_limit: the driver's memory, e.g. ``"4GB"`` (Spark's own default otherwise).
        workdir: where the Parquet export goes (a temporary directory by default; removed
            on exit).
    """

    def __init__(self, store: Store, *, threads: int | None = None,
                 memory_limit: str | None = None, workdir: str | Path | None = None) -> None:
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:
            raise ConfigError("the spark engine needs pyspark: pip install 'crossforge[spark]'"
                              ) from exc
        self._store = store
        self._owned = workdir is None
        self._dir = Path(workdir or tempfile.mkdtemp(prefix="crossforge-spark-"))
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        builder = (SparkSession.builder.master(f"local[{threads or '*'}]")
                   .appName("crossforge-measures")
                   .config("spark.ui.enabled", "false")
                   .config("spark.sql.session.timeZone", "UTC")
                   .config("spark.sql.shuffle.partitions", str(max(2, 2 * (threads or 2))))
                   .config("spark.sql.execution.arrow.pyspark.enabled", "true")
                   .config("spark.sql.ansi.enabled", "false"))
        if memory_limit:
            builder = builder.config("spark.driver.memory", jvm_memory(memory_limit))
        self._builder = builder
        self.session = None

    def __enter__(self) -> SparkEngine:
        self._dir.mkdir(parents=True, exist_ok=True)
        for table in EXPORTED:
            target = self._dir / f"{table}.parquet"
            self._store.query(f"COPY (SELECT * FROM {table}) TO '{target}' (FORMAT parquet)")
        self.session = self._builder.getOrCreate()
        self.session.sparkContext.setLogLevel("ERROR")
        for table in EXPORTED:
            self.session.read.parquet(str(self._dir / f"{table}.parquet")) \
                .createOrReplaceTempView(table)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.session is not None:
            self.session.stop()
            self.session = None
        if self._owned:
            shutil.rmtree(self._dir, ignore_errors=True)

    def _sql(self, sql: str, params: list[Any] | None) -> Any:
        """``sql`` as a Spark DataFrame (lazy)."""
        if self.session is None:
            raise StoreError("the spark engine is not open")
        return self.session.sql(to_spark_sql(sql, params))

    @contextmanager
    def temp_table(self, name: str, sql: str, params: list[Any] | None = None
                   ) -> Iterator[None]:
        """Hold the result of ``sql`` as the view ``name`` for the block, cached (memory,
        then disk) so the queries reading it compute it once, as DuckDB's temporary table."""
        from pyspark import StorageLevel

        try:
            table = self._sql(sql, params).persist(StorageLevel.MEMORY_AND_DISK)
            table.createOrReplaceTempView(name)
        except Exception as exc:  # pyspark raises many types; report one line
            raise StoreError(f"spark query failed: {first_line(exc)}") from exc
        try:
            yield
        finally:
            self.session.catalog.dropTempView(name)
            table.unpersist()

    def frame(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        """Run one measure's DuckDB SQL on Spark and return what DuckDB would."""
        try:
            result = self._sql(sql, params).toPandas()
        except StoreError:
            raise
        except Exception as exc:  # pyspark raises many types; report one line
            raise StoreError(f"spark query failed: {first_line(exc)}") from exc
        for column in result.columns:
            if pd.api.types.is_string_dtype(result[column]):   # DuckDB: objects, None
                values = result[column].astype(object)
                result[column] = values.where(values.notna(), None)
            elif pd.api.types.is_datetime64_any_dtype(result[column]):
                values = result[column]
                result[column] = (values.dt.tz_localize("UTC") if values.dt.tz is None
                                  else values.dt.tz_convert("UTC"))
        return result
