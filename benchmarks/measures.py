"""Benchmark: the full measure suite at 1 %, 10 % and 100 % of the paper's scale, in one run.

A **synthetic** store (provenance source ``synthetic``) is generated directly inside DuckDB
with SQL, in the store's schema (``docs/schema.md``): 1,428,792 GitHub and 1,440,527 Hub
repositories at scale 1, about 100 million commits, threads and comments in total. Activity
per repository is log-normal (most repositories are tiny: a median of two commits and no
thread; a few have tens of thousands), contributor pools and organisation rosters are
heavy-tailed, a quarter of Hub models derive from an earlier one (fine-tunes, adapters,
quantisations, merges; popular bases get most children) and 3 % of GitHub repositories are
forks. Every value comes from a hash of (seed, row), so a scale is the same data on every run.

For each scale the suite ``crossforge.measure`` (every measure, networks, statistics with
1,000 bootstrap resamples, all outputs written) runs in a fresh process on DuckDB (threads
and memory capped as below); at the smallest scale it also runs on Spark local (when pyspark
is installed). Wall time and peak resident memory of the process tree (sampled every 0.1 s)
are reported, with the time growth ratio between consecutive scales against the growth of
the data (1.0 = linear). Baseline for the ratios: the smallest scale.

Run:  python benchmarks/measures.py [--scales 0.01,0.1,1] [--quick] [--no-spark] [--work DIR]
      [--reuse]
(``--quick``: 1 % on DuckDB only, about a minute; ``--reuse``: keep the generated stores in
``--work`` and measure an existing one instead of generating it again — the full scale takes
5–12 minutes to generate; the data are the same, since every value is a hash of the row.)
Each run also reports its steps (one per query, named after the measure that asks for it):
wall time and peak resident memory per step.
Writes benchmarks/results/measures.json. Goal (``GOAL``): scale 1 in ≤ 180 s and ≤ 4 GiB on 2
cores, and a log–log slope of time against events from 1 % to 100 % of at most 1.1.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import psutil

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

from crossforge import __version__  # noqa: E402
from crossforge.store import MIGRATIONS, SCHEMA_VERSION  # noqa: E402

RESULTS = HERE / "results" / "measures.json"
PAPER_REPOSITORIES = {"github": 1_428_792, "huggingface": 1_440_527}
THREADS = 2
#: Issue 20's goal for the full suite at scale 1 on 2 cores, and for its growth from 1 % to
#: 100 % (the log–log slope of wall time against events).
GOAL = {"scale": 1, "seconds": 180, "peak_rss_gib": 4, "slope": 1.1}
#: DuckDB's cap while measuring (``--memory-limit`` overrides it): with the Python side on top
#: (the per-repository table, about 3 GB at full scale, igraph) the process is to stay within
#: ``GOAL``'s 4 GiB; the statistics step gives DuckDB's cached blocks back before it runs.
MEMORY_LIMIT = "2.5GB"
#: DuckDB's cap while generating a store (not part of the goal).
GENERATE_MEMORY_LIMIT = "10GB"
OBSERVED_AT = "2025-06-01 00:00:00+00"

#: Uniform (0, 1) and standard-normal draws from a hash of the row: deterministic on any
#: number of threads, unlike random().
_MACROS = """
CREATE OR REPLACE TEMP MACRO unif(a, b, c) AS
    ((hash(a, b, c, {seed}) % 1000000007) + 0.5) / 1000000007.0;
CREATE OR REPLACE TEMP MACRO gauss(a, b, c) AS
    sqrt(-2 * ln(unif(a, b, c || 'x'))) * cos(2 * pi() * unif(a, b, c || 'y'));
