"""Collectors against the emulator: the world comes back, rebuild reproduces it, runs resume,
tokens never reach disk, and the emulator speaks the published contracts."""

from __future__ import annotations

import gzip
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crossforge import api
from crossforge.cli import app, budget_text
from crossforge.collection.collector import CollectionProgress, Collector
from crossforge.emulator import Emulator
from crossforge.errors import CollectError
from crossforge.records import ProjectLabel, Repository, Thread
from crossforge.sources import github
from crossforge.sources.github import GitHubSource
from crossforge.sources.http import ApiClient
from crossforge.sources.hub import HubSource
from crossforge.sources.raw import RawResponse, RawStore
from crossforge.store import Store
from crossforge.worlds import synthetic
from tests.conftest import SHARED

RUNNER = CliRunner()
TOKEN = "ghp_FAKEtoken0123456789abcdefSECRET"
WORLD = list(synthetic.generate_world(12, 5))
FRAME = sorted((r.platform, r.repo) for r in WORLD if isinstance(r, Repository))

#: What each API carries back, per table (ids the platforms assign and counts they omit
#: — line statistics, comment ids, e-mail on the Hub — are left out; times to the second,
#: the APIs' precision; a Hub creation date before the Hub's floor comes back as the floor,
#: whose seconds vary, so to the minute). A Hub commit whose author is an e-mail links no
#: account: the Hub lists it with ``authors: []``, so its author comes back unknown (NULL).
#: GitHub shows a deleted account's threads and comments as by ``ghost``: no author (NULL).
CARRIED = {
    "repositories": "platform, repo, kind, owner, owner_type, "
                    "CASE WHEN platform = 'huggingface' "
                    "AND created_at < TIMESTAMPTZ '2022-03-02 23:30:00+00' "
                    "THEN TIMESTAMPTZ '2022-03-02 23:29:00+00' "
                    "ELSE date_trunc('second', created_at) END, popularity, "
                    "CASE WHEN platform = 'github' THEN forks END, downloads, children_count, "
                    "CASE WHEN platform = 'github' THEN storage_bytes END, has_discussions, "
                    "language",
    "commits": "platform, repo, sha, "
               "CASE WHEN platform = 'github' OR author NOT LIKE '%@%' THEN author END, "
               "date_trunc('second', authored_at), is_merge, subject, co_authors",
    "threads": "platform, repo, number, kind, title, body, nullif(author, 'ghost'), state, "
               "date_trunc('second', created_at), date_trunc('second', closed_at), "
               "date_trunc('second', merged_at), channel, answerable, "
               "date_trunc('second', answered_at)",
    "comments": "platform, repo, thread_number, nullif(author, 'ghost'), "
                "date_trunc('second', created_at), body",
    "derivations": "platform, child, parent, relation, relation_source",
    "memberships": "platform, organization, login",
    "project_labels": "platform, repo, number, label",
}


def rows(db: Path, table: str, columns: str = "*") -> list[tuple]:
    with Store(db, read_only=True) as store:
        return store.query(f"SELECT {columns} FROM {table} ORDER BY ALL").fetchall()


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator.from_records(WORLD, rejected_tokens={"revoked-token"}) as running:
        yield running


def run_collection(emulator: Emulator, tmp: Path, *, stop_after: int | None = None
                   ) -> tuple[Path, Path]:
    db, raw = tmp / "db.duckdb", tmp / "raw"
    pages = 0

    def on_progress(state: CollectionProgress) -> None:
        nonlocal pages
        pages += 1
        if stop_after is not None and pages >= stop_after:
            raise KeyboardInterrupt

    store_raw = RawStore(raw)
    clients = [ApiClient(emulator.url, "github", store_raw, tokens=[TOKEN]),
               ApiClient(emulator.url, "huggingface", store_raw, tokens=[TOKEN])]
    with Store(db) as store:
        Collector(store, github_source=GitHubSource(clients[0]),
                  hub_source=HubSource(clients[1]), on_progress=on_progress).collect(FRAME)
    store_raw.close()
    return db, raw


