"""Repositories too large for the caps, repositories that keep failing, and the resume edge
cases (a loop or a repeat on the first page after a resume, a Hub discussion listing that
loops): the collection stores what it may, records what it did not, loses nothing, and a
later run completes it."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from typer.testing import CliRunner

from crossforge.cli import app, collection_exit_code
from crossforge.collection.collector import Caps, CollectionProgress, CollectionSummary
from crossforge.emulator import Emulator
from crossforge.records import Comment, Commit, Repository, Thread
from crossforge.sources.raw import RawStore
from crossforge.store import Store
from tests.reliability.helpers import FRAME, WORLD, collect, contents, duplicates, framed_db

BIG = "synthetic-big/huge"
BIG_MODEL = "synthetic-big/huge-model"
#: Tables whose second column is the repository.
PER_REPOSITORY = ("commits", "threads", "comments", "repositories")
GITHUB = [repo for platform, repo in FRAME if platform == "github"]
PAGED = max(GITHUB, key=lambda repo: sum(isinstance(r, Commit) and r.repo == repo
                                         for r in WORLD))
HUB_PAGED = max((r for p, r in FRAME if p == "huggingface"), key=lambda repo: sum(
    isinstance(r, Commit) and r.repo == repo for r in WORLD))


def big_world(commits: int = 2_000, threads: int = 250, comments: int = 400,
              discussions: int = 130) -> list[object]:
    """The SYNTHETIC reliability world plus one large repository per platform, built from
    the world's own records (renamed and renumbered)."""
    start = datetime(2020, 1, 1, tzinfo=UTC)
    records = list(WORLD)
    for platform, repo in (("github", BIG), ("huggingface", BIG_MODEL)):
        base = next(r for r in WORLD if isinstance(r, Repository) and r.platform == platform)
        records.append(dataclasses.replace(base, repo=repo, owner="synthetic-big",
                                           owner_type="user"))
        commit = next(r for r in WORLD if isinstance(r, Commit) and r.platform == platform)
        wanted = commits if platform == "github" else 60
        records += [dataclasses.replace(
            commit, repo=repo, sha=hashlib.sha1(f"{repo}:{i}".encode()).hexdigest(),
            authored_at=start + timedelta(minutes=i), committed_at=start + timedelta(minutes=i),
            subject=f"synthetic commit {i}") for i in range(wanted)]
        thread = next(r for r in WORLD if isinstance(r, Thread) and r.platform == platform)
        count = threads if platform == "github" else discussions
        records += [dataclasses.replace(thread, repo=repo, number=n, kind="issue" if
                                        platform == "github" else "discussion",
                                        merged_at=None, created_at=start + timedelta(hours=n))
                    for n in range(1, count + 1)]
    reply = next(r for r in WORLD if isinstance(r, Comment) and r.platform == "github")
    records += [dataclasses.replace(reply, repo=BIG, thread_number=1 + i % threads,
                                    comment_id=str(900_000 + i),
                                    created_at=start + timedelta(hours=i)) for i in range(comments)]
    return records


BIG_WORLD = big_world()
BIG_FRAME = sorted((r.platform, r.repo) for r in BIG_WORLD if isinstance(r, Repository))


def pages_of(raw: Path, kind: str, repo: str) -> list[int]:
    """The page numbers of the stored answers of one listing, in the order stored."""
    return [int(dict(parse_qsl(urlsplit(r.url).query)).get("page", 1)) for r in RawStore(raw)
            if r.kind == kind and r.context.get("repo") == repo]


def without(table: list[tuple], *repos: str) -> list[tuple]:
    return [row for row in table if row[1] not in repos]


def rows(db: Path, sql: str) -> list[tuple]:
    with Store(db, read_only=True) as store:
        return store.query(sql).fetchall()


@pytest.fixture(scope="module")
def big_clean(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple]]:
    with Emulator.from_records(BIG_WORLD) as emulator:
        db, _ = collect(emulator.url, tmp_path_factory.mktemp("big"), BIG_FRAME)
    return contents(db)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple]]:
    with Emulator.from_records(WORLD) as emulator:
        db, _ = collect(emulator.url, tmp_path_factory.mktemp("clean"))
    return contents(db)


