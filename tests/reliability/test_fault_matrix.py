"""Every fault the emulator injects, alone and mixed: the final store equals a clean run's,
table by table, and the raw store holds only usable answers (a rebuild reproduces it). A
fault that never clears fails the repositories it hits, not the run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crossforge import api
from crossforge.collection.collector import CollectionSummary
from crossforge.emulator import Emulator
from crossforge.store import Store
from tests.reliability.helpers import TABLES, collect, contents, duplicates, served

#: One fault per kind (status, transport, pagination), then all of them at once.
SPECS = {
    "500": "500:0.15", "502-burst": "502:0.05:3", "503": "503:0.1",
    "403-retry-after": "403:0.1:1", "403-no-retry-after": "403:0.1:none",
    "429": "429:0.1:1", "429-hub": "429:0.2:1@hub", "reset": "reset:0.1",
    "truncate": "truncate:0.1", "invalid": "invalid:0.15", "slow": "slow:0.05:1",
    "loop": "loop:0.3", "loop-always-hub": "loop:1@hub", "repeat": "repeat:0.3",
    "mixed": "500:0.04,503:0.03:2,403:0.03:1,429:0.03:1,reset:0.03,truncate:0.03,"
             "invalid:0.04,slow:0.02:1,loop:0.1,repeat:0.1",
}


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple]]:
    with served() as emulator:
        db, _ = collect(emulator.url, tmp_path_factory.mktemp("clean"))
    expected = contents(db)
    assert all(expected[table] for table in TABLES)
    return expected


@pytest.fixture(scope="module")
def world() -> Iterator[Emulator]:
    with served() as emulator:
        yield emulator


@pytest.mark.parametrize("name", sorted(SPECS))
def test_a_collection_under_each_fault_equals_a_clean_run(
        name: str, clean: dict[str, list[tuple]], world: Emulator, tmp_path: Path) -> None:
    faulty = Emulator(world.world, faults=f"{SPECS[name]},seed=3").start()
    try:
        db, _ = collect(faulty.url, tmp_path, timeout=0.4)
    finally:
        faulty.stop()
    assert faulty.faults is not None and sum(faulty.faults.produced.values()) > 0
    assert contents(db) == clean
    assert duplicates(db) == 0
    rebuilt = tmp_path / "rebuilt.duckdb"
    api.rebuild(tmp_path / "raw", rebuilt)  # every stored answer parses: none is garbage
    assert contents(rebuilt) == clean
    with Store(db, read_only=True) as store:
        undone = store.query("SELECT count(*) FROM collection_tasks WHERE state NOT IN "
                             "('done', 'missing')").fetchone()
    assert undone == (0,)


@pytest.mark.parametrize(("spec", "message", "failed"), [
    ("invalid:1@/graphql", "not valid JSON", {"github": 6, "huggingface": 0}),
    ("repeat:1@/api/models/**", "repeats the items of page", {"github": 0, "huggingface": 1}),
])
def test_a_fault_that_never_clears_fails_its_repositories_clearly_and_a_rerun_loses_nothing(
        spec: str, message: str, failed: dict[str, int], clean: dict[str, list[tuple]],
        world: Emulator, tmp_path: Path) -> None:
    summaries: list[CollectionSummary] = []
    faulty = Emulator(world.world, faults=spec).start()
    try:
        collect(faulty.url, tmp_path, summaries=summaries)
    finally:
        faulty.stop()
    assert {p: len(f) for p, f in summaries[0].failed.items()} == failed
    assert all(message in why for f in summaries[0].failed.values() for why in f.values())
    assert contents(tmp_path / "db.duckdb") != clean  # stopped short, not silently "done"
    db, _ = collect(world.url, tmp_path, summaries=summaries)
    assert contents(db) == clean and duplicates(db) == 0
    assert summaries[1].failed == {"github": {}, "huggingface": {}}
