"""Reliability figures: faults survived, kills survived, records lost, duplicates, tokens.

Against the API emulator serving a small SYNTHETIC world (``tests/reliability/helpers.py``):

- every fault kind of the emulator's fault injection alone and all mixed, each collection's
  store compared table by table with the **baseline: a clean run of the same world**
  (records lost, records not in the baseline, duplicate keys, ratio of rows to the baseline);
- three faults that never clear (invalid JSON on every GraphQL answer, every Hub page
  repeated, a 500 on every commits page of one repository):
  the repositories they hit must be recorded as failed with a clear reason while the others
  are collected whole, and a re-run must lose nothing;
- a repository per platform too large for the caps: what is stored and recorded, and the
  requests against the **baseline: the same world collected without caps**; then the caps
  lifted, which must complete it;
- the resume edge cases: a resumed walk whose next link loops back, a resumed page that
  repeats its predecessor, a Hub discussion listing that loops;
- the real APIs' behaviours: a page that repeats under GitHub's ``/repositories/{id}`` page
  URLs, a Hub collection without a token over deleted, private and gated models, a Hub
  collection paced by its ``RateLimit`` headers (no 429), GitHub's secondary limit on points
  per minute met (its 403's ``Retry-After`` waited out) and paced by the client (no 403),
  a wrong GitHub base URL (stopped in one line, nothing recorded, then whole);
- ``python -m crossforge collect`` killed with SIGKILL at seeded random moments, resumed
  (every record table compared, the projects' labels and what pull requests touch
  included);
- fake tokens (accepted, rotated, rejected): occurrences in files and output;
- how a task ends (a world with model cards, against its own clean run): discussion details
  that keep failing, a wrong Hub base URL, model cards cut short (``truncate``: short of
  their Content-Length; ``invalid``: half a card, which only its ETag tells): failed (or
  stopped), never stored as complete, and whole after a healthy re-run.

Run:  PYTHONPATH=src:. python benchmarks/reliability.py
Writes benchmarks/results/reliability.json.
"""

from __future__ import annotations