def test_a_repository_beyond_the_caps_is_cut_at_them_recorded_and_completed_later(
        big_clean: dict[str, list[tuple]], tmp_path: Path) -> None:
    summaries: list[CollectionSummary] = []
    with Emulator.from_records(BIG_WORLD) as emulator:
        db, _ = collect(emulator.url, tmp_path, BIG_FRAME, summaries=summaries,
                        caps=Caps(commits=300, threads=120, comments=150))
    got = contents(db)
    for table in PER_REPOSITORY:  # every other repository is whole
        assert without(got[table], BIG, BIG_MODEL) == without(big_clean[table], BIG, BIG_MODEL)
    stored = {(p, r, t): n for p, r, t, n in rows(db, """
        SELECT 'github', repo, 'commits', count(*) FROM commits WHERE repo = 'synthetic-big/huge'
        GROUP BY repo UNION ALL SELECT platform, repo, 'threads', count(*) FROM threads
        WHERE repo LIKE 'synthetic-big/%' GROUP BY ALL UNION ALL SELECT 'github', repo,
        'comments', count(*) FROM comments WHERE repo = 'synthetic-big/huge' GROUP BY repo""")}
    # GitHub stops at the page boundary at or past the cap (100 a page); the Hub's
    # discussions at the cap itself
    assert stored == {("github", BIG, "commits"): 300, ("github", BIG, "threads"): 200,
                      ("github", BIG, "comments"): 200, ("huggingface", BIG_MODEL, "threads"): 120}
    truncations = rows(db, "SELECT platform, repo, resource, cap, collected FROM "
                           "collection_truncations ORDER BY ALL")
    assert truncations == [("github", BIG, "comments", 150, 200),
                           ("github", BIG, "commits", 300, 300),
                           ("github", BIG, "threads", 120, 200),
                           ("huggingface", BIG_MODEL, "threads", 120, 120)]
    assert rows(db, "SELECT count(*) FROM collection_truncations t JOIN provenance p "
                    "ON p.id = t.provenance_id") == [(4,)]  # each names the page it stopped at
    summary = summaries[0]
    assert summary.truncated == {"github": {BIG: {"comments": 200, "commits": 300,
                                                  "threads": 200}},
                                 "huggingface": {BIG_MODEL: {"threads": 120}}}
    assert summary.repositories == {"github": 7, "huggingface": 7}

    with Emulator.from_records(BIG_WORLD) as emulator:  # the caps lifted: it goes on
        db, _ = collect(emulator.url, tmp_path, BIG_FRAME, summaries=summaries)
        asked = [c for c in emulator.log if c.endpoint == "/repos/{owner}/{repo}/commits"]
        details = emulator.requests["/api/models/{owner}/{repo}/discussions/{num}"]
    assert len(asked) == 17  # pages 4 to 20: from the kept page, not from the first
    assert details == 10  # only the discussions beyond the cap's 120
    assert contents(db) == big_clean and duplicates(db) == 0
    assert rows(db, "SELECT count(*) FROM collection_truncations") == [(0,)]
    assert summaries[1].truncated == {"github": {}, "huggingface": {}}


def test_the_emulator_serves_a_repository_far_beyond_the_caps_page_by_page(
        tmp_path: Path) -> None:
    world = big_world(commits=20_000, threads=3, comments=3, discussions=3)
    summaries: list[CollectionSummary] = []
    with Emulator.from_records(world) as emulator:
        last = emulator.handle("GET", f"/repos/{BIG}/commits?per_page=100&page=200", {}, b"")
        db, _ = collect(emulator.url, tmp_path, [("github", BIG)], summaries=summaries,
                        caps=Caps(commits=250))
        asked = [c for c in emulator.log[1:] if c.endpoint == "/repos/{owner}/{repo}/commits"]
    assert last[0] == 200 and len(last[2]) == 100
    assert last[2][-1]["commit"]["message"] == "synthetic commit 0"  # the oldest, last
    assert len(asked) == 3 and summaries[0].truncated["github"] == {BIG: {"commits": 300}}
    assert rows(db, "SELECT count(*) FROM commits") == [(300,)]


