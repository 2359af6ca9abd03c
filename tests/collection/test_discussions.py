"""GitHub Discussions through the emulator: a SYNTHETIC world's boards come back whole
(discussions, comments and replies, accepted answers), a repository without a board costs
no request, and faults and interruptions resume to the same store."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from crossforge import api
from crossforge.collection.collector import Caps, CollectionProgress
from crossforge.emulator import Emulator
from crossforge.records import Comment, Repository, Thread
from crossforge.sources import github
from crossforge.sources.raw import RawStore
from crossforge.store import Store
from crossforge.worlds import synthetic
from tests.reliability.helpers import collect

#: Seed 22 gives three boards among six GitHub repositories: 63 discussions, one with 64
#: comments and replies (past the first page of ten), five accepted answers.
WORLD = list(synthetic.generate_world(6, 22))
FRAME = sorted((r.platform, r.repo) for r in WORLD
               if isinstance(r, Repository) and r.platform == "github")
BOARDS = sorted(r.repo for r in WORLD if isinstance(r, Repository) and r.has_discussions)
DISCUSSIONS = "threads WHERE channel = 'discussion_board'"
THREAD_COLUMNS = ("platform, repo, number, kind, channel, title, nullif(author, 'ghost'), "
                  "state, answerable, date_trunc('second', created_at), "
                  "date_trunc('second', closed_at), date_trunc('second', answered_at)")
BOARD_COMMENTS = ("comments c WHERE EXISTS (SELECT 1 FROM threads t WHERE t.platform = "
                  "c.platform AND t.repo = c.repo AND t.number = c.thread_number AND "
                  "t.channel = 'discussion_board')")
COMMENT_COLUMNS = "platform, repo, thread_number, nullif(author, 'ghost'), " \
                  "date_trunc('second', created_at), body"


def rows(db: Path, table: str, columns: str) -> list[tuple]:
    with Store(db, read_only=True) as store:
        return store.query(f"SELECT {columns} FROM {table} ORDER BY ALL").fetchall()


@pytest.fixture(scope="module")
def direct(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The world written straight into a store: what a collection must give back."""
    with Store(tmp_path_factory.mktemp("direct") / "world.duckdb") as store:
        store.write(api._provenance(synthetic.SOURCE, "seed=22"), WORLD)
        return store.path


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Counter]:
    with Emulator.from_records(WORLD) as emulator:
        db, _ = collect(emulator.url, tmp_path_factory.mktemp("clean"), FRAME)
        return db, Counter(emulator.requests)


def test_the_world_has_what_the_tests_need() -> None:
    discussions = [t for t in WORLD if isinstance(t, Thread) and t.channel == "discussion_board"]
    numbers = {(t.repo, t.number) for t in discussions}
    said = Counter((c.repo, c.thread_number) for c in WORLD if isinstance(c, Comment)
                   and (c.repo, c.thread_number) in numbers)
    assert len(BOARDS) == 3 and len(FRAME) == 6
    assert max(said.values()) > github.DISCUSSION_COMMENT_PAGE
    assert len(discussions) > github.DISCUSSION_PAGE
    assert any(t.answered_at for t in discussions) and not all(t.answerable for t in discussions)


def test_discussions_come_back_with_their_comments_replies_and_answers(
        clean: tuple[Path, Counter], direct: Path) -> None:
    db, _ = clean
    assert rows(db, DISCUSSIONS, THREAD_COLUMNS) == rows(direct, DISCUSSIONS, THREAD_COLUMNS)
    assert rows(db, BOARD_COMMENTS, COMMENT_COLUMNS) == rows(direct, BOARD_COMMENTS,
                                                             COMMENT_COLUMNS)
    assert rows(db, "repositories", "repo, has_discussions") == rows(
        direct, "repositories WHERE platform = 'github'", "repo, has_discussions")
    answered = rows(db, DISCUSSIONS + " AND answered_at IS NOT NULL", "answerable")
    assert answered and all(answerable for (answerable,) in answered)