import contextlib
import json
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from crossforge import __version__
from crossforge.collection.collector import Caps, CollectionSummary
from crossforge.emulator import Emulator
from crossforge.errors import CollectError
from crossforge.records import Thread
from crossforge.sources.raw import RawStore
from crossforge.store import Store
from tests.reliability.helpers import (
    FRAME,
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
from tests.reliability.test_caps_and_failures import (
    BIG,
    BIG_FRAME,
    BIG_MODEL,
    BIG_WORLD,
    PAGED,
    PER_REPOSITORY,
    stop_after_pages,
)
from tests.reliability.test_fault_matrix import SPECS
from tests.reliability.test_outcomes import (
    CARD_TABLES,
    CARDS,
    MODELS,
    card_rows,
    cli_collect,
    task_states,
)
from tests.reliability.test_secrets import GOOD, HUB, REJECTED

HERE = Path(__file__).resolve().parent
KILLS = 20
#: Faults that never clear: every GraphQL answer invalid, every Hub page repeated, every
#: commits page of one GitHub repository a 500.
UNRECOVERABLE = ("invalid:1@/graphql", "repeat:1@/api/models/**")


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
    for spec in (*UNRECOVERABLE, f"500:1@/repos/{PAGED}/commits"):
        folder = tmp / f"never-{len(unrecoverable)}"
        folder.mkdir()
        summaries: list[CollectionSummary] = []
        faulty = Emulator(world, faults=spec).start()
        try:
            collect(faulty.url, folder, summaries=summaries)
        finally:
            faulty.stop()
        failed = {f"{p}:{r}": why for p, f in summaries[0].failed.items() for r, why in f.items()}
        hit = {key.split(":", 1)[1] for key in failed}
        got = contents(folder / "db.duckdb")
        others = compare(*({t: [r for r in held[t] if r[1] not in hit] if t in PER_REPOSITORY
                            else [] for t in TABLES} for held in (got, clean)))
        with served() as emulator:
            db, _ = collect(emulator.url, folder)
        outcome = {"spec": spec, "failed": failed, "collected": summaries[0].repositories,
                   "others_lost": others["lost"],  # rows of the repositories not failed
                   **compare(contents(db), clean),
                   "duplicates": duplicates(db)}
        unrecoverable.append(outcome)
        print(f"never clears {spec}: {len(failed)} repositories failed "
              f"({next(iter(failed.values()), '')!r}), the others lost {others['lost']}; "
              f"after re-run lost {outcome['lost']}, extra {outcome['extra']}")
    caps = capped(tmp / "caps")
    endings = outcomes(tmp / "outcomes")
    edges = resume_edges(tmp / "edges", clean)
    real = real_api(tmp / "real-api", clean)
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
        "caps": caps, "resume_edge_cases": edges, "outcomes": endings, "real_api": real,
        "kills": KILLS, "kills_survived": survived_kills, "kill_runs": kills,
        "records_lost": sum(f["lost"] for f in faults) + sum(k["lost"] for k in kills)
        + sum(u["lost"] + u["others_lost"] for u in unrecoverable) + caps["lost_after_lift"]
        + sum(e["lost"] for e in edges) + sum(o["lost"] for o in endings)
        + sum(int(r["lost"]) for r in real),
        "duplicates": sum(f["duplicates"] for f in faults) + sum(k["duplicates"] for k in kills)
        + sum(o["duplicates"] for o in endings) + sum(int(r["duplicates"]) for r in real),
        "damaged_raw": damaged_raw(tmp / "damaged", tmp / "clean"),
        "token_occurrences": tokens, "seconds": round(time.time() - started, 1),
    }
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "reliability.json").write_text(json.dumps(result, indent=2) + "\n")
    details = ("faults", "unrecoverable", "kill_runs", "caps", "resume_edge_cases",
               "outcomes", "real_api")
    print(json.dumps({k: v for k, v in result.items() if k not in details}, indent=2))


def outcomes(folder: Path) -> list[dict[str, object]]:
    """Each way a task may end short, in the world with model cards, against its clean run:
    what the faulty run recorded (failed tasks, missing ones, cards kept from a cut body),
    then what a healthy re-run lost (record and card tables) and duplicated."""
    with Emulator.from_records(CARDS) as emulator:
        (folder / "clean").mkdir(parents=True)
        clean_db, _ = collect(emulator.url, folder / "clean")
    clean, clean_cards = contents(clean_db), card_rows(clean_db)
    thread = next(r for r in WORLD if isinstance(r, Thread) and r.platform == "huggingface")
    cases = (("discussion details keep failing",
              f"500:1@/api/models/{thread.repo}/discussions/{thread.number}", ""),
             ("wrong hub url", "", "/api"),
             ("card body short of its content-length", "truncate:1@/*/*/resolve/**", ""),
             ("card cut in half (etag)", "invalid:1@/*/*/resolve/**", ""))
    results = []
    for name, faults, wrong in cases:
        target = folder / name.replace(" ", "-").replace("(", "").replace(")", "")
        target.mkdir()
        summaries: list[CollectionSummary] = []
        error = None
        with Emulator.from_records(CARDS, faults=faults or None) as emulator:
            try:   # a wrong base URL is given for the Hub alone
                collect(emulator.url + wrong, target, [f for f in FRAME if not wrong or
                                                       f[0] == "huggingface"],
                        summaries=summaries)
            except CollectError as exc:
                error = str(exc).replace(emulator.url, "http://EMULATOR")
        db = target / "db.duckdb"
        states = task_states(db)
        raw = RawStore(target / "raw")
        cards_kept = sum(1 for r in raw if r.kind == "hub.card" and r.status == 200)
        raw.close()
        failed = sum(len(f) for f in summaries[0].failed.values()) if summaries else 0
        with Emulator.from_records(CARDS) as emulator:
            collect(emulator.url, target)
        lost = compare(contents(db), clean)
        got_cards = card_rows(db)
        outcome = {
            "case": name, "faults": faults, "base_url_suffix": wrong, "stopped": error,
            "failed_then": failed,
            "missing_recorded_then": sum(1 for s in states.values() if s == "missing"),
            "cards_stored_then": cards_kept, "lost": lost["lost"] + sum(
                len(rows(clean_cards[t]) - rows(got_cards[t])) for t in CARD_TABLES),
            "extra": lost["extra"] + sum(len(rows(got_cards[t]) - rows(clean_cards[t]))
                                         for t in CARD_TABLES),
            "duplicates": duplicates(db)}
        results.append(outcome)
        print(f"outcome {name}: failed {failed}, stopped {bool(error)}, missing recorded "
              f"{outcome['missing_recorded_then']}, cards stored {cards_kept}; after re-run "
              f"lost {outcome['lost']}, extra {outcome['extra']}, duplicates "
              f"{outcome['duplicates']}")
    return results


