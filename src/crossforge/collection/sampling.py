"""Sampling frames: which repositories a study collects, drawn reproducibly and stored.

A frame is built in three steps, and every parameter of each is stored with it:

1. **Population** (a method): ``from_list`` (names a user gives), ``hub_listing`` (the Hub's
   ``/api/models`` listing with its ``expand`` fields), ``github_random_ids`` (uniform over
   repository ids via ``GET /repositories?since=ID``), ``github_search`` (search windows by
   creation date and stars, split below the 1,000-result cap so they cover the population
   once), ``gharchive_activity`` (repositories active in GH Archive hourly dumps, read
   offline) or ``frame_candidates`` (an earlier frame, with the metadata collected for it:
   methods ``github-frame`` and ``huggingface-frame``).
2. **Filters** (``Filters``): minimum activity and popularity, forks, mirrors, archived, a
   creation window, applied to what the method knew at sampling time; a filter the method
   cannot know is refused (filter a collected frame with ``--from-frame`` instead).
3. **Design** (``draw``): a seeded simple random sample, or a stratified one (creation year,
   popularity or activity bins; proportional or equal allocation) whose stratum sizes are
   stored so estimates can be weighted.

Same seed, same population and same parameters give the same frame.
"""

from __future__ import annotations

import gzip
import math
import random
import tempfile
import time as clock
import zlib
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any, ClassVar

import duckdb

from crossforge.allocation import largest_remainder
from crossforge.errors import ConfigError
from crossforge.records import check_repo_id
from crossforge.sources.http import ApiClient
from crossforge.sources.hub import HubSource, repo_key, repo_type
from crossforge.sources.raw import api_time

GITHUB_MAX_ID = 1_100_000_000  # about the newest public repository id in late 2026
SEARCH_CAP = 1_000  # GitHub search returns at most the first 1,000 results of a query
SEARCH_PAGE = 100
#: Results aimed at per window when one is split: below the cap, so that uneven windows
#: rarely need a second split.
SEARCH_TARGET = 700
#: Most star bins one split of an open star range makes (the last, ``≥ 1,024``, is open):
#: more would be empty and cost a request each.
STAR_BINS = 12
SEARCH_START = date(2008, 1, 1)  # GitHub opened in 2008
SEARCH_RETRIES = 2  # asks again when GitHub says its results are incomplete (a timeout)
#: GH Archive events that are reactions of outsiders rather than work on the repository.
REACTION_EVENTS = frozenset({"WatchEvent", "ForkEvent"})
#: From this day GH Archive PushEvent payloads carry no commit list or size (domain.md).
PUSH_COMMITS_DROPPED = date(2025, 10, 7)
FIELDS = ("created_at", "popularity", "activity", "is_fork", "is_archived", "is_mirror")


@dataclass(frozen=True, slots=True)
class Candidate:
    """One repository of a population, with what its method told about it.

    Attributes:
        popularity: GitHub stars or Hub likes.
        activity: GH Archive events (work, not stars or forks) or Hub downloads (30 days).
    """

    repo: str
    created_at: datetime | None = None
    popularity: int | None = None
    activity: int | None = None
    is_fork: bool | None = None
    is_archived: bool | None = None
    is_mirror: bool | None = None


#: The fields each method knows at sampling time (what the filters and strata may use).
KNOWN: dict[str, frozenset[str]] = {
    "list": frozenset(),
    "hub-listing": frozenset({"created_at", "popularity", "activity"}),
    "github-random-ids": frozenset({"is_fork"}),
    "github-search": frozenset({"created_at", "popularity", "is_fork", "is_archived",
                                "is_mirror"}),
    "gharchive": frozenset({"activity"}),
    # an earlier frame with its collected metadata: GitHub has no activity count there,
    # the Hub no forks, mirrors or archiving
    "github-frame": frozenset(FIELDS) - {"activity"},
    "huggingface-frame": frozenset({"created_at", "popularity", "activity"}),
}


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


# --- designs -------------------------------------------------------------------------------


def _log_bin(value: int | None) -> str:
    """``0``, ``1-9``, ``10-99``, … (popularity and activity are heavy-tailed)."""
    if value is None:
        return "unknown"
    if value <= 0:
        return "0"
    low = 10 ** int(math.log10(value))
    return f"{low}-{low * 10 - 1}"


STRATA: dict[str, tuple[str, Callable[[Candidate], str]]] = {
    "year": ("created_at", lambda c: str(c.created_at.astimezone(UTC).year)
             if c.created_at else "unknown"),
    "popularity": ("popularity", lambda c: _log_bin(c.popularity)),
    "activity": ("activity", lambda c: _log_bin(c.activity)),
}
ALLOCATIONS = ("proportional", "equal")