"""

#: One row per repository with its (latent) activity sizes. Platforms differ the way the
#: paper reports: Hub models have fewer commits, contributors and threads per repository.
_REPOSITORIES = """
CREATE TEMP TABLE bench_repos AS
WITH base AS (
    SELECT 'github' AS platform, range AS i, {n_github} AS n, 0.9 AS mu_commits,
           0.35 AS org_share, DATE '2012-01-01' AS first_day, 0.5 AS pr_share
    FROM range({n_github})
    UNION ALL
    SELECT 'huggingface', range, {n_hub}, 0.6, 0.45, DATE '2022-03-02', 0.25
    FROM range({n_hub})
),
drawn AS (
    SELECT *, gauss(i, platform, 'commits') AS z, unif(i, platform, 'org') < org_share AS org,
           greatest(100, n // 20) AS n_orgs, (n * 3) // 2 AS n_people
    FROM base
)
SELECT platform, i, n_people, org, pr_share,
       CASE WHEN org THEN floor(n_orgs * pow(unif(i, platform, 'owner'), 2))::BIGINT
            ELSE floor(n_people * unif(i, platform, 'owner'))::BIGINT END AS owner_id,
       CASE WHEN org THEN 'o' ELSE 'u' END
           || CASE WHEN org THEN floor(n_orgs * pow(unif(i, platform, 'owner'), 2))::BIGINT
                   ELSE floor(n_people * unif(i, platform, 'owner'))::BIGINT END AS owner,
       first_day + to_days(floor(unif(i, platform, 'created')
                                 * (DATE '2025-05-01' - first_day))::INTEGER) AS created_day,
       least(50000, greatest(1, floor(exp(mu_commits + 2.0 * z))))::BIGINT AS n_commits,
       least(2000, 1 + floor(exp(-1.3 + 0.7 * z + 0.8 * gauss(i, platform, 'pool'))))::BIGINT
           AS pool,
       greatest(0, floor(exp(0.15 + 0.8 * z + 1.6 * gauss(i, platform, 'threads')) - 1))::BIGINT
           AS n_threads,
       floor(exp(0.9 + 0.8 * gauss(i, platform, 'comments')))::BIGINT AS comments_per_thread
FROM drawn
"""

#: The person behind position ``j`` of repository ``i``'s contributor pool: position 0 is
#: the owner (or an organisation's first member), the next positions up to the roster size
#: are organisation members, the rest people from anywhere (mostly outsiders).
_PERSON = """
CREATE OR REPLACE TEMP MACRO roster(platform, org_id) AS
    least(300, 1 + floor(exp(0.8 + 1.2 * gauss(org_id, platform, 'roster'))))::BIGINT;
CREATE OR REPLACE TEMP MACRO person(platform, i, org, owner_id, n_people, j) AS
    CASE WHEN NOT org AND j = 0 THEN 'u' || owner_id
         WHEN org AND j < roster(platform, owner_id)
             THEN 'u' || (hash(platform, owner_id, j, 'member') % n_people)
         ELSE 'u' || (hash(platform, i, j, 'pool') % n_people) END;
CREATE OR REPLACE TEMP MACRO insider(org, owner_id, platform, j) AS
    (NOT org AND j = 0) OR (org AND j < roster(platform, owner_id));
"""

_FILL = """
INSERT INTO provenance VALUES ('synthetic-bench', 'synthetic', 'benchmarks/measures.py',
    TIMESTAMPTZ '{observed_at}', '{version}');
INSERT INTO repositories
SELECT platform, owner || '/r' || i,
       CASE platform WHEN 'github' THEN 'code' ELSE 'model' END, owner,
       CASE WHEN org THEN 'organization' ELSE 'user' END,
       created_day::TIMESTAMPTZ, TIMESTAMPTZ '{observed_at}' - INTERVAL 3 DAY,
       floor(exp(-0.5 + 2.2 * gauss(i, platform, 'stars')))::BIGINT,
       CASE platform WHEN 'github' THEN floor(exp(-1.5 + 2.0 * gauss(i, platform, 'forks')))
            END::BIGINT,
       CASE platform WHEN 'huggingface' THEN floor(exp(2 + 3 * gauss(i, platform, 'dl'))) END
           ::BIGINT,
       'mit', false, platform = 'github' AND unif(i, platform, 'fork') < 0.03, false,
       'synthetic-bench', NULL,
       CASE platform WHEN 'huggingface' THEN floor(exp(19 + 2.5 * gauss(i, platform, 'par')))
            END::BIGINT,
       floor(exp(15 + 3 * gauss(i, platform, 'storage')))::BIGINT,
       NULL,   -- has_discussions: boards unknown, as a collection without the flag has them
       NULL    -- language: no measure reads it, so it is left unknown
FROM bench_repos;
INSERT INTO accounts
SELECT platform, 'u' || k, 'user', NULL, NULL, 'synthetic-bench'
FROM (SELECT DISTINCT platform, n_people FROM bench_repos), range(n_people) AS t(k);
INSERT INTO accounts
SELECT DISTINCT platform, owner, 'organization', NULL, NULL, 'synthetic-bench'
FROM bench_repos WHERE org;
INSERT INTO accounts VALUES
    ('github', 'dependabot[bot]', 'bot', NULL, NULL, 'synthetic-bench'),
    ('github', 'github-actions[bot]', 'bot', NULL, NULL, 'synthetic-bench'),
    ('huggingface', 'hf-bot[bot]', 'bot', NULL, NULL, 'synthetic-bench');
INSERT INTO memberships     -- rosters collected for 60 % of organisations
SELECT DISTINCT platform, owner, person(platform, 0, org, owner_id, n_people, j),
       'synthetic-bench'
FROM (SELECT DISTINCT platform, owner, owner_id, org, n_people FROM bench_repos WHERE org)
     , range(roster(platform, owner_id)) AS t(j)
WHERE unif(owner_id, platform, 'roster-known') < 0.6;
"""

_COMMITS = """
INSERT INTO commits
SELECT platform, repo, printf('%016x', hash(platform, i, k, 'sha')),
       author, author, author || '@example.invalid', happened, author, author, NULL, happened,
       CASE WHEN unif(i, platform, k || 'co') < 0.02
            THEN [person(platform, i, org, owner_id, n_people,
                         floor(pool * unif(i, platform, k || 'cw'))::BIGINT)] END,
       1 + floor(exp(1.2 * gauss(i, platform, k || 'f')))::INTEGER,
       floor(exp(2 + 1.5 * gauss(i, platform, k || 'l')))::BIGINT,
       floor(exp(1 + 1.5 * gauss(i, platform, k || 'd')))::BIGINT,
       unif(i, platform, k || 'm') < 0.04, 'synthetic commit', 'synthetic-bench',
       CASE floor(4 * unif(i, platform, k || 'p'))::INTEGER   -- what the commit touches
            WHEN 0 THEN ['documentation']
            WHEN 1 THEN CASE platform WHEN 'github' THEN ['code'] ELSE ['weights'] END
            WHEN 2 THEN CASE platform WHEN 'github' THEN ['code', 'documentation']
                                      ELSE ['weights', 'configuration'] END
            ELSE ['code'] END
FROM (
    SELECT *, owner || '/r' || i AS repo,
           created_day::TIMESTAMPTZ + to_seconds(floor(unif(i, platform, k || 't')
               * date_diff('second', created_day::TIMESTAMPTZ, TIMESTAMPTZ '{observed_at}')))
               AS happened,
           CASE WHEN platform = 'github' AND unif(i, platform, k || 'b') < 0.03
                THEN 'dependabot[bot]'
                ELSE person(platform, i, org, owner_id, n_people,
                            floor(pool * pow(unif(i, platform, k || 'a'), 3))::BIGINT) END
               AS author
    FROM (SELECT *, unnest(range(n_commits)) AS k FROM bench_repos)
)
"""

#: A thread's opening time is a function of (repository, number), so comments can be
#: placed after it without a join.
_THREAD_TIME = """
CREATE OR REPLACE TEMP MACRO thread_at(platform, i, created_day, number) AS
    created_day::TIMESTAMPTZ + to_seconds(floor(unif(i, platform, number || 'tt')
        * date_diff('second', created_day::TIMESTAMPTZ, TIMESTAMPTZ '{observed_at}')));
"""

_THREADS = """
INSERT INTO threads
SELECT platform, repo, number, kind, 'synthetic thread', NULL, author,
       CASE WHEN platform = 'huggingface' THEN 'unknown'
            WHEN j = 0 AND NOT org THEN 'owner'
            WHEN inside THEN 'member' ELSE 'external' END,
       state, happened,
       CASE WHEN state IN ('closed', 'merged') THEN happened + to_seconds(wait) END,
       CASE WHEN state = 'merged' THEN happened + to_seconds(wait) END,
       'synthetic-bench', 'issue_tracker',
       CASE WHEN kind = 'pull_request' THEN   -- what a pull request touches
            CASE floor(3 * unif(i, platform, k || 'pt'))::INTEGER
                 WHEN 0 THEN ['documentation']
                 WHEN 1 THEN CASE platform WHEN 'github' THEN ['code'] ELSE ['weights'] END
                 ELSE CASE platform WHEN 'github' THEN ['code', 'documentation']
                                    ELSE ['configuration'] END END END,
       NULL, NULL    -- answerable, answered_at: issue trackers have no accepted answers
FROM (
    SELECT *, person(platform, i, org, owner_id, n_people, j) AS author,
           insider(org, owner_id, platform, j) AS inside,
           CASE WHEN kind = 'pull_request'
                THEN CASE WHEN s < 0.55 THEN 'merged' WHEN s < 0.75 THEN 'closed' ELSE 'open' END
                ELSE CASE WHEN s < 0.7 THEN 'closed' ELSE 'open' END END AS state
    FROM (
        SELECT *, owner || '/r' || i AS repo, k + 1 AS number,
               CASE WHEN unif(i, platform, k || 'pr') < pr_share THEN 'pull_request'
                    WHEN platform = 'github' THEN 'issue' ELSE 'discussion' END AS kind,
               CASE WHEN unif(i, platform, k || 'in') < 0.5
                    THEN floor(pool * pow(unif(i, platform, k || 'j'), 2))::BIGINT
                    ELSE pool + (hash(i, k) % 100000)::BIGINT END AS j,
               unif(i, platform, k || 's') AS s,
               thread_at(platform, i, created_day, k + 1) AS happened,
               floor(3600 * exp(3 + 2 * gauss(i, platform, k || 'w')))::BIGINT AS wait
        FROM (SELECT *, unnest(range(n_threads)) AS k FROM bench_repos WHERE n_threads > 0)
    )
)
"""

_COMMENTS = """
INSERT INTO comments
SELECT platform, repo, thread_number, k::VARCHAR,
       person(platform, i, org, owner_id, n_people, j),
       thread_at(platform, i, created_day, thread_number)
           + to_seconds(floor(3600 * exp(1 + 2.5 * gauss(i, platform, k || 'r')))::BIGINT),
       NULL,
       CASE WHEN platform = 'huggingface' THEN 'unknown'
            WHEN j = 0 AND NOT org THEN 'owner'
            WHEN insider(org, owner_id, platform, j) THEN 'member' ELSE 'external' END,
       'synthetic-bench'
FROM (
    SELECT *, owner || '/r' || i AS repo,
           1 + floor(n_threads * unif(i, platform, k || 'n'))::INTEGER AS thread_number,
           CASE WHEN unif(i, platform, k || 'in') < 0.6
                THEN floor(pool * pow(unif(i, platform, k || 'j'), 2))::BIGINT
                ELSE pool + (hash(i, k, 'c') % 100000)::BIGINT END AS j
    FROM (SELECT *, unnest(range(n_threads * comments_per_thread)) AS k
          FROM bench_repos WHERE n_threads > 0)
)
"""

#: A quarter of Hub models derive from an earlier model (popular early ones get most
#: children, so trees are deep and wide at the top); 3 % of GitHub repositories are forks.
_DERIVATIONS = """
INSERT INTO derivations
SELECT c.platform, c.owner || '/r' || c.i, p.owner || '/r' || p.i,
       CASE WHEN c.platform = 'github' THEN 'fork'
            WHEN unif(c.i, c.platform, 'rel') < 0.45 THEN 'finetune'
            WHEN unif(c.i, c.platform, 'rel') < 0.70 THEN 'adapter'
            WHEN unif(c.i, c.platform, 'rel') < 0.90 THEN 'quantized' ELSE 'merge' END,
       CASE WHEN c.platform = 'github' THEN 'api'
            WHEN unif(c.i, c.platform, 'src') < 0.7 THEN 'tag' ELSE 'inferred' END,
       'synthetic-bench'
FROM bench_repos c
JOIN bench_repos p ON p.platform = c.platform
    AND p.i = floor(c.i * pow(unif(c.i, c.platform, 'parent'), 3))::BIGINT
WHERE c.i > 0 AND unif(c.i, c.platform, 'derived')
    < CASE c.platform WHEN 'github' THEN 0.03 ELSE 0.25 END;
UPDATE repositories r SET children_count = d.children     -- as the Hub counts them
FROM (SELECT platform, parent, count(*) AS children FROM derivations GROUP BY ALL) d
WHERE r.platform = 'huggingface' AND d.platform = r.platform AND d.parent = r.repo;
UPDATE repositories SET children_count = 0
WHERE platform = 'huggingface' AND children_count IS NULL;
"""


def schema_without_keys() -> str:
    """The store's tables without primary keys: a bulk load of 100 M rows does not need the
    upsert indexes, and the measures read the same columns either way."""
    sql = "\n".join(MIGRATIONS)
    sql = re.sub(r",\s*PRIMARY KEY \([^)]*\)", "", sql)
    return sql.replace(" PRIMARY KEY", "")


def generate(path: Path, scale: float, seed: int = 0) -> dict:
    """Write a synthetic store of ``scale`` × the paper's repositories to ``path``."""
    path.unlink(missing_ok=True)
    n = {p: max(10, round(v * scale)) for p, v in PAPER_REPOSITORIES.items()}
    started = time.perf_counter()
    con = duckdb.connect(str(path))
    con.execute(f"SET threads = {THREADS}; SET memory_limit = '{GENERATE_MEMORY_LIMIT}'; "
                "SET preserve_insertion_order = false; SET enable_progress_bar = false")
    con.execute("CREATE TABLE schema_version (version INTEGER, applied_at TIMESTAMPTZ)")
    con.execute(schema_without_keys())
    con.execute("INSERT INTO schema_version SELECT range + 1, now() FROM range(?)",
                [SCHEMA_VERSION])
    fill = {"seed": seed, "n_github": n["github"], "n_hub": n["huggingface"],
            "observed_at": OBSERVED_AT, "version": __version__}
    for sql in (_MACROS, _REPOSITORIES, _PERSON, _FILL, _COMMITS, _THREAD_TIME, _THREADS,
                _COMMENTS, _DERIVATIONS):
        con.execute(sql.format(**fill))
    con.close()
    return describe(path, scale, round(time.perf_counter() - started, 1))


def describe(path: Path, scale: float, seconds: float | None) -> dict:
    """Size and row counts of a generated store (``seconds``: how long generating took)."""
    with duckdb.connect(str(path), read_only=True) as con:
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in (
            "repositories", "accounts", "memberships", "commits", "threads", "comments",
            "derivations")}
    return {"scale": scale, "seconds": seconds, "bytes": path.stat().st_size, "rows": counts,
            "events": counts["commits"] + counts["threads"] + counts["comments"]}