def capped(folder: Path) -> dict[str, object]:
    """The large world collected with caps, against the baseline of no caps; then lifted."""
    limits = Caps(commits=300, threads=120, comments=150)
    runs = {}
    for name, cap in (("baseline", None), ("capped", limits), ("lifted", None)):
        target = folder / ("baseline" if name == "baseline" else "capped")
        target.mkdir(parents=True, exist_ok=True)
        summaries: list[CollectionSummary] = []
        with Emulator.from_records(BIG_WORLD) as emulator:
            db, _ = collect(emulator.url, target, BIG_FRAME, caps=cap, summaries=summaries)
            requests = sum(emulator.requests.values())
        with Store(db, read_only=True) as store:
            truncations = store.query("SELECT platform, repo, resource, cap, collected FROM "
                                      "collection_truncations ORDER BY ALL").fetchall()
        runs[name] = {"requests": requests, "contents": contents(db),
                      "truncations": [list(t) for t in truncations]}
    baseline = runs["baseline"]["contents"]
    big = (BIG, BIG_MODEL)
    others = {t: [r for r in v if r[1] not in big] if t in PER_REPOSITORY else []
              for t, v in runs["capped"]["contents"].items()}
    result = {
        "caps": {"commits": limits.commits, "threads": limits.threads,
                 "comments": limits.comments},
        "world": "the reliability world plus one repository per platform: GitHub 2,000 "
                 "commits, 250 issues, 400 comments; Hub 130 discussions (synthetic)",
        "truncations": runs["capped"]["truncations"],
        "requests_baseline": runs["baseline"]["requests"],
        "requests_capped": runs["capped"]["requests"],
        "requests_ratio": round(runs["capped"]["requests"] / runs["baseline"]["requests"], 3),
        "other_repositories_lost": compare(others, {
            t: [r for r in v if r[1] not in big] if t in PER_REPOSITORY else []
            for t, v in baseline.items()})["lost"],
        "requests_to_lift": runs["lifted"]["requests"],
        "truncations_after_lift": len(runs["lifted"]["truncations"]),
        "lost_after_lift": compare(runs["lifted"]["contents"], baseline)["lost"],
    }
    print(f"caps: {len(result['truncations'])} truncations, requests "
          f"{result['requests_capped']} vs {result['requests_baseline']} without caps "
          f"(ratio {result['requests_ratio']}); lifted: lost {result['lost_after_lift']}")
    return result


