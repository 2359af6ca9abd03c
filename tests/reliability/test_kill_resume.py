"""``crossforge collect`` killed with SIGKILL at random moments, then resumed: every final
store equals the clean run's, with no record lost and none stored twice."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from typer.testing import CliRunner

from crossforge.cli import app
from tests.reliability.helpers import (
    TABLES,
    collect,
    contents,
    duplicates,
    killed_run,
    rows,
    served,
)

RUNS = 20
SEED = 2026
TOKEN = "ghp_KILLtestFAKE0123456789"


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
        runs = list(pool.map(lambda job: killed_run(job[0], tmp_path, *job[1], TOKEN),
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
