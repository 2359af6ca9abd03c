"""The transport under both API collectors: httpx, tokens, retries, rate limits, raw store.

Kept apart from the platform clients (as httpx keeps transports apart from its client): a
collector asks for a path and gets a ``RawResponse`` that is already in the raw store.

- Tokens go only into the ``Authorization`` header; several GitHub tokens are used in turn
  when one runs out. They never reach the raw store, the database, logs or messages (nor
  does a base URL's ``user:password@``: every URL stored or printed is ``redacted_url``). A
  GitHub App (``crossforge.sources.github_app``) gives installation tokens instead, renewed
  before they expire and after a 401.
- Primary rate limits: when ``X-RateLimit-Remaining`` is 0 (GitHub) or a 429 arrives (both),
  wait until the reset the headers name (``X-RateLimit-Reset``, ``Retry-After``, the Hub's
  ``RateLimit: …;t=SECONDS``), or 60 s when none is given (GitHub's documented floor). The
  Hub sends its ``RateLimit`` header with every answer: one that leaves nothing (``r=0``)
  holds every Hub client until the window resets, before any 429.
- 5xx answers, transport errors (timeouts, resets, bodies cut short) and 2xx answers whose
  body is not valid JSON are retried with exponential backoff; a bad body is never stored.
  A body that stops short of its ``Content-Length``, or a file (a model card) whose content
  does not hash to its ``ETag``, is asked again, then ``UnusableAnswer`` (its task fails).
- A 401 stops the run (``CollectError``) when it refuses the credentials: any GitHub 401,
  the Hub's "Invalid credentials in Authorization header". The Hub's other 401s (a missing,
  private or gated repository to a caller without a token) are answers, which collection
  reads as missing or inaccessible (``crossforge.collection.answers.ending``).
- Pagination that repeats (page *k* gives page *k - 1*'s items) or loops (``rel="next"``
  points to a page already visited) is retried; a loop that persists falls back to the
  explicit page number, and what cannot be recovered fails with a message (never a silent
  "done" with pages missing).
- With ``conditional=True`` a GET the raw store already answered is asked with
  ``If-None-Match``; a ``304 Not Modified`` (which GitHub does not charge) returns the stored
  answer, so re-collecting unchanged resources is free.
- One ``Breaker`` per platform is shared by every client and thread: any wait (backoff, rate
  limit) holds them all, consecutive failures open the circuit for a cool-down, and a total
  wait budget bounds the run.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from crossforge._version import __version__
from crossforge.errors import CollectError
from crossforge.sources.raw import KEPT_HEADERS, RawResponse, RawStore, redacted_url

if TYPE_CHECKING:
    from crossforge.sources.github_app import InstallationAuth

SECONDARY_LIMIT_FLOOR = 60.0
#: GitHub's documented secondary limits on points per minute per user ("Rate limits for the
#: REST API", About secondary rate limits): 900 for REST endpoints, 2,000 for the GraphQL
#: endpoint; a GET, HEAD or OPTIONS request and a GraphQL query without a mutation are one
#: point, any other request five. ``api`` paces api.github.com by them.
GITHUB_SECONDARY_POINTS = {"rest": 900, "graphql": 2_000}
SECONDARY_WINDOW = 60.0
_HUB_RESET = re.compile(r"t=(\d+)")
_HUB_REMAINING = re.compile(r"r=(\d+)")
#: The bucket's name, first in the Hub's ``RateLimit`` header: ``"api";r=0;t=189``.
_HUB_POLICY = re.compile(r'\s*"([^"]+)"')
#: Header crossforge adds to a stored answer whose own ``rel="next"`` looped: the next page
#: the transport determined instead, empty when the looping page was empty (the end); the
#: platform's ``Link`` is kept as it came. A GraphQL walk (no ``Link``) stores its position
#: after the answer here too (``ApiClient.post``'s ``annotate``).
NEXT_OVERRIDE = "x-crossforge-next"
#: What the Hub says when it refuses a token (``huggingface_hub`` stops on it too).
HUB_INVALID = "Invalid credentials in Authorization header"
#: Page-number parameters and the number of the first page (GitHub ``page``, Hub ``p``).
PAGE_KEYS = {"page": 1, "p": 0}


class UnusableAnswer(CollectError):
    """Every attempt got an answer that cannot be stored as it is (``answer`` is the last)."""

    def __init__(self, message: str, answer: httpx.Response | None, problem: str) -> None:
        super().__init__(message)
        self.answer = answer
        self.problem = problem


@dataclass
class Breaker:
    """The back-off every client of one platform shares, so all workers wait together.

    Any wait (a backoff after a failure, a rate limit) holds every client until it ends;
    ``threshold`` consecutive failures open the circuit for ``cooldown`` seconds; more than
    ``max_total_wait`` seconds of waiting in one run fails the run instead of idling on.
    """

    threshold: int = 5
    cooldown: float = 60.0
    max_total_wait: float = 24 * 3_600.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    waited: float = 0.0
    failures: int = 0
    openings: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._until = 0.0
        self._local = threading.local()

    def failure(self, backoff: float) -> float:
        """Count a failure; the seconds to hold everyone (the cool-down once it opens)."""
        with self._lock:
            self.failures += 1
            if self.failures % self.threshold == 0:
                self.openings += 1
                return max(backoff, self.cooldown)
        return backoff

    def success(self) -> None:
        with self._lock:
            self.failures = 0

    def pause(self, seconds: float, platform: str) -> float:
        """Hold every client for ``seconds`` (or longer if one already holds) and wait."""
        with self._lock:
            now = self.clock()
            waited = max(seconds, self._until - now)
            self._until = max(self._until, now + seconds)
            self._local.until = self._until
            self.waited += waited
            if self.waited > self.max_total_wait:
                raise CollectError(f"{platform}: gave up after waiting {self.waited:.0f} s in "
                                   f"total, beyond the wait budget of "
                                   f"{self.max_total_wait:.0f} s")
        self.sleep(waited)
        return waited

    def hold(self, seconds: float) -> None:
        """Hold every client, this one too, for ``seconds`` from now, from its next request
        on (``wait_turn``): a bucket the platform says is spent."""
        with self._lock:
            self._until = max(self._until, self.clock() + seconds)

    def wait_turn(self) -> float:
        """Before a request: wait out a hold another client started."""
        with self._lock:
            now, until = self.clock(), self._until
            if until <= max(now, getattr(self._local, "until", 0.0)):
                return 0.0
            self._local.until = until
            self.waited += until - now
        self.sleep(until - now)
        return until - now


@dataclass
class Allowance:
    """One rate-limit bucket as the platform last announced it."""

    limit: int | None = None
    remaining: int | None = None
    reset_at: float | None = None


@dataclass
class Budget:
    """What the platform says is left of its rate limits, for progress displays.

    Each bucket is kept apart, by the name the platform gives it: GitHub's
    ``X-RateLimit-Resource`` (``core``, ``graphql``, ``search``…), the Hub's ``RateLimit``
    policy name (``api``, ``resolvers``…), so an answer from one never overwrites another's.
    """

    requests: int = 0
    waited_seconds: float = 0.0
    resources: dict[str, Allowance] = field(default_factory=dict)

    def tightest(self) -> tuple[str, Allowance] | None:
        """The announced bucket with the smallest share left (None before any announcement)."""
        known = [(name, a) for name, a in self.resources.items() if a.remaining is not None]
        if not known:
            return None
        return min(known, key=lambda item: (item[1].remaining or 0) / (item[1].limit or 1)
                   if item[1].limit else float(item[1].remaining or 0))

    @property
    def remaining(self) -> int | None:
        """What is left of the tightest bucket."""
        tightest = self.tightest()
        return tightest[1].remaining if tightest else None

    @property
    def reset_at(self) -> float | None:
        """When the tightest bucket resets (epoch seconds)."""
        tightest = self.tightest()
        return tightest[1].reset_at if tightest else None


@dataclass
class ApiClient:
    """One platform's HTTP client.

    Args:
        base_url: ``https://api.github.com``, ``https://huggingface.co`` or an emulator.
        platform: ``github`` or ``huggingface`` (selects the rate-limit headers).
        raw: where every final response is written before it is returned.
        tokens: zero or more tokens, used in turn when one's budget is spent.
        max_retries: attempts per request for 5xx, timeouts and resets.
        max_wait: longest single wait for a rate limit, in seconds; longer waits fail.
        sleep: how to wait (tests pass a fake clock).
        breaker: shared with the platform's other clients (one is made when not given).
        conditional: ask with the ETag of answers already in the raw store (see above).
        app: a GitHub App installation whose tokens replace ``tokens``.
        on_wait: told the platform and the seconds before it waits for a rate limit's reset
            (so a person watching knows the run is waiting, not stuck).
        secondary_points: GitHub's secondary limits, points per ``secondary_window`` seconds
            by endpoint (``rest``, ``graphql``): the client waits, announced, before a
            request that would exceed them (``GITHUB_SECONDARY_POINTS`` for api.github.com;
            none otherwise: a 403 or 429 that says so is still waited out).
    """

    base_url: str
    platform: str
    raw: RawStore
    tokens: Sequence[str] = ()
    max_retries: int = 5
    max_wait: float = 3_700.0
    timeout: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    budget: Budget = field(default_factory=Budget)
    breaker: Breaker | None = None
    conditional: bool = False
    app: InstallationAuth | None = None
    on_wait: Callable[[str, float], None] | None = None
    secondary_points: Mapping[str, int] | None = None
    secondary_window: float = SECONDARY_WINDOW

    def __post_init__(self) -> None:
        self._secondary: dict[str, deque[list[float]]] = {}
        self._secondary_lock = threading.Lock()
        self._tokens = [t for t in self.tokens if t]
        self._token_index = 0
        if self.breaker is None:
            self.breaker = Breaker(sleep=self.sleep)
        self._pages_seen: OrderedDict[str, dict[int, str]] = OrderedDict()
        self._etags: dict[str, tuple[str, str]] | None = None
        self._client = httpx.Client(
            base_url=self.base_url.rstrip("/"), timeout=self.timeout, follow_redirects=True,
            headers={"User-Agent": f"crossforge/{__version__}",
                     **({"Accept": "application/vnd.github+json",
                         "X-GitHub-Api-Version": "2022-11-28"}
                        if self.platform == "github" else {})})

    def close(self) -> None:
        self._client.close()
        if self.app is not None:
            self.app.close()

    def get(self, path: str, *, kind: str, context: dict[str, Any],
            params: dict[str, Any] | list[tuple[str, Any]] | None = None,
            check: Callable[[httpx.Response], str | None] | None = None,
            text: bool = False) -> RawResponse:
        """GET ``path`` (relative or absolute) and store the answer; ``check`` names what
        makes an answer unusable (it is then asked again, and ``UnusableAnswer`` raised);
        ``text``: the body is a file (a model card), not JSON, so it is not checked as JSON."""
        return self._send("GET", path, kind=kind, context=context, params=params, check=check,
                          text=text)

    def post(self, path: str, payload: dict[str, Any], *, kind: str,
             context: dict[str, Any],
             check: Callable[[httpx.Response], str | None] | None = None,
             annotate: Callable[[str], dict[str, str]] | None = None) -> RawResponse:
        """POST ``payload`` and store the answer; ``check`` as for ``get``; ``annotate``
        gives headers to store with a usable answer from its body (a GraphQL walk's next
        position, ``NEXT_OVERRIDE``), so a resumed walk reads it from the raw store."""
        return self._send("POST", path, kind=kind, context=context, payload=payload,
                          check=check, annotate=annotate)

    def pages(self, path: str, *, kind: str, context: dict[str, Any],
              params: dict[str, Any] | list[tuple[str, Any]] | None = None,
              start: str | None = None) -> Iterator[RawResponse]:
        """Every page, following ``Link: rel="next"``; ``start`` resumes from a saved URL.

        A page whose items are those of a page already walked (a repeated page) is asked
        again, and fails the walk if it keeps repeating: the items identify a page, whatever
        shape its URL has (GitHub's ``Link`` URLs name the repository by id from page 2 on).
        A page whose next link points to a page already visited (or, in a page-numbered
        listing, to a page number not after its own: what a resumed walk has not visited in
        this run) is asked again; if it keeps looping, the walk goes on with the explicit
        next page number (stored as ``x-crossforge-next``), and fails when the listing has
        no page numbers. (A resumed walk's first page has no predecessor in this run to
        compare with: the collector checks it against the store.)
        """
        visited: set[str] = set()
        listed: dict[str, str] = {}  # each page's items (digest) → which page listed them

        def repeating(answer: httpx.Response) -> str | None:
            earlier = listed.get(_items_digest(answer) or "")
            if earlier is None:
                return None
            return f"{_page_name(answer, self.platform, len(listed) + 1)} repeats the items " \
                   f"of {earlier}"

        def looping(answer: httpx.Response) -> str | None:
            following = _link_next(answer.headers.get("link", ""))
            if following is None:
                return None
            here = str(answer.request.url)
            position = _page_position(here, self.platform)
            ahead = _page_position(following, self.platform)
            if _normal(following, self.platform) in visited | {_normal(here, self.platform)} \
                    or (position and ahead and ahead[0] == position[0]
                        and ahead[1] <= position[1]):
                return f"pagination loops back to {_public(following)}"
            return None

        url, query = (self._rebased(start), None) if start else (path, params)
        while True:
            try:
                response = self._send("GET", url, kind=kind, context=context, params=query,
                                      check=lambda a: repeating(a) or looping(a))
            except UnusableAnswer as unusable:
                if not unusable.problem.startswith("pagination loops"):
                    raise
                assert unusable.answer is not None
                # an empty page ends the listing, wherever its next link points
                fallback = _next_page_number(str(unusable.answer.request.url), self.platform) \
                    if _items(json.loads(unusable.answer.text)) else ""
                if fallback is None:
                    raise UnusableAnswer(f"{unusable} and the listing has no page numbers to "
                                         "fall back on; the task is left unfinished",
                                         unusable.answer, unusable.problem) from None
                response = self._store(unusable.answer, kind, context, "GET",
                                       {NEXT_OVERRIDE: fallback})
            visited.add(_normal(response.url, self.platform))
            if digest := _items_digest(response):
                listed.setdefault(digest, _page_name(response, self.platform, len(listed) + 1))
            yield response
            following = next_link(response)
            if following is None or response.status != 200:
                return
            url, query = following, None

    def _rebased(self, url: str) -> str:
        """A saved next-page URL on this client's host (a checkpoint is a position in the
        API, the host is configuration: an emulator restarted on another port, a proxy)."""
        parts, base = urlsplit(url), urlsplit(self.base_url)
        if not parts.netloc or parts.netloc == base.netloc:
            return url
        return urlunsplit(parts._replace(scheme=base.scheme, netloc=base.netloc))

    def _headers(self) -> dict[str, str]:
        if self.app is not None:
            return {"Authorization": f"Bearer {self.app.token()}"}
        if not self._tokens:
            return {}
        return {"Authorization": f"Bearer {self._tokens[self._token_index]}"}

    def _send(self, method: str, path: str, *, kind: str, context: dict[str, Any],
              params: Any = None, payload: Any = None,
              check: Callable[[httpx.Response], str | None] | None = None,
              text: bool = False,
              annotate: Callable[[str], dict[str, str]] | None = None) -> RawResponse:
        assert self.breaker is not None
        attempt, renewed = 0, False
        while True:
            attempt += 1
            self.budget.waited_seconds += self.breaker.wait_turn()
            counted = self._secondary_turn(method, path, payload)
            request = self._client.build_request(method, path, params=params, json=payload,
                                                 headers=self._headers())
            known = self._known(request)
            if known is not None:
                request.headers["If-None-Match"] = known[0]
            try:
                answer = self._client.send(request, stream=True)
            except httpx.TransportError as exc:
                if attempt >= self.max_retries:
                    raise CollectError(_unreachable(self.base_url, exc, attempt)) from None
                self._backoff(attempt)
                continue
            cut = _read_body(answer)
            if counted is not None:  # GitHub counted it by now: the window runs from here
                counted[0] = self.breaker.clock()
            self.budget.requests += 1
            self._read_budget(answer)
            if cut is not None:
                if attempt < self.max_retries:
                    self._backoff(attempt)
                    continue
                raise UnusableAnswer(f"{self.platform} {method} {_public(str(request.url))}: "
                                     f"{cut} (after {attempt} attempts)", None, cut)
            if answer.status_code == 401 and self.app is not None and not renewed:
                self.app.invalidate()  # revoked or expired early: one new token, once
                renewed = True
                continue
            if answer.status_code == 401 and self._refused(answer):
                raise CollectError(f"{self.platform} refused the credentials (401 "
                                   f"{_refusal(answer, self.platform)}): " + (
                                       "a new GitHub App installation token was refused too"
                                       if self.app else "check the token's environment "
                                       "variable"))
            wait = self._rate_limit_wait(answer)
            if wait is not None:
                if len(self._tokens) > 1 and wait > 1:
                    self._token_index = (self._token_index + 1) % len(self._tokens)
                if wait > self.max_wait:
                    raise CollectError(f"{self.platform} rate limit resets in {wait:.0f} s, "
                                       f"beyond --max-wait {self.max_wait:.0f} s")
                if self.on_wait is not None:
                    self.on_wait(self.platform, wait)
                self._wait(wait)
                attempt = 0
                continue
            if answer.status_code >= 500 and attempt < self.max_retries:
                self._backoff(attempt)
                continue
            if answer.status_code == 304 and known is not None:
                stored = self.raw.get(known[1])
                if stored is not None:
                    self.breaker.success()
                    return stored
            problem = _short_body(answer, text) or (
                None if text else self._bad_body(answer)) or (check(answer) if check else None)
            if problem is not None:
                if attempt < self.max_retries:
                    self._backoff(attempt)
                    continue
                raise UnusableAnswer(f"{self.platform} {method} {_public(str(answer.request.url))}"
                                     f": {problem} (after {attempt} attempts)", answer, problem)
            self.breaker.success()
            self._remember_page(answer)
            self._pace(answer)
            return self._store(answer, kind, context, method,
                               annotate(answer.text) if annotate and answer.status_code == 200
                               else None)

    @property
    def authenticated(self) -> bool:
        """Whether requests carry credentials (a 401 or 403 then means "not for this
        caller", not "log in")."""
        return bool(self._tokens) or self.app is not None

    def _refused(self, answer: httpx.Response) -> bool:
        """Whether a 401 refuses the credentials themselves (the run stops), rather than
        this one resource to this caller. Every GitHub 401 does (a bad token, or none where
        one is needed: GitHub answers a missing or private repository 404); the Hub's only
        when it says so, as ``huggingface_hub``'s ``hf_raise_for_status`` reads it: it
        answers 401 to a caller without a token for a missing, private or gated repository."""
        return self.platform == "github" or _refusal(answer, self.platform) == HUB_INVALID

    def _known(self, request: httpx.Request) -> tuple[str, str] | None:
        """(ETag, raw id) of a stored 200 answer to this GET, when asking conditionally."""
        if not self.conditional or request.method != "GET":
            return None
        if self._etags is None:
            prefix = "github." if self.platform == "github" else "hub."
            self._etags = {_public(r.url): (r.headers["etag"], r.id) for r in self.raw
                           if r.status == 200 and r.method == "GET" and "etag" in r.headers
                           and r.kind.startswith(prefix)}
        return self._etags.get(_public(str(request.url)))

    def _store(self, answer: httpx.Response, kind: str, context: dict[str, Any], method: str,
               annotations: dict[str, str] | None = None) -> RawResponse:
        headers = {k.lower(): v for k, v in answer.headers.items()
                   if k.lower() in KEPT_HEADERS}
        return self.raw.append(RawResponse(
            kind=kind, context=context, method=method, url=str(answer.request.url),
            status=answer.status_code, headers={**headers, **(annotations or {})},
            body=answer.text))

    def _bad_body(self, answer: httpx.Response) -> str | None:
        """Why a successful answer's body cannot be used: not JSON, or a repeated page."""
        if not 200 <= answer.status_code < 300 or not answer.content:
            return None
        try:
            body = json.loads(answer.text)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return "the body is not valid JSON (truncated or corrupted)"
        position = _page_position(str(answer.request.url), self.platform)
        if position is None or not _items(body):
            return None
        listing, page = position
        earlier = self._pages_seen.get(listing, {}).get(page - 1)
        if earlier is not None and earlier == _digest(answer.content):
            return f"page {page} repeats the items of page {page - 1}"
        return None

    def _remember_page(self, answer: httpx.Response) -> None:
        """Keep each listing's page digests (bounded) to recognise a repeated page."""
        position = _page_position(str(answer.request.url), self.platform)
        if position is None or answer.status_code != 200:
            return
        listing, page = position
        self._pages_seen.setdefault(listing, {})[page] = _digest(answer.content)
        self._pages_seen.move_to_end(listing)
        while len(self._pages_seen) > 256:
            self._pages_seen.popitem(last=False)

    def _backoff(self, attempt: int) -> None:
        assert self.breaker is not None
        self._wait(self.breaker.failure(min(2.0 ** attempt, 60.0)))

    def _wait(self, seconds: float) -> None:
        assert self.breaker is not None
        self.budget.waited_seconds += self.breaker.pause(seconds, self.platform)

    def _read_budget(self, answer: httpx.Response) -> None:
        headers = answer.headers
        if "x-ratelimit-remaining" in headers:
            bucket = self.budget.resources.setdefault(
                headers.get("x-ratelimit-resource", "core"), Allowance())
            bucket.remaining = int(headers["x-ratelimit-remaining"])
            bucket.limit = int(headers.get("x-ratelimit-limit", 0)) or None
            bucket.reset_at = float(headers.get("x-ratelimit-reset", 0)) or None
        elif "ratelimit" in headers:
            name = _HUB_POLICY.match(headers["ratelimit"])
            bucket = self.budget.resources.setdefault(name.group(1) if name else "api",
                                                      Allowance())
            match = _HUB_RESET.search(headers["ratelimit"])
            remaining = _HUB_REMAINING.search(headers["ratelimit"])
            quota = re.search(r"q=(\d+)", headers.get("ratelimit-policy", ""))
            if match:
                bucket.reset_at = time.time() + int(match.group(1))
            if remaining:
                bucket.remaining = int(remaining.group(1))
            if quota:
                bucket.limit = int(quota.group(1))

    def _pace(self, answer: httpx.Response) -> None:
        """After an answer that spends the Hub's bucket (``RateLimit: "api";r=0;t=SECONDS``,
        sent with every answer), hold every client until the window resets, so the next
        request is not refused with a 429. A reset beyond ``max_wait`` is left to that 429,
        which fails with the wait named."""
        header = answer.headers.get("ratelimit", "")
        remaining, reset = _HUB_REMAINING.search(header), _HUB_RESET.search(header)
        if self.platform != "huggingface" or remaining is None or reset is None:
            return
        seconds = float(reset.group(1))
        if int(remaining.group(1)) == 0 and 0 < seconds <= self.max_wait:
            assert self.breaker is not None
            if self.on_wait is not None:
                self.on_wait(self.platform, seconds)
            self.breaker.hold(seconds)

    def _secondary_turn(self, method: str, path: str, payload: Any) -> list[float] | None:
        """Before a request: while the last ``secondary_window`` seconds already hold the
        points GitHub's secondary limit allows its endpoint, wait (announced) until enough
        of them leave the window, so the limit's 403 never comes. Returns the request's
        entry in the window (``[when, points]``), whose time the answer's arrival sets."""
        kind, points = secondary_points(method, path, payload)
        limit = (self.secondary_points or {}).get(kind)
        if not limit:
            return None
        assert self.breaker is not None
        with self._secondary_lock:
            sent = self._secondary.setdefault(kind, deque())
            now = self.breaker.clock()
            while sent and sent[0][0] <= now - self.secondary_window:
                sent.popleft()
            held, freed, wait = sum(p for _, p in sent), 0, 0.0
            for stamp, spent in sent:
                if held - freed + points <= limit:
                    break
                freed += spent
                wait = stamp + self.secondary_window - now
            entry = [now + wait, float(points)]
            sent.append(entry)
        if wait > 0:
            if self.on_wait is not None:
                self.on_wait(self.platform, wait)
            self._wait(wait)
        return entry

    def _rate_limit_wait(self, answer: httpx.Response) -> float | None:
        """Seconds to wait before retrying, or ``None`` when the answer is not a limit."""
        status, headers = answer.status_code, answer.headers
        limited = status == 429 or (status == 403 and (
            headers.get("x-ratelimit-remaining") == "0" or "retry-after" in headers
            or "rate limit" in answer.text.lower()))
        if not limited:
            return None
        if "retry-after" in headers:
            return max(float(headers["retry-after"]), 1.0)
        if headers.get("x-ratelimit-remaining") == "0" and "x-ratelimit-reset" in headers:
            return max(float(headers["x-ratelimit-reset"]) - time.time(), 1.0)
        match = _HUB_RESET.search(headers.get("ratelimit", ""))
        if match:
            return max(float(match.group(1)), 1.0)
        return SECONDARY_LIMIT_FLOOR


def secondary_points(method: str, path: str, payload: Any) -> tuple[str, int]:
    """The endpoint a request counts to under GitHub's secondary limits (``rest`` or
    ``graphql``) and its points: one for a GET, HEAD or OPTIONS request and a GraphQL query
    without a mutation, five for anything else."""
    if method == "POST" and urlsplit(path).path.rstrip("/").endswith("/graphql"):
        query = str((payload or {}).get("query", "")) if isinstance(payload, dict) else ""
        return "graphql", 5 if query.lstrip().startswith("mutation") else 1
    return "rest", 1 if method in ("GET", "HEAD", "OPTIONS") else 5


def _read_body(answer: httpx.Response) -> str | None:
    """Read a streamed answer's body; why it stopped short, if it did (the connection
    closed or broke before its ``Content-Length`` bytes, which the HTTP layer counts):
    such a body is asked again, never stored, and a task whose body keeps stopping short
    fails (the host answered, so it is not unreachable)."""
    try:
        answer.read()
    except httpx.TransportError as exc:
        answer.close()
        return f"the body stopped short: {_reason(exc)}"
    return None


def _short_body(answer: httpx.Response, text: bool) -> str | None:
    """Why a file's body (``text``) is not the file the platform sent: content whose hash
    is not its strong ``ETag`` (the Hub's resolver sends a file's git blob id, or the
    sha256 of a git-lfs file, as ``huggingface_hub`` documents). A body shorter than its
    ``Content-Length`` never gets here: reading it fails (``_read_body``)."""
    etag = answer.headers.get("etag", "")
    if not text or not 200 <= answer.status_code < 300 or etag.startswith("W/"):
        return None
    tag = etag.strip('"').lower()
    content = answer.content
    if re.fullmatch(r"[0-9a-f]{40}", tag):
        digest = hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()
    elif re.fullmatch(r"[0-9a-f]{64}", tag):
        digest = hashlib.sha256(content).hexdigest()
    else:
        return None
    if digest != tag:
        return (f"the body ({len(content)} bytes) does not hash to its ETag {tag[:12]}…: "
                "cut short or corrupted")
    return None


def _refusal(answer: httpx.Response, platform: str) -> str:
    """What a 401 says: the Hub's ``X-Error-Message`` (else its body's ``error``), GitHub's
    ``message``."""
    if platform == "huggingface" and "x-error-message" in answer.headers:
        return answer.headers["x-error-message"]
    try:
        body = json.loads(answer.text)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return "Unauthorized"
    said = body.get("error" if platform == "huggingface" else "message") \
        if isinstance(body, dict) else None
    return str(said) if said else "Unauthorized"


def next_link(response: RawResponse) -> str | None:
    """The next page of a stored response: crossforge's override (empty: none, the listing
    ended), else ``Link: rel="next"``."""
    if NEXT_OVERRIDE in response.headers:
        return response.headers[NEXT_OVERRIDE] or None
    return _link_next(response.headers.get("link", ""))


def _link_next(link: str) -> str | None:
    for part in link.split(","):
        url, _, rel = part.partition(";")
        if 'rel="next"' in rel:
            return url.strip().strip("<>")
    return None


def _page_key(platform: str) -> str:
    return "p" if platform == "huggingface" else "page"


def _normal(url: str, platform: str) -> str:
    """A URL's path and sorted query, the first page's number left out (page=1 is no page)."""
    parts = urlsplit(url)
    key = _page_key(platform)
    query = sorted((k, v) for k, v in parse_qsl(parts.query)
                   if not (k == key and v == str(PAGE_KEYS[key])))
    return f"{parts.path.rstrip('/')}?{urlencode(query)}"


def _page_position(url: str, platform: str) -> tuple[str, int] | None:
    """(listing, page number) of a page-numbered request; ``None`` for cursors and singles."""
    parts = urlsplit(url)
    key = _page_key(platform)
    query = parse_qsl(parts.query)
    if any(k in ("cursor", "since") for k, _ in query):
        return None
    numbers = [v for k, v in query if k == key] or [str(PAGE_KEYS[key])]
    if not numbers[-1].lstrip("-").isdigit():
        return None
    rest = sorted((k, v) for k, v in query if k != key)
    return f"{parts.path.rstrip('/')}?{urlencode(rest)}", int(numbers[-1])


def _next_page_number(url: str, platform: str) -> str | None:
    """The URL of the page after ``url`` by its page number, or ``None`` for cursor lists."""
    parts = urlsplit(url)
    key = _page_key(platform)
    query = parse_qsl(parts.query)
    if any(k in ("cursor", "since") for k, _ in query):
        return None
    numbers = [int(v) for k, v in query if k == key and v.lstrip("-").isdigit()]
    page = numbers[-1] if numbers else PAGE_KEYS[key]
    rest = [(k, v) for k, v in query if k != key] + [(key, str(page + 1))]
    return urlunsplit(parts._replace(query=urlencode(rest)))


def _items(body: Any) -> list[Any]:
    if isinstance(body, list):
        return body
    if isinstance(body, dict):
        return next((v for v in body.values() if isinstance(v, list) and v), [])
    return []


def _items_digest(answer: httpx.Response | RawResponse) -> str | None:
    """What identifies a successful page of a listing: a digest of its items (``None`` for
    an empty page or an answer that is not a listing)."""
    status = answer.status_code if isinstance(answer, httpx.Response) else answer.status
    if status != 200:
        return None
    try:
        items = _items(json.loads(answer.text if isinstance(answer, httpx.Response)
                                  else answer.body))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return _digest(json.dumps(items, sort_keys=True).encode()) if items else None


def _page_name(answer: httpx.Response | RawResponse, platform: str, ordinal: int) -> str:
    """``page N`` by the URL's page number, or by its place in the walk (cursor listings)."""
    url = str(answer.request.url) if isinstance(answer, httpx.Response) else answer.url
    position = _page_position(url, platform)
    return f"page {position[1] if position else ordinal}"


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _public(url: str) -> str:
    """A URL for messages: path and query only (credential parameters redacted)."""
    parts = urlsplit(redacted_url(url))
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _unreachable(base_url: str, exc: httpx.TransportError, attempts: int) -> str:
    if isinstance(exc, httpx.ConnectError):
        why = "the network or endpoint is unreachable (connection refused or no route)"
    elif isinstance(exc, httpx.TimeoutException):
        why = "no answer within the timeout"
    else:
        why = _reason(exc)
    return f"cannot reach {redacted_url(base_url)}: {why} (after {attempts} attempts)"


def _reason(exc: httpx.TransportError) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text or "connection failed"
