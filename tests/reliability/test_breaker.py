"""The breaker every client of a platform shares: one client's wait holds the others,
consecutive failures open the circuit for a cool-down, and the run's wait budget is bounded."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from crossforge.emulator import Emulator
from crossforge.errors import CollectError
from crossforge.sources.http import ApiClient, Breaker
from crossforge.sources.raw import RawStore
from tests.reliability.helpers import FRAME, WORLD


def test_a_wait_started_by_one_worker_holds_the_others() -> None:
    waits: list[tuple[str, float]] = []
    now = [1_000.0]
    breaker = Breaker(sleep=lambda s: waits.append((threading.current_thread().name, s)),
                      clock=lambda: now[0])
    breaker.pause(8.0, "github")
    assert breaker.wait_turn() == 0.0  # the worker that waited does not wait twice
    other = threading.Thread(target=breaker.wait_turn, name="other")
    other.start()
    other.join()
    assert waits == [("MainThread", 8.0), ("other", 8.0)]
    now[0] += 8.0
    late = threading.Thread(target=breaker.wait_turn, name="late")
    late.start()
    late.join()
    assert len(waits) == 2  # the hold is over: nobody waits any more


def test_consecutive_failures_open_the_circuit_and_success_closes_it() -> None:
    breaker = Breaker(threshold=3, cooldown=45.0)
    assert [breaker.failure(2.0) for _ in range(3)] == [2.0, 2.0, 45.0]
    assert breaker.openings == 1
    breaker.success()
    assert breaker.failure(4.0) == 4.0


def test_the_wait_budget_of_a_run_is_bounded() -> None:
    breaker = Breaker(max_total_wait=15.0, sleep=lambda _: None)
    breaker.pause(10.0, "github")
    with pytest.raises(CollectError, match="beyond the wait budget of 15 s"):
        breaker.pause(10.0, "github")


def test_clients_sharing_a_breaker_back_off_together(tmp_path: Path) -> None:
    """A burst of 503s met by one client makes a second client, in another thread, wait
    before its own (healthy) request."""
    waits: list[tuple[str, float]] = []
    breaker = Breaker(sleep=lambda s: waits.append((threading.current_thread().name, s)),
                      clock=lambda: 0.0)
    repo = next(r for p, r in FRAME if p == "github")
    with Emulator.from_records(WORLD, faults=f"503:1@/repos/{repo}") as emulator:
        raw = RawStore(tmp_path / "raw")
        first, second = (ApiClient(emulator.url, "github", raw, tokens=["t"], breaker=breaker,
                                   max_retries=3) for _ in range(2))
        first.get(f"/repos/{repo}", kind="github.repository", context={})
        worker = threading.Thread(name="second", target=lambda: second.get(
            f"/repos/{repo}/commits", kind="github.commits", context={"repo": repo}))
        worker.start()
        worker.join()
    assert [w for w in waits if w[0] == "MainThread"] == [("MainThread", 2.0),
                                                          ("MainThread", 4.0)]
    assert ("second", 4.0) in waits and second.budget.waited_seconds == 4.0
