"""Sampling frames: which repositories a study collects, drawn reproducibly and stored.

A frame is built in three steps, and every parameter of each is stored with it:

1. **Population** (a method): ``from_list`` (names a user gives), ``hub_listing`` (the Hub's
   ``/api/models`` listing with its ``expand`` fields), ``github_random_ids`` (uniform over
   repository ids via ``GET /repositories?since=ID``), ``github_search.github_search``
   (search windows by creation date and stars, split below the 1,000-result cap so they
   cover the population once), ``gharchive.gharchive_activity`` (repositories active in GH
   Archive hourly dumps, read offline) or ``frame_candidates`` (an earlier frame, with the
   metadata collected for it: methods ``github-frame`` and ``huggingface-frame``).
2. **Filters** (``Filters``): minimum activity and popularity, forks, mirrors, archived, a
   creation window, applied to what the method knew at sampling time; a filter the method
   cannot know is refused (filter a collected frame with ``--from-frame`` instead).
3. **Design** (``design.draw``): a seeded simple random sample, or a stratified one
   (creation year, popularity or activity bins; proportional or equal allocation) whose
   stratum sizes are stored so estimates can be weighted.

Same seed, same population and same parameters give the same frame. This module holds the
frame's sources and filters and ``sample_frame``, which runs the three steps; the designs are
in ``design``, the search walk in ``github_search`` and the dumps' reader in ``gharchive``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, ClassVar

from crossforge.collection.candidates import KNOWN, Candidate
from crossforge.collection.design import Design, draw, stratum_of
from crossforge.collection.gharchive import (
    archive_params,
    gharchive_activity,
    gharchive_candidates,
)
from crossforge.collection.github_search import github_search
from crossforge.errors import ConfigError
from crossforge.records import check_repo_id
from crossforge.sources.http import ApiClient
from crossforge.sources.hub import HubSource, repo_key, repo_type
from crossforge.sources.raw import api_time
from crossforge.store import Store

GITHUB_MAX_ID = 1_100_000_000  # about the newest public repository id in late 2026
SEARCH_START = date(2008, 1, 1)  # GitHub opened in 2008


# --- filters -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """Which repositories of a population are eligible."""

    min_activity: int | None = None
    min_popularity: int | None = None
    exclude_forks: bool = False
    exclude_mirrors: bool = False
    exclude_archived: bool = False
    created: tuple[date, date] | None = None

    NEEDS: ClassVar[dict[str, str]] = {"min_activity": "activity", "min_popularity": "popularity",
             "exclude_forks": "is_fork", "exclude_mirrors": "is_mirror",
             "exclude_archived": "is_archived", "created": "created_at"}

    def active(self) -> dict[str, Any]:
        """The filters asked for, by name (for the stored parameters)."""
        return {name: (list(map(str, value)) if name == "created" else value)
                for name in self.NEEDS if (value := getattr(self, name)) not in (None, False)}

    def check(self, method: str) -> None:
        """Refuse a filter on a field the method does not know at sampling time."""
        for name in self.active():
            needed = self.NEEDS[name]
            if needed not in KNOWN[method]:
                flag = "--" + name.replace("_", "-")
                raise ConfigError(
                    f"{flag}: a {method} frame does not know {needed} at sampling time; "
                    "collect it, then sample again with --from-frame (docs/collection.md)")

    def keep(self, candidate: Candidate) -> bool:
        """Whether the candidate passes; one whose filtered field is unknown does not."""
        c = candidate
        if any(getattr(c, self.NEEDS[name]) is None for name in self.active()):
            return False
        if self.min_activity is not None and (c.activity or 0) < self.min_activity:
            return False
        if self.min_popularity is not None and (c.popularity or 0) < self.min_popularity:
            return False
        if (self.exclude_forks and c.is_fork) or (self.exclude_mirrors and c.is_mirror):
            return False
        if self.exclude_archived and c.is_archived:
            return False
        if self.created is not None:
            day = c.created_at.astimezone(UTC).date() if c.created_at else None
            return day is not None and self.created[0] <= day <= self.created[1]
        return True


def parse_dates(text: str, option: str = "--created") -> tuple[date, date]:
    """``FROM..TO`` (ISO dates, either side may be ``*``) as inclusive dates."""
    low, sep, high = text.partition("..")
    try:
        start = SEARCH_START if low in ("", "*") else date.fromisoformat(low)
        end = datetime.now(UTC).date() if not sep or high in ("", "*") else (
            date.fromisoformat(high))
    except ValueError:
        raise ConfigError(f"{option} {text!r}: expected YYYY-MM-DD..YYYY-MM-DD") from None
    if end < start:
        raise ConfigError(f"{option} {text!r}: the range ends before it starts")
    return start, end


def parse_counts(text: str, option: str = "--stars") -> tuple[int, int | None]:
    """``MIN..MAX`` (``MAX`` may be ``*``) as inclusive counts."""
    low, _, high = text.partition("..")
    try:
        start = 0 if low in ("", "*") else int(low)
        end = None if high in ("", "*") else int(high)
    except ValueError:
        raise ConfigError(f"{option} {text!r}: expected MIN..MAX, e.g. 10..* or 0..99") from None
    if start < 0 or (end is not None and end < start):
        raise ConfigError(f"{option} {text!r}: not a range of counts")
    return start, end


# --- the frame -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SampledFrame:
    """A stored frame: its repositories in collection order and its parameters;
    ``replaced``: how many of the platform's repositories the frame held before (0: new)."""

    repos: list[str]
    params: dict[str, Any]
    replaced: int = 0


