"""The emulator itself: one loopback HTTP server that answers as both platforms.

A request goes through what the platforms do before they answer: credentials (and GitHub
App tokens), injected faults, the caller's rate-limit budget; then its platform's routes
answer it, pagination faults bend the pages, and GitHub's answers get an ``ETag`` (a
matching ``If-None-Match`` gets a free 304). Transport faults and GitHub's limit on
concurrent requests happen in the socket handler, where the bytes are.
"""

from __future__ import annotations

import hashlib
import json
import socket
import struct
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from crossforge.emulator import github
from crossforge.emulator.answer import Answer
from crossforge.emulator.apps import GitHubApps
from crossforge.emulator.discourse import (
    FORUM_LIMIT,
    FORUM_WINDOW,
    Forum,
    ForumRoutes,
    is_forum_path,
)
from crossforge.emulator.faults import Fault, Faults
from crossforge.emulator.github_routes import GitHubRoutes
from crossforge.emulator.hub_routes import HubRoutes
from crossforge.emulator.limits import (
    GITHUB_ANONYMOUS_LIMIT,
    GITHUB_CONCURRENCY,
    GITHUB_LIMIT,
    HUB_LIMIT,
    HUB_RESOLVER_LIMIT,
    SEARCH_LIMIT,
    SECONDARY_WINDOW,
    Charge,
    RateLimits,
    github_resource,
    hub_rate_limited,
    limit_headers,
    rate_limited,
    secondary_limit,
)
from crossforge.emulator.paging import HUB_LISTING_PAGE, bend_pagination
from crossforge.emulator.paths import HUB_RESOLVER, endpoint, platform_of, subjects
from crossforge.emulator.world import World
from crossforge.errors import ConfigError


