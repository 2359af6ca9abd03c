"""Benchmark: mining local clones with crossforge vs raw ``git log --numstat`` vs PyDriller.

**Whole process** (what a user waits for): ``crossforge import git`` as a fresh process,
into a new store and again into the same store, against ``git log --numstat --no-renames
HEAD`` into /dev/null, interleaved, median of ``--runs`` runs each, on a generated repository
of 2,000 commits with 2-8 changed files per commit in source files of 50-600 lines (edits of
1-20 lines, as a real clone's diffs; the corpus replays have one file per commit, which git
reads ~20x faster).

**Many clones**: ``--clones`` generated clones of 100-400 commits, each with a GitHub remote
URL, imported into one store by one process per clone (``import git PATH --repo``) and by
one command over their directory (``import git DIR``, default workers and ``--jobs 1``).

With ``--baseline REV`` the same whole-process and one-process-per-clone runs are timed with
that revision's code too (its ``src`` exported to a temporary directory), in the same run.

**Histories** (skipped with ``--no-histories``), commits per second of:

- ``git log --numstat --no-renames HEAD`` into /dev/null (the baseline),
- crossforge's parse (``GitRepository.list_commits``, with files and lines per commit),
- crossforge's full import (parse + identities + DuckDB write),
- PyDriller reading author and line statistics (on a prefix of the history: it is slow),

on psf/requests replayed from the shared corpus and on a generated repository of 200,000
commits with 400 authors (built with ``git fast-import``, cached in ``benchmarks/.cache``).
Peak memory of the import is read from child processes at two sizes to show it is flat.

The generated repositories are SYNTHETIC (random edits, heavy-tailed authors).

Run:  python benchmarks/git_mining.py [--commits N] [--quick] [--runs N] [--clones N]
                                      [--baseline REV] [--no-histories]
Writes benchmarks/results/git_mining.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))  # this checkout's crossforge, not an installed one
SHARED = ROOT.parent / "shared"
CACHE = HERE / ".cache"
RESULTS = HERE / "results" / "git_mining.json"
PYDRILLER_PREFIX = 3000


def authors_of(count: int) -> tuple[list[tuple[str, str]], list[float]]:
    """``count`` people and their heavy-tailed activity weights (1/rank)."""
    return ([(f"Dev {i}", f"dev{i}@example.org") for i in range(count)],
            [1 / (i + 1) for i in range(count)])


def fast_import(path: Path) -> tuple[subprocess.Popen, IO[bytes]]:
    """A new repository at ``path`` and a running ``git fast-import`` into it."""
    path.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    proc = subprocess.Popen(["git", "-C", str(path), "fast-import", "--quiet"],
                            stdin=subprocess.PIPE)
    assert proc.stdin is not None
    return proc, proc.stdin


def write_commit_header(out: IO[bytes], rng: random.Random, people: list[tuple[str, str]],
                        weights: list[float], n: int, clock: int, branch: str) -> int:
    """Commit ``n``'s fast-import header: a heavy-tailed author, 5% co-authored; returns the
    commit's time."""
    name, email = rng.choices(people, weights)[0]
    clock += rng.randrange(60, 7200)
    message = f"change {n}"
    if rng.random() < 0.05:
        co_name, co_email = rng.choice(people)
        message += f"\n\nCo-authored-by: {co_name} <{co_email}>"
    data = message.encode()
    out.write(f"commit {branch}\nmark :{n}\n".encode())
    out.write(f"author {name} <{email}> {clock} +0000\n".encode())
    out.write(f"committer {name} <{email}> {clock} +0000\n".encode())
    out.write(f"data {len(data)}\n".encode() + data + b"\n")
    return clock