@dataclass(frozen=True)
class Design:
    """How many to draw and how: simple random (no strata) or stratified."""

    size: int | None = None
    seed: int = 0
    strata: tuple[str, ...] = ()
    allocation: str = "proportional"

    def check(self, method: str) -> None:
        for name in self.strata:
            if name not in STRATA:
                raise ConfigError(f"--strata {name!r}: choose from {', '.join(STRATA)}")
            if STRATA[name][0] not in KNOWN[method]:
                raise ConfigError(f"--strata {name}: a {method} frame does not know "
                                  f"{STRATA[name][0]} at sampling time")
        if self.allocation not in ALLOCATIONS:
            raise ConfigError(f"--allocation {self.allocation!r}: choose proportional or equal")
        if self.size is not None and self.size < 0:
            raise ConfigError("--size must not be negative")


def simple_random(population: list[str], size: int | None, seed: int) -> list[str]:
    """``size`` repositories drawn without replacement (all, shuffled, when size is None)."""
    chosen = sorted(population)
    random.Random(seed).shuffle(chosen)
    return chosen if size is None else chosen[:size]


def draw(population: Iterable[Candidate], design: Design) -> tuple[list[str], dict[str, Any]]:
    """The drawn repositories and what to store about the draw.

    Stratified draws sample each stratum with its own seeded generator (so a stratum's draw
    does not depend on the others) and store every stratum's population ``N`` and draw ``n``:
    a repository of stratum h stands for ``N_h / n_h`` repositories of the population.
    """
    candidates = {c.repo: c for c in population}
    if not design.strata:
        return simple_random(list(candidates), design.size, design.seed), {"design": "simple"}
    groups: dict[str, list[str]] = {}
    for repo in sorted(candidates):
        key = "|".join(f"{name}={STRATA[name][1](candidates[repo])}" for name in design.strata)
        groups.setdefault(key, []).append(repo)
    keys = sorted(groups)
    sizes = {k: len(groups[k]) for k in keys}
    total = min(design.size if design.size is not None else len(candidates), len(candidates))
    rng = random.Random(design.seed)
    if design.allocation == "proportional":
        allocated = largest_remainder(sizes, total, rng)
    else:
        allocated = _equal(sizes, total, rng)
    chosen: list[str] = []
    for key in keys:
        chosen += random.Random(f"{design.seed}:{key}").sample(groups[key], allocated[key])
    rng.shuffle(chosen)  # collection order is random, so a partial collection is a sample too
    return chosen, {"design": "stratified", "strata": list(design.strata),
                    "allocation": design.allocation,
                    "strata_sizes": {k: {"N": sizes[k], "n": allocated[k]} for k in keys}}


def _equal(sizes: dict[str, int], total: int, rng: random.Random) -> dict[str, int]:
    """The same number from every stratum; what a small stratum cannot give goes to others."""
    allocated = dict.fromkeys(sizes, 0)
    remaining = total
    while remaining > 0:
        open_strata = [k for k in sorted(sizes) if allocated[k] < sizes[k]]
        rng.shuffle(open_strata)
        share, extra = divmod(remaining, len(open_strata))
        for index, key in enumerate(open_strata):
            give = min(sizes[key] - allocated[key], share + (index < extra))
            allocated[key] += give
            remaining -= give
    return allocated


@dataclass(frozen=True)
class SampledFrame:
    """A stored frame: its repositories in collection order and its parameters."""

    repos: list[str]
    params: dict[str, Any]


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