@pytest.fixture(scope="module")
def collected(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return run_collection(emulator, tmp_path_factory.mktemp("clean"))


@pytest.fixture(scope="module")
def direct(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("direct") / "world.duckdb"
    with Store(db) as store:
        store.write(api._provenance(synthetic.SOURCE, "seed=5"), WORLD)
    return db


@pytest.mark.parametrize("table", sorted(CARRIED))
def test_collection_gives_back_the_world(collected: tuple[Path, Path], direct: Path,
                                         table: str) -> None:
    expected = rows(direct, table, CARRIED[table])
    assert expected, f"the synthetic world has no {table}"
    assert rows(collected[0], table, CARRIED[table]) == expected


def test_hub_commits_from_unlinked_e_mails_come_back_without_an_author(
        collected: tuple[Path, Path], direct: Path) -> None:
    unlinked = rows(direct, "commits WHERE platform = 'huggingface' AND author LIKE '%@%'",
                    "platform, sha")
    assert unlinked, "the synthetic world has Hub commits from e-mails no account links"
    assert rows(collected[0], "commits WHERE author IS NULL", "platform, sha") == unlinked
    assert not rows(collected[0], "accounts WHERE login LIKE '%@%' OR login = 'unknown'")


def test_github_roles_come_from_author_association(collected: tuple[Path, Path]) -> None:
    roles = dict(rows(collected[0], "threads WHERE platform = 'github' GROUP BY ALL",
                      "author_role, count(*)"))
    assert set(roles) <= {"owner", "member", "external"} and roles.get("external", 0) > 0


def test_rebuild_from_the_raw_store_reproduces_the_database(
        collected: tuple[Path, Path], tmp_path: Path) -> None:
    db, raw = collected
    rebuilt = tmp_path / "rebuilt.duckdb"
    counts = api.rebuild(raw, rebuilt).responses
    assert counts["github.repositories"] == 1 and counts["hub.discussion"] > 0
    for table in ("repositories", "accounts", "commits", "threads", "comments", "derivations",
                  "memberships", "provenance"):
        assert rows(rebuilt, table) == rows(db, table), table
    with Store(db, read_only=True) as store:
        origins = store.query("SELECT DISTINCT p.origin FROM commits c JOIN provenance p "
                              "ON c.provenance_id = p.id").fetchall()
    stored_ids = {f"raw:{r.id}" for r in RawStore(raw)}
    assert origins and {o for (o,) in origins} <= stored_ids


def test_an_interrupted_collection_resumes_to_the_same_store(
        emulator: Emulator, collected: tuple[Path, Path], tmp_path: Path) -> None:
    for stop in (3, 17, 40):
        with pytest.raises(KeyboardInterrupt):
            run_collection(emulator, tmp_path, stop_after=stop)
    db, _ = run_collection(emulator, tmp_path)
    for table in CARRIED:
        assert rows(db, table, CARRIED[table]) == rows(collected[0], table, CARRIED[table])
    before = sum(emulator.requests.values())
    run_collection(emulator, tmp_path)
    assert sum(emulator.requests.values()) == before, "a finished collection asks again"


def test_progress_counts_repositories_to_the_frame_and_shows_the_budget(
        emulator: Emulator, tmp_path: Path) -> None:
    """What the progress bars show: repositories finished of the frame (a re-run starts from
    those already complete), the remaining budget and when it resets."""
    seen: list[CollectionProgress] = []
    raw = RawStore(tmp_path / "raw")
    clients = [ApiClient(emulator.url, p, raw, tokens=[TOKEN]) for p in ("github", "huggingface")]
    frame = [*FRAME, ("github", "nobody/nothing-here")]
    totals = Counter(platform for platform, _ in frame)
    for _ in range(2):
        with Store(tmp_path / "db.duckdb") as store:
            Collector(store, github_source=GitHubSource(clients[0]),
                      hub_source=HubSource(clients[1]), on_progress=seen.append).collect(frame)
        last = {state.platform: state for state in seen}
        assert {p: s.finished for p, s in last.items()} == totals
        assert {p: s.total for p, s in last.items()} == totals
        for platform in totals:
            done = [s.finished for s in seen if s.platform == platform]
            assert done == sorted(done), "finished repositories never go back"
        budget = last["github"].budget
        assert budget.remaining is not None and budget.remaining > 0
        assert budget.reset_at is not None and budget.reset_at > time.time()
        seen.clear()
    text = budget_text(budget)     # every bucket the answers named, each with its own figures
    assert text.startswith("budget ") and "graphql " in text
    for name, bucket in budget.resources.items():
        assert f"{name} {bucket.remaining:,}/5,000 until " in text
    hub = last["huggingface"].budget  # the Hub announces its buckets with every answer
    assert hub.requests > 0 and budget_text(hub).startswith("budget api ")
    assert {"api", "resolvers"} <= set(hub.resources)
    assert f"api {hub.resources['api'].remaining:,}/1,000 until " in budget_text(hub)


def test_tokens_reach_no_file(collected: tuple[Path, Path]) -> None:
    db, raw = collected
    for path in [db, *raw.iterdir()]:
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        assert TOKEN.encode() not in data, path


def test_small_repositories_need_nothing_but_their_share_of_one_graphql_query(
        emulator: Emulator, tmp_path: Path) -> None:
    """REST is asked only for what overflows the batched query's pages; never per issue."""
    emulator.log.clear()
    run_collection(emulator, tmp_path)
    world, small, large = emulator.world, 0, 0
    for repo in (r for p, r in FRAME if p == "github"):
        threads = world.threads.get(("github", repo), [])
        per_thread = Counter(c.thread_number for c in world.comments.get(("github", repo), []))
        fits = (len(world.commits.get(("github", repo), [])) <= github.HISTORY_PAGE
                and sum(t.kind == "issue" for t in threads) <= github.THREAD_PAGE
                and sum(t.kind == "pull_request" for t in threads) <= github.THREAD_PAGE
                and max(per_thread.values(), default=0) <= github.COMMENT_PAGE)
        rest = [c.endpoint for c in emulator.log if c.resource == "core" and c.subjects == (
            repo,)]
        assert (rest == []) == fits, (repo, rest)
        small, large = small + fits, large + (not fits)
    assert small and large, "the test world needs small and large repositories"
    graphql = [c for c in emulator.log if c.resource == "graphql"]
    # besides the batch, one query per discussion board (its discussions, even if none)
    boards = [r for (p, r), record in world.repositories.items()
              if p == "github" and record.has_discussions]
    assert len(graphql) == 1 + len(boards) and len(graphql[0].subjects) == small + large
    assert sorted(c.subjects for c in graphql[1:]) == [(repo,) for repo in sorted(boards)]
    assert not any("{number}" in c.endpoint for c in emulator.log)


def test_a_missing_repository_is_recorded_and_skipped(emulator: Emulator,
                                                      tmp_path: Path) -> None:
    raw = RawStore(tmp_path / "raw")
    with Store(tmp_path / "db.duckdb") as store:
        summary = Collector(store, github_source=GitHubSource(
            ApiClient(emulator.url, "github", raw, tokens=[TOKEN]))).collect(
            [("github", "nobody/nothing-here"), FRAME[0]])
        state = store.query("SELECT state FROM collection_tasks WHERE repo = "
                            "'nobody/nothing-here'").fetchall()
    assert summary.missing["github"] == ["nobody/nothing-here"] and state == [("missing",)]


def test_rate_limit_waits_until_the_reset_the_headers_name(emulator: Emulator,
                                                           tmp_path: Path) -> None:
    waits: list[float] = []
    limited = Emulator(emulator.world, github_limit=2).start()
    try:
        client = ApiClient(limited.url, "github", RawStore(tmp_path), tokens=["t"],
                           max_wait=10, sleep=waits.append)
        repo = FRAME[0][1]
        client.get(f"/repos/{repo}", kind="github.repository", context={})
        client.get(f"/repos/{repo}", kind="github.repository", context={})
        with pytest.raises(CollectError, match="rate limit resets in"):
            client.get(f"/repos/{repo}", kind="github.repository", context={})
    finally:
        limited.stop()
    assert client.budget.remaining == 0 and client.budget.reset_at is not None


def test_a_spent_hub_resolver_bucket_leaves_the_api_bucket_alone(emulator: Emulator,
                                                                 tmp_path: Path) -> None:
    """The Hub counts file downloads (``/resolve/``) apart from API calls: a 429 from the
    resolver names its own bucket, and the client keeps the two apart."""
    model = next(repo for platform, repo in FRAME if platform == "huggingface")
    limited = Emulator(emulator.world, hub_limit=1, hub_resolver_limit=1).start()
    try:
        client = ApiClient(limited.url, "huggingface", RawStore(tmp_path), tokens=["t"],
                           max_wait=10, sleep=lambda _: None)
        card = f"/{model}/resolve/main/README.md"
        client.get(card, kind="hub.card", context={}, text=True)
        with pytest.raises(CollectError, match="rate limit resets in"):
            client.get(card, kind="hub.card", context={}, text=True)
        assert set(client.budget.resources) == {"resolvers"}
        client.get(f"/api/models/{model}", kind="hub.model", context={})   # its own bucket
        with pytest.raises(CollectError, match="rate limit resets in"):
            client.get(f"/api/models/{model}", kind="hub.model", context={})
    finally:
        limited.stop()
    buckets = client.budget.resources
    assert (buckets["resolvers"].limit, buckets["resolvers"].remaining) == (1, 0)
    assert (buckets["api"].limit, buckets["api"].remaining) == (1, 0)
    assert budget_text(client.budget).startswith("budget api 0/1 until ")


def test_server_errors_are_retried_then_reported(tmp_path: Path) -> None:
    waits: list[float] = []
    client = ApiClient("http://127.0.0.1:9", "github", RawStore(tmp_path), max_retries=3,
                       sleep=waits.append)
    with pytest.raises(CollectError, match="cannot reach http://127.0.0.1:9"):
        client.get("/rate_limit", kind="github.rate", context={})
    assert waits == [2.0, 4.0]


def test_cli_samples_collects_and_fails_in_one_line(emulator: Emulator, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    listing = tmp_path / "repos.txt"
    listing.write_text("# GitHub repositories\n" + "\n".join(
        r for p, r in FRAME if p == "github") + "\n")
    db, raw = str(tmp_path / "s.duckdb"), str(tmp_path / "raw")
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    result = RUNNER.invoke(app, ["sample", "github", "--from-list", str(listing), "--size", "3",
                                 "--seed", "1", "--db", db])
    assert result.exit_code == 0, result.output
    result = RUNNER.invoke(app, ["sample", "huggingface", "--endpoint", emulator.url,
                                 "--size", "2", "--db", db, "--raw", raw])
    assert result.exit_code == 0, result.output
    result = RUNNER.invoke(app, ["collect", "--db", db, "--raw", raw, "--github-url",
                                 emulator.url, "--hub-url", emulator.url])
    assert result.exit_code == 0, result.output
    assert "github: 3 repositories collected" in result.output
    assert "huggingface: 2 repositories collected" in result.output
    unreachable = RUNNER.invoke(app, ["collect", "--db", db, "--raw", raw, "--github-url",
                                      "http://127.0.0.1:9", "--frame", "main"])
    assert unreachable.exit_code in (0, 2)  # everything is already collected: nothing to ask
    monkeypatch.setenv("BAD", "revoked-token")
    RUNNER.invoke(app, ["sample", "github", "--from-list", str(listing), "--db",
                        str(tmp_path / "t.duckdb")])
    refused = RUNNER.invoke(app, ["collect", "--db", str(tmp_path / "t.duckdb"), "--raw", raw,
                                  "--github-url", emulator.url, "--github-token-env", "BAD"])
    assert refused.exit_code == 2 and "refused the credentials" in refused.output
    assert "revoked-token" not in refused.output and "Traceback" not in refused.output
    bad = RUNNER.invoke(app, ["sample", "github", "--from-list", str(tmp_path / "nope.txt"),
                              "--db", db, "--frame", "other"])
    assert bad.exit_code == 2 and "does not exist" in bad.output


def test_huggingface_hub_client_reads_the_emulator(emulator: Emulator) -> None:
    """The Hub contract is what the official client parses."""
    from huggingface_hub import HfApi

    client = HfApi(endpoint=emulator.url)
    model = next(r for p, r in FRAME if p == "huggingface")
    info = client.model_info(model)
    assert info.id == model and info.created_at is not None
    commits = client.list_repo_commits(model)
    assert commits and all(c.commit_id for c in commits)
    discussions = list(client.get_repo_discussions(model))
    for discussion in discussions[:3]:
        details = client.get_discussion_details(model, discussion.num)
        assert details.events and details.events[0].type == "comment"
    listed = [m.id for m in client.list_models(limit=1000)]
    assert sorted(listed) == sorted(r for p, r in FRAME if p == "huggingface")


SCHEMA = SHARED / "contracts" / "github-graphql-schema.graphql.gz"


@pytest.fixture(scope="module")
def published() -> object:
    """GitHub's published GraphQL schema, built as ../shared/README.md says."""
    if not SCHEMA.exists():
        pytest.skip("../shared/contracts is absent: GitHub's published GraphQL schema is needed")
    from graphql import build_schema

    schema = build_schema(gzip.decompress(SCHEMA.read_bytes()).decode(), assume_valid_sdl=True)
    schema._validation_errors = []  # see ../shared/README.md: the SDL breaks two rules
    return schema


def test_graphql_queries_and_emulator_schema_match_githubs_published_schema(
        published: object) -> None:
    from graphql import GraphQLEnumType, NoDeprecatedCustomRule, parse, validate

    for text in (github.repositories_query(["psf/requests", "huggingface/transformers"]),
                 github.discussions_query("huggingface/transformers"),
                 github.discussions_query("huggingface/transformers", "Y3Vyc29yOjEz"),
                 github.discussion_comments_query("huggingface/transformers", 7, None)):
        query = parse(text)
        assert validate(published, query) == []
        assert validate(published, query, [NoDeprecatedCustomRule]) == [], "a deprecated field"
    assert validate(published, parse("{ repository(owner: \"a\", name: \"b\") { nope } }"))
    from crossforge.emulator.github import SCHEMA as SUBSET

    for name, subset_type in SUBSET.type_map.items():
        if name.startswith("__"):
            continue
        real = published.type_map[name]
        if isinstance(subset_type, GraphQLEnumType):
            assert set(subset_type.values) <= set(real.values), name
        for interface in getattr(subset_type, "interfaces", ()):
            assert interface.name in {i.name for i in real.interfaces}, name
        for field_name, field in getattr(subset_type, "fields", {}).items():
            assert str(real.fields[field_name].type) == str(field.type), f"{name}.{field_name}"
            for arg, value in getattr(field, "args", {}).items():
                assert str(real.fields[field_name].args[arg].type) == str(value.type), arg


def test_graphql_cost_is_githubs_documented_score(published: object) -> None:
    """docs.github.com, "Rate limits and node limits for the GraphQL API": 1 request for the
    repositories, 100 for their issues, 5,000 for the issues' labels -> 5,101 / 100 -> 51."""
    from crossforge.emulator.github import query_cost

    documented = """query { viewer { login repositories(first: 100) { edges { node { id
        issues(first: 50) { edges { node { id labels(first: 60) { edges { node { id name
        } } } } } } } } } } }"""
    assert query_cost(documented, schema=published) == (51, [])
    assert query_cost("{ viewer { login } }", schema=published) == (1, [])  # the minimum
    repos = [f"owner{i}/repo{i}" for i in range(github.GRAPHQL_BATCH)]
    # the repository's four connections, each commit's parents, and per thread its comments
    # and labels, and per pull request its files (docs/collection.md)
    per_repository = (4 + github.HISTORY_PAGE + 2 * github.THREAD_PAGE * 2
                      + github.THREAD_PAGE)
    cost, named = query_cost(github.repositories_query(repos))
    assert named == repos
    assert cost == round(github.GRAPHQL_BATCH * per_repository / 100) == 37
    # a discussions page: 1 + 13 discussions' comments + 13 x 10 comments' replies = 144
    # requests, 1 point; one more discussion (1 + 14 + 140 = 155) would cost 2
    assert query_cost(github.discussions_query("a/b"), schema=published) == (1, ["a/b"])
    assert 1 + github.DISCUSSION_PAGE * (1 + github.DISCUSSION_COMMENT_PAGE) == 144
    assert query_cost(github.discussion_comments_query("a/b", 3, "x"), schema=published) == (
        1, ["a/b"])


def test_graphql_points_are_charged_to_their_own_budget(emulator: Emulator) -> None:
    import httpx

    repo = FRAME[0][1]
    query = github.repositories_query([repo])
    answer = httpx.post(f"{emulator.url}/graphql", json={"query": query},
                        headers={"Authorization": "Bearer graphql-budget"})
    again = httpx.post(f"{emulator.url}/graphql", json={"query": query},
                       headers={"Authorization": "Bearer graphql-budget"})
    rest = httpx.get(f"{emulator.url}/repos/{repo}",
                     headers={"Authorization": "Bearer graphql-budget"})
    assert answer.headers["x-ratelimit-resource"] == "graphql"
    assert int(answer.headers["x-ratelimit-remaining"]) - int(
        again.headers["x-ratelimit-remaining"]) == answer.json()["data"]["rateLimit"]["cost"]
    assert rest.headers["x-ratelimit-resource"] == "core"
    assert int(rest.headers["x-ratelimit-remaining"]) == 4_999


def test_raw_store_skips_a_response_cut_off_by_a_crash(tmp_path: Path) -> None:
    raw = RawStore(tmp_path)
    for i in range(3):
        raw.append(RawResponse("github.commits", {"repo": "a/b"}, "GET", f"u{i}", 200, {}, "[]"))
    raw.close()
    segment = next(tmp_path.glob("*.gz"))
    segment.write_bytes(segment.read_bytes()[:-40])  # mid-way through the last record
    assert [r.url for r in RawStore(tmp_path)] == ["u0", "u1"]


def test_models_the_sampling_listing_gave_need_no_model_call(emulator: Emulator,
                                                              tmp_path: Path) -> None:
    db, raw = tmp_path / "db.duckdb", tmp_path / "raw"
    result = RUNNER.invoke(app, ["sample", "huggingface", "--endpoint", emulator.url,
                                 "--size", "4", "--db", str(db), "--raw", str(raw)])
    assert result.exit_code == 0, result.output
    emulator.log.clear()
    result = RUNNER.invoke(app, ["collect", "--db", str(db), "--raw", str(raw), "--hub-url",
                                 emulator.url, "--github-url", emulator.url])
    assert result.exit_code == 0, result.output
    endpoints = Counter(c.endpoint for c in emulator.log)
    assert endpoints["/api/models/{owner}/{repo}"] == 0
    assert endpoints["/api/models/{owner}/{repo}/commits/{revision}"] == 4
    world = emulator.world
    with Store(db, read_only=True) as store:
        sampled = store.query("SELECT repo, owner_type FROM repositories JOIN frames USING "
                              "(platform, repo) WHERE platform = 'huggingface'").fetchall()
    assert len(sampled) == 4
    assert all(kind == world.repositories[("huggingface", repo)].owner_type
               for repo, kind in sampled)
    rebuilt = tmp_path / "rebuilt.duckdb"
    api.rebuild(raw, rebuilt)
    for table in ("repositories", "derivations", "commits", "threads", "comments"):
        assert rows(rebuilt, table) == rows(db, table), table


def test_overflowing_threads_go_to_rest_and_the_comment_listing_only_when_comments_exist(
        tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from crossforge.records import Comment, Thread

    when = datetime(2024, 5, 1, tzinfo=UTC)
    world: list[object] = []
    for repo, replies in (("quiet/many-issues", 0), ("busy/many-issues", 1)):
        owner = repo.split("/")[0]
        world.append(Repository("github", repo, "code", owner, "user", created_at=when))
        for number in range(1, github.THREAD_PAGE + 6):
            world.append(Thread("github", repo, number, "issue", f"issue {number}", "text",
                                owner, state="open", created_at=when))
            world += [Comment("github", repo, number, f"{number}-{k}", owner, when, "reply")
                      for k in range(replies)]
    with Emulator.from_records(world) as running:
        raw = RawStore(tmp_path / "raw")
        with Store(tmp_path / "db.duckdb") as store:
            Collector(store, github_source=GitHubSource(ApiClient(
                running.url, "github", raw, tokens=[TOKEN]))).collect(
                [("github", "quiet/many-issues"), ("github", "busy/many-issues")])
            threads = store.query("SELECT repo, count(*) FROM threads GROUP BY ALL "
                                  "ORDER BY ALL").fetchall()
            comments = store.query("SELECT count(*) FROM comments").fetchone()[0]
        asked = Counter((c.endpoint, c.subjects) for c in running.log)
    size = github.THREAD_PAGE + 5
    assert threads == [("busy/many-issues", size), ("quiet/many-issues", size)]
    assert comments == size
    issues, listing = "/repos/{owner}/{repo}/issues", "/repos/{owner}/{repo}/issues/comments"
    assert asked[(issues, ("quiet/many-issues",))] == asked[(issues, ("busy/many-issues",))] == 1
    assert asked[(listing, ("quiet/many-issues",))] == 0
    assert asked[(listing, ("busy/many-issues",))] == 1


def test_only_not_found_errors_make_a_repository_missing() -> None:
    """A batch that failed otherwise (GitHub's timeouts answer 200 with errors) is retried."""
    import json

    context = {"repos": ["gone/away", "slow/query"]}
    body = {"data": {"r0": None, "r1": None}, "errors": [
        {"type": "NOT_FOUND", "path": ["r0"], "message": "Could not resolve to a Repository"},
        {"message": "Something went wrong while executing your query. This may be the "
                    "result of a timeout", "path": ["r1"]}]}
    answer = RawResponse("github.repositories", context, "POST", "u", 200, {}, json.dumps(body))
    assert github.not_found(answer) == {"gone/away"}
    assert github.covered_by_batch(answer) == {}


def test_a_hub_owner_seen_authoring_is_a_user_without_a_call(tmp_path: Path) -> None:
    """Owners shown to be users by their own commits or discussions cost no owner call; an
    organisation still gets its member listing, an owner seen nowhere still costs the call,
    and a rebuilt store holds the same owner types with the same evidence."""
    from datetime import UTC, datetime

    from crossforge.records import Account, Commit, Membership, Thread

    when = datetime(2024, 3, 1, tzinfo=UTC)

    def commit(repo: str, author: str, n: int) -> Commit:
        return Commit("huggingface", repo, f"{n:040x}", author, None, None, when, None, None,
                      None, when, subject=f"c{n}")

    world = [
        Account("huggingface", "acme", "organization"),
        Membership("huggingface", "acme", "alice"),
        Repository("huggingface", "dora/solo", "model", "dora", "user", when, when, 1),
        Repository("huggingface", "gail/talk", "model", "gail", "user", when, when, 2),
        Repository("huggingface", "erin/quiet", "model", "erin", "user", when, when, 3),
        Repository("huggingface", "acme/big", "model", "acme", "organization", when, when, 4),
        commit("dora/solo", "dora", 1), commit("gail/talk", "frank", 2),
        commit("erin/quiet", "frank", 3), commit("acme/big", "alice", 4),
        Thread("huggingface", "gail/talk", 1, "discussion", "hello", "opening", "gail",
               state="open", created_at=when),
    ]
    with Emulator.from_records(world) as running:
        db, raw = tmp_path / "db.duckdb", tmp_path / "raw"
        result = RUNNER.invoke(app, ["sample", "huggingface", "--endpoint", running.url,
                                     "--size", "4", "--db", str(db), "--raw", str(raw)])
        assert result.exit_code == 0, result.output
        running.log.clear()
        result = RUNNER.invoke(app, ["collect", "--db", str(db), "--raw", str(raw),
                                     "--hub-url", running.url, "--github-url", running.url])
        assert result.exit_code == 0, result.output
        calls = Counter((c.subjects, c.endpoint) for c in running.log
                        if c.resource != "resolvers")
    per_subject: dict[str, list[str]] = {}
    for (subjects, endpoint), count in calls.items():
        per_subject.setdefault(subjects[0], []).extend([endpoint] * count)
    commits, listing = ("/api/models/{owner}/{repo}/commits/{revision}",
                        "/api/models/{owner}/{repo}/discussions")
    assert sorted(per_subject["dora/solo"]) == [commits, listing]
    assert "dora" not in per_subject and "gail" not in per_subject
    assert len(per_subject["gail/talk"]) == 3  # commits, listing, the discussion's details
    assert per_subject["erin"] == per_subject["acme"] == [
        "/api/organizations/{name}/members"]
    owners = dict(rows(db, "repositories WHERE platform = 'huggingface'", "owner, owner_type"))
    assert owners == {"dora": "user", "gail": "user", "erin": "user", "acme": "organization"}
    assert rows(db, "memberships", "platform, organization, login") == [
        ("huggingface", "acme", "alice")]
    with Store(db, read_only=True) as store:
        accounts = {login: (kind, origin) for login, kind, origin in store.query(
            "SELECT a.login, a.type, p.origin FROM accounts a JOIN provenance p "
            "ON p.id = a.provenance_id WHERE a.login IN ('dora', 'gail')").fetchall()}
    store_raw = RawStore(raw)
    kept = {r.context["repo"]: r.context for r in store_raw if r.kind == "hub.listed"}
    evidence = {repo: store_raw.get(context["owner_evidence"][len("raw:"):]).kind
                for repo, context in kept.items() if "owner_evidence" in context}
    assert set(evidence) == {"dora/solo", "gail/talk"}  # erin: the call said so
    assert evidence["dora/solo"] == "hub.commits"
    assert evidence["gail/talk"] in ("hub.discussions", "hub.discussion")
    assert {login: (kind, store_raw.get(origin[len("raw:"):]).kind in (
        "hub.commits", "hub.discussions", "hub.discussion"))
        for login, (kind, origin) in accounts.items()} == {"dora": ("user", True),
                                                          "gail": ("user", True)}
    rebuilt = tmp_path / "rebuilt.duckdb"
    api.rebuild(raw, rebuilt)
    for table in ("repositories", "accounts", "commits", "threads", "memberships"):
        assert rows(rebuilt, table) == rows(db, table), table  # provenance ids included


def test_hub_models_come_with_parameters_and_storage_at_no_extra_request(
        collected: tuple[Path, Path], direct: Path) -> None:
    """The emulator, like the Hub, gives a model's safetensors or GGUF metadata and
    ``usedStorage``, and no parameter count for pickle weights; the listing's expand carries
    them into the store as the world has them."""
    sizes = "repo, parameters, storage_bytes"
    where = "repositories WHERE platform = 'huggingface' AND kind = 'model'"
    collected_sizes = rows(collected[0], where, sizes)
    assert collected_sizes == rows(direct, where, sizes)
    assert all(storage > 0 for _, _, storage in collected_sizes)
    known = [parameters for _, parameters, _ in collected_sizes if parameters is not None]
    assert 0 < len(known) < len(collected_sizes) and min(known) > 0


def test_github_repositories_keep_the_primary_language_the_world_gives_or_none(
        collected: tuple[Path, Path]) -> None:
    """The batched query's ``primaryLanguage`` is stored as served: the world's language,
    NULL where GitHub names none; Hub repositories have none."""
    world = {r.repo: r.language for r in WORLD if isinstance(r, Repository)}
    stored = dict(rows(collected[0], "repositories WHERE platform = 'github'", "repo, language"))
    assert stored == {repo: language for (platform, repo), language in zip(
        FRAME, (world[repo] for _, repo in FRAME), strict=True) if platform == "github"}
    assert None in stored.values() and len(set(stored.values()) - {None}) > 2
    assert rows(collected[0], "repositories WHERE platform = 'huggingface' "
                "AND language IS NOT NULL") == []


def test_pull_requests_keep_the_file_classes_they_touch_where_the_route_names_paths(
        tmp_path: Path) -> None:
    """Hub pull requests from their details' diff, GitHub's from the batched query's
    ``files``; a GitHub repository whose threads overflow to REST keeps them unknown, as
    do issues and discussions; labels come back by either GitHub route."""
    when = datetime(2024, 5, 1, tzinfo=UTC)
    mixes = [("documentation",), ("weights", "configuration"), ("documentation", "code"), ()]
    world: list[object] = [
        Repository("github", "small/app", "code", "small", "user", when, popularity=1,
                   forks=0),
        Repository("github", "busy/app", "code", "busy", "user", when, popularity=1, forks=0),
        Repository("huggingface", "small/model", "model", "small", "user", when)]
    for repo, count in (("small/app", 4), ("busy/app", github.THREAD_PAGE + 2),
                        ("small/model", 4)):
        platform = "huggingface" if repo.endswith("model") else "github"
        for number in range(1, count + 1):
            world.append(Thread(platform, repo, number, "pull_request", f"PR {number}", "b",
                                "someone", state="open", created_at=when,
                                touched=mixes[number % len(mixes)]))
            if platform == "github" and number % 2:
                world.append(ProjectLabel("github", repo, number, "good first issue"))
        world.append(Thread(platform, repo, count + 1, "issue" if platform == "github"
                            else "discussion", "a question", "b", "someone", state="open",
                            created_at=when))
    frame = [("github", "busy/app"), ("github", "small/app"), ("huggingface", "small/model")]
    with Emulator.from_records(world) as running, Store(tmp_path / "db.duckdb") as store:
        raw = RawStore(tmp_path / "raw")
        Collector(store, github_source=GitHubSource(ApiClient(running.url, "github", raw)),
                  hub_source=HubSource(ApiClient(running.url, "huggingface", raw))
                  ).collect(frame)
        raw.close()
        touched = dict(store.query("SELECT repo || '#' || number, touched FROM threads"
                                   ).fetchall())
        labels = store.query("SELECT repo, number FROM project_labels ORDER BY ALL").fetchall()
    for item in (r for r in world if isinstance(r, Thread)):
        got = touched[f"{item.repo}#{item.number}"]
        expected = None if item.kind != "pull_request" or item.repo == "busy/app" \
            else item.touched
        assert (None if got is None else tuple(got)) == expected, (item.repo, item.number)
    assert labels == sorted((r.repo, r.number) for r in world if isinstance(r, ProjectLabel))
