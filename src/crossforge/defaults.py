"""Default locations of the store and the raw store, and the repository kinds compared.

A module of its own, so the CLI can show the defaults in ``--help`` without importing the
store (DuckDB, pandas, pyarrow).
"""

DEFAULT_DB = "crossforge.duckdb"
DEFAULT_RAW = "crossforge-raw"
#: Repository kinds the measures compare by default: GitHub code with Hub models (datasets
#: and spaces, when collected, are left out unless asked for).
COMPARED_KINDS: tuple[str, ...] = ("code", "model")
