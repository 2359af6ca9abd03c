"""Group commit: a batch of answers' raw records fsynced together, then one transaction; a
kill between the two, or before either, resumes to the store a clean run makes."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossforge.collection import collector
from crossforge.sources import raw as raw_module
from crossforge.sources.raw import RawResponse, RawStore
from crossforge.store import Store
from tests.reliability.helpers import (
    FRAME,
    TABLES,
    collect,
    contents,
    duplicates,
    rows,
    served,
)


class Killed(BaseException):
    """The process dying at this instant (nothing after it runs)."""


def _events(monkeypatch: pytest.MonkeyPatch, kill_at_commit: int | None) -> list[str]:
    """Record every fsync of the raw store and every transaction of answers (``commit N``,
    N answers), in order; the ``kill_at_commit``-th transaction dies before it begins
    (``killed N``)."""
    events: list[str] = []
    fsync, write_pages = raw_module.os.fsync, Store.write_pages

    def recorded_fsync(descriptor: int) -> None:
        events.append("fsync")
        fsync(descriptor)

    def recorded_write(store: Store, pages: list) -> dict[str, int]:
        if sum(e.startswith("commit") for e in events) + 1 == kill_at_commit:
            events.append(f"killed {len(pages)}")
            raise Killed
        events.append(f"commit {len(pages)}")
        return write_pages(store, pages)

    monkeypatch.setattr(raw_module.os, "fsync", recorded_fsync)
    monkeypatch.setattr(Store, "write_pages", recorded_write)
    return events


def test_answers_are_fsynced_as_a_group_before_their_one_transaction(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    events = _events(monkeypatch, None)
    with served() as emulator:
        db, _ = collect(emulator.url, tmp_path)
    commits = [int(e.split()[1]) for e in events if e.startswith("commit")]
    pages = sum(commits)
    assert pages > 40
    # far fewer transactions and fsyncs than answers (one each per answer before)
    assert len(commits) <= 3 and events.count("fsync") <= 4, events
    for position, event in enumerate(events):
        if event.startswith("commit"):
            assert events[position - 1] == "fsync", events   # raw records durable first
    assert duplicates(db) == 0


@pytest.mark.parametrize("kill_at_commit", [1, 3])
def test_a_kill_between_fsync_and_transaction_resumes_to_the_clean_store(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kill_at_commit: int) -> None:
    with served() as emulator:
        clean = contents(collect(emulator.url, tmp_path / "clean")[0])
        monkeypatch.setattr(collector, "GROUP_ANSWERS", 8)
        events = _events(monkeypatch, kill_at_commit)
        (tmp_path / "killed").mkdir()
        with pytest.raises(Killed):
            collect(emulator.url, tmp_path / "killed")
        db = tmp_path / "killed" / "db.duckdb"
        stored = contents(db)
        # what earlier groups committed is kept; the killed group's answers are in the raw
        # store (fsynced) but cited by nothing
        committed = sum(int(e.split()[1]) for e in events if e.startswith("commit"))
        assert events[-2] == "fsync" and events[-1].startswith("killed "), events
        killed = int(events[-1].split()[1])
        with Store(db, read_only=True) as store:
            cited = store.query("SELECT count(*) FROM provenance WHERE origin LIKE 'raw:%'"
                                ).fetchone()[0]
        answers = sum(1 for _ in RawStore(tmp_path / "killed" / "raw"))
        assert cited == committed and answers >= committed + killed
        assert (sum(len(stored[t]) for t in TABLES) > 0) == (kill_at_commit > 1)
        monkeypatch.undo()
        collect(emulator.url, tmp_path / "killed")
    resumed = contents(db)
    lost = sum(len(rows(clean[t]) - rows(resumed[t])) for t in TABLES)
    extra = sum(len(rows(resumed[t]) - rows(clean[t])) for t in TABLES)
    assert (lost, extra, duplicates(db)) == (0, 0, 0)
    assert resumed == clean
    assert all(rows(stored[t]) <= rows(resumed[t]) for t in TABLES)


def _response(number: int) -> RawResponse:
    return RawResponse(kind="hub.commits", context={"repo": "o/m"}, method="GET",
                       url=f"https://huggingface.co/api/models/o/m/commits/main?p={number}",
                       status=200, headers={}, body="[]")


def test_grouped_appends_wait_for_one_sync_and_stay_readable(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    fsync = raw_module.os.fsync
    monkeypatch.setattr(raw_module.os, "fsync", lambda fd: (synced.append(fd), fsync(fd)))
    raw = RawStore(tmp_path / "raw")
    raw.append(_response(0))
    assert len(synced) == 1                      # alone, an append is durable at once
    with raw.grouped():
        stored = [raw.append(_response(n)) for n in range(1, 6)]
        assert len(synced) == 1
        assert raw.get(stored[-1].id) == stored[-1]   # readable before it is synced
        raw.sync()
        assert len(synced) == 2
        raw.append(_response(6))
    assert len(synced) == 3                      # the block's end syncs the rest
    raw.close()
    assert [r.url[-1] for r in RawStore(tmp_path / "raw")] == [str(n) for n in range(7)]


def test_hub_collection_reads_thread_numbers_and_owners_ahead_not_per_repository(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[int] = []
    threads, origins = Store.thread_numbers, Store.author_origins
    monkeypatch.setattr(Store, "thread_numbers", lambda store, platform, repos: (
        asked.append(len(repos)), threads(store, platform, repos))[1])
    monkeypatch.setattr(Store, "author_origins", lambda store, platform, logins, source: (
        asked.append(len(logins)), origins(store, platform, logins, source))[1])
    hub_frame = [(p, r) for p, r in FRAME if p == "huggingface"]
    with served() as emulator:
        collect(emulator.url, tmp_path, hub_frame)
    assert len(asked) == 2 and asked[0] == len(hub_frame), asked    # one query each
