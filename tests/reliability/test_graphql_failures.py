"""GraphQL as GitHub fails it: a partial failure (one repository's ``null`` with an error
beside the others' data), a whole query refused for its node limits, and the limits
themselves, which the collector's own queries stay within. Each failure ends the
repositories it hits as failed, with GitHub's message, and a re-run completes them."""

from __future__ import annotations

import json
from collections import deque
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import build_schema

from crossforge.collection.collector import CollectionSummary
from crossforge.emulator import Emulator, Faults
from crossforge.emulator.answer import Answer
from crossforge.emulator.github import NODE_LIMIT, node_refusal, query_cost
from crossforge.emulator.limits import Budget
from crossforge.sources.github import GRAPHQL_BATCH, repositories_query
from tests.reliability.helpers import FRAME, WORLD, collect, contents

GITHUB = [repo for platform, repo in FRAME if platform == "github"]
NESTED = """{ repository(owner: "a", name: "b") { issues(first: 100) { nodes {
  comments(first: 100) { nodes { reactions(first: 100) { totalCount } } } } } } }"""


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple]]:
    with Emulator.from_records(WORLD) as emulator:
        db, _ = collect(emulator.url, tmp_path_factory.mktemp("clean"))
    return contents(db)


#: The connections of GitHub's schema that ``NESTED`` walks (issues, their comments, their
#: reactions), enough to count its nodes as GitHub does.
NESTED_SCHEMA = build_schema("""
type Query { repository(owner: String!, name: String!): Repository }
type Repository { issues(first: Int, last: Int): IssueConnection }
type IssueConnection { nodes: [Issue] totalCount: Int! }
type Issue { comments(first: Int, last: Int): IssueCommentConnection }
type IssueCommentConnection { nodes: [IssueComment] totalCount: Int! }
type IssueComment { reactions(first: Int, last: Int): ReactionConnection }
type ReactionConnection { totalCount: Int! }
""")
#: GitHub's refusal of ``NESTED``.
REFUSED = {"errors": [{"type": "MAX_NODE_LIMIT_EXCEEDED", "message": (
    "This query requests up to 1,010,100 possible nodes which exceeds the maximum limit of "
    "500,000.")}]}


def test_the_node_limits_refuse_what_github_refuses_and_pass_crossforge_s_batches() -> None:
    assert node_refusal(NESTED, schema=NESTED_SCHEMA) == REFUSED
    paged = node_refusal('{ repository(owner: "a", name: "b") { issues(first: 101) '
                         "{ totalCount } } }", schema=NESTED_SCHEMA)
    assert paged is not None and paged["errors"][0]["type"] == "EXCESSIVE_PAGINATION"
    batch = repositories_query([f"owner/repo-{i}" for i in range(GRAPHQL_BATCH)])
    assert node_refusal(batch) is None
    assert query_cost(batch)[0] * 100 < NODE_LIMIT


def test_the_emulator_refuses_a_connection_beyond_100_items() -> None:
    with Emulator.from_records(WORLD) as emulator:
        answer = httpx.post(f"{emulator.url}/graphql", json={"query": (
            f'{{ repository(owner: "{GITHUB[0].split("/")[0]}", name: '
            f'"{GITHUB[0].split("/")[1]}") {{ issues(first: 101) {{ totalCount }} }} }}')})
    assert answer.status_code == 200 and "data" not in answer.json()
    assert answer.json()["errors"][0]["type"] == "EXCESSIVE_PAGINATION"


def test_a_partial_failure_fails_only_its_repository_until_a_re_run(
        clean: dict[str, list[tuple]], tmp_path: Path) -> None:
    summaries: list[CollectionSummary] = []
    with Emulator.from_records(WORLD, timing_out=[GITHUB[1]]) as emulator:
        collect(emulator.url, tmp_path, summaries=summaries)
    failed = summaries[0].failed["github"]
    assert list(failed) == [GITHUB[1]] and "Something went wrong" in failed[GITHUB[1]]
    with Emulator.from_records(WORLD) as emulator:
        db, _ = collect(emulator.url, tmp_path)
    assert contents(db) == clean


class RefusesFirstBatch(Emulator):
    """Refuses the first GraphQL query whole, as GitHub refuses one beyond its node limits."""

    refused = 0

    def _github(self, method: str, path: str, query: dict[str, Any], body: bytes,
                budget: Budget, cost: int = 1) -> Answer:
        if path == "/graphql" and not self.refused:
            self.refused += 1
            return 200, {}, REFUSED
        return super()._github(method, path, query, body, budget, cost)


def test_a_query_refused_whole_fails_its_batch_with_github_s_message(
        clean: dict[str, list[tuple]], tmp_path: Path) -> None:
    summaries: list[CollectionSummary] = []
    with RefusesFirstBatch(Emulator.from_records(WORLD).world) as emulator:
        collect(emulator.url, tmp_path, summaries=summaries)
    failed = summaries[0].failed["github"]
    assert set(failed) == set(GITHUB)
    assert all("exceeds the maximum limit of 500,000" in why for why in failed.values())
    with Emulator.from_records(WORLD) as emulator:
        db, _ = collect(emulator.url, tmp_path)
    assert contents(db) == clean
    assert json.dumps(failed).count("GraphQL:") == len(GITHUB)