class PeakMemory:
    """Peak resident memory of this process and its children (Spark's JVM), sampled.

    ``step`` names what runs now; ``steps`` keeps each step's wall time and peak, so a
    run says which measure needs the memory (steps are set by ``record_steps``).
    """

    def __init__(self, interval: float = 0.1) -> None:
        self.interval, self.peak = interval, 0
        self.step, self.steps = "start", {}
        self._step_started = time.perf_counter()
        self._step_cpu = self.cpu_seconds()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def cpu_seconds() -> float:
        """CPU time (user + system) of this process and its children: on a machine other
        work loads, wall time says how long a run waited, CPU time what it cost."""
        me = psutil.Process()
        total = sum(me.cpu_times()[:2])
        for child in me.children(recursive=True):
            try:
                total += sum(child.cpu_times()[:2])
            except psutil.Error:
                continue
        return total

    def _rss(self) -> int:
        me = psutil.Process()
        total = me.memory_info().rss
        for child in me.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:
                continue
        return total

    def _sample(self) -> None:
        rss = self._rss()
        self.peak = max(self.peak, rss)
        entry = self.steps.setdefault(self.step, _new_step())
        entry["peak_rss_gib"] = max(entry["peak_rss_gib"], round(rss / 2**30, 2))

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def enter(self, step: str) -> None:
        """Close the current step (its time) and start ``step``."""
        now, cpu = time.perf_counter(), self.cpu_seconds()
        self._sample()
        entry = self.steps.setdefault(self.step, _new_step())
        entry["seconds"] = round(entry["seconds"] + now - self._step_started, 1)
        entry["cpu_seconds"] = round(entry["cpu_seconds"] + cpu - self._step_cpu, 1)
        self.step, self._step_started, self._step_cpu = step, now, cpu
        self._sample()

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.enter("end")
        self.steps.pop("end", None)


