"""How long the README's main command takes, and what the report adds to it.

Runs ``python3 -m crossforge demo --out DIR`` as a new user would (a fresh process, a fresh
folder), then, on the database it collected, the named baseline ``measure`` (every measure
and the statistics, no report) and ``report`` (measures plus HTML, Markdown, LaTeX tables and
figures), each in this same run. With ``--baseline REV`` the demo of that commit (its
``src`` from ``git archive``) runs in the same run too, after it, and the demo's outputs
``repositories.csv``, ``statistics.json`` and ``networks.json`` are compared byte for byte
with it. ``report`` runs twice: with the default SVG figures, and with SVG, PNG and PDF
(saved by the report's two worker processes, whose CPU time this process does not see: wall
time only), each timed against ``measure`` (report time over measure-only time). Prints the
figures and writes ``benchmarks/results/demo_report.json``. The budget is two minutes on 2
cores; the load average is recorded because other work on the machine slows every figure
down: the ratios to the baseline are what count.

    PYTHONPATH=src python3 benchmarks/demo_report.py [--baseline REV]
"""

from __future__ import annotations

import argparse
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
ROOT = Path(__file__).resolve().parents[1]
#: The demo's outputs that must not change when only its speed does.
COMPARED = ("repositories.csv", "statistics.json", "networks.json")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(action) -> tuple[float, float]:
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    action()
    return time.perf_counter() - start_wall, time.process_time() - start_cpu


def _demo(out: Path, src: Path) -> tuple[float, float]:
    """Wall and CPU seconds of ``python3 -m crossforge demo`` run from ``src``, a fresh
    process as a new user would start it."""
    cpu_before, start = _children_cpu(), time.perf_counter()
    subprocess.run([sys.executable, "-m", "crossforge", "demo", "--out", str(out)],
                   check=True, capture_output=True, cwd=out.parent,
                   env={**os.environ, "PYTHONPATH": str(src)})
    return time.perf_counter() - start, _children_cpu() - cpu_before


def _baseline(revision: str, tmp: Path, out: Path) -> dict:
    """The demo of ``revision`` (its source exported with ``git archive``), timed, and its
    outputs compared byte for byte with ``out``'s."""
    tree = tmp / "baseline"
    tree.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "src"],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    demo_out = tmp / "baseline-demo"
    wall, cpu = _demo(demo_out, tree / "src")
    return {"revision": revision, "wall_seconds": round(wall, 1), "cpu_seconds": round(cpu, 1),
            "figure_files": len(list((demo_out / "figures").glob("*"))),
            "same_outputs": {name: (demo_out / name).read_bytes() == (out / name).read_bytes()
                             for name in COMPARED}}


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", help="a commit whose demo runs in the same run")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="crossforge-bench-") as tmp:
        out = Path(tmp) / "crossforge-demo"
        demo_wall, demo_cpu = _demo(out, ROOT / "src")
        baseline = _baseline(args.baseline, Path(tmp), out) if args.baseline else None
        figures = len(list((out / "figures").glob("*")))
        tables = len(list((out / "tables").glob("*.tex")))
        db = out / "demo.duckdb"
        measure_wall, measure_cpu = _timed(lambda: crossforge.measure(db, Path(tmp) / "m"))
        report_wall, report_cpu = _timed(lambda: crossforge.report(db, Path(tmp) / "r"))
        every_wall, _ = _timed(lambda: crossforge.report(
            db, Path(tmp) / "all", figure_formats=("svg", "png", "pdf")))
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
        "report_svg_png_pdf_wall_seconds": round(every_wall, 1),
        "report_svg_png_pdf_over_measure_ratio": round(every_wall / measure_wall, 2),
        "figure_files": figures,
        "latex_tables": tables,
        **machine_load(load_before),
    }
    if baseline is not None:
        result["baseline"] = baseline
        result["demo_cpu_over_baseline"] = round(demo_cpu / baseline["cpu_seconds"], 2)
        result["demo_wall_over_baseline"] = round(demo_wall / baseline["wall_seconds"], 2)
    return write_result(RESULTS, result)


if __name__ == "__main__":
    main()
