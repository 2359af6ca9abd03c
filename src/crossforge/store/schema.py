"""The one schema: the store's migrations and the one list of its tables.

Every module that fills or copies tables (the store, shard merges, snapshots, world files)
takes its list from ``SCHEMA`` here, so adding a table is one ``Table`` entry and one new
migration, and no list of tables is written out twice. Columns are declared only in
``MIGRATIONS``: writers name them from a record's fields or copy tables by column name, so no
code depends on their order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from crossforge.records import (
    Account,
    Comment,
    Commit,
    DatasetLink,
    Derivation,
    Documentation,
    ForumLink,
    ForumPost,
    ForumTopic,
    Membership,
    Profile,
    ProfileLink,
    ProjectLabel,
    ProjectLink,
    Repository,
    Thread,
)

#: Each entry migrates the schema from version ``i`` to ``i + 1``; never edit a shipped one.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE provenance (
        id VARCHAR PRIMARY KEY, source VARCHAR NOT NULL, origin VARCHAR NOT NULL,
        fetched_at TIMESTAMPTZ NOT NULL, tool_version VARCHAR NOT NULL);
    CREATE TABLE repositories (
        platform VARCHAR NOT NULL, repo VARCHAR NOT NULL, kind VARCHAR NOT NULL,
        owner VARCHAR NOT NULL, owner_type VARCHAR, created_at TIMESTAMPTZ,
        last_modified TIMESTAMPTZ, popularity BIGINT, forks BIGINT, downloads BIGINT,
        license VARCHAR, is_archived BOOLEAN, is_fork BOOLEAN, is_mirror BOOLEAN,
        provenance_id VARCHAR NOT NULL, PRIMARY KEY (platform, repo));
    CREATE TABLE accounts (
        platform VARCHAR NOT NULL, login VARCHAR NOT NULL, type VARCHAR NOT NULL,
        display_name VARCHAR, email VARCHAR, provenance_id VARCHAR NOT NULL,
        PRIMARY KEY (platform, login));
    CREATE TABLE commits (
        platform VARCHAR NOT NULL, repo VARCHAR NOT NULL, sha VARCHAR NOT NULL,
        author VARCHAR NOT NULL, author_name VARCHAR, author_email VARCHAR,
        authored_at TIMESTAMPTZ, committer VARCHAR, committer_name VARCHAR,
        committer_email VARCHAR, committed_at TIMESTAMPTZ, co_authors VARCHAR[],
        files_changed INTEGER, lines_added BIGINT, lines_deleted BIGINT,
        is_merge BOOLEAN NOT NULL, subject VARCHAR, provenance_id VARCHAR NOT NULL,
        PRIMARY KEY (platform, repo, sha));
    CREATE TABLE threads (
        platform VARCHAR NOT NULL, repo VARCHAR NOT NULL, number INTEGER NOT NULL,
        kind VARCHAR NOT NULL, title VARCHAR, body VARCHAR, author VARCHAR,
        author_role VARCHAR NOT NULL, state VARCHAR, created_at TIMESTAMPTZ,
        closed_at TIMESTAMPTZ, merged_at TIMESTAMPTZ, provenance_id VARCHAR NOT NULL,
        PRIMARY KEY (platform, repo, number));
    CREATE TABLE comments (
        platform VARCHAR NOT NULL, repo VARCHAR NOT NULL, thread_number INTEGER NOT NULL,
        comment_id VARCHAR NOT NULL, author VARCHAR, created_at TIMESTAMPTZ, body VARCHAR,
        author_role VARCHAR NOT NULL, provenance_id VARCHAR NOT NULL,
        PRIMARY KEY (platform, repo, comment_id));
    CREATE TABLE derivations (
        platform VARCHAR NOT NULL, child VARCHAR NOT NULL, parent VARCHAR NOT NULL,
        relation VARCHAR NOT NULL, relation_source VARCHAR NOT NULL,
        provenance_id VARCHAR NOT NULL, PRIMARY KEY (platform, child, parent, relation));
    """,
    """
    CREATE TABLE memberships (
        platform VARCHAR NOT NULL, organization VARCHAR NOT NULL, login VARCHAR NOT NULL,
        provenance_id VARCHAR NOT NULL, PRIMARY KEY (platform, organization, login));
    """,
    """
    CREATE TABLE study_steps (
        step VARCHAR PRIMARY KEY, config_hash VARCHAR NOT NULL,
        finished_at TIMESTAMPTZ NOT NULL, outcome VARCHAR);
    """,
    """
    CREATE TABLE thread_labels (
        platform VARCHAR NOT NULL, repo VARCHAR NOT NULL, number INTEGER NOT NULL,
        label VARCHAR NOT NULL, probability DOUBLE NOT NULL, model VARCHAR NOT NULL,
        labelled_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (platform, repo, number));
    """,
    """
    CREATE TABLE frames (
        frame VARCHAR NOT NULL, platform VARCHAR NOT NULL, repo VARCHAR NOT NULL,
        position INTEGER NOT NULL, params VARCHAR NOT NULL, created_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (frame, platform, repo));
    CREATE TABLE collection_tasks (
        platform VARCHAR NOT NULL, repo VARCHAR NOT NULL, task VARCHAR NOT NULL,
        state VARCHAR NOT NULL, cursor VARCHAR, updated_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (platform, repo, task));
    """,
    """
    CREATE TABLE human_labels (
        platform VARCHAR NOT NULL, repo VARCHAR NOT NULL, number INTEGER NOT NULL,
        label VARCHAR NOT NULL, resolution VARCHAR NOT NULL, coders VARCHAR NOT NULL,
        weight DOUBLE NOT NULL, provenance_id VARCHAR NOT NULL,
        PRIMARY KEY (platform, repo, number));
    """,
    """
    CREATE TABLE collection_truncations (
        platform VARCHAR NOT NULL, repo VARCHAR NOT NULL, resource VARCHAR NOT NULL,
        cap BIGINT NOT NULL, collected BIGINT NOT NULL, provenance_id VARCHAR NOT NULL,
        recorded_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (platform, repo, resource));
    CREATE TABLE collection_failures (
        platform VARCHAR NOT NULL, repo VARCHAR NOT NULL, task VARCHAR NOT NULL,
        reason VARCHAR NOT NULL, failures INTEGER NOT NULL, failed_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (platform, repo, task));
    CREATE TABLE repository_renames (
        platform VARCHAR NOT NULL, repo VARCHAR NOT NULL, current_name VARCHAR NOT NULL,
        provenance_id VARCHAR NOT NULL, recorded_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (platform, repo));
    """,
    """
    CREATE TABLE project_links (
        platform VARCHAR NOT NULL, repo VARCHAR NOT NULL, github_repo VARCHAR NOT NULL,
        source VARCHAR NOT NULL, position INTEGER NOT NULL, same_owner BOOLEAN NOT NULL,
        is_tool BOOLEAN NOT NULL,
        provenance_id VARCHAR NOT NULL, PRIMARY KEY (platform, repo, github_repo));
    CREATE TABLE documentation (
        platform VARCHAR NOT NULL, repo VARCHAR NOT NULL, document VARCHAR NOT NULL,
        sections VARCHAR[] NOT NULL, expected INTEGER NOT NULL, completeness DOUBLE NOT NULL,
        words INTEGER NOT NULL, headings INTEGER NOT NULL, digest VARCHAR NOT NULL,
        provenance_id VARCHAR NOT NULL, PRIMARY KEY (platform, repo));
    CREATE TABLE dataset_links (
        platform VARCHAR NOT NULL, repo VARCHAR NOT NULL, dataset VARCHAR NOT NULL,
        source VARCHAR NOT NULL, provenance_id VARCHAR NOT NULL,
        PRIMARY KEY (platform, repo, dataset));
    """,
    # A commit whose author the source does not name (the Hub's ``authors: []``) keeps an
    # unknown (NULL) author rather than one shared pseudo-person (docs/schema.md, commits).
    """
    ALTER TABLE commits ALTER COLUMN author DROP NOT NULL;
    """,
    """
    ALTER TABLE repositories ADD COLUMN children_count BIGINT;
    """,
    # A stratified frame keeps each repository's stratum, so its design weight N_h/n_h can be
    # found at measure time (docs/statistics.md, design weights); NULL in unstratified frames.
    """
    ALTER TABLE frames ADD COLUMN stratum VARCHAR;
    """,
    # What a commit touches (file classes; NULL when the source lists no paths) and a
    # repository's size: a Hub model's parameter count and storage, GitHub's size.
    """
    ALTER TABLE commits ADD COLUMN touched VARCHAR[];
    ALTER TABLE repositories ADD COLUMN parameters BIGINT;
    ALTER TABLE repositories ADD COLUMN storage_bytes BIGINT;
    """,
    # Where each thread was held (``records.Channel``); every thread stored before channels
    # existed came from a repository's issue tracker.
    """
    ALTER TABLE threads ADD COLUMN channel VARCHAR NOT NULL DEFAULT 'issue_tracker';
    """,
    # The labels projects put on their threads (``records.ProjectLabel``; the classifier's
    # are in thread_labels), and the file classes a pull request touches (NULL when the
    # route gave no paths).
    """
    CREATE TABLE project_labels (
        platform VARCHAR NOT NULL, repo VARCHAR NOT NULL, number INTEGER NOT NULL,
        label VARCHAR NOT NULL, provenance_id VARCHAR NOT NULL,
        PRIMARY KEY (platform, repo, number, label));
    ALTER TABLE threads ADD COLUMN touched VARCHAR[];
    """,
    # Accepted answers (a discussion board's answerable categories, a forum's solved topics):
    # whether a thread can have one (NULL: the channel has none) and when it was posted; and
    # whether a repository has a discussion board (NULL: the platform does not say).
    """
    ALTER TABLE threads ADD COLUMN answerable BOOLEAN;
    ALTER TABLE threads ADD COLUMN answered_at TIMESTAMPTZ;
    ALTER TABLE repositories ADD COLUMN has_discussions BOOLEAN;
    """,
    # People across platforms (docs/people.md): the profiles looked up and the links between
    # accounts they, or model cards, show; matches are computed from them at measure time.
    """
    CREATE TABLE profiles (
        platform VARCHAR NOT NULL, login VARCHAR NOT NULL, display_name VARCHAR,
        company VARCHAR, email VARCHAR, organizations VARCHAR[],
        provenance_id VARCHAR NOT NULL, PRIMARY KEY (platform, login));
    CREATE TABLE profile_links (
        platform VARCHAR NOT NULL, login VARCHAR NOT NULL, linked_platform VARCHAR NOT NULL,
        linked_login VARCHAR NOT NULL, source VARCHAR NOT NULL,
        provenance_id VARCHAR NOT NULL,
        PRIMARY KEY (platform, login, linked_platform, linked_login, source));
    """,
    # A Discourse forum's topics, posts and the repositories its topics mention
    # (``records.ForumTopic``, ``ForumPost``, ``ForumLink``): a forum belongs to no
    # repository, so it has its own tables, keyed by the forum's name.
    """
    CREATE TABLE forum_topics (
        forum VARCHAR NOT NULL, topic_id BIGINT NOT NULL, category VARCHAR, title VARCHAR,
        author VARCHAR, created_at TIMESTAMPTZ, last_posted_at TIMESTAMPTZ,
        posts_count INTEGER, has_accepted_answer BOOLEAN, accepted_post_number INTEGER,
        closed BOOLEAN, provenance_id VARCHAR NOT NULL, PRIMARY KEY (forum, topic_id));
    CREATE TABLE forum_posts (
        forum VARCHAR NOT NULL, post_id BIGINT NOT NULL, topic_id BIGINT NOT NULL,
        post_number INTEGER NOT NULL, author VARCHAR, created_at TIMESTAMPTZ, body VARCHAR,
        accepted_answer BOOLEAN, provenance_id VARCHAR NOT NULL,
        PRIMARY KEY (forum, post_id));
    CREATE TABLE forum_links (
        forum VARCHAR NOT NULL, topic_id BIGINT NOT NULL, platform VARCHAR NOT NULL,
        repo VARCHAR NOT NULL, post_number INTEGER NOT NULL, evidence VARCHAR NOT NULL,
        mention VARCHAR NOT NULL, provenance_id VARCHAR NOT NULL,
        PRIMARY KEY (forum, topic_id, platform, repo, post_number));
    """,
    # Each classified thread's probability for every type the model predicts (a JSON object),
    # so type shares can be estimated from posteriors (EMQ); NULL for labels stored before.
    """
    ALTER TABLE thread_labels ADD COLUMN probabilities VARCHAR;
    """,
    # A GitHub repository's primary language as GitHub names it (``primaryLanguage``, REST
    # ``language``); NULL where GitHub gives none and on the Hub.
    """
    ALTER TABLE repositories ADD COLUMN language VARCHAR;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True, slots=True)
class Table:
    """One table of the store and what the modules that fill or copy it need to know.

    Attributes:
        name: the table, as ``MIGRATIONS`` creates it.
        key: its primary key, on which every write upserts.
        record: the record class ``Store.write`` stores in it, if any.
        derived: its records are computed from a document's text, not served by a platform.
        merged: a shard merge copies it (in ``SCHEMA`` order, so provenance comes first).
        snapshot: a replication package carries it; ``"optional"`` when it was added to
            snapshots after their first release, so an older snapshot may lack it.
    """

    name: str
    key: tuple[str, ...]
    record: type | None = None
    derived: bool = False
    merged: bool = False
    snapshot: Literal["required", "optional"] | None = None


#: Every table once, in migration order (schema_version is the migrations' own bookkeeping).
SCHEMA: tuple[Table, ...] = (
    Table("provenance", ("id",), merged=True, snapshot="required"),
    Table("repositories", ("platform", "repo"), Repository, merged=True, snapshot="required"),
    Table("accounts", ("platform", "login"), Account, merged=True, snapshot="required"),
    Table("commits", ("platform", "repo", "sha"), Commit, merged=True, snapshot="required"),
    Table("threads", ("platform", "repo", "number"), Thread, merged=True, snapshot="required"),
    Table("comments", ("platform", "repo", "comment_id"), Comment,
          merged=True, snapshot="required"),
    Table("derivations", ("platform", "child", "parent", "relation"), Derivation,
          merged=True, snapshot="required"),
    Table("memberships", ("platform", "organization", "login"), Membership,
          merged=True, snapshot="required"),
    Table("study_steps", ("step",)),
    Table("thread_labels", ("platform", "repo", "number"), snapshot="optional"),
    Table("frames", ("frame", "platform", "repo"), merged=True, snapshot="optional"),
    Table("collection_tasks", ("platform", "repo", "task"), merged=True),
    Table("human_labels", ("platform", "repo", "number"), snapshot="optional"),
    Table("collection_truncations", ("platform", "repo", "resource"),
          merged=True, snapshot="optional"),
    Table("collection_failures", ("platform", "repo", "task"), merged=True, snapshot="optional"),
    Table("repository_renames", ("platform", "repo"), merged=True, snapshot="optional"),
    Table("project_links", ("platform", "repo", "github_repo"), ProjectLink, derived=True,
          merged=True, snapshot="required"),
    Table("documentation", ("platform", "repo"), Documentation, derived=True,
          merged=True, snapshot="required"),
    Table("dataset_links", ("platform", "repo", "dataset"), DatasetLink, derived=True,
          merged=True, snapshot="required"),
    Table("project_labels", ("platform", "repo", "number", "label"), ProjectLabel,
          merged=True, snapshot="optional"),
    Table("profiles", ("platform", "login"), Profile, merged=True, snapshot="optional"),
    Table("profile_links", ("platform", "login", "linked_platform", "linked_login", "source"),
          ProfileLink, merged=True, snapshot="optional"),
    Table("forum_topics", ("forum", "topic_id"), ForumTopic, merged=True, snapshot="optional"),
    Table("forum_posts", ("forum", "post_id"), ForumPost, merged=True, snapshot="optional"),
    Table("forum_links", ("forum", "topic_id", "platform", "repo", "post_number"), ForumLink,
          merged=True, snapshot="optional"),
)

#: The table each record class is stored in.
TABLES: dict[type, str] = {t.record: t.name for t in SCHEMA if t.record is not None}
#: Natural keys: a batch keeps the last record per key (one page may name a person twice);
#: a derivation reported twice keeps its most authoritative source instead.
KEYS: dict[type, tuple[str, ...]] = {t.record: t.key for t in SCHEMA if t.record is not None}
#: Record classes a platform serves (the rest are derived from documents).
PLATFORM_RECORDS: tuple[type, ...] = tuple(
    t.record for t in SCHEMA if t.record is not None and not t.derived)
#: Tables a shard merge copies, in dependency order (provenance first).
MERGED_TABLES: tuple[str, ...] = tuple(t.name for t in SCHEMA if t.merged)
#: Tables added to snapshots after their first release: optional when importing.
LATER_TABLES: tuple[str, ...] = tuple(t.name for t in SCHEMA if t.snapshot == "optional")
#: Tables a snapshot carries: the required ones, then the later (optional) ones.
SNAPSHOT_TABLES: tuple[str, ...] = (
    *(t.name for t in SCHEMA if t.snapshot == "required"), *LATER_TABLES)