def _new_step() -> dict[str, float]:
    return {"seconds": 0.0, "cpu_seconds": 0.0, "peak_rss_gib": 0.0}


@contextmanager
def record_steps(memory: PeakMemory, engine_class: type) -> Iterator[None]:
    """Name each of ``engine_class``'s queries (``frame``) and intermediate tables
    (``temp_table``) after the module that asks for it.

    A step lasts until the next one starts, so Python work on a query's result (igraph)
    counts with that query's step, and a measure's staged tables count with the measure;
    the platform comparison, the summaries and writing the outputs
    (``pipeline._compare_and_write``) are the last step.
    """
    originals = {name: getattr(engine_class, name) for name in ("frame", "temp_table")}

    def named(method: Callable[..., object]) -> Callable[..., object]:
        def run(self: object, *args: object, **kwargs: object) -> object:
            caller = sys._getframe(1)
            # a comprehension's frame (``<dictcomp>``) counts as the function holding it
            while caller.f_globals.get("__name__", "").startswith(
                    ("crossforge.measures.engine", "crossforge.measures.roles", "contextlib")) \
                    or caller.f_code.co_name.startswith("<"):
                caller = caller.f_back
            module = caller.f_globals.get("__name__", "?").rsplit(".", 1)[-1]
            step = f"{module}.{caller.f_code.co_name}"
            if not memory.step.endswith(step):
                memory.enter(f"{len(memory.steps):02d} {step}")
            return method(self, *args, **kwargs)
        return run

    from crossforge.measures import pipeline

    compare = pipeline._compare_and_write

    def statistics_step(*args: object, **kwargs: object) -> object:
        memory.enter(f"{len(memory.steps):02d} statistics and outputs")
        return compare(*args, **kwargs)

    for name, method in originals.items():
        setattr(engine_class, name, named(method))
    pipeline._compare_and_write = statistics_step
    try:
        yield
    finally:
        for name, method in originals.items():
            setattr(engine_class, name, method)
        pipeline._compare_and_write = compare


