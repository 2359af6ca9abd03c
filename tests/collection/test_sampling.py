"""Sampling frames: search windows cover the population exactly once (and resume), GH Archive
dumps give per-repository activity, filters and designs are reproducible, the Hub listing
filters on its expand fields, and bad requests fail in one line."""

from __future__ import annotations

import gzip
import json
import random
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from crossforge import api
from crossforge.cli import app
from crossforge.collection import frames, gharchive, github_search
from crossforge.collection.candidates import Candidate
from crossforge.collection.design import Design
from crossforge.collection.frames import Filters
from crossforge.emulator import Emulator
from crossforge.errors import ConfigError
from crossforge.records import Provenance, Repository
from crossforge.sources.http import ApiClient
from crossforge.sources.raw import RawResponse, RawStore
from crossforge.store import Store

RUNNER = CliRunner()
BUSY_DAY = date(2021, 3, 15)


def search_world(seed: int = 7) -> list[Repository]:
    """SYNTHETIC: 3,500 GitHub repositories over 2020–2022, stars heavy-tailed, with one day
    holding 1,600 (1,300 of them without a star, so the day must be split by time too)."""
    rng = random.Random(seed)
    repos = []

    def add(created: datetime, stars: int) -> None:
        i = len(repos)
        repos.append(Repository(
            platform="github", repo=f"owner{i % 211}/project-{i}", kind="code",
            owner=f"owner{i % 211}", owner_type="user", created_at=created, popularity=stars,
            forks=0, is_fork=rng.random() < 0.1, is_archived=rng.random() < 0.05,
            is_mirror=rng.random() < 0.02))

    busy = datetime(BUSY_DAY.year, BUSY_DAY.month, BUSY_DAY.day, tzinfo=UTC)
    for _ in range(1_300):
        add(busy + timedelta(seconds=rng.randrange(86_400)), 0)
    for _ in range(300):
        add(busy + timedelta(seconds=rng.randrange(86_400)), int(rng.paretovariate(1.1)))
    start = datetime(2020, 1, 1, tzinfo=UTC)
    for _ in range(1_900):
        add(start + timedelta(seconds=rng.randrange(3 * 365 * 86_400)),
            int(rng.paretovariate(0.9)) - 1)
    return repos


WORLD = search_world()


def population(created: tuple[date, date] = (date(2020, 1, 1), date(2022, 12, 31)),
               stars: tuple[int, int | None] = (0, None)) -> set[str]:
    """The true population of a search window, from the world itself."""
    return {r.repo for r in WORLD
            if created[0] <= r.created_at.date() <= created[1]
            and stars[0] <= r.popularity and (stars[1] is None or r.popularity <= stars[1])}


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    hub = [Repository(platform="huggingface", repo=f"org{i % 3}/model-{i}", kind="model",
                      owner=f"org{i % 3}", created_at=datetime(2022 + i % 3, 6, 1, tzinfo=UTC),
                      popularity=i % 7, downloads=(i * 37) % 500) for i in range(60)]
    with Emulator.from_records(WORLD + hub) as running:
        running.search_limit = 100_000  # pacing has its own test
        yield running


def client(emulator: Emulator, raw: Path, sleep: Any = None) -> ApiClient:
    options = {"sleep": sleep} if sleep else {}
    return ApiClient(emulator.url, "github", RawStore(raw), tokens=["test-token"], **options)


# --- search windows ------------------------------------------------------------------------


