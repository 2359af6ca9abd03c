"""Replication packages: the store as Parquet, with people pseudonymised by keyed hashes.

Personal identifiers — logins, display names, e-mail addresses, and the owner part of a
user-owned repository's id (also of linked GitHub repositories and of dataset ids) — are
replaced by ``HMAC-SHA256(key, value)`` (truncated). The
same value always maps to the same pseudonym under one key, so every measure reproduces on
the snapshot; without the key the mapping cannot be reversed or linked to another export.
Organisation names and bot accounts are not personal and stay as they are. Free text
(titles, bodies, commit subjects) can be dropped. The key is never written anywhere.

Besides the collected records, a snapshot carries what a replication needs to reach the same
figures: the classifier's thread labels, the human labels that correct type shares (coders'
names pseudonymised), the collection's own record of what it capped, what failed and what
was renamed, so a reader can see the data's gaps, and the sampling frames (which repositories
a study measures, and each one's stratum for its design weight). Snapshots written before
these tables were added still import; the tables are then empty.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from pathlib import Path

import duckdb

from crossforge._version import __version__
from crossforge.errors import ConfigError, StoreError, writing_into
from crossforge.store import Store
from crossforge.store.schema import LATER_TABLES, MIGRATIONS, SCHEMA_VERSION, SNAPSHOT_TABLES

FREE_TEXT = {"commits": ["subject"], "threads": ["title", "body"], "comments": ["body"]}
MANIFEST = "snapshot.json"


def pseudonym(key: bytes, value: str) -> str:
    """A stable, irreversible stand-in for ``value`` under ``key``.

    >>> pseudonym(b"k", "octocat") == pseudonym(b"k", "octocat") != pseudonym(b"j", "octocat")
    True
    """
    return "p-" + hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:20]


def _pseudonymising_selects() -> dict[str, str]:
    """SELECT statements that produce each table with people replaced.

    ``person(x)`` pseudonymises a login unless it is an organisation or a bot;
    ``repo_id(x)`` pseudonymises the owner part of ``owner/name`` on the same rule.
    """
    people = "person({c}) AS {c}"
    repos = "repo_id({c}) AS {c}"

    def p(*columns: str) -> str:
        return ", ".join(people.format(c=c) for c in columns)

    def r(*columns: str) -> str:
        return ", ".join(repos.format(c=c) for c in columns)

    return {
        "provenance": "SELECT * REPLACE ('redacted' AS origin) FROM provenance",
        "repositories": f"SELECT * REPLACE ({r('repo')}, {p('owner')}) FROM repositories",
        "accounts": f"SELECT * REPLACE ({p('login')}, NULL AS display_name, NULL AS email) "
                    "FROM accounts",
        "commits": f"SELECT * REPLACE ({r('repo')}, {p('author', 'committer')}, "
                   "NULL AS author_name, NULL AS author_email, NULL AS committer_name, "
                   "NULL AS committer_email, list_transform(co_authors, lambda x: person(x)) "
                   "AS co_authors) FROM commits",
        "threads": f"SELECT * REPLACE ({r('repo')}, {p('author')}) FROM threads",
        "comments": f"SELECT * REPLACE ({r('repo')}, {p('author')}) FROM comments",
        "derivations": f"SELECT * REPLACE ({r('child', 'parent')}) FROM derivations",
        "memberships": f"SELECT * REPLACE ({p('login')}) FROM memberships",
        # a linked GitHub repository in the store takes its stored spelling's pseudonym, so
        # pairs still join; dataset ids are owner/name only when they have an owner
        "project_links": f"SELECT * REPLACE ({r('repo')}, lower(coalesce((SELECT repo_id(g.repo) "
                         "FROM repositories g WHERE g.platform = 'github' "
                         "AND lower(g.repo) = project_links.github_repo LIMIT 1), "
                         "repo_id(github_repo))) AS github_repo) FROM project_links",
        "documentation": f"SELECT * REPLACE ({r('repo')}) FROM documentation",
        "dataset_links": f"SELECT * REPLACE ({r('repo')}, CASE WHEN contains(dataset, '/') "
                         "THEN repo_id(dataset) ELSE dataset END AS dataset) FROM dataset_links",
        "thread_labels": f"SELECT * REPLACE ({r('repo')}) FROM thread_labels",
        "project_labels": f"SELECT * REPLACE ({r('repo')}) FROM project_labels",
        "frames": f"SELECT * REPLACE ({r('repo')}) FROM frames",
        # coders are researchers, named in a comma-separated list
        "human_labels": f"SELECT * REPLACE ({r('repo')}, array_to_string(list_transform("
                        "list_filter(string_split(coders, ','), lambda c: c <> ''), "
                        "lambda c: person(c)), ',') AS coders) FROM human_labels",
        "collection_truncations": f"SELECT * REPLACE ({r('repo')}) FROM collection_truncations",
        "collection_failures": f"SELECT * REPLACE ({r('repo')}, "
                               "replace(reason, repo, repo_id(repo)) AS reason) "
                               "FROM collection_failures",
        "repository_renames": f"SELECT * REPLACE ({r('repo', 'current_name')}) "
                              "FROM repository_renames",
        # names, companies and e-mails say who someone is; organisations stay
        "profiles": f"SELECT * REPLACE ({p('login')}, NULL AS display_name, NULL AS company, "
                    "NULL AS email) FROM profiles",
        "profile_links": f"SELECT * REPLACE ({p('login', 'linked_login')}, CASE WHEN source "
                         "LIKE 'card:%' THEN 'card:' || repo_id(substr(source, 6)) ELSE source "
                         "END AS source) FROM profile_links",
        # a forum's posters are people; a link's mention is the id as written, so redacted
        "forum_topics": f"SELECT * REPLACE ({p('author')}) FROM forum_topics",
        "forum_posts": f"SELECT * REPLACE ({p('author')}) FROM forum_posts",
        "forum_links": f"SELECT * REPLACE ({r('repo')}, 'redacted' AS mention) FROM forum_links",
    }


def export_snapshot(db: str | Path, out: str | Path, *, pseudonymize: bool = True,
                    drop_text: bool = False, key: bytes | None = None) -> dict[str, int]:
    """Write every table of ``db`` as Parquet into ``out`` with a manifest.

    Args:
        db: the store to export (opened read-only).
        out: a new or empty directory.
        pseudonymize: replace personal identifiers by keyed hashes (see module docstring).
        drop_text: also blank titles, bodies and commit subjects.
        key: the HMAC key; a random one (never stored) when omitted, so pseudonyms cannot
            be linked across exports. Pass the same key to make two exports linkable.

    Returns:
        Rows written per table.
    """
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConfigError(f"snapshot directory {out} exists and is not empty")
    key = key or secrets.token_bytes(32)
    with Store(db, read_only=True):
        pass  # validates the file and its schema version before we read it directly
    with writing_into(out):
        out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{_quoted(db)}' AS src (READ_ONLY)")
        con.execute("USE src")
        # Organisations and bots are not people: their names stay readable.
        kept = {row[0] for row in con.execute(
            "SELECT login FROM accounts WHERE type IN ('organization', 'bot') "
            "UNION SELECT owner FROM repositories WHERE owner_type = 'organization'").fetchall()}

        def person(value: str | None) -> str | None:
            return value if value is None or value in kept else pseudonym(key, value)

        def repo_id(value: str) -> str:
            owner, _, name = value.partition("/")
            return f"{person(owner)}/{name}"

        con.create_function("person", person, ["VARCHAR"], "VARCHAR", null_handling="special")
        con.create_function("repo_id", repo_id, ["VARCHAR"], "VARCHAR")
        selects = (_pseudonymising_selects() if pseudonymize
                   else {t: f"SELECT * FROM {t}" for t in SNAPSHOT_TABLES})
        counts = {}
        for table in SNAPSHOT_TABLES:
            sql = selects[table]
            if drop_text and table in FREE_TEXT:
                blanks = ", ".join(f"NULL AS {c}" for c in FREE_TEXT[table])
                sql = f"SELECT * REPLACE ({blanks}) FROM ({sql})"
            con.execute(f"COPY ({sql}) TO '{_quoted(out / f'{table}.parquet')}' (FORMAT parquet)")
            counts[table] = int(con.execute(
                f"SELECT count(*) FROM '{_quoted(out / f'{table}.parquet')}'").fetchone()[0])
    except duckdb.Error as exc:
        raise StoreError(f"export of {db} failed: {str(exc).splitlines()[0]}") from exc
    finally:
        con.close()
    manifest = {"crossforge_version": __version__, "schema_version": SCHEMA_VERSION,
                "pseudonymized": pseudonymize, "free_text_dropped": drop_text, "rows": counts}
    with writing_into(out):
        (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return counts


def import_snapshot(path: str | Path, db: str | Path) -> dict[str, int]:
    """Load a snapshot written by ``export_snapshot`` into a new store ``db``."""
    path, db = Path(path), Path(db)
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        raise ConfigError(f"{path} is not a crossforge snapshot (no {MANIFEST})")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        version = int(manifest["schema_version"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{manifest_path} is malformed: {exc}") from None
    if version > len(MIGRATIONS):
        raise ConfigError(f"snapshot has schema version {version}, newer than this crossforge "
                          f"knows ({SCHEMA_VERSION}); upgrade crossforge")
    if db.exists():
        raise ConfigError(f"database {db} already exists; import a snapshot into a new file")
    counts: dict[str, int] = {}
    with Store(db) as store, store.transaction():
        for table in SNAPSHOT_TABLES:
            file = path / f"{table}.parquet"
            if not file.is_file() and table in LATER_TABLES:
                continue
            if not file.is_file():
                raise ConfigError(f"snapshot {path} lacks {file.name}")
            store.query(f"INSERT INTO {table} BY NAME SELECT * FROM '{_quoted(file)}'")
            counts[table] = int(store.query(f"SELECT count(*) FROM {table}").fetchone()[0])
    return counts


def _quoted(path: str | Path) -> str:
    return str(path).replace("'", "''")