def run_suite(db: str, out: str, engine: str, memory_limit: str = MEMORY_LIMIT) -> dict:
    """The full measure suite, in this process (called in a fresh child per run)."""
    from crossforge import api
    from crossforge.store import Store

    if engine == "spark":
        from crossforge.measures.spark import SparkEngine as engine_class
    else:
        engine_class = Store
    with PeakMemory() as memory, record_steps(memory, engine_class):
        started, cpu_started = time.perf_counter(), memory.cpu_seconds()
        try:
            result = api.measure(db, out, engine=engine, threads=THREADS,
                                 memory_limit=memory_limit)
        except Exception as exc:   # say where, on the one line the parent reads
            raise SystemExit(f"failed in step {memory.step!r}: {exc}".replace("\n", " ")) from exc
        seconds = time.perf_counter() - started
        cpu_seconds = memory.cpu_seconds() - cpu_started
    return {"seconds": round(seconds, 1), "cpu_seconds": round(cpu_seconds, 1),
            "load_average": [round(v, 2) for v in os.getloadavg()],
            "peak_rss_bytes": memory.peak,
            "peak_rss_gib": round(memory.peak / 2**30, 2),
            "repositories": int(len(result.repositories)),
            "synthetic": bool(result.summary["synthetic"]), "steps": memory.steps}


