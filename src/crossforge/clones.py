"""Importing local clones: one, or many in one command with parallel readers.

A façade beside ``api`` that imports only the clone reader and the store, so ``crossforge
import git`` starts without pandas, SciPy, HTTP clients or the analysis stages (``api``
re-exports its functions); the store (DuckDB) and the worker pool are imported once needed.

Example:
    >>> summary = import_clones(["clones/"], db="study.duckdb")      # doctest: +SKIP
    >>> [(clone.repo, counts["commits"]) for clone, counts in summary.imported]  # doctest: +SKIP
    [('psf/requests', 6489), ('pallets/flask', 5411)]
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from crossforge._version import __version__
from crossforge.defaults import DEFAULT_DB
from crossforge.errors import ConfigError, CrossforgeError, GitError, first_line
from crossforge.records import Platform, Provenance, check_platform, check_repo_id
from crossforge.sources.git import (
    GitRepository,
    find_clones,
    is_clone,
    read_clone_map,
    remote_url,
    repo_from_remote,
)

if TYPE_CHECKING:
    from concurrent.futures import Future


@dataclass(frozen=True, slots=True)
class Clone:
    """A local clone and the repository it stands for."""

    path: Path
    repo: str
    platform: Platform


@dataclass(slots=True)
class ClonesSummary:
    """What an import of many clones did: rows written per imported clone, and each clone
    that could not be read or named with the reason (the others are imported regardless)."""

    imported: list[tuple[Clone, dict[str, int]]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Clones attempted."""
        return len(self.imported) + len(self.failed)


#: ``on_progress(done, total, clone_path)`` after each clone, imported or failed.
ProgressCallback = Callable[[int, int, str], None]


def _provenance(path: Path) -> Provenance:
    return Provenance(source="git", origin=str(path.resolve()), fetched_at=datetime.now(UTC),
                      tool_version=__version__)


def import_git(
    path: str | Path, *, repo: str, platform: str, db: str | Path = DEFAULT_DB
) -> dict[str, int]:
    """Import a local clone's default-branch history and pull-request refs into the store.

    Args:
        path: a git work tree or bare clone (Hub clones with ``GIT_LFS_SKIP_SMUDGE=1`` work).
        repo: the ``OWNER/NAME`` the clone stands for.
        platform: ``github`` or ``huggingface``; selects the no-reply rules for identities.
        db: the DuckDB store.

    Returns:
        Rows written per table. Importing the same clone twice changes nothing.

    Raises:
        ConfigError: malformed ``repo`` or unknown ``platform``.
        GitError: ``path`` is not a git repository.
        StoreError: the store cannot be opened or written.
    """
    check_repo_id(repo)
    clone = GitRepository(path, repo, check_platform(platform))
    with clone.reading() as records:
        from crossforge.store import Store  # DuckDB's import overlaps git's reading

        with Store(db) as store:
            return store.write(_provenance(Path(path)), records)


def import_clones(
    paths: Sequence[str | Path] = (), *, mapping: str | Path | None = None,
    platform: str | None = None, db: str | Path = DEFAULT_DB, jobs: int | None = None,
    on_progress: ProgressCallback | None = None,
) -> ClonesSummary:
    """Import many clones into one store, each in its own transaction.

    Args:
        paths: clones, or directories whose child directories are clones.
        mapping: a file of ``PATH OWNER/NAME`` lines (``read_clone_map``): the clones it
            lists are imported (besides ``paths``) under the names it gives.
        platform: every clone's platform; by default each clone's remote host says
            (github.com or huggingface.co).
        db: the DuckDB store.
        jobs: clones read at once by worker processes (default: the machine's cores, at most
            one per clone); 1 reads each clone as a stream in this process.
        on_progress: called after each clone.

    Returns:
        The clones imported with their rows, and those that failed with why. A clone that
        fails (not a clone, no ``OWNER/NAME`` in its remote, unreadable history) leaves the
        store as it was for it; the others are still imported.

    Raises:
        ConfigError: no clone given, an unknown ``platform``, ``jobs`` below 1, or a bad
            mapping file (nothing is imported then).
        StoreError: the store cannot be opened.
    """
    forced = check_platform(platform) if platform is not None else None
    if jobs is not None and jobs < 1:
        raise ConfigError(f"--jobs must be at least 1, not {jobs}")
    named = read_clone_map(Path(mapping)) if mapping is not None else {}
    if not paths and not named:
        raise ConfigError("no clone given: pass clone paths, a directory of clones or --map")
    summary = ClonesSummary()
    clones = _resolve(paths, named, forced, summary.failed)
    total = len(clones) + len(summary.failed)
    if on_progress:
        for done, (label, _) in enumerate(summary.failed, 1):
            on_progress(done, total, label)
    if not clones:
        return summary  # nothing to import: the store is not even created
    workers = min(jobs or os.cpu_count() or 1, len(clones))
    from crossforge.store import Store

    with _readers(clones, workers) as read, Store(db) as store:
        for clone, records in read:
            try:
                counts = store.write(_provenance(clone.path), records())
            except CrossforgeError as exc:
                summary.failed.append((str(clone.path), first_line(exc)))
            else:
                summary.imported.append((clone, counts))
            if on_progress:
                on_progress(summary.total, total, str(clone.path))
    summary.imported.sort(key=lambda done: str(done[0].path))
    return summary