def build_frame(method: str, population: list[Candidate], filters: Filters, design: Design
                ) -> tuple[list[str], dict[str, Any]]:
    """Filter a population and draw from it; returns the frame and its stored parameters."""
    filters.check(method)
    design.check(method)
    eligible = [c for c in population if filters.keep(c)]
    repos, drawn = draw(eligible, design)
    return repos, {"method": method, "seed": design.seed, "size": design.size,
                   "filters": filters.active(), "population": len(population),
                   "eligible": len(eligible), **drawn}


@dataclass(frozen=True)
class Population:
    """Where a frame's repositories come from: one method, with its own parameters.

    ``from_list`` (a file of repository ids), ``search`` (a GitHub search query over the
    filters' ``created`` range and ``stars``), ``from_gharchive`` (dump files or
    directories) or ``from_frame`` (an earlier frame of the store); with none of them, the
    Hub listing (``kind``: ``model``, ``dataset`` or ``space``; ``author``, ``max_listed``)
    or uniform random GitHub ids below ``max_id``.
    """

    platform: str
    from_list: str | Path | None = None
    search: str | None = None
    stars: tuple[int, int | None] = (0, None)
    from_gharchive: tuple[str | Path, ...] = ()
    from_frame: str | None = None
    kind: str = "model"
    author: str | None = None
    max_listed: int | None = None
    max_id: int = GITHUB_MAX_ID

    @property
    def method(self) -> str:
        """The method's name, as stored in ``params.method`` (and known in ``KNOWN``)."""
        return ("list" if self.from_list is not None else "gharchive" if self.from_gharchive
                else f"{self.platform}-frame" if self.from_frame is not None
                else "hub-listing" if self.platform == "huggingface"
                else "github-search" if self.search is not None else "github-random-ids")


#: Opens the GitHub and Hub API clients, only for the methods that ask an API.
Clients = Callable[[], AbstractContextManager[tuple[ApiClient, ApiClient]]]


def sample_frame(db: str | Path, frame: str, population: Population, filters: Filters,
                 design: Design, *, clients: Clients, replace: bool = False,
                 on_window: Callable[[str, int], None] | None = None) -> SampledFrame:
    """Draw a frame from ``population`` and store it in ``db`` as ``frame``, with every
    parameter of its three steps.

    A frame that already holds the platform's repositories is replaced only with
    ``replace``; without it the error comes before any request is made. An empty draw never
    replaces anything: it is an error and the store is left as it was.

    ``on_window`` is called after each search window with its query and the repositories
    found so far (for progress displays).
    """
    held = 0
    if Path(db).exists():  # a new store is created only once there is a frame to write
        with Store(db) as store:
            held = store.frame_size(frame, population.platform)
            if not replace:
                store.check_frame_free(frame, population.platform)
    candidates, details = _population(db, population, filters, design, clients, on_window)
    repos, params = build_frame(population.method, candidates, filters, design)
    params |= details
    if not repos:
        asked = "" if design.size is None else f", --size {design.size:,}"
        raise ConfigError(f"the draw is empty ({params['population']:,} in the population, "
                          f"{params['eligible']:,} eligible{asked}): frame {frame!r} is left "
                          f"as it was in {db}")
    by_repo = {c.repo: c for c in candidates}
    with Store(db) as store:
        store.write_frame(frame, population.platform, repos, params, replace=replace,
                          strata=[stratum_of(by_repo[r], design) for r in repos])
    return SampledFrame(repos, params, replaced=held if replace else 0)


