"""What the reliability tests share: a small synthetic world, a collection against an emulator,
and a store's contents table by table (ids of provenance rows left out: they name raw records,
which differ between runs by design)."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from crossforge.collection.collector import Caps, CollectionProgress, CollectionSummary, Collector
from crossforge.emulator import Emulator
from crossforge.records import Commit, Repository
from crossforge.sources.github import GitHubSource
from crossforge.sources.http import ApiClient, Breaker
from crossforge.sources.hub import HubSource
from crossforge.sources.raw import RawStore
from crossforge.store import Store
from crossforge.worlds import synthetic


def _paged_world() -> list[object]:
    """A SYNTHETIC world (``crossforge.worlds.synthetic``) small enough for many runs, with
    one repository per platform given enough extra commits for three pages (GitHub 100 per
    page, the Hub 50), so pagination faults have pages to bend."""
    records: list[object] = list(synthetic.generate_world(6, 5))
    for platform, wanted in (("github", 230), ("huggingface", 120)):
        commits = [r for r in records if isinstance(r, Commit) and r.platform == platform]
        base = commits[0]
        have = sum(1 for c in commits if c.repo == base.repo)
        records += [dataclasses.replace(base, sha=hashlib.sha1(
            f"{base.repo}:{i}".encode()).hexdigest(), subject=f"synthetic commit {i}")
            for i in range(wanted - have)]
    return records


WORLD = _paged_world()
FRAME = sorted((r.platform, r.repo) for r in WORLD if isinstance(r, Repository))
SRC = Path(__file__).resolve().parents[2] / "src"
TABLES = ("accounts", "comments", "commits", "derivations", "memberships", "project_labels",
          "repositories", "threads")


def collect(url: str, tmp: Path, frame: list[tuple[str, str]] = FRAME, *,
            timeout: float = 30.0, token: str = "reliability-test", caps: Caps | None = None,
            on_progress: Callable[[CollectionProgress], None] | None = None,
            summaries: list[CollectionSummary] | None = None,
            slept: bool = False, secondary_points: dict[str, int] | None = None,
            secondary_window: float = 60.0) -> tuple[Path, list[float]]:
    """Collect ``frame`` from ``url`` into ``tmp``; the waits are recorded, and slept only
    when ``slept`` (an emulator whose rate-limit windows pass in real time); the run's
    summary is appended to ``summaries`` when given; ``secondary_points`` paces GitHub's
    secondary limits per ``secondary_window`` seconds."""
    raw, waits = RawStore(tmp / "raw"), []

    def wait(seconds: float) -> None:
        waits.append(seconds)
        if slept:
            time.sleep(seconds)

    breaker = Breaker(sleep=wait)
    clients = [ApiClient(url, platform, raw, tokens=[token], timeout=timeout,
                         sleep=wait, breaker=breaker, secondary_window=secondary_window,
                         secondary_points=secondary_points if platform == "github" else None)
               for platform in ("github", "huggingface")]
    try:
        with Store(tmp / "db.duckdb") as store:
            summary = Collector(store, github_source=GitHubSource(clients[0]),
                                hub_source=HubSource(clients[1]), caps=caps,
                                on_progress=on_progress).collect(frame)
            if summaries is not None:
                summaries.append(summary)
    finally:
        for client in clients:
            client.close()
        raw.close()
    return tmp / "db.duckdb", waits


def contents(db: Path) -> dict[str, list[tuple]]:
    """Every row of every record table, sorted, without provenance ids; list values (what a
    commit or pull request touches) as tuples, so rows can be put in sets."""
    with Store(db, read_only=True) as store:
        return {table: [tuple(tuple(v) if isinstance(v, list) else v for v in row)
                        for row in store.query(f"SELECT * EXCLUDE (provenance_id) FROM "
                                               f"{table} ORDER BY ALL").fetchall()]
                for table in TABLES}


def duplicates(db: Path) -> int:
    """Rows stored more than once under their natural key (0 in a sound store)."""
    keys = {"commits": "platform, repo, sha", "threads": "platform, repo, number",
            "repositories": "platform, repo", "accounts": "platform, login",
            "project_labels": "platform, repo, number, label"}
    with Store(db, read_only=True) as store:
        return sum(store.query(f"SELECT count(*) - count(DISTINCT ({key})) FROM {table}"
                               ).fetchone()[0] for table, key in keys.items())


#: How ``collect``'s notices start (the credentials found, a rate-limit wait): said on stderr
#: before any error, they are not part of it.
NOTICES = ("github: ", "huggingface: ")


def error_lines(output: str) -> list[str]:
    """The non-blank lines of a command's output that are not ``collect``'s notices."""
    return [line for line in output.splitlines() if line.strip()
            and not line.startswith(NOTICES)]


def served(**options: object) -> Emulator:
    return Emulator.from_records(WORLD, **options)  # type: ignore[arg-type]


def framed_db(path: Path, frame: list[tuple[str, str]] = FRAME) -> Path:
    """A database holding only the sampling frame ``main`` (what ``crossforge sample`` does;
    an existing frame is replaced, as ``sample --replace`` does)."""
    with Store(path) as store:
        for platform in ("github", "huggingface"):
            store.write_frame("main", platform, [r for p, r in frame if p == platform],
                              {"synthetic": True}, replace=True)
    return path


def rows(table: list[tuple]) -> set[str]:
    """A table's rows as comparable strings (rows hold lists, which do not hash)."""
    return {repr(row) for row in table}


