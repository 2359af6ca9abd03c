"""GitHub's URL shapes and behaviours as the real API has them: from page 2 on, a listing's
``Link`` URLs name the repository (or organization) by id, and a renamed repository's old
name redirects to its id's path (the emulator serves those paths, and a walk over them loses
nothing when a page repeats); ``/issues`` filters and orders; search answers carry no
validator; malformed parameters get 422; request ids, ``Last-Modified``, real organizations."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

from crossforge.emulator import Emulator
from crossforge.emulator.answer import Answer
from crossforge.records import Commit, ProjectLabel, Thread
from crossforge.sources.github import GitHubSource
from crossforge.sources.http import ApiClient, Breaker
from crossforge.sources.raw import RawStore
from tests.reliability.helpers import WORLD

EXCHANGES = Path(__file__).resolve().parents[3] / "shared" / "corpus" / \
    "github_api_exchanges.jsonl.gz"
PAGED = max({r.repo for r in WORLD if isinstance(r, Commit) and r.platform == "github"},
            key=lambda repo: sum(isinstance(r, Commit) and r.repo == repo for r in WORLD))
#: The repository with the most threads, open and closed.
ISSUED = max({r.repo for r in WORLD if isinstance(r, Thread) and r.platform == "github"},
             key=lambda repo: (len({r.state == "open" for r in WORLD if isinstance(r, Thread)
                                    and r.repo == repo}),
                               sum(isinstance(r, Thread) and r.repo == repo for r in WORLD)))
RENAMED = min(r.repo for r in WORLD if isinstance(r, Commit) and r.platform == "github"
              and r.repo not in (PAGED, ISSUED))
NEXT = re.compile(r'<([^>]+)>; rel="next"')


@pytest.fixture(scope="module")
def served() -> Iterator[Emulator]:
    with Emulator.from_records(WORLD, renamed={"synthetic-new/name": RENAMED}) as emulator:
        yield emulator


def test_real_next_links_of_repository_listings_name_the_repository_by_id() -> None:
    """What the emulator copies: GitHub's own next links for ``/repos/…`` listings (older
    recordings keep ``/repos/…``; skipped without the corpus)."""
    if not EXCHANGES.exists():
        pytest.skip("the shared corpus of real GitHub exchanges is absent")
    with gzip.open(EXCHANGES) as lines:
        following = [NEXT.search(v).group(1) for row in map(json.loads, lines)
                     if row["path"].startswith("/repos/") for k, v in row["headers"].items()
                     if k.lower() == "link" and 'rel="next"' in v]
    assert sum("api.github.com/repositories/" in url for url in following) >= 20


def test_a_listing_links_its_pages_by_the_repository_id_and_serves_them(
        served: Emulator) -> None:
    first = httpx.get(f"{served.url}/repos/{PAGED}/commits?per_page=100")
    following = NEXT.search(first.headers["link"]).group(1)
    number = served.world.github_ids[PAGED]
    assert following == f"{served.url}/repositories/{number}/commits?per_page=100&page=2"
    by_id, by_name = httpx.get(following), httpx.get(
        f"{served.url}/repos/{PAGED}/commits?per_page=100&page=2")
    assert by_id.status_code == 200 and by_id.json() == by_name.json() != first.json()
    assert httpx.get(f"{served.url}/repositories/{number}").json()["full_name"] == PAGED
    assert httpx.get(f"{served.url}/repositories/99999999/commits").status_code == 404
    # one endpoint in the request counts, whichever shape asked it
    assert served.requests["/repos/{owner}/{repo}/commits"] >= 3


def test_a_renamed_repository_redirects_to_its_id_path(served: Emulator) -> None:
    moved = httpx.get(f"{served.url}/repos/{RENAMED}/issues?state=all")
    number = served.world.github_ids[RENAMED]
    assert moved.status_code == 301
    assert moved.headers["location"] == f"{served.url}/repositories/{number}/issues?state=all"


def test_an_organization_members_listing_links_its_pages_by_the_organization_id() -> None:
    organization, logins = next((key[1], logins) for key, logins in
                                Emulator.from_records(WORLD).world.members.items()
                                if key[0] == "github" and len(logins) > 1)
    with Emulator.from_records(WORLD) as emulator:
        first = httpx.get(f"{emulator.url}/orgs/{organization}/members?per_page=1")
        following = NEXT.search(first.headers["link"]).group(1)
        assert "/organizations/" in following
        assert httpx.get(following).json()[0]["login"] == logins[1]


class RepeatsPageTwoOnce(Emulator):
    """Answers the first request for page 2 of ``PAGED``'s commits with page 1's items."""

    repeated = 0

    def _github_repository(self, repo: str, rest: list[str], query: dict[str, Any]
                           ) -> Answer:
        status, headers, payload = super()._github_repository(repo, rest, query)
        if repo == PAGED and rest == ["commits"] and query.get("page") == "2" \
                and not self.repeated:
            self.repeated += 1
            payload = super()._github_repository(repo, rest, {**query, "page": "1"})[2]
        return status, headers, payload


def test_a_page_that_repeats_under_an_id_url_is_asked_again_and_nothing_is_lost(
        tmp_path: Path) -> None:
    expected = sum(isinstance(r, Commit) and r.repo == PAGED for r in WORLD)
    with RepeatsPageTwoOnce(RepeatsPageTwoOnce.from_records(WORLD).world) as emulator:
        raw = RawStore(tmp_path / "raw")
        client = ApiClient(emulator.url, "github", raw, tokens=["t"],
                           breaker=Breaker(sleep=lambda _: None), sleep=lambda _: None)
        try:
            pages = list(client.pages(f"/repos/{PAGED}/commits", kind="github.commits",
                                      context={"repo": PAGED}, params={"per_page": 100}))
        finally:
            client.close()
            raw.close()
        assert emulator.repeated == 1
    shas = [c["sha"] for page in pages for c in page.json()]
    assert len(shas) == len(set(shas)) == expected


def test_the_issue_listing_filters_and_orders_as_github_documents(served: Emulator) -> None:
    threads = [r for r in WORLD if isinstance(r, Thread) and r.repo == ISSUED]
    base = f"{served.url}/repos/{ISSUED}/issues?per_page=100"
    default, everything = httpx.get(base).json(), httpx.get(f"{base}&state=all").json()
    closed = httpx.get(f"{base}&state=closed").json()
    assert len(everything) == len(threads) > len(default) > 0 and closed
    assert {i["state"] for i in default} == {"open"} and {i["state"] for i in closed} == {
        "closed"}
    oldest_first = httpx.get(f"{base}&state=all&sort=created&direction=asc").json()
    assert [i["created_at"] for i in oldest_first] == sorted(
        i["created_at"] for i in everything)
    by_update = httpx.get(f"{base}&state=all&sort=updated").json()
    cutoff = by_update[len(by_update) // 2]["updated_at"]
    recent = httpx.get(f"{base}&state=all&since={cutoff}").json()
    assert recent and all(i["updated_at"] >= cutoff for i in recent)
    assert len(recent) < len(everything)
    assert httpx.get(f"{base}&state=everything").status_code == 422


def test_crossforge_asks_for_issues_in_every_state(served: Emulator, tmp_path: Path) -> None:
    raw = RawStore(tmp_path / "raw")
    client = ApiClient(served.url, "github", raw, tokens=["t"])
    try:
        pages = list(GitHubSource(client).activity(ISSUED, "issues"))
    finally:
        client.close()
        raw.close()
    listed = [i for page in pages for i in page.json()]
    assert {i["state"] for i in listed} == {"open", "closed"}
    assert len(listed) == sum(isinstance(r, Thread) and r.repo == ISSUED for r in WORLD)


def test_a_malformed_page_parameter_is_refused_with_422_and_not_charged(
        served: Emulator) -> None:
    auth = {"Authorization": "Bearer malformed"}
    before = httpx.get(f"{served.url}/repos/{PAGED}", headers=auth)
    refused = httpx.get(f"{served.url}/repos/{PAGED}/commits?per_page=abc", headers=auth)
    after = httpx.get(f"{served.url}/repos/{PAGED}", headers=auth)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "per_page"
    spent = int(before.headers["x-ratelimit-remaining"]) - int(
        after.headers["x-ratelimit-remaining"])
    assert spent == 1  # the second repository request only
    hub = httpx.get(f"{served.url}/api/models?limit=lots")
    assert hub.status_code == 400


def test_search_answers_have_no_validator_and_get_no_free_304(served: Emulator) -> None:
    target = f"{served.url}/search/repositories?q=stars:>=0"
    first = httpx.get(target)
    again = httpx.get(target, headers={"If-None-Match": 'W/"anything"'})
    assert "etag" not in first.headers and first.headers["cache-control"] == "no-cache"
    assert again.status_code == 200


def test_answers_carry_request_ids_and_objects_their_last_modified(served: Emulator) -> None:
    answers = [httpx.get(f"{served.url}/repos/{PAGED}") for _ in range(2)]
    ids = {a.headers["x-github-request-id"] for a in answers}
    assert len(ids) == 2
    assert answers[0].headers["last-modified"].endswith(" GMT")
    organization = next(key[1] for key in served.world.members if key[0] == "github")
    org = httpx.get(f"{served.url}/orgs/{organization}").json()
    assert org["type"] == "Organization" and org["public_repos"] >= 0
    assert {"created_at", "description", "public_repos", "followers"} <= set(org)


def test_issues_carry_labels_assignees_and_milestones_in_both_apis(served: Emulator) -> None:
    """REST in GitHub's shape (label objects, ``assignee`` the first of ``assignees``, a
    milestone), GraphQL the same through the fields of GitHub's schema."""
    labelled: dict[tuple[str, int], list[str]] = {}
    for record in (r for r in WORLD if isinstance(r, ProjectLabel)):
        labelled.setdefault((record.repo, record.number), []).append(record.label)
    repos = sorted({r.repo for r in WORLD if isinstance(r, Thread) and r.platform == "github"})
    listing = {repo: httpx.get(f"{served.url}/repos/{repo}/issues",
                               params={"state": "all", "per_page": 100},
                               follow_redirects=True).json()
               for repo in repos}
    names = {(repo, i["number"]): [label["name"] for label in i["labels"]]
             for repo, items in listing.items() for i in items}
    assert {key: value for key, value in names.items() if value} == labelled != {}
    repo = max(repos, key=lambda r: sum(key[0] == r for key in labelled))
    listed = [i for items in listing.values() for i in items]
    assert all(unquote(label["url"]).endswith("/labels/" + label["name"]) and " " not in
               label["url"] for i in listed for label in i["labels"])
    assert all(i["assignee"] == (i["assignees"] or [None])[0] for i in listed)
    assert any(i["assignees"] for i in listed) and any(i["milestone"] for i in listed)
    owner, name = (json.dumps(part) for part in repo.split("/"))
    query = (f"{{ repository(owner: {owner}, name: {name}) {{ issues(first: 100) {{ nodes {{ "
             "number labels(first: 20) { nodes { name } } assignees(first: 5) { nodes { login "
             "} } milestone { number title state } } } } }")
    nodes = httpx.post(f"{served.url}/graphql", json={"query": query}).json()[
        "data"]["repository"]["issues"]["nodes"]
    rest = {i["number"]: i for i in listing[repo] if "pull_request" not in i}
    for node in nodes:
        item = rest[node["number"]]
        assert [n["name"] for n in node["labels"]["nodes"]] == [
            label["name"] for label in item["labels"]]
        assert [n["login"] for n in node["assignees"]["nodes"]] == [
            a["login"] for a in item["assignees"]]
        assert (node["milestone"] or {}).get("title") == (item["milestone"] or {}).get("title")
