"""Whether a store still holds what its raw store says: every table a rebuild can make,
compared row by row with a rebuild of the raw store.

DuckDB checks a block's checksum only when a query reads that block, so damage in a table
no query touches goes unnoticed, and a wrong row written through DuckDB carries a valid
checksum. Comparing with a rebuild reads every row of every rebuilt table and checks its
values; the tables a rebuild cannot make are read in full, so DuckDB checks their blocks.
The checked store is attached read-only: verifying never writes to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from crossforge.errors import StoreError, first_line
from crossforge.store.database import Store
from crossforge.store.schema import SCHEMA, SCHEMA_VERSION

#: Tables a rebuild of the raw store fills: the records parsed from answers, and provenance.
REBUILT_TABLES: tuple[str, ...] = tuple(
    t.name for t in SCHEMA if t.record is not None or t.name == "provenance")
#: Tables a rebuild cannot make (frames, checkpoints, failures, labels, study steps …): they
#: are named as not verifiable.
UNVERIFIABLE_TABLES: tuple[str, ...] = tuple(
    t.name for t in SCHEMA if t.name not in REBUILT_TABLES)
#: Columns left out of the comparison: the crossforge version that parsed the answers
#: (a rebuild stamps its own).
IGNORED_COLUMNS: dict[str, tuple[str, ...]] = {"provenance": ("tool_version",)}
#: A row came from the raw store when its provenance names a raw record.
_FROM_RAW = "origin LIKE 'raw:%'"
_KEYS = {t.name: t.key for t in SCHEMA}
_CHECKED = "checked"


@dataclass(frozen=True, slots=True)
class TableCheck:
    """One table of the checked store against the rebuild.

    Attributes:
        table: the table's name.
        stored: rows in the store that came from the raw store.
        rebuilt: rows the rebuild made.
        only_stored: stored rows the rebuild does not have (a changed row counts here and in
            ``only_rebuilt``).
        only_rebuilt: rebuilt rows the store does not have.
        other_sources: rows in the store from other sources (a git clone, a metadata dump, a
            world file): a rebuild cannot make them, so they are not compared.
        error: why the table could not be read (DuckDB's message, e.g. a block checksum).
        verifiable: a rebuild makes the table; otherwise it was only read in full
            (``stored`` rows), with nothing to compare it with.
    """

    table: str
    stored: int = 0
    rebuilt: int = 0
    only_stored: int = 0
    only_rebuilt: int = 0
    other_sources: int = 0
    error: str | None = None
    verifiable: bool = True

    @property
    def equal(self) -> bool:
        """Readable, and (when verifiable) the same rows as the rebuild."""
        return self.error is None and self.only_stored == 0 and self.only_rebuilt == 0


def compare_with_rebuild(db: str | Path, rebuilt: Store) -> list[TableCheck]:
    """Compare every table of ``REBUILT_TABLES`` in the store ``db`` (attached read-only)
    with the same table of ``rebuilt``, a store the raw store was rebuilt into; then read
    every row of the ``UNVERIFIABLE_TABLES`` (their checks have ``verifiable`` false)."""
    path = str(Path(db).resolve()).replace("'", "''")
    try:
        rebuilt.query(f"ATTACH '{path}' AS {_CHECKED} (READ_ONLY)")
    except StoreError as exc:
        raise StoreError(f"cannot open database {db}: {_reason(exc)}") from None
    try:
        _check_version(db, rebuilt)
        return [*(_compare(rebuilt, table) for table in REBUILT_TABLES),
                *(_read(rebuilt, table) for table in UNVERIFIABLE_TABLES)]
    finally:
        rebuilt.query(f"DETACH {_CHECKED}")


def _check_version(db: str | Path, rebuilt: Store) -> None:
    try:
        row = rebuilt.query(f"SELECT max(version) FROM {_CHECKED}.main.schema_version"
                            ).fetchone()
    except StoreError:
        raise StoreError(f"{db} is not a crossforge database") from None
    version = int(row[0] or 0) if row else 0
    if version > SCHEMA_VERSION:
        raise StoreError(f"{db} has schema version {version}, newer than this crossforge "
                         f"knows ({SCHEMA_VERSION}); upgrade crossforge")
    if version < SCHEMA_VERSION:
        raise StoreError(f"{db} has schema version {version}, older than this crossforge's "
                         f"({SCHEMA_VERSION}): verify only reads, so let another command "
                         "(e.g. crossforge measure) migrate it first")


def _compare(rebuilt: Store, table: str) -> TableCheck:
    columns = [name for (name,) in rebuilt.query(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND table_name = ? ORDER BY column_index", [table]
    ).fetchall() if name not in IGNORED_COLUMNS.get(table, ())]
    listed = ", ".join(f'"{c}"' for c in columns)
    checked = f"{_CHECKED}.main.{table}"
    if table == "provenance":
        from_raw = _FROM_RAW
    else:
        from_raw = (f"provenance_id IN (SELECT id FROM {_CHECKED}.main.provenance "
                    f"WHERE {_FROM_RAW})")
    same_key = " AND ".join(f'o."{k}" IS NOT DISTINCT FROM r."{k}"' for k in _KEYS[table])
    sql = f"""
        WITH stored AS (SELECT {listed} FROM {checked} WHERE {from_raw}),
             other AS (SELECT * FROM {checked} WHERE NOT ({from_raw})),
             made AS (SELECT {listed} FROM main.{table} r
                      WHERE NOT EXISTS (SELECT 1 FROM other o WHERE {same_key}))
        SELECT (SELECT count(*) FROM stored), (SELECT count(*) FROM made),
               (SELECT count(*) FROM (FROM stored EXCEPT ALL FROM made)),
               (SELECT count(*) FROM (FROM made EXCEPT ALL FROM stored)),
               (SELECT count(*) FROM other)"""
    try:
        row = rebuilt.query(sql).fetchone()
    except StoreError as exc:
        return TableCheck(table, error=_reason(exc))
    assert row is not None
    return TableCheck(table, *(int(value) for value in row))


def _read(rebuilt: Store, table: str) -> TableCheck:
    """Read every value of a table a rebuild cannot make (a hash of each row), so DuckDB
    checks the checksum of every block holding it."""
    try:
        row = rebuilt.query(f"SELECT count(*), sum(hash(row)) FROM {_CHECKED}.main.{table} "
                            "AS row").fetchone()
    except StoreError as exc:
        return TableCheck(table, error=_reason(exc), verifiable=False)
    return TableCheck(table, stored=int(row[0]) if row else 0, verifiable=False)


def _reason(exc: StoreError) -> str:
    """DuckDB's own message under a ``StoreError`` (not the query that met it)."""
    return first_line(exc.__cause__) if exc.__cause__ is not None else str(exc)