def test_search_windows_cover_the_population_exactly_once(emulator: Emulator,
                                                          tmp_path: Path) -> None:
    window = (date(2020, 1, 1), date(2022, 12, 31))
    assert len(population(window)) > 3 * github_search.SEARCH_CAP  # the cap would truncate
    walk = github_search.github_search(client(emulator, tmp_path), "", window)
    names = [c.repo for c in walk.candidates]
    assert len(names) == len(set(names))
    assert set(names) == population(window)
    assert walk.splits >= 3 and not walk.truncated
    busy_day = {c.repo for c in walk.candidates if c.created_at.date() == BUSY_DAY}
    assert busy_day == population((BUSY_DAY, BUSY_DAY))  # days, then stars, then time of day
    assert len(busy_day) > 1_000
    # one request per 100 results, plus the probes of the windows that were split
    assert walk.requests <= len(names) / 100 + walk.windows + 2 * walk.splits
    expected = {r.repo: r for r in WORLD}
    for candidate in walk.candidates[:50]:
        record = expected[candidate.repo]
        assert (candidate.popularity, candidate.is_fork, candidate.is_archived,
                candidate.is_mirror) == (record.popularity, record.is_fork,
                                         record.is_archived, record.is_mirror)


def test_search_stars_range_and_server_side_filters(emulator: Emulator, tmp_path: Path) -> None:
    window = (date(2021, 3, 1), date(2021, 3, 31))
    walk = github_search.github_search(client(emulator, tmp_path), "", window, (0, 0),
                                  include_forks=False, exclude_archived=True)
    expected = {r.repo for r in WORLD if window[0] <= r.created_at.date() <= window[1]
                and r.popularity == 0 and not r.is_fork and not r.is_archived}
    assert {c.repo for c in walk.candidates} == expected
    assert len(expected) > github_search.SEARCH_CAP


def test_stopped_search_resumes_from_the_raw_store(emulator: Emulator, tmp_path: Path) -> None:
    window = (date(2021, 1, 1), date(2021, 6, 30))
    full = github_search.github_search(client(emulator, tmp_path / "full"), "", window)
    stopping = client(emulator, tmp_path / "raw")
    asked = 0
    real_get = stopping.get

    def get_then_stop(*args: Any, **kwargs: Any) -> RawResponse:
        nonlocal asked
        asked += 1
        if asked > 7:
            raise KeyboardInterrupt
        return real_get(*args, **kwargs)

    stopping.get = get_then_stop  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        github_search.github_search(stopping, "", window)
    stopping.raw.close()
    resumed = github_search.github_search(client(emulator, tmp_path / "raw"), "", window)
    assert resumed.replayed == 7
    assert resumed.requests == full.requests - 7
    assert {c.repo for c in resumed.candidates} == {c.repo for c in full.candidates}
    again = github_search.github_search(client(emulator, tmp_path / "raw"), "", window)
    assert again.requests == 0 and again.replayed == full.requests


def test_search_waits_for_its_own_rate_limit(tmp_path: Path) -> None:
    with Emulator.from_records(WORLD) as small:
        small.search_limit, small.search_window = 6, 1
        waits: list[float] = []

        def sleep(seconds: float) -> None:
            waits.append(seconds)
            import time
            time.sleep(seconds)

        walk = github_search.github_search(client(small, tmp_path, sleep), "",
                                      (date(2021, 3, 10), date(2021, 3, 20)))
        assert walk.requests > 12
        assert waits  # it paced itself …
        assert small.requests["/search/repositories"] == walk.requests  # … and was never refused
    assert {c.repo for c in walk.candidates} == population((date(2021, 3, 10),
                                                            date(2021, 3, 20)))


class TimingOutSearch(Emulator):
    """Answers the first ``failures`` searches of each query with ``incomplete_results``."""

    failures = 2

    def _search(self, path: str, query: dict[str, Any]) -> Any:
        status, headers, body = super()._search(path, query)
        self.seen = getattr(self, "seen", Counter())
        self.seen[query.get("q")] += 1
        if status == 200 and self.seen[query.get("q")] <= self.failures:
            body = {**body, "incomplete_results": True}
        return status, headers, body