def test_repositories_that_keep_failing_are_recorded_the_rest_collected_and_rerun(
        clean: dict[str, list[tuple]], tmp_path: Path) -> None:
    faults = f"500:1@/repos/{PAGED}/commits,invalid:1@/api/models/{HUB_PAGED}/commits/*"
    summaries: list[CollectionSummary] = []
    with Emulator.from_records(WORLD, faults=faults) as emulator:
        db, _ = collect(emulator.url, tmp_path, summaries=summaries)
    first = summaries[0]
    assert set(first.failed["github"]) == {PAGED}
    assert "answered 500" in first.failed["github"][PAGED]
    assert set(first.failed["huggingface"]) == {HUB_PAGED}
    assert "not valid JSON" in first.failed["huggingface"][HUB_PAGED]
    assert first.repositories == {"github": 5, "huggingface": 5}
    got = contents(db)
    for table in PER_REPOSITORY:
        assert without(got[table], PAGED, HUB_PAGED) == without(clean[table], PAGED, HUB_PAGED)
    assert rows(db, "SELECT platform, repo, task, failures FROM collection_failures "
                    "ORDER BY ALL") == [("github", PAGED, "commits", 1),
                                        ("huggingface", HUB_PAGED, "commits", 1)]
    assert rows(db, "SELECT count(*) FROM collection_tasks WHERE state = 'failed'") == [(2,)]

    with Emulator.from_records(WORLD) as emulator:  # the faults cleared: a re-run completes
        db, _ = collect(emulator.url, tmp_path, summaries=summaries)
    assert contents(db) == clean and duplicates(db) == 0
    assert summaries[1].failed == {"github": {}, "huggingface": {}}
    assert summaries[1].repositories == {"github": 6, "huggingface": 6}


def test_cli_reports_failures_in_one_line_and_a_rerun_completes(tmp_path: Path) -> None:
    runner = CliRunner()

    def run(url: str) -> tuple[int, list[str]]:
        result = runner.invoke(app, ["collect", "--db", str(tmp_path / "db.duckdb"), "--raw",
                                     str(tmp_path / "raw"), "--github-url", url, "--hub-url",
                                     url], env={"GITHUB_TOKEN": "t", "HF_TOKEN": "t"})
        assert "Traceback" not in result.output
        return result.exit_code, [line for line in result.stdout.splitlines() if line.strip()]

    framed_db(tmp_path / "db.duckdb")
    with Emulator.from_records(WORLD, faults="502:1@/graphql") as emulator:
        code, lines = run(emulator.url)
    assert code == 0  # the Hub's models were collected
    assert lines[0].startswith("github: 0 repositories collected")
    assert lines[1].startswith("github: 6 failed, retried by the next run (")
    assert "POST /graphql: answered 502" in lines[1]
    assert lines[2].startswith("huggingface: 6 repositories collected")
    with Emulator.from_records(WORLD) as emulator:
        code, lines = run(emulator.url)
    assert code == 0 and [line.split(",")[0] for line in lines] == [
        "github: 6 repositories collected", "huggingface: 6 repositories collected"]


@pytest.mark.parametrize(("collected", "failed", "strict", "code"), [
    (5, 1, False, 0), (5, 1, True, 1), (0, 6, False, 1), (6, 0, True, 0), (0, 0, False, 0)])
def test_collect_exits_non_zero_only_when_everything_failed_or_when_strict(
        collected: int, failed: int, strict: bool, code: int) -> None:
    summary = CollectionSummary(repositories={"github": collected}, failed={
        "github": {f"o/r{i}": "GET /repos/o/r/commits: answered 502" for i in range(failed)}})
    assert collection_exit_code(summary, strict=strict) == code


def stop_after_pages(repo: str, count: int) -> Callable[[CollectionProgress], None]:
    """An ``on_progress`` that stops the run (as a kill would) after ``count`` stored pages
    of ``repo``."""
    seen = []

    def on_progress(state: CollectionProgress) -> None:
        if state.subject == repo:
            seen.append(state)
            if len(seen) == count:
                raise KeyboardInterrupt
    return on_progress