class _RateLimitSetting:
    """An emulator attribute that is its rate limiter's setting: callers tune a limit (or
    the search window) on a running emulator, and the next window has it."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, emulator: Emulator | None, owner: type | None = None) -> Any:
        return self if emulator is None else getattr(emulator.rate_limits, self.name)

    def __set__(self, emulator: Emulator, value: int) -> None:
        setattr(emulator.rate_limits, self.name, value)


class Emulator(GitHubRoutes, HubRoutes, ForumRoutes):
    """Serve ``world`` on ``http://127.0.0.1:PORT``; GitHub paths, Hub ``/api/`` paths and
    the Hub's file resolver (model cards). Each platform's routes are methods it inherits
    (``GitHubRoutes``, ``HubRoutes``), so a test's subclass may answer one differently.

    Args:
        world: what the platforms hold.
        github_limit: REST requests (and GraphQL points) per hour per token.
        hub_limit: Hub API calls per 5-minute window per caller.
        hub_resolver_limit: Hub resolver calls (``/resolve/`` file downloads) per 5-minute
            window per caller: the Hub's separate, larger bucket.
        anonymous_limit: GitHub requests per hour without a token.
        search_limit: GitHub search requests per minute per token (10 without one).
        rejected_tokens: tokens answered with 401 Bad credentials.
        faults: a fault specification (see ``crossforge.emulator.faults``) or ``Faults``.
        port: the loopback port to listen on (0: any free port).
        listing_page: models per ``/api/models`` page when the caller gives no ``limit``.
        max_concurrent: GitHub requests in flight at once before the secondary limit answers
            403 with ``Retry-After``.
        renamed: GitHub repositories served under a new name (``{new: old}``): the old
            name's REST paths answer ``301 Moved Permanently`` to the new one's; GraphQL
            resolves both names, ``nameWithOwner`` being the new one.
        blocked: GitHub repositories whose REST paths answer ``451`` (a DMCA takedown) and
            whose GraphQL ``repository`` is ``null`` with a ``NOT_FOUND`` error.
        github_apps: GitHub Apps whose JWTs and installation tokens the emulator accepts
            (``crossforge.emulator.apps``); their tokens share the installation's budget.
        gated: Hub models whose files (the card) the caller was not granted: the resolver
            answers 401 without a token, 403 with one (``X-Error-Code: GatedRepo``).
        hub_hides_missing: a Hub repository the world does not hold answers a caller
            without a token 401, not 404, as huggingface.co does.
        timing_out: GitHub repositories whose GraphQL ``repository`` fails as GitHub's
            partial failures do: ``null`` with a timeout error beside the batch's other
            results.
        secondary_points: GitHub's secondary limit on points per ``secondary_window``
            seconds per token, by endpoint (``rest``, ``graphql``; GitHub documents
            ``limits.SECONDARY_POINTS`` a minute): beyond it a request is answered 403 with
            ``Retry-After``. Off unless given, so tests and benchmarks run at full speed.
        forum_limit, forum_window: the Discourse forum's per-address limit, requests per
            window of seconds (``emulator.discourse``).
    """

    github_limit = _RateLimitSetting()
    anonymous_limit = _RateLimitSetting()
    search_limit = _RateLimitSetting()
    search_window = _RateLimitSetting()
    hub_limit = _RateLimitSetting()
    hub_resolver_limit = _RateLimitSetting()
    hub_window = _RateLimitSetting()

    def __init__(self, world: World, *, github_limit: int = GITHUB_LIMIT,
                 hub_limit: int = HUB_LIMIT, hub_resolver_limit: int = HUB_RESOLVER_LIMIT,
                 anonymous_limit: int = GITHUB_ANONYMOUS_LIMIT,
                 search_limit: int = SEARCH_LIMIT, rejected_tokens: Iterable[str] = (),
                 faults: str | Faults | None = None, port: int = 0,
                 listing_page: int = HUB_LISTING_PAGE,
                 max_concurrent: int = GITHUB_CONCURRENCY,
                 renamed: dict[str, str] | None = None,
                 blocked: Iterable[str] = (), github_apps: GitHubApps | None = None,
                 gated: Iterable[str] = (), hub_hides_missing: bool = False,
                 timing_out: Iterable[str] = (),
                 secondary_points: dict[str, int] | None = None,
                 secondary_window: float = SECONDARY_WINDOW,
                 forum_limit: int = FORUM_LIMIT, forum_window: int = FORUM_WINDOW
                 ) -> None:
        self.world = world
        self.secondary_points = dict(secondary_points or {})
        self.secondary_window = secondary_window
        #: Requests the secondary limit on points refused (403 with ``Retry-After``).
        self.secondary_refused = 0
        self.forum = Forum.from_records(world.forum_records)
        self.forum_limit, self.forum_window = forum_limit, forum_window
        self._forum_lock, self._forum_spent = threading.Lock(), {}
        self.timing_out = set(timing_out)
        self.gated = set(gated)
        self.hub_hides_missing = hub_hides_missing
        self.github_apps = github_apps
        self.renamed = dict(renamed or {})
        self.blocked = set(blocked)
        self.rate_limits = RateLimits(
            github_limit=github_limit, anonymous_limit=anonymous_limit,
            search_limit=search_limit, hub_limit=hub_limit,
            hub_resolver_limit=hub_resolver_limit, github_apps=github_apps)
        self.rejected_tokens = set(rejected_tokens)
        self.faults = Faults.parse(faults) if isinstance(faults, str) else faults
        self.port = port
        self.listing_page = listing_page
        self.max_concurrent = max_concurrent
        self.requests: Counter[str] = Counter()
        #: Every answered request: platform, rate-limit resource, endpoint, cost charged, and
        #: the repositories or accounts it was about (what benchmarks attribute costs with).
        self.log: list[Charge] = []
        self._lock = threading.Lock()
        self._in_flight = 0
        self._answered = 0
        self._server: _Server | None = None
        self.url = ""

    @classmethod
    def from_records(cls, records: Iterable[object], **options: Any) -> Emulator:
        return cls(World.from_records(records), **options)

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> Emulator:
        """Listen on loopback and answer from a background thread; ``url`` says where."""
        try:
            self._server = _Server(("127.0.0.1", self.port), _handler(self))
        except OSError as exc:
            raise ConfigError(f"cannot listen on 127.0.0.1:{self.port}: "
                              f"{exc.strerror or exc}") from None
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def wait(self, poll: float = 0.2) -> None:
        """Block while serving (until ``stop`` or Ctrl-C); for ``crossforge emulate``."""
        while self._server is not None:
            time.sleep(poll)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Answer:
        """Answer one request without a socket: status and pagination faults are drawn and
        applied; transport faults (reset, truncate, invalid, slow) need the socket handler."""
        fault = self.faults.draw(method, self.canonical(target)) if self.faults else None
        return self.answer(method, target, headers, body, fault)

    def canonical(self, target: str) -> str:
        """``target`` with GitHub's id paths (``/repositories/{id}/…``,
        ``/organizations/{id}/…``) named as ``/repos/{owner}/{repo}/…`` (a renamed
        repository's current name) and ``/orgs/{org}/…``:
        one endpoint for request counts, and fault rules that name a repository reach every
        page of its listings."""
        parts = target.split("/", 3)
        if len(parts) < 3 or parts[1] not in ("repositories", "organizations"):
            return target
        number, _, query = parts[2].partition("?")
        name = self.world.github_repository(number) if parts[1] == "repositories" \
            else github.organization_login(self.world, number)
        if name is None:
            return target
        name = next((new for new, old in self.renamed.items() if old == name), name)
        rest = ("/" + parts[3]) if len(parts) > 3 else (f"?{query}" if query else "")
        return f"/{'repos' if parts[1] == 'repositories' else 'orgs'}/{name}{rest}"

    def answer(self, method: str, target: str, headers: dict[str, str], body: bytes,
               fault: Fault | None = None) -> Answer:
        """Answer one request; ``fault`` replaces or bends the answer (transport faults are
        the socket handler's). Every GitHub answer carries an ``X-GitHub-Request-Id``."""
        status, extra, payload = self._answer(method, target, headers, body, fault)
        if platform_of(urlsplit(target).path) == "github":
            with self._lock:
                self._answered += 1
                number = self._answered
            extra = {**extra, "X-GitHub-Request-Id": _request_id(self.port, number)}
        return status, extra, payload

    def _answer(self, method: str, target: str, headers: dict[str, str], body: bytes,
                fault: Fault | None) -> Answer:
        parts = urlsplit(target)
        path = parts.path.rstrip("/")
        named = urlsplit(self.canonical(target)).path.rstrip("/")
        query = {k: v if k.endswith("[]") or k == "expand" else v[-1]
                 for k, v in parse_qs(parts.query).items()}
        token = _token(headers)
        platform = platform_of(path)
        resource, cost, about = "core", 1, subjects(named)
        if platform == "huggingface":
            resource = "resolvers" if HUB_RESOLVER.match(path) else "api"
        elif method == "POST" and path == "/graphql":
            try:
                request = json.loads(body or b"{}")
                cost, repos = github.query_cost(request.get("query", ""),
                                                request.get("variables"))
            except (ValueError, AttributeError):
                repos = []
            resource, about = "graphql", tuple(repos)
        with self._lock:
            self.requests[endpoint(named)] += 1
        if token in self.rejected_tokens:
            if platform == "github":
                return 401, {}, github.error(401, "Bad credentials")
            message = "Invalid credentials in Authorization header"
            return 401, {"X-Error-Message": message}, {"error": message}
        if platform == "github" and self.github_apps is not None:
            refused = self.github_apps.answer(method, path, token)
            if refused is not None:
                return refused
        if is_forum_path(path):
            with self._lock:
                self.log.append(Charge("discourse", "ip", endpoint(named), 1, ()))
            return self._forum_answer(path, query, fault)
        if fault is not None and fault.status is not None:
            return self._fault_answer(platform, fault, resource)
        if platform == "huggingface" and (refused := self._hub_refusal(path, token)):
            return refused
        if platform == "github" and path == "/rate_limit":
            overview = self.rate_limits.overview(token)
            return 200, limit_headers("github", overview["rate"], 0), overview
        if platform == "github" and resource == "core":
            resource = github_resource(method, path)
        malformed = _malformed(platform, path, query)
        if malformed is not None:  # refused before it is counted against the budget
            return malformed
        if platform == "github" and self.secondary_points:
            kind = "graphql" if resource == "graphql" else "rest"
            points = 1 if method in ("GET", "HEAD", "OPTIONS") or (
                kind == "graphql" and not _mutation(body)) else 5
            wait = self.rate_limits.secondary(token, kind, points, self.secondary_points,
                                              self.secondary_window)
            if wait is not None:
                with self._lock:
                    self.secondary_refused += 1
                return secondary_limit(403, str(wait))
        budget, spent_headers = self.rate_limits.spend(platform, resource, token, cost)
        if budget is None:
            return rate_limited(platform, spent_headers)
        with self._lock:
            self.log.append(Charge(platform, resource, endpoint(named), cost, about))
        route = self._hub if platform == "huggingface" else self._github
        status, extra, payload = route(method, path, query, body, budget, cost)
        if fault is not None and status == 200:
            extra, payload = bend_pagination(
                fault, path, query, extra, payload, self.url,
                lambda earlier: route(method, path, earlier, body, budget, cost)[2])
        if platform == "huggingface":
            limits = limit_headers(platform, budget, int(time.time()), resource)
            return status, {**limits, **extra}, payload
        if method == "GET" and status == 200 and resource == "search":
            extra = {**extra, "Cache-Control": "no-cache"}  # no ETag: never a free 304
        elif method == "GET" and status == 200:
            etag = _etag(payload)
            if etag in _if_none_match(headers):
                self.rate_limits.refund(budget)
                limits = limit_headers(platform, budget, int(time.time()), resource)
                return 304, {**limits, **extra, "ETag": etag}, None
            extra = {**extra, "ETag": etag, "Cache-Control": CACHED}
        limits = limit_headers(platform, budget, int(time.time()), resource)
        return status, {**limits, **extra}, payload

    def _fault_answer(self, platform: str, fault: Fault, resource: str) -> Answer:
        """The answer of an injected 5xx or secondary rate limit."""
        status = fault.status or 500
        if status >= 500:
            if platform == "github":
                return status, {}, github.error(status, "Server Error")
            return status, {}, {"error": "Internal Error - We're working hard to fix this."}
        if platform == "huggingface":
            return hub_rate_limited(self.rate_limits.hub_quota(resource),
                                    int(fault.retry_after or 60), resource)
        return secondary_limit(status, fault.retry_after)


def _mutation(body: bytes) -> bool:
    """Whether a GraphQL request is a mutation (five secondary-limit points, not one)."""
    try:
        query = str(json.loads(body or b"{}").get("query", ""))
    except (ValueError, AttributeError):
        return False
    return query.lstrip().startswith("mutation")


#: GitHub's ``Cache-Control`` on an authenticated answer that may be revalidated.
CACHED = "private, max-age=60, s-maxage=60"
#: Parameters that must be whole numbers, by platform (GitHub's pages; ``since`` of
#: ``/repositories`` is an id; the Hub's ``p`` pages and listing ``limit``).
NUMERIC = {"github": ("page", "per_page"), "huggingface": ("p", "limit")}


def _malformed(platform: str, path: str, query: dict[str, Any]) -> Answer | None:
    """GitHub's 422 (the Hub's 400) for a page number, page size or id that is not a whole
    number, as the platforms refuse it, instead of a dropped connection."""
    names = NUMERIC[platform] + (("since",) if path == "/repositories" else ())
    bad = next((name for name in names if name in query
                and not str(query[name]).isdigit()), None)
    if bad is None:
        return None
    if platform == "github":
        return 422, {}, {**github.error(422, "Validation Failed"), "errors": [
            {"resource": "Request", "field": bad, "code": "invalid"}]}
    return 400, {}, {"error": f"Invalid value for '{bad}': expected a whole number"}


def _request_id(port: int, number: int) -> str:
    """An ``X-GitHub-Request-Id`` in GitHub's shape (five hex fields), unique per answer."""
    return f"{port & 0xFFFF:04X}:{number:X}:{number * 7919 & 0xFFFFFF:X}:" \
           f"{number * 104729 & 0xFFFFFFF:X}:{0x65000000 + number:X}"


def _token(headers: dict[str, str]) -> str | None:
    """The bearer (or ``token``) credential of ``Authorization``, if any."""
    value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    scheme, _, token = value.partition(" ")
    return token.strip() or None if scheme.lower() in ("bearer", "token") else None


def _etag(payload: Any) -> str:
    """A weak validator of the answer's content, as GitHub sends for conditional requests."""
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    return f'W/"{digest}"'


def _if_none_match(headers: dict[str, str]) -> list[str]:
    """The validators a conditional request holds (``If-None-Match``, comma-separated)."""
    value = next((v for k, v in headers.items() if k.lower() == "if-none-match"), "")
    return [tag.strip() for tag in value.split(",") if tag.strip()]


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (a timeout, a reset) is not the server's error: stay quiet."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _handler(emulator: Emulator) -> type[BaseHTTPRequestHandler]:
    """The socket side: transport faults (reset, truncate, invalid, slow) and GitHub's
    secondary limit on concurrent requests happen here, where the bytes are."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        #: An answer goes out in two writes (headers, then body). With Nagle's algorithm on,
        #: the body waits for the client's ACK of the headers, which a kept-alive client
        #: delays (40 ms on Linux): every answer stalled ~44 ms with the client blocked in
        #: its read and the handler already idle, so the full collection benchmark looked
        #: hung. TCP_NODELAY sends each write at once.
        disable_nagle_algorithm = True

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            fault = emulator.faults.draw(method, emulator.canonical(self.path)) \
                if emulator.faults else None
            if fault is not None and fault.kind == "reset":
                self._reset()
                return
            with emulator._lock:
                emulator._in_flight += 1
                crowded = emulator._in_flight > emulator.max_concurrent
            try:
                if crowded and not self.path.startswith("/api/"):
                    answer: Answer = secondary_limit(403, "60")
                else:
                    if fault is not None and fault.kind == "slow":
                        time.sleep(fault.delay)
                    answer = emulator.answer(method, self.path, dict(self.headers.items()),
                                             body, fault)
            finally:
                with emulator._lock:
                    emulator._in_flight -= 1
            self._send(*answer, fault)

        def _send(self, status: int, headers: dict[str, str], payload: Any,
                  fault: Fault | None) -> None:
            file = isinstance(payload, str)    # a resolver's file, served as it is
            data = b"" if payload is None else payload.encode() if file else json.dumps(
                payload).encode().replace(github.API.encode(), emulator.url.encode())
            length = len(data)
            if fault is not None and fault.kind in ("truncate", "invalid") and data:
                data = data[:len(data) // 2]
                length = length if fault.kind == "truncate" else len(data)
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8" if file
                             else "application/json; charset=utf-8")
            self.send_header("Content-Length", str(length))
            for key, value in headers.items():
                self.send_header(key, value)
            if fault is not None and fault.kind == "truncate":
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(data)

        def _reset(self) -> None:
            """Close with SO_LINGER 0, so the client gets a TCP reset, not a clean close."""
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()

        def do_GET(self) -> None:  # noqa: N802
            self._serve("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._serve("POST")

        def log_message(self, *args: Any) -> None:
            """Quiet: requests carry tokens in headers, and tests read stderr."""

    return Handler
