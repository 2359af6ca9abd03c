"""Reliability figures: faults survived, kills survived, records lost, duplicates, tokens.

Against the API emulator serving a small SYNTHETIC world (``tests/reliability/helpers.py``):

- every fault kind of the emulator's fault injection alone and all mixed, each collection's
  store compared table by table with the **baseline: a clean run of the same world**
  (records lost, records not in the baseline, duplicate keys, ratio of rows to the baseline);
- two faults that never clear (invalid JSON on every issues page, every Hub page repeated):
  the run must fail with a clear message, and a re-run must lose nothing;
- ``python -m crossforge collect`` killed with SIGKILL at seeded random moments, resumed;
- fake tokens (accepted, rotated, rejected): occurrences in files and output.

Run:  PYTHONPATH=src:. python benchmarks/reliability.py
Writes benchmarks/results/reliability.json.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from crossforge import __version__
from crossforge.emulator import Emulator
from crossforge.sources.http import CollectError
from tests.reliability.helpers import (
    TABLES,
    WORLD,
    collect,
    contents,
    duplicates,
    framed_db,
    killed_run,
    occurrences,
    rows,
    run_collect,
    served,
)
from tests.reliability.test_fault_matrix import SPECS
from tests.reliability.test_secrets import GOOD, HUB, REJECTED

HERE = Path(__file__).resolve().parent
KILLS = 20
UNRECOVERABLE = ("invalid:1@/repos/**/issues", "repeat:1@/api/models/**")


def compare(got: dict[str, list[tuple]], clean: dict[str, list[tuple]]) -> dict[str, int]:
    return {"lost": sum(len(rows(clean[t]) - rows(got[t])) for t in TABLES),
            "extra": sum(len(rows(got[t]) - rows(clean[t])) for t in TABLES)}


def main() -> None:
    started = time.time()
    tmp = Path(tempfile.mkdtemp(prefix="crossforge-reliability-"))
    with served() as emulator:
        (tmp / "clean").mkdir()
        clean_db, _ = collect(emulator.url, tmp / "clean")
        total_requests = sum(emulator.requests.values())
        world = emulator.world
    clean = contents(clean_db)
    baseline_rows = sum(len(v) for v in clean.values())
    faults, injected = [], Counter()
    for name, spec in sorted(SPECS.items()):
        (tmp / name).mkdir()
        faulty = Emulator(world, faults=f"{spec},seed=3").start()
        try:
            db, waits = collect(faulty.url, tmp / name, timeout=0.4)
            error = None
        except CollectError as exc:
            db, waits, error = tmp / name / "db.duckdb", [], str(exc)
        finally:
            faulty.stop()
        produced = dict(faulty.faults.produced) if faulty.faults else {}
        injected.update(produced)
        got = contents(db)
        row = {"fault": name, "spec": spec, "injected": produced, "error": error,
               "waited_seconds": round(sum(waits), 1),
               **compare(got, clean), "duplicates": duplicates(db),
               "rows_vs_baseline": round(sum(len(v) for v in got.values()) / baseline_rows, 4)}
        row["survived"] = error is None and row["lost"] == row["extra"] == row[
            "duplicates"] == 0
        faults.append(row)
        print(f"{name:20s} injected {sum(produced.values()):3d}  lost {row['lost']}  "
              f"extra {row['extra']}  duplicates {row['duplicates']}  "
              f"rows/baseline {row['rows_vs_baseline']:.3f}  "
              f"{'survived' if row['survived'] else 'FAILED'}")
    unrecoverable = []
    for spec in UNRECOVERABLE:
        folder = tmp / f"never-{len(unrecoverable)}"
        folder.mkdir()
        faulty = Emulator(world, faults=spec).start()
        try:
            collect(faulty.url, folder)
            message = None
        except CollectError as exc:
            message = str(exc)
        finally:
            faulty.stop()
        with served() as emulator:
            db, _ = collect(emulator.url, folder)
        outcome = {"spec": spec, "message": message, **compare(contents(db), clean),
                   "duplicates": duplicates(db)}
        unrecoverable.append(outcome)
        print(f"never clears {spec}: failed with {message!r}; after re-run lost "
              f"{outcome['lost']}, extra {outcome['extra']}")
    rng = random.Random(2026)
    moments = [(rng.randint(1, total_requests - 1), rng.uniform(0, 0.05))
               for _ in range(KILLS)]
    kills = []
    (tmp / "kills").mkdir()
    for index, moment in enumerate(moments):
        run = killed_run(index, tmp / "kills", *moment, "bench-token")
        folder = Path(str(run["folder"]))
        with served() as emulator:
            db, _ = collect(emulator.url, folder, token="bench-token")
        kills.append({"killed_after_requests": run["requests"], "killed": run["killed"],
                      **compare(contents(db), clean), "duplicates": duplicates(db)})
    survived_kills = sum(1 for k in kills if k["killed"] and k["lost"] == k["extra"] ==
                         k["duplicates"] == 0)
    print(f"kills: {sum(k['killed'] for k in kills)} SIGKILLs, {survived_kills} resumed to "
          f"the baseline; lost {sum(k['lost'] for k in kills)}, duplicates "
          f"{sum(k['duplicates'] for k in kills)}")
    secrets = (*GOOD, HUB, REJECTED)
    accepted, refused = tmp / "tokens-accepted", tmp / "tokens-refused"
    outputs = []
    for folder in (accepted, refused):
        folder.mkdir()
        framed_db(folder / "db.duckdb")
    with Emulator.from_records(WORLD, rejected_tokens={REJECTED},
                               faults="500:0.05,429:0.05:1,invalid:0.05,seed=4") as emulator:
        for folder, github, hub in ((accepted, ",".join(GOOD), HUB),
                                    (refused, REJECTED, REJECTED)):
            done = run_collect(folder, emulator.url, github, hub)
            outputs += [done.stdout, done.stderr]
    tokens = sum(occurrences(f, [], secrets) for f in (accepted, refused)) + sum(
        o.count(s) for o in outputs for s in secrets)
    print(f"token occurrences: {tokens}")
    result = {
        "benchmark": "reliability", "crossforge": __version__, "python": sys.version.split()[0],
        "world": "synthetic (tests/reliability/helpers.py)", "baseline": "clean run",
        "baseline_rows": baseline_rows, "baseline_requests": total_requests,
        "faults": faults, "faults_tried": len(faults),
        "faults_survived": sum(f["survived"] for f in faults),
        "faults_injected": dict(injected), "unrecoverable": unrecoverable,
        "kills": KILLS, "kills_survived": survived_kills, "kill_runs": kills,
        "records_lost": sum(f["lost"] for f in faults) + sum(k["lost"] for k in kills)
        + sum(u["lost"] for u in unrecoverable),
        "duplicates": sum(f["duplicates"] for f in faults) + sum(k["duplicates"] for k in kills),
        "token_occurrences": tokens, "seconds": round(time.time() - started, 1),
    }
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "reliability.json").write_text(json.dumps(result, indent=2) + "\n")
    details = ("faults", "unrecoverable", "kill_runs")
    print(json.dumps({k: v for k, v in result.items() if k not in details}, indent=2))


if __name__ == "__main__":
    main()