def test_a_resumed_walk_whose_next_link_loops_back_goes_on_from_where_it_stopped(
        clean: dict[str, list[tuple]], tmp_path: Path) -> None:
    with Emulator.from_records(WORLD) as emulator, pytest.raises(KeyboardInterrupt):
        collect(emulator.url, tmp_path, on_progress=stop_after_pages(PAGED, 2))
    assert pages_of(tmp_path / "raw", "github.commits", PAGED) == [1, 2]
    with Emulator.from_records(WORLD, faults=f"loop:1@/repos/{PAGED}/commits") as emulator:
        db, _ = collect(emulator.url, tmp_path)
    # page 3 links back to page 1: recognised although this run never saw page 1, so the
    # walk goes on by page number instead of walking the listing again
    assert pages_of(tmp_path / "raw", "github.commits", PAGED) == [1, 2, 3, 4]
    assert contents(db) == clean and duplicates(db) == 0


def test_a_resumed_page_that_repeats_its_predecessor_is_not_taken_for_new_items(
        clean: dict[str, list[tuple]], tmp_path: Path) -> None:
    with Emulator.from_records(WORLD) as emulator, pytest.raises(KeyboardInterrupt):
        collect(emulator.url, tmp_path, on_progress=stop_after_pages(PAGED, 2))
    summaries: list[CollectionSummary] = []
    with Emulator.from_records(WORLD, faults=f"repeat:1@/repos/{PAGED}/commits") as emulator:
        db, _ = collect(emulator.url, tmp_path, summaries=summaries)
    # asked again, then walked from the first page, where the repeat is recognised
    assert "page 2 repeats the items of page 1" in summaries[0].failed["github"][PAGED]
    assert rows(db, f"SELECT count(*) FROM commits WHERE repo = '{PAGED}'") == [(200,)]
    with Emulator.from_records(WORLD) as emulator:
        db, _ = collect(emulator.url, tmp_path)
    assert contents(db) == clean and duplicates(db) == 0


def test_a_listing_shifted_by_a_whole_page_since_the_crash_is_walked_again_whole(
        tmp_path: Path) -> None:
    with Emulator.from_records(WORLD) as emulator, pytest.raises(KeyboardInterrupt):
        collect(emulator.url, tmp_path / "resumed", on_progress=stop_after_pages(PAGED, 2))
    newest = max((r for r in WORLD if isinstance(r, Commit) and r.repo == PAGED),
                 key=lambda c: c.committed_at)
    later = [*WORLD, *(dataclasses.replace(  # 100 new commits: page 3 is now the old page 2
        newest, sha=hashlib.sha1(f"new:{i}".encode()).hexdigest(), subject=f"new {i}",
        committed_at=newest.committed_at + timedelta(hours=i + 1)) for i in range(100))]
    with Emulator.from_records(later) as emulator:
        db, _ = collect(emulator.url, tmp_path / "resumed")
        fresh, _ = collect(emulator.url, tmp_path / "fresh")
    got, expected = contents(db), contents(fresh)
    for table in got:  # the metadata (its push time) was read before the new commits
        assert table == "repositories" or got[table] == expected[table], table
    assert duplicates(db) == 0


@pytest.mark.parametrize("fault", ["loop", "repeat"])
def test_a_hub_discussion_listing_that_loops_falls_back_to_a_bounded_walk(
        fault: str, big_clean: dict[str, list[tuple]], tmp_path: Path) -> None:
    frame = [("huggingface", BIG_MODEL)]
    faults = f"{fault}:1@/api/models/{BIG_MODEL}/discussions"
    with Emulator.from_records(BIG_WORLD, faults=faults) as emulator:
        db, _ = collect(emulator.url, tmp_path, frame)
        listings = emulator.requests["/api/models/{owner}/{repo}/discussions"]
        details = emulator.requests["/api/models/{owner}/{repo}/discussions/{num}"]
    got = contents(db)
    for table in ("threads", "comments"):
        assert got[table] == [row for row in big_clean[table] if row[1] == BIG_MODEL]
    # the first page, then page 1 asked 5 times; then details by number, each once
    assert (listings, details) == (6, 130)
