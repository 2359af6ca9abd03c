"""Answers over a kept-alive connection arrive at once (the full collection benchmark's
"hang": every answer stalled ~44 ms behind Nagle's algorithm and the client's delayed ACK,
so 20,000 sequential requests took a quarter of an hour)."""

from __future__ import annotations

import statistics
import time

import httpx

from crossforge.emulator import Emulator
from crossforge.records import Comment, Repository
from crossforge.worlds import synthetic

WORLD = list(synthetic.generate_world(6, 3))


def test_kept_alive_answers_are_not_held_back_by_nagle() -> None:
    """A kept-alive client asking one thing after another (as PyGithub asks for each issue's
    comments) gets each answer in about a millisecond on loopback, not after a delayed ACK
    (40 ms on Linux): the median of 30 is far below that stall even on a busy machine."""
    repo = next(c.repo for c in WORLD if isinstance(c, Comment) and c.platform == "github")
    assert any(isinstance(r, Repository) and r.repo == repo for r in WORLD)
    seconds, peers = [], set()
    with Emulator.from_records(WORLD) as emulator, httpx.Client(
            base_url=emulator.url, headers={"Authorization": "token t"}) as client:
        for _ in range(30):
            start = time.perf_counter()
            with client.stream("GET", f"/repos/{repo}/issues/1/comments") as answer:
                body = answer.read()
                peers.add(answer.extensions["network_stream"].get_extra_info(
                    "client_addr"))
            seconds.append(time.perf_counter() - start)
            assert answer.status_code == 200
            assert len(body) == int(answer.headers["Content-Length"])
    assert len(peers) == 1  # one connection, kept alive throughout
    assert statistics.median(seconds) < 0.015, f"median {statistics.median(seconds):.3f} s"
