"""The DuckDB store: the only module that talks to the database.

Tables are platform-neutral (see ``docs/schema.md``). Every write is an upsert on the
record's natural key inside one transaction, so importing the same data twice changes
nothing and a failure half-way leaves the store as it was.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from crossforge._version import __version__
from crossforge.defaults import DEFAULT_DB
from crossforge.errors import ConfigError, StoreError, first_line
from crossforge.records import Derivation, Provenance
from crossforge.store.schema import KEYS, MIGRATIONS, SCHEMA_VERSION, TABLES

if TYPE_CHECKING:  # imported where used: storing a clone never needs pandas (0.3 s)
    import pandas as pd

_BATCH_ROWS = 20_000
#: A collection checkpoint: platform, repository (or account), task, state, cursor.
Checkpoint = tuple[str, str, str, str, str | None]

#: Authority of a derivation's relation source: lower wins when one link is reported twice.
SOURCE_RANK: dict[str, int] = {"tag": 0, "git": 0, "api": 1, "card": 2, "inferred": 3}


#: Repository columns a platform's contract forces a value into, which a study may make
#: unknown again when that value was a placeholder (``Store.forget_values``).
FORGETTABLE_COLUMNS = frozenset({"owner_type", "popularity", "forks", "downloads",
                                 "has_discussions"})


class Store:
    """An open crossforge database.

    Args:
        path: the DuckDB file; created (and migrated to the current schema) when absent.
        read_only: open without the right to write; the file must exist. A file from an
            older crossforge is migrated first (migrations only add tables).

    Raises:
        StoreError: the file is not a DuckDB database, is corrupted or locked, or was written
            by a newer crossforge (its schema version is higher than this one knows).

    Example:
        >>> with Store("study.duckdb") as store:          # doctest: +SKIP
        ...     store.query("select count(*) from commits").fetchone()
    """

    def __init__(self, path: str | Path = DEFAULT_DB, *, read_only: bool = False) -> None:
        self.path = Path(path)
        if read_only and not self.path.exists():
            raise StoreError(f"database {self.path} does not exist")
        if self.path.is_dir():
            raise StoreError(f"database path {self.path} is a directory")
        try:
            self._con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as exc:
            raise StoreError(f"cannot open database {self.path}: {first_line(exc)}") from exc
        try:
            self._migrate(read_only=read_only)
        except BaseException:
            self._con.close()
            raise

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection; the store cannot be used afterwards."""
        self._con.close()

    @property
    def schema_version(self) -> int:
        """The schema version the file is at."""
        row = self._con.execute("SELECT max(version) FROM schema_version").fetchone()
        return int(row[0] or 0)

    def _migrate(self, *, read_only: bool) -> None:
        try:
            if not read_only:
                self._con.execute(
                    "CREATE TABLE IF NOT EXISTS schema_version "
                    "(version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)"
                )
            current = self.schema_version
        except duckdb.Error as exc:
            raise StoreError(
                f"{self.path} is not a crossforge database: {first_line(exc)}"
            ) from exc
        if current > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} has schema version {current}, newer than this crossforge "
                f"({__version__}) knows ({SCHEMA_VERSION}); upgrade crossforge"
            )
        if current < SCHEMA_VERSION and read_only:
            # Migrations only add tables, so an older file is upgraded in place, then
            # reopened read-only: reading never requires a separate upgrade step.
            self._con.close()
            Store(self.path).close()
            self._con = duckdb.connect(str(self.path), read_only=True)
            return
        if current == SCHEMA_VERSION:
            return
        # One transaction for every pending migration: a new store commits once, not once
        # per migration (0.3 s of a small clone's import), and a failure leaves it as it was.
        with self.transaction():
            for version in range(current, SCHEMA_VERSION):
                self._con.execute(MIGRATIONS[version])
                self._con.execute(
                    "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                    [version + 1, datetime.now(UTC)],
                )

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block atomically: all its writes land, or none do."""
        self._con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self._con.execute("ROLLBACK")
            raise
        self._con.execute("COMMIT")

    def query(self, sql: str, params: list[Any] | None = None) -> duckdb.DuckDBPyConnection:
        """Run read SQL against the store (measures use this)."""
        try:
            return self._con.execute(sql, params or [])
        except duckdb.Error as exc:
            raise StoreError(f"query failed on {self.path}: {first_line(exc)}") from exc

    def frame(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        """Run read SQL and return a pandas DataFrame."""
        return self.query(sql, params).df()

    @contextmanager
    def temp_table(self, name: str, sql: str, params: list[Any] | None = None
                   ) -> Iterator[None]:
        """Hold the result of read SQL as the temporary table ``name`` for the block.

        A measure reading one large intermediate several times computes it once: DuckDB
        keeps temporary tables in its buffer manager, which spills them to disk under the
        memory cap, where a CTE read by several parts of one statement stays pinned.
        """
        self.query(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}", params)
        try:
            yield
        finally:
            self.query(f"DROP TABLE IF EXISTS temp.{name}")

    def write(self, provenance: Provenance, records: Iterable[object], *,
              tasks: Iterable[Checkpoint] = ()) -> dict[str, int]:
        """Upsert ``records`` on their natural keys, stamped with ``provenance``, atomically.

        Records are consumed lazily and written in batches, so memory stays flat for
        histories of any length. ``tasks`` (platform, repo, task, state, cursor) are
        collection checkpoints written in the same transaction, so a kill at any instant
        leaves the records and the checkpoints consistent.

        Returns:
            Rows written per table.
        """
        return self.write_pages([(provenance, records, tasks)])

    def write_pages(self, pages: Iterable[tuple[Provenance, Iterable[object],
                                                Iterable[Checkpoint]]]) -> dict[str, int]:
        """``write`` for several answers in one transaction: a group commit.

        Each answer's records are stamped with its own provenance; a record a later answer
        repeats (the same natural key) replaces the earlier one, and a later checkpoint of
        the same task replaces the earlier one, as separate writes in this order would.
        Every table takes one statement per batch of rows rather than one per answer, which
        is what makes a group cheaper than its answers written one by one.

        Returns:
            Rows written per table.
        """
        counts: dict[str, int] = {}
        pending: dict[type, list[tuple[object, str]]] = {}
        checkpoints: dict[tuple[str, str, str], tuple[str, str | None]] = {}
        sources: dict[str, Provenance] = {}
        try:
            with self.transaction():
                for provenance, records, tasks in pages:
                    provenance_id = provenance_key(provenance.source, provenance.origin)
                    sources[provenance_id] = provenance
                    for record in records:
                        kind = type(record)
                        if kind not in TABLES:
                            raise StoreError(f"cannot store a {kind.__name__}")
                        batch = pending.setdefault(kind, [])
                        batch.append((record, provenance_id))
                        if len(batch) >= _BATCH_ROWS:
                            counts[TABLES[kind]] = counts.get(TABLES[kind], 0) + len(batch)
                            self._upsert(kind, batch)
                            batch.clear()
                    for platform, repo, task, state, cursor in tasks:
                        checkpoints[(platform, repo, task)] = (state, cursor)
                for kind, batch in pending.items():
                    if batch:
                        counts[TABLES[kind]] = counts.get(TABLES[kind], 0) + len(batch)
                        self._upsert(kind, batch)
                self._write_provenances(sources)
                self._write_checkpoints(checkpoints)
        except duckdb.Error as exc:
            raise StoreError(f"write to {self.path} failed: {first_line(exc)}") from exc
        return counts

    def _write_checkpoints(self, checkpoints: dict[tuple[str, str, str],
                                                   tuple[str, str | None]]) -> None:
        """Upsert collection checkpoints (inside the caller's transaction), one statement."""
        if not checkpoints:
            return
        keys = list(checkpoints)
        self._insert_columns(
            "INSERT OR REPLACE INTO collection_tasks (platform, repo, task, state, cursor, "
            "updated_at)", {
                "platform": [k[0] for k in keys], "repo": [k[1] for k in keys],
                "task": [k[2] for k in keys], "state": [checkpoints[k][0] for k in keys],
                "cursor": [checkpoints[k][1] for k in keys],
                "updated_at": [datetime.now(UTC)] * len(keys)})

    def _write_provenances(self, sources: dict[str, Provenance]) -> None:
        """Upsert provenance rows by id (inside the caller's transaction), one statement."""
        if not sources:
            return
        names = [f.name for f in dataclasses.fields(Provenance)]
        self._insert_columns(
            f"INSERT OR REPLACE INTO provenance (id, {', '.join(names)})",
            {"id": list(sources),
             **{name: [getattr(p, name) for p in sources.values()] for name in names}})

    def _write_provenance(self, provenance: Provenance) -> str:
        """Upsert the provenance row of ``provenance`` (inside the caller's transaction).

        Returns:
            Its id, which the rows it stamps carry as ``provenance_id``.
        """
        key = provenance_key(provenance.source, provenance.origin)
        self._write_provenances({key: provenance})
        return key

    def _upsert(self, kind: type, batch: list[tuple[object, str]]) -> None:
        """Upsert ``(record, provenance id)`` pairs of one kind; of rows with the same
        natural key the last wins."""
        if kind is Derivation:
            self._upsert_derivations(batch)  # type: ignore[arg-type]
            return
        keys = KEYS[kind]
        batch = list({tuple(getattr(r, k) for k in keys): (r, p) for r, p in batch}.values())
        self._insert(kind, batch, "INSERT OR REPLACE INTO")

    def _insert(self, kind: type, batch: list[tuple[object, str]], verb: str,
                tail: str = "") -> None:
        """Run ``verb table (columns) SELECT … tail`` over ``batch``: the records' fields
        and their ``provenance_id``."""
        names = [f.name for f in dataclasses.fields(kind)]
        columns = {name: [getattr(r, name) for r, _ in batch] for name in names}
        for listed in ("co_authors", "sections", "touched"):
            if listed in columns:
                columns[listed] = [None if v is None else list(v) for v in columns[listed]]
        columns["provenance_id"] = [p for _, p in batch]
        self._insert_columns(f"{verb} {TABLES[kind]} ({', '.join(columns)})", columns, tail)

    def _insert_columns(self, head: str, columns: dict[str, list[Any]], tail: str = "") -> None:
        """Run ``head SELECT … tail`` over ``columns``, the rows of one batch.

        A batch smaller than a full one goes as one list parameter per column, converted by
        DuckDB itself: no pyarrow, whose table builder also imports pandas (0.3 s, more than
        a small clone's whole import). A full batch goes as an Arrow table, 2.5x cheaper a
        row (6 against 15 µs of CPU for commits), which pays for the import on a long
        history.
        """
        if len(next(iter(columns.values()))) < _BATCH_ROWS:
            self._con.execute(f"{head} {_unnested(columns)} {tail}", list(columns.values()))
            return
        import pyarrow as pa

        with self._registered("_batch", pa.table(columns)):
            self._con.execute(f"{head} SELECT {', '.join(columns)} FROM _batch {tail}")

    def forget_values(self, column: str, repositories: list[tuple[str, str]]) -> int:
        """Make ``column`` unknown (NULL) for these (platform, repository) pairs: values a
        source served that were placeholders, not observations (``docs/worlds.md``).

        Returns:
            How many stored values were made unknown.
        """
        if column not in FORGETTABLE_COLUMNS:
            raise StoreError(f"repositories.{column} cannot be made unknown")
        import pyarrow as pa

        pairs = pa.table({"platform": [p for p, _ in repositories],
                          "repo": [r for _, r in repositories]})
        where = (f"{column} IS NOT NULL AND (platform, repo) IN "
                 "(SELECT platform, repo FROM _unobserved)")
        try:
            with self.transaction(), self._registered("_unobserved", pairs):
                changed = self._con.execute(
                    f"SELECT count(*) FROM repositories WHERE {where}").fetchone()[0]
                self._con.execute(f"UPDATE repositories SET {column} = NULL WHERE {where}")
        except duckdb.Error as exc:
            raise StoreError(f"write to {self.path} failed: {first_line(exc)}") from exc
        return int(changed)

    def write_touched(self, touched: list[tuple[str, str, str, list[str]]]) -> int:
        """Set what stored commits touch, as (platform, repo, sha, file classes), where the
        store does not know it yet (``touched`` NULL): paths a source gave are never
        replaced. Commits the store does not hold are passed over.

        Returns:
            How many commits gained their classes.
        """
        import pyarrow as pa

        rows = pa.table({"platform": [t[0] for t in touched], "repo": [t[1] for t in touched],
                         "sha": [t[2] for t in touched],
                         "touched": pa.array([list(t[3]) for t in touched],
                                             pa.list_(pa.string()))})
        where = ("c.touched IS NULL AND c.platform = t.platform AND c.repo = t.repo "
                 "AND c.sha = t.sha")
        try:
            with self.transaction(), self._registered("_touched", rows):
                changed = self._con.execute(
                    f"SELECT count(*) FROM commits c, _touched t WHERE {where}").fetchone()[0]
                self._con.execute(f"UPDATE commits c SET touched = t.touched FROM _touched t "
                                  f"WHERE {where}")
        except duckdb.Error as exc:
            raise StoreError(f"write to {self.path} failed: {first_line(exc)}") from exc
        return int(changed)

    @contextmanager
    def _registered(self, name: str, data: object) -> Iterator[None]:
        """``data`` (a DataFrame or Arrow table) readable as the view ``name`` in the block."""
        self._con.register(name, data)
        try:
            yield
        finally:
            self._con.unregister(name)

    def finished_step(self, step: str) -> str | None:
        """The configuration hash a study step last finished with, if it did."""
        row = self.query("SELECT config_hash FROM study_steps WHERE step = ?", [step]).fetchone()
        return row[0] if row else None

    def mark_step(self, step: str, config_hash: str, outcome: str) -> None:
        """Record that a study step finished (so a re-run can skip it)."""
        with self.transaction():
            self._con.execute("INSERT OR REPLACE INTO study_steps "
                              "(step, config_hash, finished_at, outcome) VALUES (?, ?, ?, ?)",
                              [step, config_hash, datetime.now(UTC), outcome])

    def _upsert_derivations(self, batch: list[tuple[Derivation, str]]) -> None:
        """Upsert ``(derivation link, provenance id)`` pairs, keeping the most authoritative
        ``relation_source``.

        One link can be reported twice (a child's relation tag and its parent's lineage
        list, or two dumps): the child's own tag outranks the Hub's lineage listing, which
        outranks an explicit card relation, which outranks an inferred one; equal ranks
        take the newer report.
        """
        keys = KEYS[Derivation]
        best: dict[tuple[str, ...], tuple[Derivation, str]] = {}
        for d, provenance_id in batch:
            key = tuple(getattr(d, k) for k in keys)
            held = best.get(key)
            if held is None or (SOURCE_RANK.get(d.relation_source, 9)
                                <= SOURCE_RANK.get(held[0].relation_source, 9)):
                best[key] = (d, provenance_id)
        rank = " ".join(f"WHEN '{k}' THEN {v}" for k, v in SOURCE_RANK.items())
        self._insert(Derivation, list(best.values()), "INSERT INTO", (
            f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET "
            "relation_source = EXCLUDED.relation_source, "
            "provenance_id = EXCLUDED.provenance_id "
            f"WHERE (CASE EXCLUDED.relation_source {rank} ELSE 9 END) "
            f"<= (CASE derivations.relation_source {rank} ELSE 9 END)"))

    def write_thread_labels(self, labels: pd.DataFrame, model: str) -> int:
        """Replace the type labels of the given threads (``platform, repo, number, label,
        probability``, and ``probabilities`` when given: a JSON object of every predicted
        type's probability), atomically."""
        columns = ["platform", "repo", "number", "label", "probability"]
        frame = labels[columns + (["probabilities"] if "probabilities" in labels else [])].copy()
        frame["model"] = model
        frame["labelled_at"] = datetime.now(UTC)
        try:
            with self.transaction(), self._registered("_labels", frame):
                self._con.execute("INSERT OR REPLACE INTO thread_labels BY NAME "
                                  "SELECT * FROM _labels")
        except duckdb.Error as exc:
            raise StoreError(f"write to {self.path} failed: {first_line(exc)}") from exc
        return len(frame)

    def write_human_labels(self, labels: pd.DataFrame, provenance: Provenance) -> int:
        """Replace the human type labels of the given threads (``platform, repo, number,
        label, resolution, coders, weight``) and record where they came from, atomically."""
        frame = labels[["platform", "repo", "number", "label", "resolution", "coders",
                        "weight"]]
        try:
            with self.transaction():
                frame = frame.assign(provenance_id=self._write_provenance(provenance))
                with self._registered("_human", frame):
                    self._con.execute("INSERT OR REPLACE INTO human_labels BY NAME "
                                      "SELECT * FROM _human")
        except duckdb.Error as exc:
            raise StoreError(f"write to {self.path} failed: {first_line(exc)}") from exc
        return len(frame)

    def frame_size(self, frame: str, platform: str) -> int:
        """How many of ``platform``'s repositories frame ``frame`` holds (0: none yet)."""
        return int(self.query("SELECT count(*) FROM frames WHERE frame = ? AND platform = ?",
                              [frame, platform]).fetchone()[0])

    def check_frame_free(self, frame: str, platform: str) -> None:
        """Raise ``ConfigError`` when ``frame`` already holds ``platform`` repositories: a
        frame's order and parameters are the sample's record and are replaced only on
        request (``crossforge sample --replace``)."""
        held = self.frame_size(frame, platform)
        if held:
            raise ConfigError(f"frame {frame!r} already holds {held:,} {platform} repositories "
                              f"in {self.path}: pass --replace to replace them, or choose "
                              "another --frame")

    def write_frame(self, frame: str, platform: str, repos: list[str], params: dict, *,
                    replace: bool = False, strata: list[str | None] | None = None) -> int:
        """Store a sampling frame. One of the same name and platform is replaced only with
        ``replace``; otherwise ``check_frame_free`` refuses and nothing changes. ``strata``:
        each repository's stratum in a stratified frame (its design weight needs it)."""
        import pandas as pd

        rows = pd.DataFrame({"frame": frame, "platform": platform, "repo": repos,
                             "position": range(len(repos)),
                             "params": json.dumps(params, sort_keys=True),
                             "created_at": datetime.now(UTC),
                             "stratum": pd.Series(strata if strata is not None
                                                  else [None] * len(repos), dtype=object)})
        try:
            with self.transaction():
                if not replace:
                    self.check_frame_free(frame, platform)
                self._con.execute("DELETE FROM frames WHERE frame = ? AND platform = ?",
                                  [frame, platform])
                with self._registered("_frame", rows):
                    self._con.execute("INSERT INTO frames BY NAME SELECT * FROM _frame")
        except duckdb.Error as exc:
            raise StoreError(f"write to {self.path} failed: {first_line(exc)}") from exc
        return len(rows)

    def read_frame(self, frame: str) -> list[tuple[str, str]]:
        """The ``(platform, repo)`` pairs of a frame, in frame order."""
        return [(p, r) for p, r in self.query(
            "SELECT platform, repo FROM frames WHERE frame = ? ORDER BY platform, position",
            [frame]).fetchall()]

    def counts(self) -> dict[str, int]:
        """Rows per data table."""
        return {
            name: int(self.query(f"SELECT count(*) FROM {name}").fetchone()[0])
            for name in TABLES.values()
        }

    def collection_states(self) -> dict[tuple[str, str, str], tuple[str, str | None]]:
        """Every collection task's checkpoint, ``(platform, repo, task) -> (state, cursor)``,
        so a run knows in one read what earlier runs finished."""
        rows = self.query("SELECT platform, repo, task, state, cursor "
                          "FROM collection_tasks").fetchall()
        return {(p, r, t): (s, c) for p, r, t, s, c in rows}

    def held_items(self, kind: type, platform: str, owner: str, ids: list[str]) -> int:
        """How many of ``ids`` the store holds among ``owner``'s records of ``kind``.

        The owner is the middle column of the kind's natural key (a repository, or the
        organisation of a membership) and the ids its last one (sha, number, comment id,
        login), compared as text: a resumed walk asks whether a page only repeats what it
        stored.
        """
        owner_column, item = KEYS[kind][1], KEYS[kind][-1]
        row = self.query(
            f"SELECT count(DISTINCT {item}) FROM {TABLES[kind]} WHERE platform = ? "
            f"AND {owner_column} = ? AND CAST({item} AS VARCHAR) IN "
            f"({', '.join('?' * len(ids))})", [platform, owner, *ids]).fetchone()
        return int(row[0])

    def repository_rows(self, table: str, platform: str, repo: str,
                        channel: str | None = None) -> int:
        """Rows of a repository in a data table (what a capped walk has stored so far); of
        threads, those of one ``channel`` when given."""
        where, params = ("", [platform, repo]) if channel is None else (
            " AND channel = ?", [platform, repo, channel])
        return int(self.query(f"SELECT count(*) FROM {table} WHERE platform = ? "
                              f"AND repo = ?{where}", params).fetchone()[0])

    def last_provenance(self, table: str, platform: str, repo: str) -> str | None:
        """The greatest provenance id of a repository's rows in a data table (a truncation
        recorded without a page in hand cites it)."""
        row = self.query(f"SELECT max(provenance_id) FROM {table} WHERE "
                         "platform = ? AND repo = ?", [platform, repo]).fetchone()
        return row[0] if row and row[0] else None

    def record_truncation(self, platform: str, repo: str, task: str, cursor: str | None,
                          resource: str, cap: int, collected: int, provenance_id: str) -> None:
        """Mark a task stopped at its cap, keeping its next page (a higher cap continues
        from it), and record the truncation, atomically."""
        with self.transaction():
            self.query("INSERT OR REPLACE INTO collection_tasks "
                       "(platform, repo, task, state, cursor, updated_at) "
                       "VALUES (?, ?, ?, 'truncated', ?, ?)",
                       [platform, repo, task, cursor, datetime.now(UTC)])
            self.query("INSERT OR REPLACE INTO collection_truncations "
                       "(platform, repo, resource, cap, collected, provenance_id, recorded_at) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)",
                       [platform, repo, resource, cap, collected, provenance_id,
                        datetime.now(UTC)])

    def clear_truncation(self, platform: str, repo: str, resource: str) -> None:
        """Forget a repository's truncation of ``resource``: its walk reached the end."""
        with self.transaction():
            self.query("DELETE FROM collection_truncations WHERE platform = ? AND repo = ? "
                       "AND resource = ?", [platform, repo, resource])

    def record_failure(self, platform: str, repo: str, task: str, reason: str) -> None:
        """Mark a task failed, keeping its checkpoint's cursor (a later run retries from
        it), and count the failure with its latest reason, atomically."""
        now = datetime.now(UTC)
        with self.transaction():
            self.query(
                "INSERT INTO collection_tasks (platform, repo, task, state, cursor, updated_at) "
                "VALUES (?, ?, ?, 'failed', NULL, ?) ON CONFLICT DO UPDATE SET "
                "state = 'failed', updated_at = EXCLUDED.updated_at",
                [platform, repo, task, now])
            self.query(
                "INSERT INTO collection_failures "
                "(platform, repo, task, reason, failures, failed_at) VALUES (?, ?, ?, ?, 1, ?) "
                "ON CONFLICT DO UPDATE SET reason = EXCLUDED.reason, "
                "failed_at = EXCLUDED.failed_at, failures = collection_failures.failures + 1",
                [platform, repo, task, reason, now])

    def failed_tasks(self, platform: str) -> list[tuple[str, str, str | None]]:
        """``(repo, task, reason)`` of the platform's tasks still failed, by repo and task
        (earlier runs' failures included)."""
        return self.query(
            "SELECT t.repo, t.task, f.reason FROM collection_tasks t LEFT JOIN "
            "collection_failures f USING (platform, repo, task) WHERE t.platform = ? AND "
            "t.state = 'failed' ORDER BY t.repo, t.task", [platform]).fetchall()

    def truncations(self, platform: str) -> list[tuple[str, str, int]]:
        """``(repo, resource, collected)`` of the platform's walks stopped at a cap."""
        return self.query(
            "SELECT repo, resource, collected FROM collection_truncations WHERE "
            "platform = ? ORDER BY repo, resource", [platform]).fetchall()

    def record_rename(self, platform: str, repo: str, current_name: str,
                      provenance_id: str) -> None:
        """Note that the API answers ``repo`` under ``current_name`` (renamed or
        transferred); its records stay under the frame's name."""
        with self.transaction():
            self.query("INSERT OR REPLACE INTO repository_renames "
                       "(platform, repo, current_name, provenance_id, recorded_at) "
                       "VALUES (?, ?, ?, ?, ?)",
                       [platform, repo, current_name, provenance_id, datetime.now(UTC)])

    def organizations(self, platform: str) -> list[str]:
        """Logins of the platform's accounts known to be organisations (whose member
        listings collection walks)."""
        return [login for (login,) in self.query(
            "SELECT login FROM accounts WHERE platform = ? AND type = 'organization'",
            [platform]).fetchall()]

    def discussion_boards(self, platform: str, repos: list[str]) -> set[str]:
        """Which of ``repos`` have a discussion board (``has_discussions``), in one query:
        only those are asked for discussions."""
        return {repo for (repo,) in self.query(
            "SELECT repo FROM repositories WHERE platform = ? AND has_discussions "
            "AND repo IN (SELECT unnest(?::VARCHAR[]))", [platform, repos]).fetchall()}

    def thread_numbers(self, platform: str, repos: list[str]) -> dict[str, set[int]]:
        """The numbers of each repository's stored threads (their details need no new call),
        in one query."""
        found: dict[str, set[int]] = {repo: set() for repo in repos}
        for repo, number in self.query(
                "SELECT repo, number FROM threads WHERE platform = ? "
                "AND repo IN (SELECT unnest(?::VARCHAR[]))", [platform, repos]).fetchall():
            found[repo].add(number)
        return found

    def author_origins(self, platform: str, logins: list[str], source: str) -> dict[str, str]:
        """For each of ``logins`` stored as an account other than an organisation, the raw
        answer (``raw:ID``, read from ``source``) that stored it: proof it is a user, without
        another call. Logins without one are left out. One query."""
        return dict(self.query(
            "SELECT a.login, p.origin FROM accounts a JOIN provenance p "
            "ON p.id = a.provenance_id WHERE a.platform = ? "
            "AND a.login IN (SELECT unnest(?::VARCHAR[])) AND a.type <> 'organization' "
            "AND p.source = ? AND p.origin LIKE 'raw:%'", [platform, logins, source]).fetchall())

    def frame_metadata(self, frame: str, platform: str) -> list[tuple[Any, ...]]:
        """A frame's repositories in frame order with the metadata collected for them
        (``repo, created_at, popularity, downloads, is_fork, is_archived, is_mirror``;
        ``None`` where none was collected): the population of a frame drawn from it."""
        return self.query(
            "SELECT f.repo, r.created_at, r.popularity, r.downloads, r.is_fork, "
            "r.is_archived, r.is_mirror FROM frames f LEFT JOIN repositories r "
            "ON r.platform = f.platform AND r.repo = f.repo "
            "WHERE f.frame = ? AND f.platform = ? ORDER BY f.position",
            [frame, platform]).fetchall()


def _unnested(columns: dict[str, list[Any]]) -> str:
    """A SELECT of ``columns`` passed as one list parameter each, in order, zipped row by
    row."""
    return "SELECT * FROM (SELECT " + ", ".join(
        f"unnest(${number}) AS {name}" for number, name in enumerate(columns, 1)) + ")"


def provenance_key(source: str, origin: str) -> str:
    """A stable id for one (source, origin) pair, so a re-import reuses its provenance row."""
    return hashlib.sha256(f"{source}\0{origin}".encode()).hexdigest()[:16]

