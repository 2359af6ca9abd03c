"""How long the README's main command takes, and what the report adds to it.

Runs ``python3 -m crossforge demo --out DIR`` as a new user would (a fresh process, a fresh
folder), then, on the database it collected, the named baseline ``measure`` (every measure
and the statistics, no report) and ``report`` (measures plus HTML, Markdown, LaTeX tables and
figures), each in this same run. Prints the figures and writes
``benchmarks/results/demo_report.json``. The budget is two minutes on 2 cores; the load
average is recorded because other work on the machine slows every figure down.

    PYTHONPATH=src python3 benchmarks/demo_report.py
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from result_file import machine_load, write_result

import crossforge

BUDGET_SECONDS = 120.0
RESULTS = Path(__file__).resolve().parent / "results" / "demo_report.json"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(action) -> tuple[float, float]:
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    action()
    return time.perf_counter() - start_wall, time.process_time() - start_cpu


def main() -> dict:
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="crossforge-bench-") as tmp:
        out = Path(tmp) / "crossforge-demo"
        cpu_before, start = _children_cpu(), time.perf_counter()
        subprocess.run([sys.executable, "-m", "crossforge", "demo", "--out", str(out)],
                       check=True, capture_output=True, env={**os.environ})
        demo_wall, demo_cpu = time.perf_counter() - start, _children_cpu() - cpu_before
        figures = len(list((out / "figures").glob("*")))
        tables = len(list((out / "tables").glob("*.tex")))
        db = out / "demo.duckdb"
        measure_wall, measure_cpu = _timed(lambda: crossforge.measure(db, Path(tmp) / "m"))
        report_wall, report_cpu = _timed(lambda: crossforge.report(db, Path(tmp) / "r"))
    result = {
        "command": "python3 -m crossforge demo --out DIR",
        "demo_wall_seconds": round(demo_wall, 1),
        "demo_cpu_seconds": round(demo_cpu, 1),
        "budget_seconds": BUDGET_SECONDS,
        "within_budget": demo_wall < BUDGET_SECONDS,
        "baseline_measure_wall_seconds": round(measure_wall, 1),
        "report_wall_seconds": round(report_wall, 1),
        "report_cpu_seconds": round(report_cpu, 1),
        "report_over_measure_ratio": round(report_wall / measure_wall, 2),
        "figure_files": figures,
        "latex_tables": tables,
        **machine_load(load_before),
    }
    return write_result(RESULTS, result)


if __name__ == "__main__":
    main()