def test_incomplete_search_results_are_asked_again_then_split(tmp_path: Path) -> None:
    window = (date(2021, 3, 1), date(2021, 3, 31))
    with TimingOutSearch(TimingOutSearch.from_records(WORLD).world) as timing_out:
        timing_out.search_limit = 100_000
        retried = github_search.github_search(client(timing_out, tmp_path / "a"), "", window)
        assert {c.repo for c in retried.candidates} == population(window)
        assert retried.requests > 3 * len(timing_out.seen) - 3 and not retried.truncated
        timing_out.failures, timing_out.seen = 3, Counter()
        split = github_search.github_search(client(timing_out, tmp_path / "b"), "", window)
        assert {c.repo for c in split.candidates} == population(window)
        # still incomplete after the retries: smaller windows, down to one page's worth
        assert split.splits > retried.splits and split.truncated
        assert all(t["incomplete"] and t["total_count"] <= 100 for t in split.truncated)
        stored = list(RawStore(tmp_path / "b"))
        again = github_search.github_search(client(timing_out, tmp_path / "b"), "", window)
    complete = [r for r in stored if not json.loads(r.body)["incomplete_results"]]
    assert again.replayed == len(complete) < len(stored)  # incomplete answers are not reused


def test_cli_search_frame(emulator: Emulator, tmp_path: Path,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "test-token")
    db = tmp_path / "study.duckdb"
    result = RUNNER.invoke(app, ["sample", "github", "--search", "", "--created",
                                 "2021-03-01..2021-03-31", "--stars", "1..*", "--size", "50",
                                 "--strata", "popularity", "--allocation", "equal",
                                 "--endpoint", emulator.url, "--raw", str(tmp_path / "raw"),
                                 "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "windows" in result.output and "requests" in result.output
    with Store(db, read_only=True) as store:
        frame = [r for _, r in store.read_frame("main")]
    assert len(frame) == 50 and set(frame) <= population((date(2021, 3, 1),
                                                           date(2021, 3, 31)), (1, None))


def test_window_splits_partition_their_window() -> None:
    start = datetime(2021, 1, 1, tzinfo=UTC)
    days = github_search.Window(start, start + timedelta(days=10, seconds=-1))
    parts = days.split(5_000)
    assert parts[0].start == days.start and parts[-1].end == days.end
    assert all(a.end + timedelta(seconds=1) == b.start for a, b in pairwise(parts))
    one_day = github_search.Window(start, start + timedelta(days=1, seconds=-1))
    stars = one_day.split(2_000)
    assert [(w.low, w.high) for w in stars] == [(0, 0), (1, 1), (2, None)]
    many = one_day.split(150_000)  # a whole day of real GitHub: a dozen bins, not 200
    assert len(many) == github_search.STAR_BINS and (many[-1].low, many[-1].high) == (1_024, None)
    seconds = github_search.Window(start, start + timedelta(hours=1), 0, 0).split(1_500)
    assert seconds[0].qualifiers() == ("created:2021-01-01T00:00:00+00:00.."
                                       "2021-01-01T00:19:59+00:00 stars:0..0")
    assert github_search.Window(start, start, 3, 3).split(5_000) == []


def test_search_query_must_not_carry_the_walked_qualifiers(emulator: Emulator,
                                                           tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--created"):
        github_search.github_search(client(emulator, tmp_path), "created:>2020-01-01",
                               (date(2021, 1, 1), date(2021, 1, 2)))
    status, _, body = emulator.handle("GET", "/search/repositories?q=stars:many", {}, b"")
    assert (status, body["message"]) == (422, "Validation Failed")


class RefusingSearch(Emulator):
    def _search(self, path: str, query: dict[str, Any]) -> Any:
        return 422, {}, {"message": "Validation Failed"}


def test_refused_search_fails_in_one_line(tmp_path: Path) -> None:
    with RefusingSearch.from_records(WORLD[:10]) as refusing, pytest.raises(
            ConfigError, match=r"answered 422 for 'language:x fork:true created:2021-01-01"
                               r"\.\.2021-01-02 stars:0\.\.\*': Validation Failed"):
        github_search.github_search(client(refusing, tmp_path), "language:x",
                               (date(2021, 1, 1), date(2021, 1, 2)))


# --- GH Archive ----------------------------------------------------------------------------


def actor(login: str) -> dict[str, Any]:
    return {"id": sum(map(ord, login)), "login": login, "display_login": login,
            "gravatar_id": "", "url": f"https://api.github.com/users/{login}",
            "avatar_url": f"https://avatars.githubusercontent.com/u/{sum(map(ord, login))}?"}


def event(kind: str, repo_id: int, name: str, login: str, when: str,
          payload: dict[str, Any]) -> dict[str, Any]:
    """An event in GH Archive's shape (2015 on)."""
    return {"id": str(abs(hash((kind, repo_id, login, when))) % 10**11), "type": kind,
            "actor": actor(login), "public": True, "created_at": when, "payload": payload,
            "repo": {"id": repo_id, "name": name,
                     "url": f"https://api.github.com/repos/{name}"}}


def push(repo_id: int, name: str, login: str, when: str, commits: int | None) -> dict[str, Any]:
    payload: dict[str, Any] = {"repository_id": repo_id, "push_id": 10**10 + repo_id,
                               "ref": "refs/heads/main", "head": "a" * 40, "before": "b" * 40}
    if commits is not None:  # payloads lost their commit lists from 2025-10-07
        payload |= {"size": commits, "distinct_size": commits, "commits": [
            {"sha": f"{i:040x}", "author": {"email": f"{login}@example.org", "name": login},
             "message": "fix", "distinct": True,
             "url": f"https://api.github.com/repos/{name}/commits/{i:040x}"}
            for i in range(commits)]}
    return event("PushEvent", repo_id, name, login, when, payload)


def hourly_dump(path: Path, events: list[dict[str, Any]]) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        for item in events:
            handle.write(json.dumps(item) + "\n")
    return path


@pytest.fixture
def dumps(tmp_path: Path) -> Path:
    folder = tmp_path / "gharchive"
    folder.mkdir()
    issue = {"action": "opened", "issue": {"number": 4, "title": "crash", "state": "open",
                                           "user": actor("carol"), "comments": 0}}
    pull = {"action": "opened", "number": 5,
            "pull_request": {"number": 5, "state": "open", "merged": False,
                             "base": {"repo": {"id": 11, "full_name": "alice/tool"}}}}
    hourly_dump(folder / "2024-05-01-15.json.gz", [
        push(11, "alice/tool", "alice", "2024-05-01T15:00:03Z", 3),
        event("IssuesEvent", 11, "alice/tool", "carol", "2024-05-01T15:10:00Z", issue),
        event("PullRequestEvent", 11, "alice/tool", "dave", "2024-05-01T15:20:00Z", pull),
        event("WatchEvent", 11, "alice/tool", "erin", "2024-05-01T15:21:00Z",
              {"action": "started"}),
        event("ForkEvent", 11, "alice/tool", "frank", "2024-05-01T15:22:00Z",
              {"forkee": {"id": 99, "full_name": "frank/tool", "fork": True}}),
        event("WatchEvent", 12, "bob/notes", "erin", "2024-05-01T15:30:00Z",
              {"action": "started"}),
        event("CreateEvent", 13, "old-name/lib", "gina", "2024-05-01T15:40:00Z",
              {"ref": None, "ref_type": "repository", "master_branch": "main",
               "description": "a library", "pusher_type": "user"}),
    ])
    hourly_dump(folder / "2024-05-01-16.json.gz", [
        push(13, "gina/lib", "gina", "2024-05-01T16:01:00Z", 1),  # renamed: same id
        push(11, "alice/tool", "alice", "2024-05-01T16:02:00Z", 2),
        {"type": "GistEvent", "actor": actor("hal"), "created_at": "2024-05-01T16:03:00Z",
         "payload": {}},  # no repository
    ])
    with (folder / "2024-05-01-16.json.gz").open("ab") as handle:
        handle.write(gzip.compress(b"{not json\n"))
    (folder / "2025-10").mkdir()  # dumps filed by month are found too
    hourly_dump(folder / "2025-10" / "2025-10-08-09.json.gz", [
        push(11, "alice/tool", "alice", "2025-10-08T09:00:00Z", None),
        push(14, "ivy/site", "ivy", "2025-10-08T09:05:00Z", None),
    ])
    return folder


def test_gharchive_counts_events_per_repository(dumps: Path) -> None:
    activity, summary = gharchive.gharchive_activity([dumps])
    by_name = {a.repo: a for a in activity.values()}
    assert set(by_name) == {"alice/tool", "bob/notes", "gina/lib", "ivy/site"}
    tool = by_name["alice/tool"]
    assert tool.events == 7 and tool.activity == 5  # stars and forks are not work
    assert tool.commits == 5 and tool.pushes_without_size == 1  # the 2025-10-08 push
    assert tool.types["PushEvent"] == 3 and tool.types["IssuesEvent"] == 1
    assert (tool.first_seen, tool.last_seen) == ("2024-05-01T15:00:03Z", "2025-10-08T09:00:00Z")
    assert by_name["bob/notes"].activity == 0
    assert by_name["gina/lib"].events == 2  # the rename is followed by id
    assert summary.files == 3 and summary.events == 11
    assert summary.skipped_lines == 2  # the gist event and the malformed line


def test_gharchive_reads_the_2011_2014_timeline_format(tmp_path: Path) -> None:
    legacy = {"type": "PushEvent", "actor": "alice", "created_at": "2013-11-21T14:56:06Z",
              "public": True, "payload": {"shas": [["5d4c", "a@example.org", "x", "A", True]],
                                          "size": 1, "ref": "refs/heads/main"},
              "repository": {"id": 267, "name": "archive", "owner": "alice", "fork": False,
                             "watchers": 0, "stargazers": 0}}
    activity, _ = gharchive.gharchive_activity([hourly_dump(tmp_path / "2013-11-21-14.json.gz",
                                                           [legacy])])
    (entry,) = activity.values()
    assert (entry.repo, entry.events, entry.commits) == ("alice/archive", 1, 1)


def test_gharchive_dump_cut_short_is_read_up_to_the_damage(tmp_path: Path) -> None:
    events = [push(i, f"user{i}/repo", f"user{i}", "2024-01-01T00:00:00Z", 1)
              for i in range(2_000)]
    whole = hourly_dump(tmp_path / "whole.json.gz", events).read_bytes()
    cut = tmp_path / "2024-01-01-00.json.gz"
    cut.write_bytes(whole[:len(whole) // 2])
    activity, summary = gharchive.gharchive_activity([cut])
    assert summary.damaged_files == [cut.name]
    assert 0 < len(activity) < 2_000


def test_gharchive_streams_instead_of_loading_a_dump(tmp_path: Path) -> None:
    events = [push(i % 50, f"user{i % 50}/repo", "someone", "2024-01-01T00:00:00Z", 2)
              for i in range(10_000)]
    path = hourly_dump(tmp_path / "2024-01-01-00.json.gz", events)
    uncompressed = len(gzip.decompress(path.read_bytes()))
    tracemalloc.start()
    try:
        activity, _ = gharchive.gharchive_activity([path])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sum(a.events for a in activity.values()) == 10_000
    assert peak < uncompressed / 10


def test_cli_gharchive_frame_with_minimum_activity(dumps: Path, tmp_path: Path) -> None:
    db = tmp_path / "study.duckdb"
    result = RUNNER.invoke(app, ["sample", "github", "--from-gharchive", str(dumps),
                                 "--min-activity", "2", "--seed", "3", "--db", str(db)])
    assert result.exit_code == 0, result.output
    with Store(db, read_only=True) as store:
        assert {r for _, r in store.read_frame("main")} == {"alice/tool", "gina/lib"}
        params = json.loads(store.query("SELECT any_value(params) FROM frames").fetchone()[0])
    assert params["method"] == "gharchive" and params["filters"] == {"min_activity": 2}
    assert params["population"] == 4 and params["pushes_without_commit_counts"] == 2
    refused = RUNNER.invoke(app, ["sample", "github", "--from-gharchive", str(dumps),
                                  "--exclude-forks", "--db", str(db)])
    assert refused.exit_code == 2
    assert "does not know is_fork" in refused.output and "Traceback" not in refused.output


# --- filters and designs -------------------------------------------------------------------


def candidates(count: int = 2_000, seed: int = 1) -> list[Candidate]:
    rng = random.Random(seed)
    return [Candidate(f"o{i % 40}/r{i}",
                      created_at=datetime(2015 + rng.randrange(8), 1 + rng.randrange(12), 1,
                                          tzinfo=UTC),
                      popularity=int(rng.paretovariate(1.0)) - 1, activity=rng.randrange(30),
                      is_fork=rng.random() < 0.2, is_archived=rng.random() < 0.1,
                      is_mirror=rng.random() < 0.05) for i in range(count)]


def test_filters_keep_what_they_say() -> None:
    pool = candidates()
    filters = Filters(min_activity=5, min_popularity=1, exclude_forks=True,
                      exclude_mirrors=True, exclude_archived=True,
                      created=(date(2017, 1, 1), date(2019, 12, 31)))
    kept = [c for c in pool if filters.keep(c)]
    assert kept and len(kept) < len(pool) / 4
    for c in kept:
        assert c.activity >= 5 and c.popularity >= 1 and 2017 <= c.created_at.year <= 2019
        assert not (c.is_fork or c.is_mirror or c.is_archived)
    assert filters.active()["created"] == ["2017-01-01", "2019-12-31"]


def test_same_seed_and_population_give_the_same_frame() -> None:
    pool = candidates()
    shuffled = random.Random(9).sample(pool, len(pool))
    for design in (Design(size=300, seed=4), Design(size=300, seed=4, strata=("year",
                                                                                "popularity"))):
        first = frames.build_frame("github-frame", pool, Filters(exclude_forks=True), design)
        second = frames.build_frame("github-frame", shuffled, Filters(exclude_forks=True), design)
        assert first == second
        other = frames.build_frame("github-frame", pool, Filters(exclude_forks=True),
                                     Design(size=300, seed=5, strata=design.strata))
        assert other[0] != first[0]


def test_proportional_strata_follow_the_population() -> None:
    pool = candidates()
    repos, params = frames.build_frame("github-frame", pool, Filters(),
                                         Design(size=400, seed=2, strata=("year",)))
    assert len(repos) == len(set(repos)) == 400
    sizes = params["strata_sizes"]
    assert sum(s["N"] for s in sizes.values()) == len(pool)
    for stratum in sizes.values():
        assert abs(stratum["n"] - 400 * stratum["N"] / len(pool)) < 1
    years = Counter(c.created_at.year for c in pool if c.repo in set(repos))
    assert {f"year={y}": n for y, n in years.items()} == {k: s["n"] for k, s in sizes.items()}


def test_equal_allocation_gives_small_strata_all_they_have() -> None:
    pool = candidates()
    repos, params = frames.build_frame("github-frame", pool, Filters(),
                                         Design(size=300, seed=2, strata=("popularity",),
                                                allocation="equal"))
    sizes = params["strata_sizes"]
    assert len(repos) == 300
    small = {k for k, s in sizes.items() if s["N"] < 300 / len(sizes)}
    assert small and all(sizes[k]["n"] == sizes[k]["N"] for k in small)
    large = [sizes[k]["n"] for k in sizes if k not in small]
    assert max(large) - min(large) <= 1


def test_filters_and_strata_refuse_fields_the_method_lacks() -> None:
    with pytest.raises(ConfigError, match="--exclude-archived"):
        frames.build_frame("github-random-ids", [], Filters(exclude_archived=True), Design())
    with pytest.raises(ConfigError, match="--strata year"):
        frames.build_frame("gharchive", [], Filters(), Design(strata=("year",)))
    with pytest.raises(ConfigError, match="choose from"):
        frames.build_frame("github-frame", [], Filters(), Design(strata=("language",)))


def test_api_search_frame_is_stored_with_its_parameters_and_reproduced(
        emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CROSSFORGE_TEST_TOKEN", "test-token")
    db, raw = tmp_path / "study.duckdb", tmp_path / "raw"
    options = {"db": db, "raw": raw, "endpoint": emulator.url, "search": "",
               "token_env": "CROSSFORGE_TEST_TOKEN",
               "created": "2021-01-01..2021-12-31", "stars": "0..*", "size": 200, "seed": 8,
               "strata": ["popularity"], "exclude_archived": True}
    first = api.sample("github", frame="a", **options)
    again = api.sample("github", frame="b", **options)
    assert first.repos == again.repos and len(first.repos) == 200
    assert again.params["requests"] == 0 and again.params["replayed"] > 0
    params = first.params
    assert params["method"] == "github-search" and params["stars"] == [0, None]
    assert params["filters"] == {"exclude_archived": True, "created": ["2021-01-01",
                                                                       "2021-12-31"]}
    assert params["eligible"] == len({r.repo for r in WORLD if r.created_at.year == 2021
                                      and not r.is_archived})
    assert sum(s["N"] for s in params["strata_sizes"].values()) == params["eligible"]
    with Store(db, read_only=True) as store:
        stored = json.loads(store.query("SELECT any_value(params) FROM frames WHERE frame = 'a'"
                                        ).fetchone()[0])
    assert stored == json.loads(json.dumps(params))


def test_hub_listing_filters_on_expand_fields(emulator: Emulator, tmp_path: Path) -> None:
    sampled = api.sample("huggingface", db=tmp_path / "s.duckdb", raw=tmp_path / "raw",
                         endpoint=emulator.url, created="2023-01-01..2023-12-31",
                         min_activity=100, min_popularity=1, strata=["popularity"], seed=1)
    expected = {f"org{i % 3}/model-{i}" for i in range(60) if 2022 + i % 3 == 2023
                and (i * 37) % 500 >= 100 and i % 7 >= 1}
    assert set(sampled.repos) == expected and expected
    with pytest.raises(ConfigError, match="--exclude-forks"):
        api.sample("huggingface", db=tmp_path / "s.duckdb", raw=tmp_path / "raw",
                   endpoint=emulator.url, exclude_forks=True)


def test_from_frame_filters_on_collected_metadata(tmp_path: Path) -> None:
    db = tmp_path / "study.duckdb"
    records = WORLD[:300]
    with Store(db) as store:
        store.write(Provenance("test", "synthetic", datetime.now(UTC), "test"), records)
        store.write_frame("all", "github", [r.repo for r in records], {"method": "list"})
    sampled = api.sample("github", db=db, from_frame="all", frame="kept", exclude_forks=True,
                         exclude_archived=True, exclude_mirrors=True, seed=3)
    assert set(sampled.repos) == {r.repo for r in records if not (
        r.is_fork or r.is_archived or r.is_mirror)}
    assert sampled.params["from_frame"] == "all" and sampled.params["without_metadata"] == 0
    assert sampled.params["method"] == "github-frame"
    with pytest.raises(ConfigError, match="does not know activity"):
        api.sample("github", db=db, from_frame="all", frame="active", min_activity=3)


def test_cli_refuses_conflicting_or_malformed_options(tmp_path: Path) -> None:
    listing = tmp_path / "repos.txt"
    listing.write_text("a/b\n")
    cases = [
        (["--from-list", str(listing), "--search", "x"], "choose one population"),
        (["--search", "", "--created", "2021-13-01..2021-12-31"], "YYYY-MM-DD"),
        (["--search", "", "--stars", "ten..*"], "MIN..MAX"),
        (["--from-list", str(listing), "--stars", "1..2"], "--stars is a search range"),
        (["--from-list", str(listing), "--min-popularity", "3"], "does not know popularity"),
        (["--from-list", str(listing), "--allocation", "neyman"], "proportional or equal"),
    ]
    for arguments, message in cases:
        result = RUNNER.invoke(app, ["sample", "github", *arguments,
                                     "--db", str(tmp_path / "x.duckdb")])
        assert result.exit_code == 2, (arguments, result.output)
        assert message in result.output and "Traceback" not in result.output
