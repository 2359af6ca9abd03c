"""Fault injection: the spec language, determinism, each fault as specified over real HTTP,
and a collection under light faults that still equals a clean run."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from crossforge.collection.collector import Collector
from crossforge.emulator import Emulator, Faults
from crossforge.errors import ConfigError
from crossforge.records import Repository
from crossforge.sources.github import GitHubSource
from crossforge.sources.http import ApiClient
from crossforge.sources.hub import HubSource
from crossforge.sources.raw import RawStore
from crossforge.store import Store
from crossforge.worlds import synthetic

WORLD = list(synthetic.generate_world(12, 5))
FRAME = sorted((r.platform, r.repo) for r in WORLD if isinstance(r, Repository))
REPO = max((r for p, r in FRAME if p == "github"), key=lambda repo: sum(
    1 for c in WORLD if type(c).__name__ == "Commit" and c.repo == repo))
MODEL = next(r for p, r in FRAME if p == "huggingface")


def test_spec_parses_rules_paths_arguments_and_seed() -> None:
    faults = Faults.parse("500:0.05, 503:0.01:4, 403:0.02:60, 429:0.02:none@hub, "
                          "slow:0.01:2.5@/repos/*/commits, loop:0.1, seed=7")
    assert faults.seed == 7
    assert [(r.kind, r.rate, r.arg, r.path) for r in faults.rules] == [
        ("500", 0.05, None, "**"), ("503", 0.01, "4", "**"), ("403", 0.02, "60", "**"),
        ("429", 0.02, "none", "hub"), ("slow", 0.01, "2.5", "/repos/*/commits"),
        ("loop", 0.1, None, "**")]
    assert faults.rules[4].matches("/repos/psf/commits")
    assert not faults.rules[4].matches("/repos/psf/requests/commits")
    assert faults.rules[0].matches("/repos/psf/requests/commits")
    assert faults.rules[3].matches("/api/models/a/b") and not faults.rules[3].matches("/repos")


@pytest.mark.parametrize(("spec", "message"), [
    ("418:0.1", "unknown fault '418'"), ("reset", "needs a rate"), ("500:2", "not in [0, 1]"),
    ("429:0.1:soon", "bad argument 'soon'"), ("seed=x", "seed must be an integer"),
    ("503:0.1:0", "bad argument '0'")])
def test_bad_specs_fail_with_a_message_naming_the_part(spec: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        Faults.parse(spec)


def draws(spec: str, n: int = 2_000) -> list[str | None]:
    faults = Faults.parse(spec)
    return [getattr(faults.draw("GET", f"/repos/a/b/commits?page={i % 50}"), "kind", None)
            for i in range(n)]


def test_faults_are_deterministic_with_the_seed_and_close_to_their_rates() -> None:
    spec = "500:0.05,429:0.02,reset:0.01,seed=7"
    first, again = draws(spec), draws(spec)
    other = draws(spec.replace("seed=7", "seed=8"))
    assert first == again and first != other
    shares = {kind: first.count(kind) / len(first) for kind in ("500", "429", "reset")}
    assert 0.035 < shares["500"] < 0.065 and 0.01 < shares["429"] < 0.03
    assert 0.003 < shares["reset"] < 0.02


def test_the_decision_for_a_request_does_not_depend_on_other_requests() -> None:
    """Request k to one URL meets the same fault whatever else was asked in between."""
    alone = Faults.parse("500:0.3,seed=1")
    mixed = Faults.parse("500:0.3,seed=1")
    wanted = [alone.draw("GET", "/repos/a/b") for _ in range(20)]
    seen = []
    for i in range(20):
        mixed.draw("GET", f"/repos/c/d?page={i}")
        seen.append(mixed.draw("GET", "/repos/a/b"))
    assert seen == wanted


def test_server_errors_come_in_bursts_of_the_given_length() -> None:
    faults = Faults.parse("503:0.02:4,seed=3")
    kinds = [getattr(faults.draw("GET", f"/x?{i}"), "kind", None) for i in range(3_000)]
    runs = [len(m.group()) for m in re.finditer(r"F+", "".join(
        "F" if k else "." for k in kinds))]
    assert runs and all(r % 4 == 0 for r in runs)  # bursts of 4 (two may touch)


@pytest.fixture(scope="module")
def served() -> Iterator[Emulator]:
    with Emulator.from_records(WORLD) as running:
        yield running


def emulate(served: Emulator, spec: str) -> Emulator:
    return Emulator(served.world, faults=spec).start()


def test_status_faults_answer_like_the_platforms(served: Emulator) -> None:
    emulator = emulate(served, "502:1@/repos/*/*, 403:1:7@/repos/*/*/issues, "
                               "429:1:none@/repos/**/commits, 429:1:30@hub")
    try:
        bad_gateway = httpx.get(f"{emulator.url}/repos/{REPO}")
        secondary = httpx.get(f"{emulator.url}/repos/{REPO}/issues")
        bare = httpx.get(f"{emulator.url}/repos/{REPO}/commits")
        hub = httpx.get(f"{emulator.url}/api/models/{MODEL}")
    finally:
        emulator.stop()
    assert bad_gateway.status_code == 502 and bad_gateway.json()["message"] == "Server Error"
    assert secondary.status_code == 403 and secondary.headers["retry-after"] == "7"
    assert "secondary rate limit" in secondary.json()["message"]
    assert bare.status_code == 429 and "retry-after" not in bare.headers
    assert hub.status_code == 429 and hub.headers["ratelimit"] == '"api";r=0;t=30'
    assert emulator.faults is not None and emulator.faults.produced == {
        "502": 1, "403": 1, "429": 2}


def test_transport_faults_break_the_connection_as_specified(served: Emulator) -> None:
    emulator = emulate(served, f"reset:1@/repos/{REPO}, truncate:1@/repos/{REPO}/commits, "
                               f"invalid:1@/repos/{REPO}/issues, slow:1:2@/rate_limit")
    try:
        with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
            httpx.get(f"{emulator.url}/repos/{REPO}")
        with pytest.raises(httpx.RemoteProtocolError, match="incomplete|complete message"):
            httpx.get(f"{emulator.url}/repos/{REPO}/commits")
        invalid = httpx.get(f"{emulator.url}/repos/{REPO}/issues")
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(f"{emulator.url}/rate_limit", timeout=0.5)
        healthy = httpx.get(f"{emulator.url}/search/repositories?q=stars:>=0")
    finally:
        emulator.stop()
    assert invalid.status_code == 200 and invalid.text
    with pytest.raises(json.JSONDecodeError):
        json.loads(invalid.text)
    assert healthy.status_code == 200 and healthy.json()["items"]


def test_pagination_faults_loop_and_repeat(served: Emulator) -> None:
    target = f"/repos/{REPO}/commits?per_page=2"
    clean = [httpx.get(f"{served.url}{target}&page={p}").json() for p in (1, 2)]
    loop = emulate(served, "loop:1")
    repeat = emulate(served, "repeat:1")
    try:
        looped = httpx.get(f"{loop.url}{target}&page=2")
        repeated = httpx.get(f"{repeat.url}{target}&page=2")
        first_repeated = httpx.get(f"{repeat.url}{target}&page=1")
    finally:
        loop.stop()
        repeat.stop()
    assert looped.links["next"]["url"] == f"{loop.url}/repos/{REPO}/commits?per_page=2"

    def served_here(answer: httpx.Response, emulator: Emulator) -> Any:
        """The body as ``served`` would give it: URLs in bodies name the emulator's own port."""
        return json.loads(answer.text.replace(emulator.url, served.url))

    assert served_here(looped, loop) == clean[1]
    assert served_here(repeated, repeat) == clean[0] == served_here(first_repeated, repeat)