def generate_repository(path: Path, commits: int, authors: int = 400, seed: int = 7) -> Path:
    """A linear-with-merges history with real numstat work, built with git fast-import."""
    if (path / ".git").exists():
        return path
    rng = random.Random(seed)
    people, weights = authors_of(authors)
    proc, out = fast_import(path)
    clock = 1_500_000_000
    side_mark = None
    for n in range(1, commits + 1):
        branch = "refs/heads/side" if n % 50 == 25 else "refs/heads/main"
        clock = write_commit_header(out, rng, people, weights, n, clock, branch)
        if n == 1:
            pass
        elif branch == "refs/heads/side":
            out.write(f"from :{n - 1}\n".encode())
            side_mark = n
        else:
            out.write(f"from :{n - 1 if n - 1 != side_mark else n - 2}\n".encode())
            if side_mark and n - 1 == side_mark:
                out.write(f"merge :{side_mark}\n".encode())
        for _ in range(rng.randint(1, 5)):
            blob = "".join(f"line {rng.random()}\n" for _ in range(rng.randint(1, 6))).encode()
            out.write(f"M 100644 inline src/m{rng.randrange(300)}.py\ndata {len(blob)}\n"
                      .encode() + blob + b"\n")
    out.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")
    subprocess.run(["git", "-C", str(path), "reset", "-q", "--hard", "main"], check=True)
    return path


def generate_edited_repository(path: Path, commits: int, *, seed: int = 11,
                               authors: int = 60) -> Path:
    """A SYNTHETIC history whose diffs look like a real clone's: each commit edits 2-8 of
    150 source files of 20-400 lines, replacing 0-20 lines with 1-20 new ones (files are
    written whole, so git computes real diffs), repacked as a clone from a server is."""
    if (path / ".git").exists():
        return path
    rng = random.Random(seed)
    people, weights = authors_of(authors)
    files: dict[str, list[str]] = {}
    proc, out = fast_import(path)
    clock = 1_500_000_000
    for n in range(1, commits + 1):
        clock = write_commit_header(out, rng, people, weights, n, clock, "refs/heads/main")
        if n > 1:
            out.write(f"from :{n - 1}\n".encode())
        for file in rng.sample(range(150), rng.randint(2, 8)):
            file_name = f"src/module_{file}.py"
            lines = files.setdefault(file_name, [f"value_{file}_{i} = {rng.random()}\n"
                                            for i in range(rng.randint(20, 400))])
            at = rng.randrange(len(lines))
            changed = rng.randint(1, 20)
            new = [f"value_{file}_{n}_{i} = {rng.random()}\n" for i in range(changed)]
            lines[at:at + rng.randint(0, 20)] = new
            blob = "".join(lines).encode()
            out.write(f"M 100644 inline {file_name}\ndata {len(blob)}\n".encode() + blob + b"\n")
    out.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")
    subprocess.run(["git", "-C", str(path), "repack", "-q", "-a", "-d", "-f"], check=True)
    subprocess.run(["git", "-C", str(path), "reset", "-q", "--hard", "main"], check=True)
    return path


def export_revision(revision: str, dest: Path) -> Path:
    """The ``src`` directory of ``revision`` of this repository, for timing its code."""
    dest.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "src"],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest / "src"


def process_times(command: list[str], src: Path | None = None) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, the process and its children) of ``command``;
    CPU time is what a shared machine's load disturbs least."""
    env = {**os.environ, "PYTHONPATH": str(src)} if src else None
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def cli_seconds(src: Path, *args: str) -> float:
    """Wall time of ``python -m crossforge ARGS`` as a fresh process running ``src``'s code."""
    return process_times([sys.executable, "-m", "crossforge", *args], src)[0]


def whole_process(path: Path, codes: dict[str, Path], runs: int, work: Path) -> dict:
    """``import git`` as a process, into a new store and into the same store again, against
    ``git log --numstat``, interleaved so that a shared machine's load hits both alike."""
    commits = int(subprocess.run(["git", "-C", str(path), "rev-list", "--count", "HEAD"],
                                 capture_output=True, text=True, check=True).stdout)
    times: dict[str, list[tuple[float, float]]] = {"git_log_numstat": []}
    for run in range(runs):
        times["git_log_numstat"].append(process_times(
            ["git", "-C", str(path), "log", "--numstat", "--no-renames", "HEAD"]))
        for code, src in codes.items():
            db = work / f"whole-{code}-{run}.duckdb"
            command = [sys.executable, "-m", "crossforge", "import", "git", str(path),
                       "--repo", "bench/edited", "--platform", "github", "--db", str(db)]
            times.setdefault(f"{code}_new_store", []).append(process_times(command, src))
            times.setdefault(f"{code}_same_store", []).append(process_times(command, src))
    git = times.pop("git_log_numstat")
    git_wall = statistics.median(wall for wall, _ in git)
    git_cpu = statistics.median(cpu for _, cpu in git)
    result: dict = {"commits": commits, "runs": runs,
                    "git_log_numstat": {"median_wall_s": git_wall, "median_cpu_s": git_cpu,
                                        "commits_per_s": commits / git_wall}}
    for name, measured in times.items():
        wall = statistics.median(w for w, _ in measured)
        cpu = statistics.median(c for _, c in measured)
        result[name] = {"median_wall_s": wall, "min_wall_s": min(w for w, _ in measured),
                        "median_cpu_s": cpu, "speed_vs_git_log": git_wall / wall,
                        "cpu_speed_vs_git_log": git_cpu / cpu}
    return result


