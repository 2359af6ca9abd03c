"""The store: the only code that opens DuckDB.

``Store`` (``database``) holds the platform-neutral tables with provenance; ``schema`` is the
one list of tables and their migrations; ``snapshot`` writes and reads replication packages;
``shards`` splits a frame across machines and merges their stores; ``queries`` answers
read-only questions about the store's provenance; ``verification`` compares a store with a
rebuild of its raw store.
"""

from crossforge.store.database import DEFAULT_DB, Store, provenance_key
from crossforge.store.schema import MIGRATIONS, SCHEMA, SCHEMA_VERSION, TABLES, Table

__all__ = ["DEFAULT_DB", "MIGRATIONS", "SCHEMA", "SCHEMA_VERSION", "TABLES", "Store", "Table",
           "provenance_key"]