def collect(emulator: Emulator, tmp: Path) -> tuple[Path, list[float]]:
    raw, waits = RawStore(tmp / "raw"), []
    clients = [ApiClient(emulator.url, platform, raw, tokens=["fault-test"],
                         sleep=waits.append) for platform in ("github", "huggingface")]
    with Store(tmp / "db.duckdb") as store:
        Collector(store, github_source=GitHubSource(clients[0]),
                  hub_source=HubSource(clients[1])).collect(FRAME)
    raw.close()
    return tmp / "db.duckdb", waits


TABLES = ("accounts", "comments", "commits", "derivations", "memberships", "repositories",
          "threads")


def contents(db: Path) -> dict[str, list[tuple]]:
    with Store(db, read_only=True) as store:
        return {table: store.query(f"SELECT * EXCLUDE (provenance_id) FROM {table} "
                                   "ORDER BY ALL").fetchall() for table in TABLES}


def test_collection_under_light_faults_equals_a_clean_run(served: Emulator,
                                                          tmp_path: Path) -> None:
    """The collector already survives 5xx bursts, secondary limits with Retry-After, resets
    and truncated bodies (every fault kind, mixed too: tests/reliability/test_fault_matrix.py)."""
    (tmp_path / "clean").mkdir()
    (tmp_path / "faults").mkdir()
    clean, _ = collect(served, tmp_path / "clean")
    faulty = emulate(served, "500:0.05,503:0.03:2,429:0.02:1,403:0.02:1,reset:0.02,"
                             "truncate:0.02,seed=26")  # a seed that draws every kind
    try:
        faulted, waits = collect(faulty, tmp_path / "faults")
    finally:
        faulty.stop()
    assert faulty.faults is not None
    produced = faulty.faults.produced
    assert {"500", "503", "429", "403", "reset", "truncate"} <= set(produced), produced
    assert waits  # the collector waited out the faults instead of failing
    expected = contents(clean)
    assert all(expected[table] for table in TABLES)
    assert contents(faulted) == expected
