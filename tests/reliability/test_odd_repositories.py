"""Repositories that are renamed (301), missing (404), blocked (451), empty (409), and
accounts that were deleted (``ghost``): the collection finishes, records what it met, and
everything else equals a clean run."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from crossforge.collection.collector import CollectionProgress, CollectionSummary
from crossforge.emulator import Emulator
from crossforge.records import Comment, Commit, Thread
from crossforge.sources import github
from crossforge.store import Store
from tests.reliability.helpers import FRAME, WORLD, collect, contents, served

GITHUB = [repo for platform, repo in FRAME if platform == "github"]
#: The repository whose commits overflow the batched GraphQL query's first page, so that its
#: REST answers (where GitHub signals renames and blocks) are asked for.
PAGED = max(GITHUB, key=lambda repo: sum(isinstance(r, Commit) and r.repo == repo
                                         for r in WORLD))
ACTIVITY = ("commits", "threads", "comments")


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple]]:
    with served() as emulator:
        db, _ = collect(emulator.url, tmp_path_factory.mktemp("clean"))
    return contents(db)


def without(rows: list[tuple], repo: str) -> list[tuple]:
    return [row for row in rows if row[1] != repo]


def states(db: Path, repo: str) -> dict[str, str]:
    with Store(db, read_only=True) as store:
        return dict(store.query("SELECT task, state FROM collection_tasks WHERE repo = ?",
                                [repo]).fetchall())


def test_a_renamed_repository_is_followed_to_its_new_name(
        clean: dict[str, list[tuple]], tmp_path: Path) -> None:
    old, new = PAGED, f"renamed-{PAGED.replace('/', '-')}/new-name"
    with served(renamed={new: old}) as emulator:
        db, _ = collect(emulator.url, tmp_path)
        asked = {c.subjects for c in emulator.log
                 if c.endpoint == "/repos/{owner}/{repo}/commits"}
    assert {(old,), (new,)} <= asked  # the old name's 301, then the new name's answers
    assert contents(db) == clean  # stored under the frame's name, GraphQL's or REST's
    with Store(db, read_only=True) as store:
        renames = store.query("SELECT r.repo, r.current_name, p.origin FROM "
                              "repository_renames r JOIN provenance p ON p.id = "
                              "r.provenance_id").fetchall()
    assert [(repo, name) for repo, name, _ in renames] == [(old, new)]
    assert renames[0][2].startswith("raw:")  # the batch answer that said so


def test_graphql_resolves_a_renamed_repository_and_reports_blocked_ones_beside_the_rest(
        ) -> None:
    old, new = GITHUB[0], "someone-else/new-name"
    emulator = served(renamed={new: old}, blocked=[GITHUB[1]])
    query = github.repositories_query([old, new, GITHUB[1], GITHUB[2]])
    status, _, answer = emulator.handle("POST", "/graphql", {}, json.dumps(
        {"query": query}).encode())
    data = answer["data"]
    assert status == 200
    assert data["r0"]["nameWithOwner"] == data["r1"]["nameWithOwner"] == new
    assert data["r2"] is None and data["r3"]["nameWithOwner"] == GITHUB[2]
    assert [(e["type"], e["path"]) for e in answer["errors"]] == [("NOT_FOUND", ["r2"])]


def test_missing_and_blocked_repositories_are_recorded_and_skipped(
        clean: dict[str, list[tuple]], tmp_path: Path) -> None:
    blocked = PAGED
    summaries: list[CollectionSummary] = []
    with served(blocked=[blocked]) as emulator:
        db, _ = collect(emulator.url, tmp_path, [*FRAME, ("github", "nobody/gone")],
                        summaries=summaries)
    got = contents(db)
    for table in (*ACTIVITY, "repositories"):  # every other repository is whole
        assert without(got[table], blocked) == without(clean[table], blocked), table
    assert not [r for r in got["commits"] if r[1] == blocked]
    # GraphQL's NOT_FOUND for the blocked one did not fail the batch it was asked in
    assert states(db, blocked) == {"metadata": "missing"}
    assert states(db, "nobody/gone") == {"metadata": "missing"}
    assert summaries[0].missing["github"] == [blocked, "nobody/gone"]
    assert summaries[0].failed["github"] == {}


def test_a_repository_blocked_after_its_metadata_is_missing_from_its_rest_walk(
        clean: dict[str, list[tuple]], tmp_path: Path) -> None:
    blocked = PAGED
    with served() as emulator, pytest.raises(KeyboardInterrupt):  # metadata while open
        collect(emulator.url, tmp_path, on_progress=stop_at(blocked))
    with served(blocked=[blocked]) as emulator:
        db, _ = collect(emulator.url, tmp_path)
    got = contents(db)
    for table in ACTIVITY:
        assert without(got[table], blocked) == without(clean[table], blocked), table
    assert got["repositories"] == clean["repositories"]
    assert states(db, blocked)["commits"] == "missing"  # the REST walk met the 451


def stop_at(repo: str) -> Callable[[CollectionProgress], None]:
    """Stop a run (as a kill would) at the first stored page about ``repo``."""
    def on_progress(state: CollectionProgress) -> None:
        if state.subject == repo:
            raise KeyboardInterrupt
    return on_progress


def test_an_empty_repository_gives_no_commits_and_no_error(
        clean: dict[str, list[tuple]], tmp_path: Path) -> None:
    empty = GITHUB[2]
    world = [r for r in WORLD if not (isinstance(r, Commit) and r.repo == empty)]
    with Emulator.from_records(world) as emulator:
        db, _ = collect(emulator.url, tmp_path)
    got = contents(db)
    assert got["commits"] == without(clean["commits"], empty) != clean["commits"]
    assert got["threads"] == clean["threads"] and got["comments"] == clean["comments"]
    assert states(db, empty)["commits"] == "done"  # 409: empty, nothing more to ask


def test_deleted_accounts_are_no_author_not_a_person_called_ghost(tmp_path: Path) -> None:
    thread = next(r for r in WORLD if isinstance(r, Thread) and r.platform == "github")
    comment = next(r for r in WORLD if isinstance(r, Comment) and r.platform == "github")
    world = [dataclasses.replace(r, author="ghost") if r in (thread, comment) else r
             for r in WORLD]
    with Emulator.from_records(world) as emulator:
        db, _ = collect(emulator.url, tmp_path)
    with Store(db, read_only=True) as store:
        authors = store.query("SELECT author FROM threads WHERE repo = ? AND number = ?",
                              [thread.repo, thread.number]).fetchall()
        ghosts = store.query("SELECT count(*) FROM accounts WHERE login = 'ghost'").fetchone()
        comments = store.query("SELECT count(*) FROM comments WHERE author IS NULL"
                               ).fetchone()
    assert authors == [(None,)] and ghosts == (0,) and comments[0] >= 1