def killed_run(index: int, tmp: Path, kill_at: int, extra_delay: float, token: str
               ) -> dict[str, object]:
    """Start the CLI against its own emulator and SIGKILL it once the emulator has answered
    ``kill_at`` requests (plus a short random delay): a moment inside the collection."""
    folder = tmp / f"run{index:02d}"
    folder.mkdir()
    framed_db(folder / "db.duckdb")
    emulator = served().start()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "crossforge", "collect", "--db", str(folder / "db.duckdb"),
             "--raw", str(folder / "raw"), "--github-url", emulator.url, "--hub-url",
             emulator.url], cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": str(SRC), "GITHUB_TOKEN": token,
                 "HF_TOKEN": token})
        deadline = time.monotonic() + 60
        while sum(emulator.requests.values()) < kill_at and process.poll() is None:
            if time.monotonic() > deadline:
                break
            time.sleep(0.005)
        time.sleep(extra_delay)
        finished = process.poll() is not None
        process.send_signal(signal.SIGKILL)
        process.wait()
        return {"folder": folder, "killed": not finished,
                "requests": sum(emulator.requests.values())}
    finally:
        emulator.stop()


def run_collect(folder: Path, url: str, github: str, hub: str,
                extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``python -m crossforge collect`` with the given tokens (and ``extra_env``, e.g. a
    GitHub App's), its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "crossforge", "collect", "--db", str(folder / "db.duckdb"),
         "--raw", str(folder / "raw"), "--github-url", url, "--hub-url", url],
        cwd=folder, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(SRC), "GITHUB_TOKEN": github, "HF_TOKEN": hub,
             **(extra_env or {})})


def occurrences(folder: Path, outputs: list[str], secrets: tuple[str, ...]) -> int:
    """How often any secret appears in a file under ``folder`` (gzip members read) or in
    ``outputs``."""
    found = 0
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if path.suffix == ".gz":
                data = gzip.decompress(data)
            found += sum(data.count(secret.encode()) for secret in secrets)
    return found + sum(text.count(secret) for text in outputs for secret in secrets)


@contextmanager
def mounted_tmpfs(folder: Path, options: str, purpose: str) -> Iterator[Path]:
    """A tmpfs mounted with ``options`` on the new ``folder`` for the block, unmounted after:
    a full or read-only disk that root cannot be kept out of by file modes. Skips the test
    (naming ``purpose``) where it cannot be mounted."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip(f"{purpose} needs root to mount a tmpfs")
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)