def measure_in_child(db: Path, out: Path, engine: str, memory_limit: str = MEMORY_LIMIT
                     ) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "SPARK_LOCAL_IP": "127.0.0.1"}
    done = subprocess.run([sys.executable, __file__, "--child", engine, str(db), str(out),
                           "--memory-limit", memory_limit],
                          env=env, capture_output=True, text=True)
    if done.returncode:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def spark_available() -> bool:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="0.01,0.1,1")
    parser.add_argument("--quick", action="store_true", help="1 %% on DuckDB only")
    parser.add_argument("--work", type=Path, default=Path("/tmp/crossforge-bench"))
    parser.add_argument("--reuse", action="store_true",
                        help="keep generated stores in --work and reuse them (same seed)")
    parser.add_argument("--no-spark", action="store_true", help="DuckDB only at every scale")
    parser.add_argument("--memory-limit", default=MEMORY_LIMIT,
                        help="DuckDB's memory cap while measuring (default %(default)s)")
    parser.add_argument("--child", nargs=3, metavar=("ENGINE", "DB", "OUT"))
    args = parser.parse_args()
    if args.child:
        engine, db, out = args.child
        print(json.dumps(run_suite(db, out, engine, args.memory_limit)))
        return
    scales = [0.01] if args.quick else sorted(float(s) for s in args.scales.split(","))
    args.work.mkdir(parents=True, exist_ok=True)
    runs: list[dict] = []
    for scale in scales:
        db = args.work / f"scale-{scale:g}.duckdb"
        if args.reuse and db.exists():
            data = {**describe(db, scale, None), "reused": True}
        else:
            data = generate(db, scale)
        how = "reused" if data.get("reused") else f"generated in {data['seconds']} s"
        print(f"scale {scale:g}: {data['events']:,} events, {how}", flush=True)
        with_spark = (scale == scales[0] and spark_available() and not args.quick
                      and not args.no_spark)
        engines = ["duckdb"] + (["spark"] if with_spark else [])
        for engine in engines:
            run = {"engine": engine, "data": data,
                   **measure_in_child(db, args.work / f"out-{engine}-{scale:g}", engine,
                                      args.memory_limit)}
            runs.append(run)
            shown = {k: v for k, v in run.items() if k != "data"}
            print(f"scale {scale:g} {engine}: {json.dumps(shown)}", flush=True)
            write_results(runs, scales, args.memory_limit)  # a long run leaves figures
        if not args.reuse:
            db.unlink(missing_ok=True)
    results = write_results(runs, scales, args.memory_limit)
    print(f"\n{'scale':>6} {'engine':>7} {'events':>12} {'seconds':>8} {'CPU s':>8} "
          f"{'peak GiB':>9} {'time x':>7} {'data x':>7} {'linearity':>9} {'load':>6}")
    for run in results["runs"]:
        print(f"{run['data']['scale']:>6g} {run['engine']:>7} {run['data']['events']:>12,} "
              f"{run.get('seconds', 'error'):>8} {run.get('cpu_seconds', ''):>8} "
              f"{run.get('peak_rss_gib', ''):>9} {run.get('time_growth', ''):>7} "
              f"{run.get('data_growth', ''):>7} {run.get('linearity', ''):>9} "
              f"{run.get('load_average', [''])[0]:>6}")
    slope = results["slope"]
    print(f"log-log slope of time against events (DuckDB, {len(scales)} scales): wall "
          f"{slope['seconds']}, CPU {slope['cpu_seconds']} (goal <= {GOAL['slope']})")


