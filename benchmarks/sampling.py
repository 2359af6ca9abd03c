"""Benchmark: what sampling frames cost, against named baselines, in one run.

1. **Search windows** on the API emulator, over a SYNTHETIC world of GitHub repositories
   whose creation rate grows year by year, with a few burst days (thousands of starless
   repositories in a day) and heavy-tailed stars: requests to list the whole population
   with crossforge's split (``ceil(total_count / 700)`` parts per over-full window) and with
   plain **bisection** (two parts per split, the baseline), and the projected time at the
   search budget of 30 requests a minute per token. Both must find the exact population.
2. **GH Archive reading**: events per second of ``gharchive_activity`` (DuckDB's JSON
   reader, only the fields needed, grouped by repository) against the **straightforward
   Python loop** (``gzip`` + ``json.loads`` per line + a dict of counters, the baseline), on
   SYNTHETIC hourly dumps in GH Archive's event shape.

Run:  python benchmarks/sampling.py [--quick]
Writes benchmarks/results/sampling.json.
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from crossforge import __version__
from crossforge.collection import gharchive, github_search
from crossforge.emulator import Emulator
from crossforge.records import Repository
from crossforge.sources.http import ApiClient
from crossforge.sources.raw import RawStore

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "sampling.json"
SEARCH_PER_MINUTE = 30
START, END = date(2016, 1, 1), date(2023, 12, 31)


def world(size: int, seed: int = 11) -> list[Repository]:
    """SYNTHETIC GitHub repositories: growth of 35% a year, 3 burst days, Pareto stars."""
    rng = random.Random(seed)
    days = (END - START).days + 1
    weights = [1.35 ** (d / 365) for d in range(days)]
    burst_days = rng.sample(range(days), 3)
    created = rng.choices(range(days), weights=weights, k=size)
    repos = []
    for i, day in enumerate(created):
        burst = i < 3 * 2_500
        day = burst_days[i % 3] if burst else day
        moment = datetime.combine(START + timedelta(day), datetime.min.time(), tzinfo=UTC)
        repos.append(Repository(
            platform="github", repo=f"user{i % 4_000}/repo-{i}", kind="code",
            owner=f"user{i % 4_000}", created_at=moment + timedelta(seconds=rng.randrange(86_400)),
            popularity=0 if burst and rng.random() < 0.9 else int(rng.paretovariate(0.8)) - 1,
            is_fork=rng.random() < 0.1))
    return repos


def walk_search(records: list[Repository], target: int, raw: Path) -> dict[str, float]:
    """Walk the whole range with ``SEARCH_TARGET = target`` (a huge target is bisection)."""
    saved = github_search.SEARCH_TARGET
    github_search.SEARCH_TARGET = target
    try:
        with Emulator.from_records(records) as emulator:
            emulator.search_limit = 10**9
            client = ApiClient(emulator.url, "github", RawStore(raw), tokens=["bench-token"])
            started = time.perf_counter()
            walk = github_search.github_search(client, "", (START, END))
            seconds = time.perf_counter() - started
            client.close()
    finally:
        github_search.SEARCH_TARGET = saved
    found = {c.repo for c in walk.candidates}
    assert found == {r.repo for r in records}, "the walk missed or added repositories"
    assert len(found) == len(walk.candidates)
    return {"repositories": len(found), "requests": walk.requests, "windows": walk.windows,
            "splits": walk.splits, "requests_per_100_repositories":
                round(100 * walk.requests / len(found), 2),
            "projected_minutes_at_30_per_minute": round(walk.requests / SEARCH_PER_MINUTE, 1),
            "wall_seconds": round(seconds, 2)}


def dumps(folder: Path, hours: int, per_hour: int, seed: int = 5) -> list[Path]:
    """SYNTHETIC hourly dumps: events in GH Archive's shape over a Zipf-like repository mix."""
    rng = random.Random(seed)
    kinds = ["PushEvent"] * 5 + ["CreateEvent", "IssuesEvent", "PullRequestEvent",
                                 "IssueCommentEvent", "WatchEvent", "WatchEvent", "ForkEvent"]
    files = []
    for hour in range(hours):
        path = folder / f"2024-05-01-{hour}.json.gz"
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            for n in range(per_hour):
                repo = int(rng.paretovariate(0.7)) % 200_000
                kind = rng.choice(kinds)
                payload = ({"repository_id": repo, "push_id": n, "size": 1, "distinct_size": 1,
                            "ref": "refs/heads/main", "head": "a" * 40, "before": "b" * 40,
                            "commits": [{"sha": "c" * 40, "author": {
                                "email": "dev@example.org", "name": "Dev"},
                                "message": "Update README.md " * 4, "distinct": True,
                                "url": f"https://api.github.com/repos/o{repo}/r/commits/c"}]}
                           if kind == "PushEvent" else {"action": "opened", "number": n,
                                                        "title": "a title " * 8})
                handle.write(json.dumps({
                    "id": str(n), "type": kind, "public": True,
                    "actor": {"id": n % 9_999, "login": f"dev{n % 9_999}",
                              "display_login": f"dev{n % 9_999}", "gravatar_id": "",
                              "url": f"https://api.github.com/users/dev{n % 9_999}",
                              "avatar_url": "https://avatars.githubusercontent.com/u/1?"},
                    "repo": {"id": repo, "name": f"o{repo}/r",
                             "url": f"https://api.github.com/repos/o{repo}/r"},
                    "payload": payload,
                    "created_at": f"2024-05-01T{hour % 24:02d}:{n % 60:02d}:00Z"}) + "\n")
        files.append(path)
    return files