def resume_edges(folder: Path, clean: dict[str, list[tuple]]) -> list[dict[str, object]]:
    """Each resume edge case against the clean baseline (after one clean re-run where the
    fault never clears)."""
    outcomes = []
    for name, fault in (("resumed next link loops back", f"loop:1@/repos/{PAGED}/commits"),
                        ("resumed page repeats", f"repeat:1@/repos/{PAGED}/commits")):
        target = folder / name.replace(" ", "-")
        target.mkdir(parents=True)
        with served() as emulator, contextlib.suppress(KeyboardInterrupt):
            collect(emulator.url, target, on_progress=stop_after_pages(PAGED, 2))
        summaries: list[CollectionSummary] = []
        with Emulator.from_records(WORLD, faults=fault) as emulator:
            db, _ = collect(emulator.url, target, summaries=summaries)
        failed = sum(len(f) for f in summaries[0].failed.values())
        with served() as emulator:
            db, _ = collect(emulator.url, target)
        outcomes.append({"case": name, "failed_then": failed, **compare(contents(db), clean),
                         "duplicates": duplicates(db)})
    target = folder / "hub-discussions-loop"
    target.mkdir(parents=True)
    faults = f"loop:1@/api/models/{BIG_MODEL}/discussions"
    with Emulator.from_records(BIG_WORLD, faults=faults) as emulator:
        db, _ = collect(emulator.url, target, [("huggingface", BIG_MODEL)])
        listings = emulator.requests["/api/models/{owner}/{repo}/discussions"]
    with Emulator.from_records(BIG_WORLD) as emulator:
        (target / "clean").mkdir()
        baseline, _ = collect(emulator.url, target / "clean", [("huggingface", BIG_MODEL)])
    outcomes.append({"case": "hub discussion listing loops", "listing_requests": listings,
                     **compare(contents(db), contents(baseline)), "duplicates": duplicates(db)})
    for outcome in outcomes:
        print(f"resume edge case {outcome['case']}: lost {outcome['lost']}, extra "
              f"{outcome['extra']}, duplicates {outcome['duplicates']}")
    return outcomes


def real_api(folder: Path, clean: dict[str, list[tuple]]) -> list[dict[str, object]]:
    """The real APIs' behaviours the collectors must handle, each against its clean run:
    GitHub pages linked by repository id (``/repositories/{id}/…``) with a page that
    repeats; a Hub collection without a token over deleted, private and gated models (the
    Hub answers 401 for each); a Hub collection paced by the ``RateLimit`` header every
    answer carries, which must meet no 429."""
    results: list[dict[str, object]] = []
    target = folder / "repeat-id-urls"
    target.mkdir(parents=True)
    with Emulator.from_records(WORLD, faults=f"repeat:0.5@/repos/{PAGED}/commits,seed=5"
                               ) as emulator:
        db, _ = collect(emulator.url, target)
        repeated = emulator.faults.produced["repeat"] if emulator.faults else 0
    results.append({"case": "page repeats under id URLs", "repeats_injected": repeated,
                    **compare(contents(db), clean), "duplicates": duplicates(db)})
    gone = ["user00/deleted-model", "user00/private-model"]
    target = folder / "tokenless-hub"
    target.mkdir(parents=True)
    framed_db(target / "db.duckdb", [*FRAME, *(("huggingface", repo) for repo in gone)])
    with Emulator.from_records(CARDS) as emulator:
        (target / "clean").mkdir()
        baseline, _ = collect(emulator.url, target / "clean")
    with Emulator.from_records(CARDS, hub_hides_missing=True, gated=[MODELS[0]]) as emulator:
        code, _ = cli_collect(target, emulator.url, emulator.url, hub_token="")
    states = task_states(target / "db.duckdb")
    results.append({"case": "tokenless hub over deleted, private and gated models",
                    "exit_code": code,
                    "missing_recorded": sorted(f"{r} {t}" for (r, t), s in states.items()
                                               if s == "missing"),
                    **compare(contents(target / "db.duckdb"), contents(baseline)),
                    "duplicates": duplicates(target / "db.duckdb")})
    target = folder / "hub-pacing"
    target.mkdir(parents=True)
    with Emulator.from_records(WORLD, hub_limit=15, hub_resolver_limit=15) as emulator:
        emulator.hub_window = 1
        db, waits = collect(emulator.url, target, slept=True)
        refused = sum(emulator.requests.values()) - len(emulator.log)
    results.append({"case": "hub paced from its RateLimit headers", "refused_429": refused,
                    "paced_seconds": round(sum(waits), 1), **compare(contents(db), clean),
                    "duplicates": duplicates(db)})
    limits = {"rest": 3, "graphql": 1}  # GitHub's 900 and 2,000 a minute, scaled to a second
    for paced in (False, True):
        target = folder / f"secondary-points-{'paced' if paced else 'met'}"
        target.mkdir(parents=True)
        with Emulator.from_records(WORLD, secondary_points=limits,
                                   secondary_window=1.0) as emulator:
            db, waits = collect(emulator.url, target, slept=True, secondary_window=1.0,
                                secondary_points=limits if paced else None)
            refused = emulator.secondary_refused
        results.append({"case": "github secondary limit on points per minute "
                        + ("paced by the client" if paced else "met and waited out"),
                        "refused_403": refused, "waits": len(waits),
                        "waited_seconds": round(sum(waits), 1),
                        **compare(contents(db), clean), "duplicates": duplicates(db)})
    target = folder / "wrong-github-url"
    with Emulator.from_records(CARDS) as emulator:
        code, output = cli_collect(target, emulator.url + "/api", emulator.url)
        states = task_states(target / "db.duckdb", "github")
        stopped = code == 2 and "none of the frame's repositories was found" in output
        again, _ = cli_collect(target, emulator.url, emulator.url)
        (target / "clean").mkdir()
        baseline, _ = collect(emulator.url, target / "clean")
    results.append({"case": "wrong github base url (path prefix)", "exit_code": code,
                    "stopped_in_one_line": stopped,
                    "github_tasks_recorded_then": len(states), "rerun_exit_code": again,
                    **compare(contents(target / "db.duckdb"), contents(baseline)),
                    "duplicates": duplicates(target / "db.duckdb")})
    for result in results:
        print(f"real API case {result['case']}: lost {result['lost']}, extra "
              f"{result['extra']}, duplicates {result['duplicates']}, "
              + ", ".join(f"{k} {v}" for k, v in result.items()
                          if k not in ("case", "lost", "extra", "duplicates")))
    return results


