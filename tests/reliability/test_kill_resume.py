"""``crossforge collect`` killed with SIGKILL at random moments, then resumed: every final
store equals the clean run's, with no record lost and none stored twice."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from typer.testing import CliRunner

from crossforge.cli import app
from tests.reliability.helpers import (
    TABLES,
    collect,
    contents,
    duplicates,
    framed_db,
    served,
)

RUNS = 20
SEED = 2026
SRC = Path(__file__).resolve().parents[2] / "src"
TOKEN = "ghp_KILLtestFAKE0123456789"


def rows(table: list[tuple]) -> set[str]:
    return {repr(row) for row in table}


def killed_run(index: int, tmp: Path, kill_at: int, extra_delay: float) -> dict[str, object]:
    """Start the CLI against its own emulator and SIGKILL it once the emulator has answered
    ``kill_at`` requests (plus a short random delay): a moment inside the collection."""
    folder = tmp / f"run{index:02d}"
    folder.mkdir()
    framed_db(folder / "db.duckdb")
    emulator = served().start()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "crossforge", "collect", "--db", str(folder / "db.duckdb"),
             "--raw", str(folder / "raw"), "--github-url", emulator.url, "--hub-url",
             emulator.url], cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": str(SRC), "GITHUB_TOKEN": TOKEN,
                 "HF_TOKEN": TOKEN})
        deadline = time.monotonic() + 60
        while sum(emulator.requests.values()) < kill_at and process.poll() is None:
            if time.monotonic() > deadline:
                break
            time.sleep(0.005)
        time.sleep(extra_delay)
        finished = process.poll() is not None
        process.send_signal(signal.SIGKILL)
        process.wait()
        return {"folder": folder, "killed": not finished,
                "requests": sum(emulator.requests.values())}
    finally:
        emulator.stop()


def test_collections_killed_at_random_moments_resume_to_the_clean_store(
        tmp_path: Path) -> None:
    with served() as emulator:
        (tmp_path / "clean").mkdir()
        db, _ = collect(emulator.url, tmp_path / "clean")
        total = sum(emulator.requests.values())
    clean = contents(db)
    rng = random.Random(SEED)
    moments = [(rng.randint(1, total - 1), rng.uniform(0, 0.05)) for _ in range(RUNS)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        runs = list(pool.map(lambda job: killed_run(job[0], tmp_path, *job[1]),
                             enumerate(moments)))
    killed = [run for run in runs if run["killed"]]
    assert len(killed) >= RUNS - 1, [run["requests"] for run in runs]
    runner = CliRunner()
    with served() as emulator:
        for run in runs:
            folder = Path(str(run["folder"]))
            result = runner.invoke(app, [
                "collect", "--db", str(folder / "db.duckdb"), "--raw", str(folder / "raw"),
                "--github-url", emulator.url, "--hub-url", emulator.url],
                env={"GITHUB_TOKEN": TOKEN, "HF_TOKEN": TOKEN})
            assert result.exit_code == 0, result.output
            got = contents(folder / "db.duckdb")
            lost = sum(len(rows(clean[t]) - rows(got[t])) for t in TABLES)
            extra = sum(len(rows(got[t]) - rows(clean[t])) for t in TABLES)
            assert (lost, extra, duplicates(folder / "db.duckdb")) == (0, 0, 0), folder
            assert got == clean