def many_clones(count: int, codes: dict[str, Path], work: Path) -> dict:
    """One process per clone (each code) against one command over the directory."""
    root = CACHE / f"clones-{count}"
    for k in range(count):
        clone = generate_edited_repository(root / f"clone-{k:03d}", random.Random(k)
                                           .randint(100, 400), seed=1000 + k)
        subprocess.run(["git", "-C", str(clone), "remote", "remove", "origin"],
                       capture_output=True)
        subprocess.run(["git", "-C", str(clone), "remote", "add", "origin",
                        f"https://github.com/bench/clone-{k:03d}.git"], check=True)
    commits = sum(int(subprocess.run(["git", "-C", str(c), "rev-list", "--count", "HEAD"],
                                     capture_output=True, text=True, check=True).stdout)
                  for c in sorted(root.iterdir()))
    result: dict = {"clones": count, "commits": commits}
    for code, src in codes.items():
        db = work / f"per-clone-{code}.duckdb"
        start = time.perf_counter()
        for k in range(count):
            cli_seconds(src, "import", "git", str(root / f"clone-{k:03d}"), "--repo",
                        f"bench/clone-{k:03d}", "--platform", "github", "--db", str(db))
        seconds = time.perf_counter() - start
        result[f"{code}_process_per_clone"] = {"seconds": seconds, "clones_per_s": count / seconds}
    src = codes["crossforge"]
    for label, extra in (("one_command", ()), ("one_command_jobs_1", ("--jobs", "1"))):
        seconds = cli_seconds(src, "import", "git", str(root), *extra,
                              "--db", str(work / f"{label}.duckdb"))
        result[label] = {"seconds": seconds, "clones_per_s": count / seconds}
    per_clone = result["crossforge_process_per_clone"]["seconds"]
    result["one_command_speedup_vs_process_per_clone"] = per_clone / result["one_command"][
        "seconds"]
    return result


def timed(func) -> tuple[float, object]:
    start = time.perf_counter()
    value = func()
    return time.perf_counter() - start, value


def git_log_seconds(path: Path) -> float:
    seconds, _ = timed(lambda: subprocess.run(
        ["git", "-C", str(path), "log", "--numstat", "--no-renames", "HEAD"],
        stdout=subprocess.DEVNULL, check=True))
    return seconds


