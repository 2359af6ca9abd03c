"""GitHub's search as a population: windows by creation date and stars, split below the
1,000-result cap so that together they cover the population once."""

from __future__ import annotations

import math
import time as clock
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any

from crossforge.collection.candidates import Candidate
from crossforge.errors import ConfigError
from crossforge.sources.http import ApiClient
from crossforge.sources.raw import api_time

SEARCH_CAP = 1_000  # GitHub search returns at most the first 1,000 results of a query
SEARCH_PAGE = 100
#: Results aimed at per window when one is split: below the cap, so that uneven windows
#: rarely need a second split.
SEARCH_TARGET = 700
#: Most star bins one split of an open star range makes (the last, ``≥ 1,024``, is open):
#: more would be empty and cost a request each.
STAR_BINS = 12
SEARCH_RETRIES = 2  # asks again when GitHub says its results are incomplete (a timeout)


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
