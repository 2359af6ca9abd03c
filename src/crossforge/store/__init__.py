"""The store: the only code that opens DuckDB.

``Store`` (``database``) holds the platform-neutral tables with provenance; ``schema`` is the
one list of tables and their migrations; ``snapshot`` writes and reads replication packages;
``shards`` splits a frame across machines and merges their stores; ``queries`` answers
read-only questions about the store's provenance.
"""

from crossforge.store.database import (
    DEFAULT_DB,
    MIGRATIONS,
    SCHEMA_VERSION,
    TABLES,
    Store,
    provenance_key,
)

__all__ = ["DEFAULT_DB", "MIGRATIONS", "SCHEMA_VERSION", "TABLES", "Store", "provenance_key"]
