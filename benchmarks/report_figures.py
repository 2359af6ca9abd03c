"""Where the report's figure time goes, and what building the networks only once saves.

On a demo store (``--db``, or a fresh ``crossforge demo`` in a temporary folder) this times,
in this same run:

- ``CollaborationNetworks().graphs``: what ``report`` used to build a second time after
  ``measure`` had built them (now ``measure`` keeps them on its result);
- every figure of the report: drawing it, and writing it as SVG, PNG and PDF, with the PDF
  written twice, figure by figure: with the cut-down fonts (``figures._pdf_fonts``) and with
  the original fonts, the named baseline (what every PDF embedded before).

Figures are CPU seconds of this process (other jobs on the machine inflate wall time, not
CPU time); wall seconds are given too. Prints the figures and writes
``benchmarks/results/report_figures.json``.

    PYTHONPATH=src python3 benchmarks/report_figures.py [--db crossforge-demo/demo.duckdb]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from unittest import mock

from result_file import machine_load, write_result

import crossforge
from crossforge.measures import CollaborationNetworks
from crossforge.report import figures, report_figures
from crossforge.store import Store

RESULTS = Path(__file__).resolve().parent / "results" / "report_figures.json"


class Clock:
    """CPU and wall seconds added up per name."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = {}
        self.wall: dict[str, float] = {}

    def time(self, name: str, action: Callable[..., object], *args: object,
             **kwargs: object) -> object:
        cpu, wall = time.process_time(), time.perf_counter()
        value = action(*args, **kwargs)
        self.cpu[name] = self.cpu.get(name, 0.0) + time.process_time() - cpu
        self.wall[name] = self.wall.get(name, 0.0) + time.perf_counter() - wall
        return value


def main(db: Path | None, repositories: int) -> dict:
    load_before = os.getloadavg()[0]
    clock = Clock()
    with tempfile.TemporaryDirectory(prefix="crossforge-figures-") as folder:
        tmp = Path(folder)
        if db is None:
            db = crossforge.demo(tmp / "demo", repositories_per_platform=repositories)[
                "html"].parent / "demo.duckdb"
        result = clock.time("measure", crossforge.measure, db, tmp / "measures")
        with Store(db, read_only=True) as store:
            clock.time("networks", CollaborationNetworks().graphs, store)
        drawn = iter(report_figures(result))
        count = 0
        while (item := clock.time("draw", next, drawn, None)) is not None:
            name, figure = item
            count += 1
            for fmt in ("svg", "png", "pdf"):
                clock.time(fmt, figures.save, figure, tmp / "new", name, formats=(fmt,))
            with mock.patch.object(figures, "_pdf_fonts", lambda _figure: {}):
                clock.time("pdf_original_fonts", figures.save, figure, tmp / "baseline", name,
                           formats=("pdf",))
        sizes = {kind: sum(p.stat().st_size for p in (tmp / kind).glob("*.pdf"))
                 for kind in ("new", "baseline")}
    cpu = clock.cpu
    before = cpu["draw"] + cpu["svg"] + cpu["png"] + cpu["pdf_original_fonts"]
    after = cpu["draw"] + cpu["svg"] + cpu["png"] + cpu["pdf"]
    result_json = {
        "store": "demo (SYNTHETIC)" if result.summary.get("synthetic") else "user store",
        "repositories": {p: e["repositories"] for p, e in result.summary["platforms"].items()},
        "figures": count,
        "baseline": "pdf_original_fonts: the same PDFs embedding subsets of the whole fonts",
        **{f"{name}_cpu_seconds": round(value, 2) for name, value in cpu.items()},
        **{f"{name}_wall_seconds": round(value, 2) for name, value in clock.wall.items()},
        "pdf_share_of_figure_cpu_before": round(cpu["pdf_original_fonts"] / before, 2),
        "pdf_share_of_figure_cpu_after": round(cpu["pdf"] / after, 2),
        "pdf_original_over_cut_down_ratio": round(cpu["pdf_original_fonts"] / cpu["pdf"], 1),
        "figure_cpu_before_over_after_ratio": round(before / after, 2),
        "pdf_bytes_cut_down": sizes["new"],
        "pdf_bytes_original_fonts": sizes["baseline"],
        "network_seconds_saved_per_report_cpu": round(cpu["networks"], 2),
        **machine_load(load_before),
    }
    return write_result(RESULTS, result_json, width=40)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="a store to draw (default: a fresh demo)")
    parser.add_argument("--repositories", type=int, default=150,
                        help="repositories per platform of the fresh demo")
    arguments = parser.parse_args()
    main(arguments.db, arguments.repositories)