def first_only(spec: str) -> str:
    """``spec`` with the first seed whose rule fires on the first GraphQL query and not on
    the second (a secondary limit met once, as a burst of queries meets it)."""
    for seed in range(200):
        faults = Faults.parse(f"{spec},seed={seed}")
        if faults.draw("POST", "/graphql") and not faults.draw("POST", "/graphql"):
            return f"{spec},seed={seed}"
    raise AssertionError("no such seed")


@pytest.mark.parametrize("rule", ["403:0.5:7@/graphql", "429:0.5:none@/graphql"])
def test_a_graphql_secondary_limit_is_waited_out_as_github_documents(
        rule: str, clean: dict[str, list[tuple]], tmp_path: Path) -> None:
    """GitHub's secondary limit: 403 or 429 with "You have exceeded a secondary rate limit",
    ``Retry-After`` when it says how long (else at least a minute); nothing is lost."""
    summaries: list[CollectionSummary] = []
    with Emulator.from_records(WORLD, faults=first_only(rule)) as emulator:
        db, waits = collect(emulator.url, tmp_path, summaries=summaries)
    assert not summaries[0].failed.get("github")
    assert (7.0 if ":7@" in rule else 60.0) in waits
    assert contents(db) == clean


def test_the_points_per_minute_secondary_limit_answers_as_github_documents() -> None:
    """A query or GET is a point, a mutation five; beyond the endpoint's points in the
    window: 403, GitHub's secondary-limit message and ``Retry-After``; per token."""
    with Emulator.from_records(WORLD, secondary_points={"graphql": 2, "rest": 3}) as emulator:
        def ask(query: str, token: str = "a") -> httpx.Response:
            return httpx.post(f"{emulator.url}/graphql", json={"query": query},
                              headers={"Authorization": f"Bearer {token}"})

        assert [ask("{ rateLimit { cost } }").status_code for _ in range(2)] == [200, 200]
        refused = ask("{ rateLimit { cost } }")
        assert refused.status_code == 403 and 1 <= int(refused.headers["retry-after"]) <= 60
        assert "secondary rate limit" in refused.json()["message"]
        assert ask("mutation { x }", token="b").status_code == 403  # five points at once
        assert ask("{ rateLimit { cost } }", token="b").status_code == 200
        repo = GITHUB[0]
        rest = [httpx.get(f"{emulator.url}/repos/{repo}", headers={
            "Authorization": "Bearer a"}).status_code for _ in range(4)]
        assert rest == [200, 200, 200, 403] and emulator.secondary_refused == 3


def test_a_secondary_limit_on_points_is_waited_out_or_paced_and_loses_nothing(
        clean: dict[str, list[tuple]], tmp_path: Path) -> None:
    """Met: its 403's ``Retry-After`` is waited out. Paced (the client counts the points
    GitHub documents): never met, the waits announced. Either way nothing is lost."""
    limits = {"rest": 3, "graphql": 1}
    for paced in (False, True):
        with Emulator.from_records(WORLD, secondary_points=limits,
                                   secondary_window=1.0) as emulator:
            db, waits = collect(emulator.url, tmp_path / str(paced), slept=True,
                                secondary_points=limits if paced else None,
                                secondary_window=1.0)
            refused = emulator.secondary_refused
        assert contents(db) == clean
        assert (refused == 0) == paced and waits and all(w <= 1.0 for w in waits)


def test_the_client_paces_graphql_points_by_the_documented_limit(tmp_path: Path) -> None:
    """2,000 GraphQL points a minute (one a query): the 2,001st query in a minute waits,
    announced, until the first leaves the window; none is sent early."""
    from crossforge.sources.http import GITHUB_SECONDARY_POINTS, ApiClient, Breaker
    from crossforge.sources.raw import RawStore

    clock, announced = [0.0], []

    def sleep(seconds: float) -> None:
        clock[0] += seconds

    breaker = Breaker(sleep=sleep, clock=lambda: clock[0])
    with Emulator.from_records(WORLD) as emulator:
        client = ApiClient(emulator.url, "github", RawStore(tmp_path / "raw"), sleep=sleep,
                           breaker=breaker, secondary_points=GITHUB_SECONDARY_POINTS,
                           on_wait=lambda platform, seconds: announced.append(seconds))
        client._secondary["graphql"] = deque(
            [i * 0.01, 1.0] for i in range(GITHUB_SECONDARY_POINTS["graphql"]))
        clock[0] = 30.0
        client.post("/graphql", {"query": "{ rateLimit { cost } }"}, kind="github.listing",
                    context={})
        client.close()
    assert announced == [pytest.approx(30.0)] and clock[0] == pytest.approx(60.0)


def test_only_githubs_own_api_is_paced_by_githubs_documented_points(tmp_path: Path) -> None:
    from crossforge import api
    from crossforge.sources.http import GITHUB_SECONDARY_POINTS

    for url, expected in ((None, GITHUB_SECONDARY_POINTS), ("https://api.github.com/",
                                                            GITHUB_SECONDARY_POINTS),
                          ("http://127.0.0.1:9", None)):
        with api._clients(tmp_path / "raw", github_url=url, hub_url=None,
                          github_token_env=None, hf_token_env=None) as (github, hub):
            assert (github.secondary_points, hub.secondary_points) == (expected, None)
