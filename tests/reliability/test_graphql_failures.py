"""GraphQL as GitHub fails it: a partial failure (one repository's ``null`` with an error
beside the others' data), a whole query refused for its node limits, and the limits
themselves, which the collector's own queries stay within. Each failure ends the
repositories it hits as failed, with GitHub's message, and a re-run completes them."""

from __future__ import annotations

import json
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