def _population(db: str | Path, population: Population, filters: Filters, design: Design,
                clients: Clients, on_window: Callable[[str, int], None] | None
                ) -> tuple[list[Candidate], dict[str, Any]]:
    """The method's candidates, and what to store about how they were found."""
    p = population
    if p.from_list is not None:
        return ([Candidate(r) for r in from_list(p.from_list, platform=p.platform)],
                {"list": str(p.from_list)})
    if p.from_gharchive:
        activity, summary = gharchive_activity(p.from_gharchive)
        return gharchive_candidates(activity), {
            "dumps": [str(path) for path in p.from_gharchive],
            **archive_params(summary, activity)}
    if p.from_frame is not None:
        with Store(db) as store:
            rows = store.frame_metadata(p.from_frame, p.platform)
        if not rows:
            raise ConfigError(f"frame {p.from_frame!r} has no {p.platform} repositories "
                              f"in {db}")
        return frame_candidates(rows), {
            "from_frame": p.from_frame, "without_metadata": sum(1 for r in rows if r[1] is None)}
    with clients() as (gh, hb):
        if p.method == "hub-listing":
            return (hub_listing(HubSource(hb), kind=p.kind, author=p.author,
                                max_listed=p.max_listed),
                    {"kind": p.kind, "author": p.author, "max_listed": p.max_listed})
        if p.method == "github-search":
            window = filters.created or parse_dates("*..*")
            walk = github_search(
                gh, p.search or "", window, p.stars, include_forks=not filters.exclude_forks,
                exclude_archived=filters.exclude_archived,
                exclude_mirrors=filters.exclude_mirrors, on_window=on_window)
            return walk.candidates, {
                "query": p.search, "created": [str(d) for d in window],
                "stars": list(p.stars), "windows": walk.windows, "splits": walk.splits,
                "requests": walk.requests, "replayed": walk.replayed,
                "truncated": walk.truncated}
        return (github_random_ids(gh, design.size or 0, design.seed, p.max_id,
                                  keep=filters.keep), {"max_id": p.max_id})


# --- list, Hub listing, random ids ---------------------------------------------------------


def from_list(path: str | Path, *, platform: str = "github") -> list[str]:
    """Repository ids from a text file, one per line (``#`` comments and blanks skipped);
    a Hub list may name datasets and spaces by their keys (``datasets/OWNER/NAME``)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ConfigError(f"list {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read list {path}: {exc}") from None
    repos = [line.split("#", 1)[0].strip() for line in lines]
    for number, repo in enumerate(repos, 1):
        if repo:
            try:
                check_repo_id(repo_type(repo)[1] if platform == "huggingface" else repo)
            except ConfigError as exc:
                raise ConfigError(f"{path}, line {number}: {exc}") from None
    if not any(repos):
        raise ConfigError(f"list {path} names no repository (one OWNER/NAME per line)")
    return list(dict.fromkeys(r for r in repos if r))


def hub_listing(source: HubSource, *, kind: str = "model", author: str | None = None,
                max_listed: int | None = None) -> list[Candidate]:
    """Models (datasets, spaces for ``kind``) from the Hub's listing (following its ``Link``
    cursor), with the ``expand`` fields filters use: ``createdAt``, ``likes`` (popularity),
    ``downloads`` (activity; spaces have none). Candidates are repository keys
    (``datasets/OWNER/NAME`` for a dataset, see ``crossforge.sources.hub.repo_key``)."""
    models: list[Candidate] = []
    for page in source.listing(kind=kind, author=author):
        if page.status != 200:
            raise ConfigError(f"the Hub listing answered {page.status} for {page.url}")
        models += [Candidate(repo_key(kind, m["id"]), created_at=api_time(m.get("createdAt")),
                             popularity=m.get("likes"), activity=m.get("downloads"))
                   for m in page.json()]
        if max_listed is not None and len(models) >= max_listed:
            return models[:max_listed]
    return models


def github_random_ids(client: ApiClient, size: int, seed: int, max_id: int = GITHUB_MAX_ID,
                      keep: Callable[[Candidate], bool] = lambda _c: True) -> list[Candidate]:
    """``size`` distinct public repositories by uniformly drawn ids that ``keep`` accepts.

    ``GET /repositories`` lists a short repository form: of the filters' fields it carries
    only ``fork``.
    """
    rng = random.Random(seed)
    chosen: dict[str, Candidate] = {}
    attempts = 0
    while len(chosen) < size and attempts < size * 20:
        attempts += 1
        since = rng.randrange(max_id)
        page = client.get("/repositories", kind="github.listing", context={},
                          params={"since": since})
        listed = page.json() if page.status == 200 else []
        if listed:
            candidate = Candidate(listed[0]["full_name"], is_fork=listed[0].get("fork"))
            if keep(candidate):
                chosen.setdefault(candidate.repo, candidate)
    return list(chosen.values())


# --- an earlier frame, with its collected metadata -----------------------------------------


def frame_candidates(rows: Iterable[tuple[Any, ...]]) -> list[Candidate]:
    """Candidates from ``(repo, created_at, popularity, downloads, is_fork, is_archived,
    is_mirror)`` rows of an earlier frame joined with the collected ``repositories``."""
    return [Candidate(repo, created_at=created.replace(tzinfo=created.tzinfo or UTC)
                      if created else None, popularity=popularity, activity=downloads,
                      is_fork=fork, is_archived=archived, is_mirror=mirror)
            for repo, created, popularity, downloads, fork, archived, mirror in rows]