def read_archive(files: list[Path]) -> dict[str, float]:
    started = time.perf_counter()
    activity, summary = gharchive.gharchive_activity(files)
    seconds = time.perf_counter() - started
    return {"events": summary.events, "repositories": len(activity),
            "seconds": round(seconds, 2), "events_per_second": round(summary.events / seconds)}


def read_archive_python(files: list[Path]) -> dict[str, float]:
    """The baseline: every line parsed by ``json.loads``, counts in a dict."""
    started = time.perf_counter()
    counts: Counter[int] = Counter()
    for path in files:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                counts[json.loads(line)["repo"]["id"]] += 1
    seconds = time.perf_counter() - started
    events = sum(counts.values())
    return {"events": events, "repositories": len(counts), "seconds": round(seconds, 2),
            "events_per_second": round(events / seconds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller world and fewer dumps")
    quick = parser.parse_args().quick
    size, hours, per_hour = (15_000, 2, 20_000) if quick else (40_000, 6, 50_000)
    records = world(size)
    with tempfile.TemporaryDirectory() as tmp:
        crossforge = walk_search(records, github_search.SEARCH_TARGET, Path(tmp) / "split")
        bisection = walk_search(records, 10**12, Path(tmp) / "bisect")
        files = dumps(Path(tmp), hours, per_hour)
        archive = read_archive(files)
        archive_python = read_archive_python(files)
    assert archive["events"] == archive_python["events"]
    assert archive["repositories"] == archive_python["repositories"]
    results = {
        "crossforge_version": __version__, "python": sys.version.split()[0],
        "machine": platform.machine(), "quick": quick,
        "search": {"crossforge_split": crossforge, "baseline_bisection": bisection,
                   "request_ratio": round(crossforge["requests"] / bisection["requests"], 3)},
        "gharchive": {"crossforge_duckdb": archive, "baseline_python_json_loads": archive_python,
                      "speed_ratio": round(archive["events_per_second"]
                                           / archive_python["events_per_second"], 3)},
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"search over {crossforge['repositories']:,} repositories (SYNTHETIC): crossforge "
          f"{crossforge['requests']:,} requests ({crossforge['splits']} splits), bisection "
          f"{bisection['requests']:,} ({bisection['splits']} splits), ratio "
          f"{results['search']['request_ratio']}; "
          f"{crossforge['projected_minutes_at_30_per_minute']} min at 30 requests/min")
    print(f"GH Archive {archive['events']:,} events (SYNTHETIC): crossforge "
          f"{archive['events_per_second']:,}/s, Python json.loads loop "
          f"{archive_python['events_per_second']:,}/s, ratio "
          f"{results['gharchive']['speed_ratio']}")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
