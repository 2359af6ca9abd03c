"""Benchmark: mining a local clone with crossforge vs raw ``git log --numstat`` vs PyDriller.

Measures, in one run and on the same repositories, commits per second of:

- ``git log --numstat --no-renames HEAD`` into /dev/null (the baseline),
- crossforge's parse (``GitRepository.list_commits``, with files and lines per commit),
- crossforge's full import (parse + identities + DuckDB write),
- PyDriller reading author and line statistics (on a prefix of the history: it is slow),

on psf/requests replayed from the shared corpus and on a generated repository of 200,000
commits with 400 authors (built with ``git fast-import``, cached in ``benchmarks/.cache``).
Peak memory of the import is read from child processes at two sizes to show it is flat.

Run:  python benchmarks/git_mining.py [--commits N] [--quick]
Writes benchmarks/results/git_mining.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHARED = ROOT.parent / "shared"
CACHE = HERE / ".cache"
RESULTS = HERE / "results" / "git_mining.json"
PYDRILLER_PREFIX = 3000


def generate_repository(path: Path, commits: int, authors: int = 400, seed: int = 7) -> Path:
    """A linear-with-merges history with real numstat work, built with git fast-import."""
    if (path / ".git").exists():
        return path
    path.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    rng = random.Random(seed)
    people = [(f"Dev {i}", f"dev{i}@example.org") for i in range(authors)]
    weights = [1 / (i + 1) for i in range(authors)]  # heavy-tailed activity
    proc = subprocess.Popen(["git", "-C", str(path), "fast-import", "--quiet"],
                            stdin=subprocess.PIPE)
    assert proc.stdin is not None
    out = proc.stdin
    clock = 1_500_000_000
    side_mark = None
    for n in range(1, commits + 1):
        name, email = rng.choices(people, weights)[0]
        clock += rng.randrange(60, 7200)
        message = f"change {n}"
        if rng.random() < 0.05:
            co_name, co_email = rng.choice(people)
            message += f"\n\nCo-authored-by: {co_name} <{co_email}>"
        data = message.encode()
        branch = "refs/heads/side" if n % 50 == 25 else "refs/heads/main"
        out.write(f"commit {branch}\nmark :{n}\n".encode())
        out.write(f"author {name} <{email}> {clock} +0000\n".encode())
        out.write(f"committer {name} <{email}> {clock} +0000\n".encode())
        out.write(f"data {len(data)}\n".encode() + data + b"\n")
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


def timed(func) -> tuple[float, object]:
    start = time.perf_counter()
    value = func()
    return time.perf_counter() - start, value


def git_log_seconds(path: Path) -> float:
    seconds, _ = timed(lambda: subprocess.run(
        ["git", "-C", str(path), "log", "--numstat", "--no-renames", "HEAD"],
        stdout=subprocess.DEVNULL, check=True))
    return seconds


def child_import(path: Path, repo: str, platform_name: str) -> dict:
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
                          check=True)
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=200_000)
    parser.add_argument("--quick", action="store_true", help="20,000 generated commits")
    args = parser.parse_args()
    commits = 20_000 if args.quick else args.commits
    inputs: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
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
    big_result = inputs[f"generated {commits:,} commits"]
    memory = {"import_20000_peak_rss_mb": flat_small["peak_rss_mb"],
              f"import_{commits}_peak_rss_mb": big_result["crossforge_import"]["peak_rss_mb"],
              "ratio": big_result["crossforge_import"]["peak_rss_mb"]
              / flat_small["peak_rss_mb"]}
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
    result = {
        "benchmark": "git_mining",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "git": subprocess.run(["git", "--version"], capture_output=True,
                                          text=True).stdout.strip()},
        "inputs": inputs, "memory": memory, "goals": goals, "note": note,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
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
    for name, goal in goals.items():
        print(f"goal {name}: {goal}")
    print(note)
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