# --- GitHub search windows -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Window:
    """Repositories created from ``start`` to ``end`` (inclusive, to the second) with
    ``stars`` from ``low`` to ``high`` (inclusive; ``None`` is unbounded)."""

    start: datetime
    end: datetime
    low: int = 0
    high: int | None = None

    def qualifiers(self) -> str:
        whole_days = self.start.time() == time(0) and self.end.time() == time(23, 59, 59)
        if whole_days:
            created = f"{self.start.date()}..{self.end.date()}"
        else:
            created = f"{_search_time(self.start)}..{_search_time(self.end)}"
        stars = f"{self.low}..{'*' if self.high is None else self.high}"
        return f"created:{created} stars:{stars}"

    def split(self, total: int) -> list[Window]:
        """Contiguous windows that cover this one exactly: by days, else by stars, else by
        time of day; none when a single second and star count cannot be split."""
        parts = max(2, math.ceil(total / SEARCH_TARGET))
        days = (self.end.date() - self.start.date()).days + 1
        if self.start.time() == time(0) and self.end.time() == time(23, 59, 59) and days > 1:
            return [replace(self, start=_midnight(self.start.date() + timedelta(first)),
                            end=_midnight(self.start.date() + timedelta(first + count))
                            - timedelta(seconds=1))
                    for first, count in _cuts(days, parts)]
        if self.high is None:  # stars are heavy-tailed: [low], [low+1], [low+2..low+3], …
            edges = [self.low] + [self.low + 2 ** i
                                  for i in range(min(parts, STAR_BINS) - 1)]
            return [replace(self, low=a, high=b - 1) for a, b in pairwise(edges)] + [
                replace(self, low=edges[-1], high=None)]
        if self.high > self.low:
            return [replace(self, low=self.low + first, high=self.low + first + count - 1)
                    for first, count in _cuts(self.high - self.low + 1, parts)]
        seconds = int((self.end - self.start).total_seconds()) + 1
        if seconds > 1:
            return [replace(self, start=self.start + timedelta(seconds=first),
                            end=self.start + timedelta(seconds=first + count - 1))
                    for first, count in _cuts(seconds, parts)]
        return []


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _search_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _cuts(units: int, parts: int) -> list[tuple[int, int]]:
    """``units`` cut into at most ``parts`` contiguous runs as even as integers allow."""
    parts = min(parts, units)
    bounds = [units * i // parts for i in range(parts + 1)]
    return [(a, b - a) for a, b in pairwise(bounds)]


@dataclass
class SearchAnswer:
    total: int
    incomplete: bool
    items: list[Candidate]


@dataclass
class SearchWalk:
    """What a search walk found and what it cost."""

    candidates: list[Candidate]
    windows: int = 0
    splits: int = 0
    requests: int = 0
    replayed: int = 0
    truncated: list[dict[str, Any]] = field(default_factory=list)


def search_candidate(item: dict[str, Any]) -> Candidate:
    return Candidate(item["full_name"], created_at=api_time(item.get("created_at")),
                     popularity=item.get("stargazers_count"), is_fork=item.get("fork"),
                     is_archived=item.get("archived"),
                     is_mirror=item.get("mirror_url") is not None)


def github_search(client: ApiClient, query: str, created: tuple[date, date],
                  stars: tuple[int, int | None] = (0, None), *, include_forks: bool = True,
                  exclude_archived: bool = False, exclude_mirrors: bool = False,
                  on_window: Callable[[str, int], None] | None = None) -> SearchWalk:
    """Every repository ``GET /search/repositories`` finds for ``query`` in the window.

    A window whose ``total_count`` exceeds the 1,000-result cap is split (days, then
    stars, then time of day) into windows that partition it, so the union covers the
    population once. Answers already in the raw store for the same query and page are
    reused, so a stopped walk resumes where it stopped. After an answer that leaves the
    search budget (30 a minute with a token) at zero, the walk waits for its reset.
    """
    if any(word.split(":", 1)[0] in ("created", "stars", "fork")
           for word in query.split() if ":" in word):
        raise ConfigError("--search: give the creation range with --created, stars with "
                          "--stars and forks with --exclude-forks, not in the query")
    extra = " ".join((["fork:true"] if include_forks else [])
                     + (["archived:false"] if exclude_archived else [])
                     + (["mirror:false"] if exclude_mirrors else []))
    base = " ".join(part for part in (query.strip(), extra) if part)
    stored = _stored_search_answers(client)
    walk = SearchWalk(candidates=[])
    found: dict[str, Candidate] = {}

    def fetch(q: str, page: int) -> SearchAnswer:
        if (q, page) in stored:
            walk.replayed += 1
            return stored[(q, page)]
        for _attempt in range(SEARCH_RETRIES + 1):
            response = client.get("/search/repositories", kind="github.search",
                                  context={"q": q, "page": page},
                                  params={"q": q, "per_page": SEARCH_PAGE, "page": page})
            walk.requests += 1
            _pace_search(client, response.headers)
            if response.status != 200:
                message = (response.json() or {}).get("message", "") if response.body else ""
                raise ConfigError(f"GitHub search answered {response.status} for {q!r}: "
                                  f"{message}".rstrip(": "))
            answer = _search_answer(response.json())
            if not answer.incomplete:
                break
        return answer

    root = Window(_midnight(created[0]), _midnight(created[1] + timedelta(1))
                  - timedelta(seconds=1), stars[0], stars[1])
    pending: deque[Window] = deque([root])
    while pending:
        window = pending.popleft()
        q = f"{base} {window.qualifiers()}".strip()
        first = fetch(q, 1)
        # A search that timed out is tried on smaller windows, down to one page's worth.
        over = first.total > SEARCH_CAP or (first.incomplete and first.total > SEARCH_PAGE)
        children = window.split(first.total) if over else []
        if children:
            walk.splits += 1
            pending.extendleft(reversed(children))
            continue
        if first.total > SEARCH_CAP or first.incomplete:
            walk.truncated.append({"q": q, "total_count": first.total,
                                   "incomplete": first.incomplete})
        walk.windows += 1
        items = list(first.items)
        pages = math.ceil(min(first.total, SEARCH_CAP) / SEARCH_PAGE)
        for page in range(2, pages + 1):
            answer = fetch(q, page)
            items += answer.items
            if len(answer.items) < SEARCH_PAGE:
                break
        for candidate in items:
            found.setdefault(candidate.repo, candidate)
        if on_window is not None:
            on_window(q, len(found))
    walk.candidates = list(found.values())
    return walk


def _search_answer(body: dict[str, Any]) -> SearchAnswer:
    return SearchAnswer(int(body.get("total_count", 0)), bool(body.get("incomplete_results")),
                        [search_candidate(item) for item in body.get("items", [])])


def _stored_search_answers(client: ApiClient) -> dict[tuple[str, int], SearchAnswer]:
    """Complete search answers already in the raw store, by query and page (the latest)."""
    stored: dict[tuple[str, int], SearchAnswer] = {}
    for response in client.raw:
        if response.kind == "github.search" and response.status == 200:
            answer = _search_answer(response.json())
            if not answer.incomplete:
                stored[(response.context["q"], int(response.context["page"]))] = answer
    return stored


def _pace_search(client: ApiClient, headers: dict[str, str]) -> None:
    """Wait for the search budget's reset when an answer says it is spent."""
    if headers.get("x-ratelimit-resource") == "search" and headers.get(
            "x-ratelimit-remaining") == "0" and "x-ratelimit-reset" in headers:
        wait = max(float(headers["x-ratelimit-reset"]) - clock.time(), 1.0)
        client.budget.waited_seconds += wait
        client.sleep(wait)


# --- GH Archive ----------------------------------------------------------------------------


@dataclass
class ArchiveActivity:
    """One repository's events in the dumps read."""

    repo: str
    events: int = 0
    types: Counter[str] = field(default_factory=Counter)
    commits: int = 0
    pushes_without_size: int = 0
    first_seen: str = ""
    last_seen: str = ""

    @property
    def activity(self) -> int:
        """Events that are work on the repository (stars and forks left out)."""
        return self.events - sum(self.types[t] for t in REACTION_EVENTS)


@dataclass
class ArchiveSummary:
    files: int = 0
    events: int = 0
    skipped_lines: int = 0
    damaged_files: list[str] = field(default_factory=list)
    first_event: str = ""
    last_event: str = ""


def archive_files(paths: Iterable[str | Path]) -> list[Path]:
    """The dump files named, a directory standing for the ``*.json.gz`` files under it."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            files += sorted(path.rglob("*.json.gz"))
        elif path.is_file():
            files.append(path)
        else:
            raise ConfigError(f"GH Archive dump {path} does not exist")
    if not files:
        raise ConfigError("no GH Archive dumps (*.json.gz) in the paths given")
    return files


#: The event fields read; the rest of each event (most of its bytes) is never materialised.
_EVENT_COLUMNS = ("{type: 'VARCHAR', created_at: 'VARCHAR', "
                  "repo: 'STRUCT(id BIGINT, name VARCHAR)', "
                  "repository: 'STRUCT(id BIGINT, name VARCHAR, owner VARCHAR)', "
                  "payload: 'STRUCT(size BIGINT, distinct_size BIGINT)'}")
#: Events without a repository (and malformed lines) form the group whose key is NULL.
_AGGREGATE = """
    WITH events AS (
        SELECT coalesce(repo.name, repository.owner || '/' || repository.name) AS name,
               coalesce(CAST(coalesce(repo.id, repository.id) AS VARCHAR),
                        repo.name, repository.owner || '/' || repository.name) AS key,
               type, created_at, coalesce(payload.distinct_size, payload.size) AS size
        FROM read_json($files, format = 'newline_delimited', compression = 'auto',
                       ignore_errors = true, columns = {columns}))
    SELECT key, arg_max(name, created_at), count(*), histogram(type),
           coalesce(sum(size) FILTER (WHERE type = 'PushEvent'), 0),
           count(*) FILTER (WHERE type = 'PushEvent' AND size IS NULL),
           min(created_at), max(created_at)
    FROM events GROUP BY key
""".replace("{columns}", _EVENT_COLUMNS)


def gharchive_activity(paths: Iterable[str | Path]
                       ) -> tuple[dict[str, ArchiveActivity], ArchiveSummary]:
    """Per-repository event counts from GH Archive hourly dumps, keyed by repository id.

    DuckDB's JSON reader streams the gzipped lines, reads only the fields above and groups
    by repository, spilling to disk when the groups outgrow memory. Events name their
    repository as ``repo: {id, name}`` (2015 on) or, in the 2011–2014 timeline format,
    ``repository: {id, owner, name}``; counting by id follows a rename within the dumps and
    keeps the newest name. Commits are summed from PushEvent ``distinct_size`` (or ``size``)
    where present; payloads from 2025-10-07 lack them, so such pushes are counted apart and
    ``activity`` counts events, never commits. Malformed lines and events without a
    repository are skipped and counted; a file cut short (an interrupted download) is read
    up to the damage and reported.
    """
    files = archive_files(paths)
    summary = ArchiveSummary(files=len(files))
    with tempfile.TemporaryDirectory(prefix="crossforge-gharchive-") as scratch:
        readable = list(files)
        while True:
            try:
                rows = _aggregate(readable, Path(scratch))
                break
            except duckdb.IOException as exc:
                damaged = next((f for f in readable if str(f) in str(exc)), None)
                if damaged is None:
                    raise ConfigError(f"cannot read the GH Archive dumps: "
                                      f"{str(exc).splitlines()[0]}") from None
                summary.damaged_files.append(damaged.name)
                readable[readable.index(damaged)] = _salvage(damaged, Path(scratch))
    repos: dict[str, ArchiveActivity] = {}
    for key, name, events, types, commits, unsized, first, last in rows:
        if first is not None:
            summary.first_event = min(summary.first_event or first, first)
            summary.last_event = max(summary.last_event, last)
        if key is None:
            summary.skipped_lines += events
            continue
        try:
            check_repo_id(name)
        except ConfigError:
            summary.skipped_lines += events
            continue
        summary.events += events
        repos[key] = ArchiveActivity(name, events=events, types=Counter(types),
                                     commits=int(commits), pushes_without_size=unsized,
                                     first_seen=first or "", last_seen=last or "")
    return repos, summary


def _aggregate(files: list[Path], scratch: Path) -> list[tuple[Any, ...]]:
    with duckdb.connect(config={"temp_directory": str(scratch)}) as connection:
        return connection.execute(_AGGREGATE, {"files": [str(f) for f in files]}).fetchall()


def _salvage(path: Path, scratch: Path) -> Path:
    """The complete lines of a dump cut short, recompressed into the scratch directory."""
    salvaged = scratch / f"salvaged-{path.name}"
    with gzip.open(salvaged, "wt", encoding="utf-8") as out:
        try:
            with gzip.open(path, "rt", encoding="utf-8", errors="replace") as handle:
                for line in handle:
                    if line.endswith("\n"):
                        out.write(line)
        except (EOFError, zlib.error, OSError):
            pass  # everything before the damage was written
    return salvaged


def gharchive_candidates(activity: dict[str, ArchiveActivity]) -> list[Candidate]:
    return [Candidate(entry.repo, activity=entry.activity) for entry in activity.values()]


def archive_params(summary: ArchiveSummary, activity: dict[str, ArchiveActivity]
                   ) -> dict[str, Any]:
    """What to store about the dumps read (the per-repository counts drive the filter)."""
    late_pushes = sum(a.pushes_without_size for a in activity.values())
    return {"files": summary.files, "events": summary.events,
            "repositories_active": len(activity), "skipped_lines": summary.skipped_lines,
            "damaged_files": summary.damaged_files, "first_event": summary.first_event,
            "last_event": summary.last_event, "pushes_without_commit_counts": late_pushes,
            "activity": "events except " + ", ".join(sorted(REACTION_EVENTS))}


# --- an earlier frame, with its collected metadata -----------------------------------------


def frame_candidates(rows: Iterable[tuple[Any, ...]]) -> list[Candidate]:
    """Candidates from ``(repo, created_at, popularity, downloads, is_fork, is_archived,
    is_mirror)`` rows of an earlier frame joined with the collected ``repositories``."""
    return [Candidate(repo, created_at=created.replace(tzinfo=created.tzinfo or UTC)
                      if created else None, popularity=popularity, activity=downloads,
                      is_fork=fork, is_archived=archived, is_mirror=mirror)
            for repo, created, popularity, downloads, fork, archived, mirror in rows]