def growth_slope(runs: list[dict], key: str = "seconds") -> float | None:
    """Least-squares slope of log(``key``) against log(events) over ``runs`` (1.0: time
    grows as the data do; fixed costs pull it below 1); None with fewer than two scales."""
    points = [(math.log(r["data"]["events"]), math.log(r[key])) for r in runs
              if r.get(key) and r["data"]["events"]]
    if len({x for x, _ in points}) < 2:
        return None
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) \
        / sum((x - mean_x) ** 2 for x, _ in points)
    return round(slope, 3)


def write_results(runs: list[dict], scales: list[float], memory_limit: str = MEMORY_LIMIT
                  ) -> dict:
    """Growth ratios against the previous DuckDB scale and the log–log slope over all
    DuckDB scales, written to ``RESULTS``."""
    duck = [r for r in runs if r["engine"] == "duckdb" and "seconds" in r]
    for before, after in zip(duck, duck[1:], strict=False):
        data_growth = after["data"]["events"] / before["data"]["events"]
        after["time_growth"] = round(after["seconds"] / before["seconds"], 2)
        after["data_growth"] = round(data_growth, 2)
        after["linearity"] = round(after["time_growth"] / data_growth, 2)
    results = {"benchmark": "measures", "synthetic": True, "crossforge": __version__,
               "python": platform.python_version(), "duckdb": duckdb.__version__,
               "cpus": os.cpu_count(), "threads": THREADS, "memory_limit": memory_limit,
               "goal": GOAL, "baseline": f"scale {scales[0]:g} on duckdb",
               "slope": {"seconds": growth_slope(duck),
                         "cpu_seconds": growth_slope(duck, "cpu_seconds")},
               "runs": runs, "load_average": os.getloadavg()}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    return results


if __name__ == "__main__":
    main()
