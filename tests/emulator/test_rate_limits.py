"""Rate limits that behave like the platforms': GitHub's per-token, per-resource budgets and
headers, free ``/rate_limit``, 403 when spent, the concurrency secondary limit; the Hub's 429."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

import crossforge.emulator.limits as rate_limits_module
from crossforge.collection.collector import Collector
from crossforge.emulator import Emulator
from crossforge.records import Repository
from crossforge.sources.github import GitHubSource
from crossforge.sources.http import ApiClient
from crossforge.sources.hub import HubSource
from crossforge.sources.raw import RawStore
from crossforge.store import Store
from crossforge.worlds import synthetic

WORLD = list(synthetic.generate_world(4, 9))
REPO = next(r.repo for r in WORLD if isinstance(r, Repository) and r.platform == "github")
MODEL = next(r.repo for r in WORLD if isinstance(r, Repository) and r.platform == "huggingface")


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator.from_records(WORLD, github_limit=5, search_limit=3) as running:
        yield running


def limits(answer: httpx.Response) -> tuple[int, int, int, int, str]:
    h = answer.headers
    return (int(h["x-ratelimit-limit"]), int(h["x-ratelimit-remaining"]),
            int(h["x-ratelimit-used"]), int(h["x-ratelimit-reset"]), h["x-ratelimit-resource"])


def test_remaining_decrements_per_token_and_reset_is_epoch_seconds(emulator: Emulator) -> None:
    start = time.time()
    first = [limits(httpx.get(f"{emulator.url}/repos/{REPO}", headers=auth("a")))
             for _ in range(3)]
    other = limits(httpx.get(f"{emulator.url}/repos/{REPO}", headers=auth("b")))
    anonymous = limits(httpx.get(f"{emulator.url}/repos/{REPO}"))
    assert [(r[1], r[2]) for r in first] == [(4, 1), (3, 2), (2, 3)]
    assert other[:3] == (5, 4, 1) and anonymous[:3] == (60, 59, 1)
    resets = {r[3] for r in first}
    assert len(resets) == 1  # one window per token
    assert start + 3600 - 2 <= resets.pop() <= start + 3600 + 2
    assert {r[4] for r in [*first, other, anonymous]} == {"core"}


def test_search_and_graphql_have_their_own_budgets(emulator: Emulator) -> None:
    core = limits(httpx.get(f"{emulator.url}/repos/{REPO}", headers=auth("a")))
    search = [limits(httpx.get(f"{emulator.url}/search/repositories?q=stars:>=0",
                               headers=auth("a"))) for _ in range(3)]
    graphql = limits(httpx.post(f"{emulator.url}/graphql", headers=auth("a"),
                                json={"query": "{ rateLimit { remaining } }"}))
    again = limits(httpx.get(f"{emulator.url}/repos/{REPO}", headers=auth("a")))
    assert [s[:3] for s in search] == [(3, 2, 1), (3, 1, 2), (3, 0, 3)]
    assert {s[4] for s in search} == {"search"} and search[0][3] <= time.time() + 61
    assert graphql[4] == "graphql" and graphql[0] == 5 and graphql[1] < 5
    assert core[4] == again[4] == "core" and again[1] == core[1] - 1
    spent = httpx.get(f"{emulator.url}/search/repositories?q=stars:>=0", headers=auth("a"))
    assert spent.status_code == 403 and spent.headers["x-ratelimit-resource"] == "search"
    assert httpx.get(f"{emulator.url}/repos/{REPO}", headers=auth("a")).status_code == 200


def test_rate_limit_endpoint_is_free_and_agrees_with_the_headers(emulator: Emulator) -> None:
    answer = httpx.get(f"{emulator.url}/repos/{REPO}", headers=auth("a"))
    overview = [httpx.get(f"{emulator.url}/rate_limit", headers=auth("a")) for _ in range(2)]
    core = overview[1].json()["resources"]["core"]
    assert overview[0].json() == overview[1].json()  # asking costs nothing
    assert (core["limit"], core["remaining"], core["used"], core["reset"]) == limits(answer)[:4]
    assert overview[1].json()["rate"] == core
    assert set(overview[1].json()["resources"]) >= {"core", "search", "graphql"}


def test_spent_primary_limit_answers_403_until_the_window_resets(
        emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = [httpx.get(f"{emulator.url}/repos/{REPO}", headers=auth("c")) for _ in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [403]
    spent = answers[-1]
    assert spent.headers["x-ratelimit-remaining"] == "0"
    assert "retry-after" not in spent.headers  # the reset time says when, as on GitHub
    assert "rate limit exceeded" in spent.json()["message"]
    later = time.time() + 3601
    monkeypatch.setattr(rate_limits_module, "time", SimpleNamespace(time=lambda: later))
    renewed = httpx.get(f"{emulator.url}/repos/{REPO}", headers=auth("c"))
    assert renewed.status_code == 200 and limits(renewed)[1] == 4


def test_too_many_concurrent_requests_meet_the_secondary_limit() -> None:
    with Emulator.from_records(WORLD, max_concurrent=2,
                               faults="slow:1:0.6@/repos/**") as crowded:
        answers: list[httpx.Response] = []

        def call() -> None:
            answers.append(httpx.get(f"{crowded.url}/repos/{REPO}", timeout=10))

        threads = [threading.Thread(target=call) for _ in range(5)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    refused = [a for a in answers if a.status_code == 403]
    assert sorted(a.status_code for a in answers) == [200, 200, 403, 403, 403]
    assert all(a.headers["retry-after"] == "60" and "secondary rate limit" in a.json()["message"]
               for a in refused)


def test_hub_budget_is_per_caller_with_ietf_headers_on_429() -> None:
    with Emulator.from_records(WORLD, hub_limit=1) as limited:
        url = f"{limited.url}/api/models/{MODEL}"
        first, spent = httpx.get(url, headers=auth("x")), httpx.get(url, headers=auth("x"))
        other = httpx.get(url, headers=auth("y"))
    assert (first.status_code, spent.status_code, other.status_code) == (200, 429, 200)
    assert spent.headers["ratelimit"].startswith('"api";r=0;t=')
    assert 0 < int(spent.headers["ratelimit"].rsplit("t=", 1)[1]) <= 300
    assert spent.headers["ratelimit-policy"] == '"fixed window";"api";q=1;w=300'


def test_hub_resolver_has_its_own_bucket_named_in_its_headers() -> None:
    with Emulator.from_records(WORLD, hub_limit=1, hub_resolver_limit=2) as limited:
        card = f"{limited.url}/{MODEL}/resolve/main/README.md"
        answers = [httpx.get(card, headers=auth("x")).status_code for _ in range(2)]
        spent = httpx.get(card, headers=auth("x"))
        api = httpx.get(f"{limited.url}/api/models/{MODEL}", headers=auth("x"))
    assert 429 not in answers and spent.status_code == 429 and api.status_code == 200
    assert spent.headers["ratelimit"].startswith('"resolvers";r=0;t=')
    assert spent.headers["ratelimit-policy"] == '"fixed window";"resolvers";q=2;w=300'


def test_every_hub_answer_carries_its_bucket_so_a_client_can_pace() -> None:
    with Emulator.from_records(WORLD, hub_limit=3) as limited:
        answers = [httpx.get(f"{limited.url}/api/models/{MODEL}", headers=auth("x"))
                   for _ in range(3)]
        card = httpx.get(f"{limited.url}/{MODEL}/resolve/main/README.md", headers=auth("x"))
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.headers["ratelimit"].split(";t=")[0] for a in answers] == [
        '"api";r=2', '"api";r=1', '"api";r=0']
    assert all(a.headers["ratelimit-policy"] == '"fixed window";"api";q=3;w=300'
               for a in answers)
    assert card.headers["ratelimit"].startswith('"resolvers";r=')


def test_a_hub_collection_paces_from_the_headers_and_meets_no_429(tmp_path: Path) -> None:
    models = [r.repo for r in WORLD if isinstance(r, Repository)
              and r.platform == "huggingface"][:1]
    with Emulator.from_records(WORLD, hub_limit=2, hub_resolver_limit=2) as limited:
        limited.hub_window = 1
        raw = RawStore(tmp_path / "raw")
        clients = [ApiClient(limited.url, platform, raw, tokens=["t"])
                   for platform in ("github", "huggingface")]
        try:
            with Store(tmp_path / "db.duckdb") as store:
                summary = Collector(store, github_source=GitHubSource(clients[0]),
                                    hub_source=HubSource(clients[1])).collect(
                    [("huggingface", model) for model in models])
        finally:
            for client in clients:
                client.close()
            raw.close()
        asked, answered = sum(limited.requests.values()), len(limited.log)
    assert not summary.failed.get("huggingface")
    assert asked > 2 and asked == answered  # every request was charged: none refused
    assert clients[1].budget.waited_seconds > 0
