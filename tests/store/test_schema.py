"""The one table list agrees with the tables the migrations create."""

import dataclasses
from datetime import UTC, datetime

import pandas as pd

from crossforge.records import (
    Commit,
    Derivation,
    Documentation,
    ForumLink,
    ForumPost,
    ForumTopic,
    Membership,
    Profile,
    ProfileLink,
    ProjectLabel,
    Provenance,
    Repository,
)
from crossforge.store import SCHEMA, Store
from crossforge.store.snapshot import _pseudonymising_selects

PROV = Provenance("test", "unit", datetime(2026, 1, 1, tzinfo=UTC), "0")
#: Columns the store sets to the time of writing.
_NOW = {"labelled_at", "updated_at", "finished_at", "applied_at"}


def _tables(store: Store) -> dict[str, tuple[list[str], list[str]]]:
    """Each table's columns and primary key, as the migrated database has them."""
    columns = store.query(
        "SELECT table_name, list(column_name ORDER BY column_index) FROM duckdb_columns() "
        "WHERE NOT internal AND table_name <> 'schema_version' GROUP BY table_name").fetchall()
    keys = dict(store.query(
        "SELECT table_name, constraint_column_names FROM duckdb_constraints() "
        "WHERE constraint_type = 'PRIMARY KEY'").fetchall())
    return {name: (cols, keys[name]) for name, cols in columns}


def test_schema_lists_every_table_once_with_its_primary_key(tmp_path):
    with Store(tmp_path / "s.duckdb") as store:
        held = _tables(store)
    assert [t.name for t in SCHEMA] == list(dict.fromkeys(t.name for t in SCHEMA))
    assert {t.name for t in SCHEMA} == set(held)
    for table in SCHEMA:
        assert list(table.key) == held[table.name][1], table.name


def test_record_tables_hold_their_fields_and_provenance(tmp_path):
    with Store(tmp_path / "s.duckdb") as store:
        held = _tables(store)
    for table in SCHEMA:
        if table.record is not None:
            fields = {f.name for f in dataclasses.fields(table.record)}
            assert {*fields, "provenance_id"} == set(held[table.name][0]), table.name


def test_every_table_a_snapshot_carries_is_pseudonymised():
    assert set(_pseudonymising_selects()) == {t.name for t in SCHEMA if t.snapshot}


def _reverse_columns(store: Store) -> None:
    """Rebuild every (empty) table with its columns in reverse order."""
    for table in SCHEMA:
        columns = store.query(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? "
            "ORDER BY column_index DESC", [table.name]).fetchall()
        store.query(f"DROP TABLE {table.name}")
        store.query(f"CREATE TABLE {table.name} ({', '.join(f'{n} {t}' for n, t in columns)}, "
                    f"PRIMARY KEY ({', '.join(table.key)}))")


def _fill(store: Store) -> dict[str, list[tuple]]:
    """Write through every Store writer; each table's rows, columns by name."""
    at = datetime(2025, 1, 1, tzinfo=UTC)
    store.write(PROV, [
        Repository("huggingface", "acme/m", "model", "acme"),
        Commit("huggingface", "acme/m", "a", "ann", "Ann", None, at, "ann", "Ann", None, at,
               ("bob",)),
        Derivation("huggingface", "acme/m", "base/m", "finetune", "card"),
        Derivation("huggingface", "acme/m", "base/m", "finetune", "tag"),
        Membership("huggingface", "acme", "ann"),
        ProjectLabel("github", "acme/w", 1, "good first issue"),
        Documentation("huggingface", "acme/m", "model_card", ("description",), 8, 0.125, 10,
                      1, "d"),
        Profile("huggingface", "ann", "Ann", organizations=("acme",)),
        ProfileLink("huggingface", "ann", "github", "ann-gh", "card:acme/m"),
        ForumTopic("forum.example", 7, "Models", "acme/m fails", "ann", at, at, 1, False),
        ForumPost("forum.example", 70, 7, 1, "ann", at, "loading acme/m fails"),
        ForumLink("forum.example", 7, "huggingface", "acme/m", 1, "id", "acme/m"),
    ], tasks=[("huggingface", "acme/m", "commits", "done", None)])
    store.mark_step("collect", "h", "ok")
    thread = {"platform": ["huggingface"], "repo": ["acme/m"], "number": [1], "label": ["bug"]}
    store.write_thread_labels(pd.DataFrame({**thread, "probability": [0.9]}), "default")
    store.write_human_labels(pd.DataFrame({**thread, "resolution": ["agreed"],
                                           "coders": ["x,y"], "weight": [1.0]}), PROV)
    store.write_frame("main", "huggingface", ["acme/m"], {"method": "all"})
    rows = {}
    for table in SCHEMA:
        names = sorted(n for (n,) in store.query(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ?",
            [table.name]).fetchall() if n not in _NOW and (table.name, n) != ("frames",
                                                                              "created_at"))
        rows[table.name] = store.query(
            f"SELECT {', '.join(names)} FROM {table.name} ORDER BY ALL").fetchall()
    return rows


def test_writes_name_their_columns(tmp_path):
    """Every writer fills a table the same however its columns are ordered."""
    with Store(tmp_path / "as-migrated.duckdb") as store:
        expected = _fill(store)
    with Store(tmp_path / "reordered.duckdb") as store:
        _reverse_columns(store)
        assert _fill(store) == expected
    assert all(expected[t.name] for t in SCHEMA if t.name not in {
        "accounts", "threads", "comments", "collection_truncations", "collection_failures",
        "repository_renames", "project_links", "dataset_links"})
