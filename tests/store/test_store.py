from datetime import UTC, datetime

import duckdb
import pytest

from crossforge.errors import StoreError
from crossforge.records import Account, Commit, Provenance, Repository
from crossforge.store import SCHEMA_VERSION, Store

PROV = Provenance("test", "unit", datetime(2026, 1, 1, tzinfo=UTC), "0")


def _commit(sha: str, author: str = "ann") -> Commit:
    return Commit("github", "acme/w", sha, author, "Ann", None,
                  datetime(2025, 1, 1, tzinfo=UTC), author, "Ann", None, None)


def test_new_store_is_at_current_schema_version(tmp_path):
    with Store(tmp_path / "s.duckdb") as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.counts()["commits"] == 0


def test_writes_are_upserts_on_natural_keys(tmp_path):
    records = [Repository("github", "acme/w", "code", "acme"), _commit("a"), _commit("b"),
               Account("github", "ann", "user")]
    with Store(tmp_path / "s.duckdb") as store:
        store.write(PROV, records)
        first = store.frame("SELECT * FROM commits ORDER BY sha")
        store.write(PROV, records)
        assert store.counts() == {"repositories": 1, "accounts": 1, "commits": 2,
                                  "threads": 0, "comments": 0, "derivations": 0,
                                  "memberships": 0, "project_links": 0,
                                  "documentation": 0, "dataset_links": 0,
                                  "forum_topics": 0, "forum_posts": 0, "forum_links": 0}
        assert store.frame("SELECT * FROM commits ORDER BY sha").equals(first)
        store.write(PROV, [_commit("a", author="bob")])
        assert store.query("SELECT author FROM commits WHERE sha = 'a'").fetchone() == ("bob",)


def test_failed_write_leaves_store_unchanged(tmp_path):
    def records():
        yield _commit("c")
        raise RuntimeError("source broke half-way")

    with Store(tmp_path / "s.duckdb") as store:
        store.write(PROV, [_commit("a")])
        with pytest.raises(RuntimeError):
            store.write(PROV, records())
        assert [r[0] for r in store.query("SELECT sha FROM commits").fetchall()] == ["a"]


def test_newer_schema_is_refused_without_touching_data(tmp_path):
    path = tmp_path / "s.duckdb"
    with Store(path) as store:
        store.write(PROV, [_commit("a")])
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO schema_version VALUES (?, now())", [SCHEMA_VERSION + 1])
    con.close()
    with pytest.raises(StoreError, match="newer than this crossforge"):
        Store(path)
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT count(*) FROM commits").fetchone() == (1,)


def test_corrupted_file_is_a_store_error(tmp_path):
    path = tmp_path / "broken.duckdb"
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(StoreError, match="cannot open database"):
        Store(path)
    assert path.read_bytes().startswith(b"not a database")


def test_read_only_requires_existing_file(tmp_path):
    with pytest.raises(StoreError, match="does not exist"):
        Store(tmp_path / "missing.duckdb", read_only=True)


def test_version_1_file_is_migrated_in_place(tmp_path):
    from crossforge.store import MIGRATIONS

    path = tmp_path / "v1.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, "
                "applied_at TIMESTAMPTZ NOT NULL)")
    con.execute(MIGRATIONS[0])
    con.execute("INSERT INTO schema_version VALUES (1, now())")
    con.execute("INSERT INTO provenance VALUES ('p', 'test', 'unit', now(), '0')")
    con.execute("INSERT INTO commits (platform, repo, sha, author, is_merge, provenance_id) "
                "VALUES ('github', 'acme/w', 'a', 'ann', false, 'p')")
    con.close()
    with Store(path, read_only=True) as store:  # reading an old file upgrades it first
        assert store.schema_version == SCHEMA_VERSION >= 3
        assert store.counts()["commits"] == 1 and store.counts()["memberships"] == 0


def test_forget_values_makes_placeholders_unknown_and_nothing_else(tmp_path):
    served = [Repository("github", "solo/app", "code", "solo", "user", popularity=0, forks=0),
              Repository("github", "acme/w", "code", "acme", "organization", forks=7)]
    with Store(tmp_path / "s.duckdb") as store:
        store.write(PROV, served)
        assert store.forget_values("forks", [("github", "solo/app")]) == 1
        assert store.forget_values("owner_type", [("github", "solo/app"),
                                                  ("huggingface", "solo/app")]) == 1
        assert store.forget_values("forks", [("github", "solo/app")]) == 0
        rows = store.query("SELECT repo, owner_type, popularity, forks FROM repositories "
                           "ORDER BY repo").fetchall()
        with pytest.raises(StoreError, match="cannot be made unknown"):
            store.forget_values("repo", [("github", "solo/app")])
    assert rows == [("acme/w", "organization", None, 7), ("solo/app", None, 0, None)]


def test_small_and_full_batches_store_the_same_rows(tmp_path, monkeypatch):
    """A batch below the full size goes as list parameters, a full one as an Arrow table:
    both must store the same values (unknowns stay NULL, co-author lists stay lists)."""
    from crossforge.records import Derivation
    from crossforge.store import database

    commits = [Commit("github", "acme/w", f"{n:040x}", "ann" if n % 3 else None,
                      "Ann" if n % 3 else None, None,
                      datetime(2025, 1, 1 + n, 12, tzinfo=UTC) if n % 4 else None,
                      "ann", "Ann", "ann@example.org", datetime(2025, 2, 1, tzinfo=UTC),
                      co_authors=("bob", "cy") if n % 2 else (), files_changed=n,
                      lines_added=None if n == 5 else 10 * n, lines_deleted=n,
                      is_merge=n == 6, subject=f"change {n}") for n in range(7)]
    links = [Derivation("huggingface", f"acme/m{n}", "acme/base", "finetune", "tag")
             for n in range(4)] + [Derivation("huggingface", "acme/m0", "acme/base",
                                              "finetune", "card")]
    stored = []
    for batch_rows in (database._BATCH_ROWS, 3):  # all small batches, then mostly full ones
        monkeypatch.setattr(database, "_BATCH_ROWS", batch_rows)
        with Store(tmp_path / f"s{batch_rows}.duckdb") as store:
            store.write(PROV, [*commits, *links])
            stored.append((store.query("SELECT * FROM commits ORDER BY sha").fetchall(),
                           store.query("SELECT * FROM derivations ORDER BY child").fetchall()))
    assert stored[0] == stored[1]
    rows, derivations = stored[0]
    assert len(rows) == 7 and len(derivations) == 4
    assert rows[1][11] == ["bob", "cy"] and rows[0][11] == [] and rows[0][3] is None
    assert rows[5][13] is None and rows[0][6] is None
    assert {d[4] for d in derivations} == {"tag"}  # the tag outranks the card's report


def test_threads_keep_the_channel_they_were_held_in(tmp_path):
    from crossforge.records import Thread

    issue = Thread("github", "acme/w", 1, "issue", "Crash", None, "ann")
    discussion = Thread("github", "acme/w", 2, "discussion", "How to?", None, "bob",
                        channel="discussion_board")
    with Store(tmp_path / "s.duckdb") as store:
        store.write(PROV, [Repository("github", "acme/w", "code", "acme"), issue, discussion])
        rows = store.query("SELECT number, channel FROM threads ORDER BY number").fetchall()
    assert rows == [(1, "issue_tracker"), (2, "discussion_board")]