def child_import(path: Path, repo: str, platform_name: str, src: Path = ROOT / "src") -> dict:
    """Import in a fresh child process; returns its time, commit count and peak RSS."""
    code = (
        "import json, resource, sys, tempfile, time, os\n"
        "import crossforge\n"
        "from crossforge.store import Store\n"
        "db = os.path.join(tempfile.mkdtemp(), 'b.duckdb')\n"
        "t = time.perf_counter()\n"
        f"crossforge.import_git({str(path)!r}, repo={repo!r}, platform={platform_name!r},"
        " db=db)\n"
        "seconds = time.perf_counter() - t\n"
        "with Store(db, read_only=True) as s:\n"
        "    n = s.counts()['commits']\n"
        "print(json.dumps({'seconds': seconds, 'commits': n,"
        " 'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, env={**os.environ, "PYTHONPATH": str(src)})
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(path: Path, repo: str, platform_name: str) -> dict:
    from crossforge.sources.git import GitRepository

    expected = int(subprocess.run(["git", "-C", str(path), "rev-list", "--count", "HEAD"],
                                  capture_output=True, text=True, check=True).stdout)
    git_s = min(git_log_seconds(path) for _ in range(3))
    parse_s, parsed = timed(lambda: sum(1 for _ in GitRepository(path, repo, platform_name)
                                        .list_commits()))
    imported = child_import(path, repo, platform_name)
    if parsed != expected or imported["commits"] != expected:
        raise SystemExit(f"{repo}: crossforge saw {parsed}/{imported['commits']} commits, "
                         f"git {expected}")
    result = {
        "commits": expected,
        "git_log_numstat": {"seconds": git_s, "commits_per_s": expected / git_s},
        "crossforge_parse": {"seconds": parse_s, "commits_per_s": expected / parse_s},
        "crossforge_import": {"seconds": imported["seconds"],
                              "commits_per_s": expected / imported["seconds"],
                              "peak_rss_mb": imported["peak_rss_mb"]},
    }
    try:
        import pydriller
    except ImportError:
        result["pydriller"] = None
    else:
        def drill() -> int:
            n = 0
            for commit in pydriller.Repository(str(path)).traverse_commits():
                _ = (commit.author.name, commit.author.email, commit.insertions,
                     commit.deletions, commit.files)
                n += 1
                if n >= PYDRILLER_PREFIX:
                    break
            return n
        drill_s, drilled = timed(drill)
        result["pydriller"] = {"seconds": drill_s, "commits": drilled,
                               "commits_per_s": drilled / drill_s,
                               "note": f"first {PYDRILLER_PREFIX} commits only"}
    result["crossforge_import_vs_git_log"] = (result["crossforge_import"]["commits_per_s"]
                                              / result["git_log_numstat"]["commits_per_s"])
    result["crossforge_parse_vs_git_log"] = (result["crossforge_parse"]["commits_per_s"]
                                             / result["git_log_numstat"]["commits_per_s"])
    if result["pydriller"]:
        result["crossforge_import_vs_pydriller"] = (
            result["crossforge_import"]["commits_per_s"] / result["pydriller"]["commits_per_s"])
    return result


def histories(commits: int, tmp: str, baseline: Path | None) -> dict:
    """The earlier measures: commits per second on long histories, and flat memory."""
    inputs: dict[str, dict] = {}
    replay = SHARED / "tools" / "replay-history"
    if replay.exists():
        dest = Path(tmp) / "requests"
        subprocess.run([str(replay), "psf/requests", str(dest)], check=True,
                       capture_output=True)
        inputs["psf/requests (replayed)"] = measure(dest, "psf/requests", "github")
    else:
        print("skipping psf/requests: ../shared is absent")
    small = generate_repository(CACHE / "generated-20000", 20_000)
    big = generate_repository(CACHE / f"generated-{commits}", commits)
    flat_small = child_import(small, "bench/generated", "github")
    inputs[f"generated {commits:,} commits"] = measure(big, "bench/generated", "github")
    if baseline is not None:
        old = child_import(big, "bench/generated", "github", baseline)
        inputs[f"generated {commits:,} commits"]["baseline_import"] = {
            "seconds": old["seconds"], "commits_per_s": commits / old["seconds"],
            "peak_rss_mb": old["peak_rss_mb"]}
    big_result = inputs[f"generated {commits:,} commits"]
    memory = {"import_20000_peak_rss_mb": flat_small["peak_rss_mb"],
              f"import_{commits}_peak_rss_mb": big_result["crossforge_import"]["peak_rss_mb"],
              "ratio": big_result["crossforge_import"]["peak_rss_mb"]
              / flat_small["peak_rss_mb"]}
    print(f"{'input':<32}{'commits':>9}{'git log/s':>12}{'parse/s':>11}{'import/s':>11}"
          f"{'pydriller/s':>13}{'import÷git':>11}{'import÷pyd':>11}")
    for name, r in inputs.items():
        pyd = r["pydriller"]["commits_per_s"] if r["pydriller"] else float("nan")
        print(f"{name:<32}{r['commits']:>9,}{r['git_log_numstat']['commits_per_s']:>12,.0f}"
              f"{r['crossforge_parse']['commits_per_s']:>11,.0f}"
              f"{r['crossforge_import']['commits_per_s']:>11,.0f}{pyd:>13,.0f}"
              f"{r['crossforge_import_vs_git_log']:>11.2f}"
              f"{r.get('crossforge_import_vs_pydriller', float('nan')):>11.1f}")
    print(f"peak RSS of the import: 20,000 commits {memory['import_20000_peak_rss_mb']:.0f} MB, "
          f"{commits:,} commits {memory[f'import_{commits}_peak_rss_mb']:.0f} MB "
          f"(ratio {memory['ratio']:.2f})")
    goals = {
        name: {"import_at_least_half_git_log": r["crossforge_import_vs_git_log"] >= 0.5,
               "import_at_least_10x_pydriller": r.get("crossforge_import_vs_pydriller", 0) >= 10}
        for name, r in inputs.items()
    }
    goals["flat_memory (10x commits, < 2x peak RSS)"] = memory["ratio"] < 2.0
    note = ("The replayed histories have one file per tree, so git log --numstat runs far "
            "faster on them (~100k commits/s) than on a real clone (~5,800 commits/s "
            "measured on psf/requests); there crossforge's fixed per-commit cost dominates "
            "the ratio. The generated repository touches 1-5 files per commit.")
    return {"inputs": inputs, "memory": memory, "goals": goals, "note": note}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=200_000)
    parser.add_argument("--quick", action="store_true", help="20,000 generated commits")
    parser.add_argument("--runs", type=int, default=5, help="whole-process runs (median)")
    parser.add_argument("--clones", type=int, default=20)
    parser.add_argument("--baseline", help="also time this revision's code (e.g. main)")
    parser.add_argument("--no-histories", action="store_true",
                        help="skip the long-history, PyDriller and memory measures")
    args = parser.parse_args()
    commits = 20_000 if args.quick else args.commits
    load_before = os.getloadavg()[0]
    result: dict = {"benchmark": "git_mining"}
    with tempfile.TemporaryDirectory() as tmp:
        codes = {"crossforge": ROOT / "src"}
        if args.baseline:
            codes["baseline"] = export_revision(args.baseline, Path(tmp) / "baseline")
            result["baseline"] = subprocess.run(
                ["git", "-C", str(ROOT), "rev-parse", "--short", args.baseline],
                capture_output=True, text=True, check=True).stdout.strip()
        edited = generate_edited_repository(CACHE / "edited-2000", 2000)
        result["whole_process"] = whole_process(edited, codes, args.runs, Path(tmp))
        result["many_clones"] = many_clones(args.clones, codes, Path(tmp))
        if not args.no_histories:
            result.update(histories(commits, tmp, codes.get("baseline")))
    whole = result["whole_process"]
    result["goals_issue_20"] = {
        "whole_process_at_least_half_git_log (new store)":
            whole["crossforge_new_store"]["speed_vs_git_log"] >= 0.5,
        "whole_process_at_least_half_git_log (same store)":
            whole["crossforge_same_store"]["speed_vs_git_log"] >= 0.5,
    }
    result["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                         "git": subprocess.run(["git", "--version"], capture_output=True,
                                               text=True).stdout.strip(),
                         "load_average_before": round(load_before, 2),
                         "load_average_after": round(os.getloadavg()[0], 2)}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    git = whole["git_log_numstat"]
    print(f"whole process, {whole['commits']:,} commits with edited files "
          f"(median of {whole['runs']}): git log --numstat {git['median_wall_s']:.3f} s wall, "
          f"{git['median_cpu_s']:.3f} s CPU")
    for name, value in whole.items():
        if isinstance(value, dict) and name != "git_log_numstat":
            print(f"  {name:<24} {value['median_wall_s']:.3f} s wall "
                  f"({value['speed_vs_git_log']:.2f}x git log), {value['median_cpu_s']:.3f} s "
                  f"CPU ({value['cpu_speed_vs_git_log']:.2f}x)")
    clones = result["many_clones"]
    print(f"many clones: {clones['clones']} clones, {clones['commits']:,} commits")
    for name, value in clones.items():
        if isinstance(value, dict):
            print(f"  {name:<32} {value['seconds']:.2f} s  ({value['clones_per_s']:.1f} "
                  "clones/s)")
    print(f"  one command vs one process per clone: "
          f"{clones['one_command_speedup_vs_process_per_clone']:.2f}x")
    for name, goal in result["goals_issue_20"].items():
        print(f"goal {name}: {goal}")
    print(f"machine: {result['machine']}")
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