def damaged_raw(folder: Path, collected: Path, count: int = 5) -> dict[str, object]:
    """One byte flipped in each of ``count`` seeded members of a collection's raw store:
    ``crossforge rebuild`` must keep every other answer (the rows of a raw store without
    those members: 0 lost, 0 extra), name the damage and exit 1."""
    from tests.reliability.test_damaged_raw import members, rebuild_command

    (segment,) = (collected / "raw").glob("responses-*.jsonl.gz")
    bounds = members(segment)
    hit = sorted(random.Random(17).sample(range(len(bounds)), count))
    flipped, dropped = bytearray(segment.read_bytes()), bytearray()
    for index, (start, end) in enumerate(bounds):
        if index in hit:
            flipped[(start + end) // 2] ^= 0xFF
        else:
            dropped += flipped[start:end]
    for name, data in (("flipped", flipped), ("dropped", dropped)):
        (folder / name).mkdir(parents=True)
        (folder / name / segment.name).write_bytes(bytes(data))
    run = rebuild_command(folder / "flipped", folder / "flipped.duckdb")
    rebuild_command(folder / "dropped", folder / "dropped.duckdb")
    outcome = {"members": len(bounds), "damaged": count, "exit_code": run.returncode,
               "message": run.stderr.strip(),
               **compare(contents(folder / "flipped.duckdb"), contents(folder / "dropped.duckdb")),
               "rows_of_damaged_answers": sum(len(v) for v in contents(collected / "db.duckdb")
                                              .values()) - sum(len(v) for v in contents(
                                                  folder / "dropped.duckdb").values())}
    print(f"damaged raw store: {count} of {len(bounds)} members flipped, rebuild exit "
          f"{run.returncode}, lost {outcome['lost']} and extra {outcome['extra']} against "
          f"the raw store without them: {outcome['message']}")
    return outcome


if __name__ == "__main__":
    main()