def _resolve(paths: Iterable[str | Path], named: dict[Path, str], platform: Platform | None,
             failed: list[tuple[str, str]]) -> list[Clone]:
    """Each clone to import with its name and platform; a clone that cannot be named goes to
    ``failed`` with why."""
    found: dict[Path, None] = dict.fromkeys(named)
    for given in map(Path, paths):
        if is_clone(given):
            found[given.resolve()] = None
        elif given.is_dir() and (inside := find_clones(given)):
            found.update(dict.fromkeys(child.resolve() for child in inside))
        else:
            failed.append((str(given), f"{given} is not a git clone and holds none"))
    clones: list[Clone] = []
    for path in found:
        try:
            clones.append(_name(path, named.get(path), platform))
        except CrossforgeError as exc:
            failed.append((str(path), first_line(exc)))
    return clones


def _name(path: Path, repo: str | None, platform: Platform | None) -> Clone:
    """The clone at ``path`` named by the mapping, else by its remote URL; the platform is
    the one given, else the remote's host."""
    if repo is not None and platform is not None:
        return Clone(path, repo, platform)
    if not path.exists():
        raise GitError(f"{path} does not exist")
    url = remote_url(path)
    host_platform: Platform | None = None
    if url is not None:
        try:
            host_platform, remote_repo = repo_from_remote(url)
        except ConfigError:
            if repo is None:
                raise
        else:
            repo = repo or remote_repo
    if repo is None:
        raise ConfigError(f"{path} has no remote to name it: use --map or --repo")
    platform = platform or host_platform
    if platform is None:
        raise ConfigError(f"{path}: its remote does not say the platform (GitHub's or the "
                          "Hub's host): pass --platform")
    return Clone(path, repo, platform)


def _read(clone: Clone) -> list[object]:
    """A clone's records, read in a worker process (they travel back pickled)."""
    return list(GitRepository(clone.path, clone.repo, clone.platform).list_records())


@contextmanager
def _readers(clones: list[Clone], workers: int
             ) -> Iterator[Iterator[tuple[Clone, Callable[[], Iterable[object]]]]]:
    """Each clone with a function giving its records: streamed in this process for one
    worker, else read by worker processes, as they finish. The workers are forked here,
    before the caller opens the store: a fork never copies an open DuckDB connection."""
    if workers <= 1:
        yield ((clone, _streamed(clone)) for clone in clones)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    start = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(start)) as pool:
        futures = {pool.submit(_read, clone): clone for clone in clones}
        try:
            yield ((futures[future], functools.partial(_result, future, futures[future]))
                   for future in as_completed(futures))
        finally:
            pool.shutdown(cancel_futures=True)


def _result(future: Future[list[object]], clone: Clone) -> list[object]:
    """A worker's records; a worker that died (killed, out of memory) fails its clone, and
    the clones still queued with it, instead of the whole import."""
    from concurrent.futures import BrokenExecutor

    try:
        return future.result()
    except BrokenExecutor as exc:
        raise GitError(f"the worker reading {clone.path} died: {exc}") from exc


def _streamed(clone: Clone) -> Callable[[], Iterable[object]]:
    return lambda: GitRepository(clone.path, clone.repo, clone.platform).list_records()
