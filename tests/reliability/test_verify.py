"""``crossforge verify``: a store collected from the emulator equals a rebuild of its raw store
table by table; a row changed or deleted through DuckDB is found (exit 1, the table named),
the store is never written, and rows from other sources are counted, not compared."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from crossforge import api
from crossforge.records import Commit
from crossforge.store import Store
from tests.reliability.helpers import SRC, WORLD, collect, served


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store and raw store from a collection of the reliability world."""
    folder = tmp_path_factory.mktemp("collected")
    with served() as emulator:
        collect(emulator.url, folder)
    return folder


def verify_command(db: Path, raw: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crossforge", "verify", "--db", str(db),
                           "--raw", str(raw)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(SRC), "COLUMNS": "200"})


def line(output: str, table: str) -> list[str]:
    """The figures the report prints for ``table``."""
    return next(row.split()[1:] for row in output.splitlines() if row.split()[:1] == [table])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_collected_store_verifies(collected: Path) -> None:
    run = verify_command(collected / "db.duckdb", collected / "raw")
    assert run.returncode == 0, run.stdout + run.stderr
    with Store(collected / "db.duckdb", read_only=True) as store:
        commits = store.query("SELECT count(*) FROM commits").fetchone()[0]
    assert line(run.stdout, "commits") == [f"{commits}", f"{commits}", "0", "0", "0"]
    assert line(run.stdout, "collection_tasks")[1:3] == ["read", "in"]
    assert "holds what its raw store gives" in run.stdout


def test_a_changed_row_fails_verification(collected: Path, tmp_path: Path) -> None:
    db = tmp_path / "changed.duckdb"
    shutil.copyfile(collected / "db.duckdb", db)
    with Store(db) as store:
        store.query("DELETE FROM commits WHERE sha = (SELECT min(sha) FROM commits)")
        store.query("UPDATE threads SET title = title || '!' WHERE (repo, number) = "
                    "(SELECT (repo, number) FROM threads ORDER BY ALL LIMIT 1)")
        commits = store.query("SELECT count(*) FROM commits").fetchone()[0]
        threads = store.query("SELECT count(*) FROM threads").fetchone()[0]
    before = digest(db)
    run = verify_command(db, collected / "raw")
    assert run.returncode == 1, run.stdout + run.stderr
    assert line(run.stdout, "commits") == [f"{commits}", f"{commits + 1}", "0", "1", "0"]
    assert line(run.stdout, "threads") == [f"{threads}", f"{threads}", "1", "1", "0"]
    assert line(run.stdout, "accounts")[2:4] == ["0", "0"]
    assert "fails verification in commits, threads:" in run.stderr
    assert "Traceback" not in run.stderr
    assert digest(db) == before


def test_rows_from_other_sources_are_counted_not_compared(collected: Path,
                                                           tmp_path: Path) -> None:
    db = tmp_path / "imported.duckdb"
    shutil.copyfile(collected / "db.duckdb", db)
    commit = next(r for r in WORLD if isinstance(r, Commit))
    imported = dataclasses.replace(commit, sha="f" * 40, subject="from a local clone")
    api.write_records([imported], source="git", origin="clones/project", db=db)
    result = api.verify(db, collected / "raw")
    assert result.equal
    checks = {check.table: check for check in result.tables}
    assert checks["commits"].other_sources == 1 and checks["provenance"].other_sources == 1
    assert not checks["collection_tasks"].verifiable and checks["collection_tasks"].stored > 0


def test_bad_input_is_one_line_and_exit_2(collected: Path, tmp_path: Path) -> None:
    missing = verify_command(tmp_path / "absent.duckdb", collected / "raw")
    (tmp_path / "text.duckdb").write_text("not a database\n")
    not_duckdb = verify_command(tmp_path / "text.duckdb", collected / "raw")
    no_raw = verify_command(collected / "db.duckdb", tmp_path / "no-raw")
    for run, message in ((missing, "does not exist"), (not_duckdb, "cannot open database"),
                         (no_raw, "raw store")):
        assert run.returncode == 2 and message in run.stderr, run.stderr
        assert run.stderr.strip().count("\n") == 0
