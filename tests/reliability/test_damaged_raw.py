"""A raw store damaged on disk: ``rebuild`` skips the damaged gzip member, goes on at the next
one, keeps every readable answer, names the segment and exits with 1. A segment cut off by a
crash (its last member half written) is no damage: nothing a store holds came from it."""

from __future__ import annotations

import os
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from crossforge import api
from crossforge.sources.raw import RawStore
from crossforge.store import Store
from tests.reliability.helpers import SRC, collect, contents, served


def members(segment: Path) -> list[tuple[int, int]]:
    """(start, end) of every gzip member of an undamaged segment."""
    data, bounds, start = segment.read_bytes(), [], 0
    while start < len(data):
        inflater = zlib.decompressobj(wbits=31)
        inflater.decompress(data[start:])
        end = len(data) - len(inflater.unused_data)
        bounds.append((start, end))
        start = end
    return bounds


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A raw store written by a collection of the reliability world from the emulator."""
    folder = tmp_path_factory.mktemp("collected")
    with served() as emulator:
        collect(emulator.url, folder)
    return folder / "raw"


def damaged_copy(raw: Path, folder: Path, change: str) -> tuple[Path, Path, int]:
    """A copy of ``raw`` whose one segment has its middle member changed: ``flip`` one byte
    inside it, ``drop`` it (the reference), ``cut`` the segment inside its last member."""
    (segment,) = raw.glob("responses-*.jsonl.gz")
    data = bytearray(segment.read_bytes())
    bounds = members(segment)
    middle = len(bounds) // 2
    start, end = bounds[middle]
    if change == "flip":
        data[(start + end) // 2] ^= 0xFF
    elif change == "drop":
        del data[start:end]
    else:
        del data[bounds[-1][0] + 20:]
    target = folder / change
    target.mkdir()
    (target / segment.name).write_bytes(bytes(data))
    return target, segment, middle + 1


def rebuild_command(raw: Path, db: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crossforge", "rebuild", "--raw", str(raw),
                           "--db", str(db)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(SRC)})


def origins(db: Path) -> set[str]:
    with Store(db, read_only=True) as store:
        return {o for (o,) in store.query("SELECT origin FROM provenance").fetchall()}


def test_rebuild_skips_a_damaged_member_and_keeps_every_other(collected: Path,
                                                              tmp_path: Path) -> None:
    flipped, segment, number = damaged_copy(collected, tmp_path, "flip")
    dropped, _, _ = damaged_copy(collected, tmp_path, "drop")
    total = len(members(segment))
    run = rebuild_command(flipped, tmp_path / "flipped.duckdb")
    assert run.returncode == 1, run.stdout + run.stderr
    assert f"from {total - 1} stored responses" in run.stdout
    assert run.stderr.strip().count("\n") == 0 and "Traceback" not in run.stderr
    assert "skipped 1 responses in 1 unreadable stretches" in run.stderr
    assert segment.name in run.stderr
    summary = api.rebuild(dropped, tmp_path / "dropped.duckdb")
    assert not summary.damaged and sum(summary.responses.values()) == total - 1
    # every other member's answers: what a raw store without the damaged member gives
    assert contents(tmp_path / "flipped.duckdb") == contents(tmp_path / "dropped.duckdb")
    every = {f"raw:{segment.name}#{n}" for n in range(1, total + 1)}
    assert origins(tmp_path / "flipped.duckdb") == every - {f"raw:{segment.name}#{number}"}


def test_reading_names_the_damage_and_finds_responses_after_it(collected: Path,
                                                               tmp_path: Path) -> None:
    flipped, segment, number = damaged_copy(collected, tmp_path, "flip")
    raw = RawStore(flipped)
    assert len(list(raw)) == len(members(segment)) - 1
    (damage,) = raw.damage
    assert (damage.segment, damage.lost, damage.cut) == (segment.name, 1, False)
    assert damage.offset == members(segment)[number - 1][0]
    after = f"{segment.name}#{number + 1}"
    assert raw.get(f"{segment.name}#{number}") is None
    found = raw.get(after)
    assert found is not None and found.id == after


def test_a_segment_cut_by_a_crash_is_no_damage(collected: Path, tmp_path: Path) -> None:
    cut, segment, _ = damaged_copy(collected, tmp_path, "cut")
    run = rebuild_command(cut, tmp_path / "cut.duckdb")
    assert run.returncode == 0, run.stderr
    assert f"from {len(members(segment)) - 1} stored responses" in run.stdout
    assert "1 responses cut off by a crash" in run.stdout