def test_only_repositories_with_a_board_are_asked_for_discussions(
        clean: tuple[Path, Counter]) -> None:
    db, requests = clean
    with Store(db, read_only=True) as store:
        asked = sorted({repo for (repo,) in store.query(
            "SELECT repo FROM collection_tasks WHERE task = 'discussions'").fetchall()})
    assert asked == BOARDS
    kinds = Counter(r.kind for r in RawStore(db.parent / "raw"))
    # one batch, then per board its pages of 13; long discussions' comments a page more
    per_board = Counter(t.repo for t in WORLD if isinstance(t, Thread)
                        and t.channel == "discussion_board")
    assert kinds["github.repositories"] == 1
    assert kinds["github.discussions"] == sum(
        max(1, -(-n // github.DISCUSSION_PAGE)) for n in per_board.values())
    assert kinds["github.discussion_comments"] >= 1
    assert requests["/graphql"] == sum(kinds[k] for k in kinds if k != "github.commits"
                                       and k != "github.issues" and k != "github.comments")


def test_faults_and_interruptions_resume_to_the_same_discussions(
        clean: tuple[Path, Counter], tmp_path: Path) -> None:
    expected = rows(clean[0], DISCUSSIONS, THREAD_COLUMNS), rows(
        clean[0], BOARD_COMMENTS, COMMENT_COLUMNS)
    faults = "500:0.3@/graphql,invalid:0.1@/graphql,seed=3"
    with Emulator.from_records(WORLD, faults=faults) as emulator:
        for stop in (2, 5, 8):
            pages = 0

            def interrupt(_: CollectionProgress, at: int = stop) -> None:
                nonlocal pages
                pages += 1
                if pages >= at:
                    raise KeyboardInterrupt

            with pytest.raises(KeyboardInterrupt):
                collect(emulator.url, tmp_path, FRAME, on_progress=interrupt)
        db, _ = collect(emulator.url, tmp_path, FRAME)
        assert emulator.faults.produced, "no fault fired: the test shows nothing"
    assert (rows(db, DISCUSSIONS, THREAD_COLUMNS), rows(db, BOARD_COMMENTS,
                                                        COMMENT_COLUMNS)) == expected


def test_a_thread_cap_stops_a_board_and_a_higher_cap_finishes_it(
        clean: tuple[Path, Counter], tmp_path: Path) -> None:
    """``--max-threads`` counts a board's discussions apart from the issues, and records the
    truncation as ``discussions``; a run without the cap continues from the kept page."""
    per_board = Counter(t.repo for t in WORLD if isinstance(t, Thread)
                        and t.channel == "discussion_board")
    summaries: list = []
    with Emulator.from_records(WORLD) as emulator:
        collect(emulator.url, tmp_path, FRAME, caps=Caps(threads=5), summaries=summaries)
        capped = summaries[-1].truncated["github"]
        # a walk stops at the first page boundary past the cap: a board of one page ends
        assert capped == {repo: {"discussions": github.DISCUSSION_PAGE}
                          for repo, n in per_board.items() if n > github.DISCUSSION_PAGE}
        db, _ = collect(emulator.url, tmp_path, FRAME, summaries=summaries)
    assert summaries[-1].truncated["github"] == {}
    assert rows(db, DISCUSSIONS, THREAD_COLUMNS) == rows(clean[0], DISCUSSIONS, THREAD_COLUMNS)


def test_rebuild_from_the_raw_store_gives_the_same_discussions(
        clean: tuple[Path, Counter], tmp_path: Path) -> None:
    db, _ = clean
    counts = api.rebuild(db.parent / "raw", tmp_path / "rebuilt.duckdb").responses
    assert counts["github.discussions"] > 0 and counts["github.discussion_comments"] > 0
    for table, columns in ((DISCUSSIONS, THREAD_COLUMNS), (BOARD_COMMENTS, COMMENT_COLUMNS)):
        assert rows(tmp_path / "rebuilt.duckdb", table, columns) == rows(db, table, columns)
