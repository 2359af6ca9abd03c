"""Default locations of the store and the raw store.

A module of its own, so the CLI can show the defaults in ``--help`` without importing the
store (DuckDB, pandas, pyarrow).
"""

DEFAULT_DB = "crossforge.duckdb"
DEFAULT_RAW = "crossforge-raw"
