"""A local emulator of the GitHub and Hugging Face Hub APIs, on loopback, serving a world.

These machines cannot reach either platform, so the collectors are proven against this
emulator: it speaks the published contracts (GitHub REST and GraphQL, the Hub endpoints that
``huggingface_hub`` reads), paginates with ``Link`` headers, counts every request, and keeps
per-token, per-resource rate-limit budgets with the platforms' headers, and injects faults
on demand (``crossforge.emulator.faults``). A collection from the emulator must give back the
world's records; that is the end-to-end test of the collectors. ``crossforge emulate`` serves
a world file with it; ``docs/emulator.md`` describes what it serves.

Example:
    >>> with Emulator.from_records(records) as emulator:          # doctest: +SKIP
    ...     collect(..., github_url=emulator.url, hub_url=emulator.url)
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import struct
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from crossforge.emulator import github, hub
from crossforge.emulator.apps import GitHubApps
from crossforge.emulator.faults import Fault, Faults
from crossforge.emulator.world import World
from crossforge.errors import ConfigError
from crossforge.sources import hub as hub_source

__all__ = ["Charge", "Emulator", "Fault", "Faults", "GitHubApps", "World"]

Answer = tuple[int, dict[str, str], Any]


@dataclass(frozen=True)
class Charge:
    """One request as the platform's rate limiter saw it."""

    platform: str
    resource: str
    endpoint: str
    cost: int
    subjects: tuple[str, ...]

GITHUB_LIMIT = 5_000
GITHUB_ANONYMOUS_LIMIT = 60
SEARCH_LIMIT = 30  # search requests per minute with a token
SEARCH_ANONYMOUS_LIMIT = 10
SEARCH_WINDOW = 60  # seconds: the search budget is per minute
GITHUB_CONCURRENCY = 100  # GitHub's secondary limit on concurrent requests
HUB_LIMIT = 1_000  # per 5-minute window, a free user's API budget
HUB_RESOLVER_LIMIT = 5_000  # per 5-minute window, a free user's resolver budget
HUB_PAGE = 50
HUB_LISTING_PAGE = 1_000
HUB_TYPES = (["models"], ["datasets"], ["spaces"])
HUB_LISTINGS = ("/api/models", "/api/datasets", "/api/spaces")
#: Resources ``/rate_limit`` lists that no endpoint of the emulator draws on: (limit, window).
UNUSED_RESOURCES = {"integration_manifest": (5_000, 3600), "source_import": (100, 60),
                    "code_scanning_upload": (1_000, 3600),
                    "actions_runner_registration": (10_000, 3600), "scim": (15_000, 3600),
                    "dependency_snapshots": (100, 60)}
#: The Hub's file resolver, ``/{owner}/{name}/resolve/{revision}/{path}`` (GitHub's REST
#: paths start with ``repos``, ``orgs``, ``users``, …, never with a repository).
HUB_RESOLVER = re.compile(
    r"^/(?!repos/|orgs/|users/|search/|api/)([^/]+)/([^/]+)/resolve/([^/]+)/(.+)$")
SECONDARY_LIMIT = ("You have exceeded a secondary rate limit. Please wait a few minutes "
                   "before you try again.")


class Emulator:
    """Serve ``world`` on ``http://127.0.0.1:PORT``; GitHub paths, Hub ``/api/`` paths and
    the Hub's file resolver (model cards).

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
    """

    def __init__(self, world: World, *, github_limit: int = GITHUB_LIMIT,
                 hub_limit: int = HUB_LIMIT, hub_resolver_limit: int = HUB_RESOLVER_LIMIT,
                 anonymous_limit: int = GITHUB_ANONYMOUS_LIMIT,
                 search_limit: int = SEARCH_LIMIT, rejected_tokens: Iterable[str] = (),
                 faults: str | Faults | None = None, port: int = 0,
                 listing_page: int = HUB_LISTING_PAGE,
                 max_concurrent: int = GITHUB_CONCURRENCY,
                 renamed: dict[str, str] | None = None,
                 blocked: Iterable[str] = (), github_apps: GitHubApps | None = None) -> None:
        self.world = world
        self.github_apps = github_apps
        self.renamed = dict(renamed or {})
        self.blocked = set(blocked)
        self.github_limit = github_limit
        self.anonymous_limit = anonymous_limit
        self.search_limit = search_limit
        self.hub_limit = hub_limit
        self.hub_resolver_limit = hub_resolver_limit
        self.rejected_tokens = set(rejected_tokens)
        self.faults = Faults.parse(faults) if isinstance(faults, str) else faults
        self.port = port
        self.listing_page = listing_page
        self.max_concurrent = max_concurrent
        self.requests: Counter[str] = Counter()
        #: Every answered request: platform, rate-limit resource, endpoint, cost charged, and
        #: the repositories or accounts it was about (what benchmarks attribute costs with).
        self.log: list[Charge] = []
        self._budgets: dict[str, dict[str, int]] = {}
        self.search_window = SEARCH_WINDOW
        self._lock = threading.Lock()
        self._in_flight = 0
        self._started = int(time.time())
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
        fault = self.faults.draw(method, target) if self.faults else None
        return self.answer(method, target, headers, body, fault)

    def answer(self, method: str, target: str, headers: dict[str, str], body: bytes,
               fault: Fault | None = None) -> Answer:
        """Answer one request; ``fault`` replaces or bends the answer (transport faults are
        the socket handler's)."""
        parts = urlsplit(target)
        path = parts.path.rstrip("/")
        query = {k: v if k.endswith("[]") or k == "expand" else v[-1]
                 for k, v in parse_qs(parts.query).items()}
        token = _token(headers)
        resolver = HUB_RESOLVER.match(path)
        platform = "huggingface" if path.startswith("/api/") or resolver else "github"
        resource, cost, subjects = "core", 1, _subjects(path)
        if platform == "huggingface":
            resource = "resolvers" if resolver else "api"
        elif method == "POST" and path == "/graphql":
            try:
                request = json.loads(body or b"{}")
                cost, repos = github.query_cost(request.get("query", ""),
                                                request.get("variables"))
            except (ValueError, AttributeError):
                repos = []
            resource, subjects = "graphql", tuple(repos)
        with self._lock:
            self.requests[_endpoint(path)] += 1
        if token in self.rejected_tokens:
            return 401, {}, github.error(401, "Bad credentials") if platform == "github" else {
                "error": "Invalid credentials in Authorization header"}
        if platform == "github" and self.github_apps is not None:
            refused = self.github_apps.answer(method, path, token)
            if refused is not None:
                return refused
        if fault is not None and fault.status is not None:
            return self._fault_answer(platform, fault, resource)
        if platform == "github" and path == "/rate_limit":
            overview = self._rate_limit_overview(token)
            return 200, _limit_headers("github", overview["rate"], 0), overview
        if platform == "github" and resource == "core":
            resource = _resource(method, path)
        with self._lock:
            budget, spent_headers = self._spend(platform, resource, token, cost)
            if budget is not None:
                self.log.append(Charge(platform, resource, _endpoint(path), cost, subjects))
        if budget is None:
            return _rate_limited(platform, spent_headers)
        route = self._hub if platform == "huggingface" else self._github
        status, extra, payload = route(method, path, query, body, budget, cost)
        if fault is not None and status == 200 and ("Link" in extra or _discussion_listing(
                path)):
            extra, payload = self._bend_pagination(
                fault, path, query, extra, payload,
                lambda earlier: route(method, path, earlier, body, budget, cost)[2])
        if platform == "huggingface":
            return status, extra, payload
        if method == "GET" and status == 200:
            etag = _etag(payload)
            if etag in _if_none_match(headers):
                with self._lock:  # an unchanged resource costs nothing, as on GitHub
                    budget["remaining"] += 1
                limits = _limit_headers(platform, budget, int(time.time()), resource)
                return 304, {**limits, **extra, "ETag": etag}, None
            extra = {**extra, "ETag": etag}
        limits = _limit_headers(platform, budget, int(time.time()), resource)
        return status, {**limits, **extra}, payload

    def _fault_answer(self, platform: str, fault: Fault, resource: str) -> Answer:
        """The answer of an injected 5xx or secondary rate limit."""
        status = fault.status or 500
        if status >= 500:
            if platform == "github":
                return status, {}, github.error(status, "Server Error")
            return status, {}, {"error": "Internal Error - We're working hard to fix this."}
        if platform == "huggingface":
            wait = int(fault.retry_after or 60)
            quota = self.hub_resolver_limit if resource == "resolvers" else self.hub_limit
            return 429, _limit_headers(platform, {"limit": quota, "remaining": 0,
                                                  "reset": wait}, 0, resource), {
                "error": "You have exceeded our rate limit"}
        return _secondary_limit(status, fault.retry_after)

    def _bend_pagination(self, fault: Fault, path: str, query: dict[str, Any],
                         headers: dict[str, str], payload: Any,
                         page_of: Callable[[dict[str, Any]], Any]
                         ) -> tuple[dict[str, str], Any]:
        """``loop``: next points to the first page; ``repeat``: the previous page's items.

        A Hub discussion listing has no ``Link``: ``loop`` answers its first page again,
        ``repeat`` the previous one (the listing then lists discussions twice).
        """
        key = "cursor" if "cursor" in query or path in HUB_LISTINGS else (
            "p" if path.startswith("/api/") else "page")
        if _discussion_listing(path):
            page = int(query.get("p", 0))
            if page > 0 and fault.kind in ("loop", "repeat"):
                return headers, page_of({**query, "p": "0" if fault.kind == "loop"
                                         else str(page - 1)})
            return headers, payload
        if fault.kind == "loop":
            first = {k: v for k, v in query.items() if k not in (key, "since")}
            url = f"{self.url}{path}?{urlencode(first, doseq=True)}".rstrip("?")
            links = [part for part in headers["Link"].split(", ") if 'rel="next"' not in part]
            return {**headers, "Link": ", ".join([f'<{url}>; rel="next"', *links])}, payload
        if fault.kind == "repeat" and isinstance(payload, list):
            page = int(query.get(key, 1 if key == "page" else 0))
            if page > (1 if key == "page" else 0) and key != "cursor":
                return headers, page_of({**query, key: str(page - 1)})
        return headers, payload

    def _rate_limit_overview(self, token: str | None) -> dict[str, Any]:
        """``GET /rate_limit``: every resource's budget; the call itself is free, as on GitHub."""
        now = int(time.time())
        resources = {}
        with self._lock:
            for resource in ("core", "search", "graphql"):
                budget = self._budget("github", resource, token, now)
                resources[resource] = {"limit": budget["limit"], "used": budget["limit"]
                                       - budget["remaining"], "remaining": budget["remaining"],
                                       "reset": budget["reset"]}
        for resource, (limit, window) in UNUSED_RESOURCES.items():
            # windows counted from the emulator's start, so two asks in one window agree
            reset = self._started + window * ((now - self._started) // window + 1)
            resources[resource] = {"limit": limit, "used": 0, "remaining": limit,
                                   "reset": reset}
        return {"resources": resources, "rate": resources["core"]}

    def _budget(self, platform: str, resource: str, token: str | None,
                now: int) -> dict[str, int]:
        installation = self.github_apps.installation_of(token) if self.github_apps else None
        key = f"{platform}:{resource}:{f'installation {installation}' if installation else token}"
        if platform == "huggingface":
            limit = self.hub_resolver_limit if resource == "resolvers" else self.hub_limit
            window = 300
        elif resource == "search":
            limit = self.search_limit if token else SEARCH_ANONYMOUS_LIMIT
            window = self.search_window
        elif installation is not None and self.github_apps is not None:
            limit, window = self.github_apps.installation_limit, 3600
        else:
            limit, window = (self.github_limit if token else self.anonymous_limit), 3600
        budget = self._budgets.get(key)
        if budget is None or budget["reset"] <= now:
            budget = self._budgets[key] = {"limit": limit, "remaining": limit,
                                           "reset": now + window}
        return budget

    def _spend(self, platform: str, resource: str, token: str | None,
               cost: int = 1) -> tuple[dict | None, dict[str, str]]:
        """Take ``cost`` units (a request, or a GraphQL query's points: GitHub keeps REST and
        GraphQL budgets apart) from the caller's budget; ``None`` and the limit headers when
        it is spent. (A conditional request is refunded by ``answer`` when it gets a 304.)"""
        now = int(time.time())
        budget = self._budget(platform, resource, token, now)
        if budget["remaining"] < cost:
            return None, _limit_headers(platform, budget, now, resource)
        budget["remaining"] -= cost
        return budget, {}

    def _github(self, method: str, path: str, query: dict[str, Any], body: bytes,
                budget: dict[str, int], cost: int = 1) -> Answer:
        world = self.world
        segments = path.strip("/").split("/")
        if method == "POST" and path == "/graphql":
            return github.graphql(world, body, budget, cost, renamed=self.renamed,
                                  blocked=self.blocked)
        if segments == ["repositories"]:
            since = int(query.get("since", 0))
            listed = sorted((i, r) for r, i in world.github_ids.items() if i > since)[:100]
            answer = [github.minimal_repository(world, r) for _, r in listed]
            link = {"next": f"/repositories?since={listed[-1][0]}"} if listed else {}
            return 200, _link_header(link, self.url), answer
        if segments == ["search", "repositories"]:
            return self._search(path, query)
        if segments[:1] == ["orgs"] and len(segments) == 2:
            if not world.is_organization("github", segments[1]):
                return 404, {}, github.error(404, "Not Found")
            return 200, {}, {**(github.user(world, segments[1]) or {}), "type": "Organization",
                             "url": f"{github.API}/orgs/{segments[1]}"}
        if segments[:1] == ["orgs"] and len(segments) == 3 and segments[2] == "members":
            logins = world.members.get(("github", segments[1]))
            if logins is None:
                return 404, {}, github.error(404, "Not Found")
            return self._paged(path, query, [github.user(world, u) for u in logins])
        if segments[:1] != ["repos"] or len(segments) < 3:
            return 404, {}, github.error(404, "Not Found")
        repo = f"{segments[1]}/{segments[2]}"
        moved = self._moved(repo, segments[3:], query)
        if moved is not None:
            return moved
        repo = self.renamed.get(repo, repo)
        if ("github", repo) not in world.repositories:
            return 404, {}, github.error(404, "Not Found")
        rest = segments[3:]
        if not rest:
            return 200, {}, github.repository(world, repo)
        if rest == ["commits"]:
            commits = world.commits.get(("github", repo), [])
            if not commits:
                return 409, {}, github.error(409, "Git Repository is empty.")
            return self._paged(path, query, commits,
                               convert=lambda c: github.commit(world, repo, c))
        if rest == ["issues"]:
            threads = world.threads.get(("github", repo), [])
            return self._paged(path, query, threads,
                               convert=lambda t: github.issue(world, repo, t))
        if rest == ["issues", "comments"]:
            return self._paged(path, query, github.comments(world, repo))
        if rest == ["contributors"]:
            return self._paged(path, query, github.contributors(
                world, repo, str(query.get("anon", "")).lower() in ("1", "true")))
        if len(rest) == 3 and rest[0] == "issues" and rest[2] == "comments":
            number = rest[1]
            return self._paged(path, query, [c for c in github.comments(world, repo)
                                             if c["issue_url"].endswith(f"/{number}")])
        if len(rest) == 2 and rest[0] == "pulls":
            found = next((t for t in world.threads.get(("github", repo), [])
                          if str(t.number) == rest[1] and t.kind == "pull_request"), None)
            if found is None:
                return 404, {}, github.error(404, "Not Found")
            return 200, {}, github.pull(world, repo, found)
        return 404, {}, github.error(404, "Not Found")

    def _search(self, path: str, query: dict[str, Any]) -> Answer:
        """``/search/repositories``: best match first, 1,000 results at most."""
        world = self.world
        try:
            hits = github.search_repositories(world, query.get("q", ""))
        except ValueError:
            return 422, {}, {**github.error(422, "Validation Failed"), "errors": [
                {"resource": "Search", "field": "q", "code": "invalid"}]}
        page, size = _page(query)
        if page * size > github.SEARCH_CAP:
            return 422, {}, github.error(
                422, "Only the first 1000 search results are available")
        items = [github.search_item(world, r) for r in hits[(page - 1) * size: page * size]]
        shown = min(len(hits), github.SEARCH_CAP)
        return 200, _page_links(path, query, page, size, shown, base=self.url), {
            "total_count": len(hits), "incomplete_results": False, "items": items}

    def _moved(self, repo: str, rest: list[str], query: dict[str, Any]) -> Answer | None:
        """A renamed repository's old name (301 to the new one) or a blocked one (451)."""
        if repo in self.blocked:
            return 451, {}, {"message": "Repository access blocked",
                             "block": {"reason": "dmca", "created_at": "2024-01-01T00:00:00Z",
                                       "html_url": "https://github.com/github/dmca"}}
        new = next((n for n, old in self.renamed.items() if old == repo), None)
        if new is None or new == repo:
            return None
        target = "/".join(["/repos", new, *rest]) + (f"?{urlencode(query)}" if query else "")
        return 301, {"Location": f"{self.url}{target}"}, {
            "message": "Moved Permanently", "url": f"{self.url}{target}",
            "documentation_url": "https://docs.github.com/rest/guides/best-practices-for-"
                                 "using-the-rest-api#follow-redirects"}

    def _hub(self, method: str, path: str, query: dict[str, Any], body: bytes,
             budget: dict[str, int], cost: int = 1) -> Answer:
        world = self.world
        if resolved := HUB_RESOLVER.match(path):
            return self._hub_file(*resolved.groups())
        segments = path.strip("/").split("/")[1:]
        expand = query.get("expand[]") or query.get("expand")
        if segments in (["models"], ["datasets"], ["spaces"]):
            return self._hub_listing(path, query, expand, segments[0][:-1])
        if segments[:1] == ["organizations"] and len(segments) == 3:
            name = segments[1]
            if not world.is_organization("huggingface", name):
                return 404, {}, {"error": f"Organization {name} not found"}
            if segments[2] == "members":
                return self._paged(path, query, hub.members(world, name), page_key="p")
            if segments[2] == "overview":
                return 200, {}, {"name": name, "fullname": name, "type": "org"}
        if segments[:1] == ["users"] and len(segments) == 3 and segments[2] == "overview":
            name = segments[1]
            if world.is_organization("huggingface", name):
                return 404, {}, {"error": f"User {name} not found"}
            return 200, {}, {"user": name, "fullname": name, "type": "user"}
        if segments[:1] not in (["models"], ["datasets"], ["spaces"]) or len(segments) < 3:
            return 404, {}, {"error": "Not Found"}
        repo = hub_source.repo_key(segments[0][:-1], f"{segments[1]}/{segments[2]}")
        if ("huggingface", repo) not in world.repositories:
            return 404, {"X-Error-Code": "RepoNotFound"}, {"error": "Repository not found"}
        rest = segments[3:]
        if not rest:
            return 200, {}, hub.model_info(world, repo, expand)
        if rest[:1] == ["commits"]:
            return self._paged(path, query, hub.commits(world, repo), page_key="p")
        threads = {t.number: t for t in world.threads.get(("huggingface", repo), [])}
        if rest == ["discussions"]:
            page = int(query.get("p", 0))
            listed = [hub.discussion(world, repo, t) for t in threads.values()
                      if _discussion_wanted(t, query)]
            chunk = listed[page * HUB_PAGE:(page + 1) * HUB_PAGE]
            return 200, {}, {"discussions": chunk, "count": len(listed),
                             "start": page * HUB_PAGE, "numClosedDiscussions": sum(
                                 1 for t in threads.values() if t.state != "open")}
        if len(rest) == 2 and rest[0] == "discussions" and rest[1].isdigit():
            thread = threads.get(int(rest[1]))
            if thread is None:
                return 404, {}, {"error": "Discussion not found"}
            return 200, {}, hub.discussion_details(world, repo, thread)
        return 404, {}, {"error": "Not Found"}

    def _hub_file(self, owner: str, name: str, revision: str, file: str) -> Answer:
        """A file through the resolver: only the model card (``README.md``) is served, as
        text; the world holds no other file."""
        repo = f"{owner}/{name}"
        if ("huggingface", repo) not in self.world.repositories:
            return 404, {"X-Error-Code": "RepoNotFound"}, {"error": "Repository not found"}
        text = self.world.document("huggingface", repo, file)
        if text is None:
            return 404, {"X-Error-Code": "EntryNotFound"}, {"error": "Entry not found"}
        return 200, {}, text

    def _hub_listing(self, path: str, query: dict[str, Any], expand: Any,
                     kind: str = "model") -> Answer:
        """``/api/models``, ``/api/datasets`` or ``/api/spaces``: the world's Hub
        repositories of that kind, by id, ``limit`` a page, with a ``cursor`` link."""
        world = self.world
        models = sorted(r for (p, r), record in world.repositories.items()
                        if p == "huggingface" and record.kind == kind)
        if query.get("author"):
            models = [m for m in models if hub_source.owner(m) == query["author"]]
        if query.get("search"):
            models = [m for m in models if query["search"] in hub_source.repo_type(m)[1]]
        limit = min(int(query.get("limit", self.listing_page)), HUB_LISTING_PAGE)
        start = int(query.get("cursor", 0))
        chunk = models[start:start + limit]
        answer = [hub.model_info(world, m, expand) for m in chunk]
        links = {}
        if start + limit < len(models):
            links["next"] = f"{path}?{urlencode({**query, 'cursor': start + limit}, doseq=True)}"
        return 200, _link_header(links, self.url), answer

    def _paged(self, path: str, query: dict[str, Any], items: list[Any], *,
               page_key: str = "page", convert: Callable[[Any], Any] | None = None) -> Answer:
        """One page of ``items``; ``convert`` renders only that page's (a repository of
        100,000 commits costs a page's rendering per request, not the whole history's)."""
        if page_key == "p":
            page, size = int(query.get("p", 0)) + 1, HUB_PAGE
        else:
            page, size = _page(query)
        chunk = items[(page - 1) * size: page * size]
        if convert is not None:
            chunk = [convert(item) for item in chunk]
        return 200, _page_links(path, query, page, size, len(items), page_key, self.url), chunk


def _discussion_listing(path: str) -> bool:
    parts = path.strip("/").split("/")
    return len(parts) == 5 and parts[0] == "api" and parts[4] == "discussions" \
        and parts[1] in ("models", "datasets", "spaces")


def _discussion_wanted(thread: Any, query: dict[str, Any]) -> bool:
    """The Hub's discussion filters: ``type`` (discussion, pull_request, all), ``status``
    (open: open and draft; closed: closed and merged; all) and ``author``."""
    kind, status = query.get("type", "all"), query.get("status", "all")
    closed = thread.state in ("closed", "merged")
    return ((kind == "all" or kind == thread.kind) and
            (status == "all" or (status == "closed") == closed) and
            (not query.get("author") or query["author"] == thread.author))


def _token(headers: dict[str, str]) -> str | None:
    value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    scheme, _, token = value.partition(" ")
    return token.strip() or None if scheme.lower() in ("bearer", "token") else None


def _endpoint(path: str) -> str:
    """A request's endpoint with ids blanked, for request accounting."""
    if resolved := HUB_RESOLVER.match(path):
        return f"/{{owner}}/{{repo}}/resolve/{{revision}}/{resolved.group(4)}"
    parts = path.strip("/").split("/")
    if parts[:1] == ["repos"] and len(parts) >= 3:
        parts[1:3] = ["{owner}", "{repo}"]
        if len(parts) > 4 and parts[3] in ("issues", "pulls") and parts[4].isdigit():
            parts[4] = "{number}"
    elif parts[:1] == ["api"] and parts[1:2] in HUB_TYPES and len(parts) >= 4:
        parts[2:4] = ["{owner}", "{repo}"]
        if len(parts) > 5 and parts[4] == "discussions":
            parts[5] = "{num}"
        if len(parts) > 5 and parts[4] == "commits":
            parts[5] = "{revision}"
    elif parts[:1] == ["orgs"] or parts[1:2] in (["organizations"], ["users"]):
        index = 1 if parts[0] == "orgs" else 2
        if len(parts) > index:
            parts[index] = "{name}"
    return "/" + "/".join(parts)


def _page(query: dict[str, Any]) -> tuple[int, int]:
    return max(int(query.get("page", 1)), 1), min(max(int(query.get("per_page", 30)), 1), 100)


def _page_links(path: str, query: dict[str, Any], page: int, size: int, total: int,
                page_key: str = "page", base: str = "") -> dict[str, str]:
    last = max(1, -(-total // size))
    links = {}
    offset = 1 if page_key == "p" else 0

    def url(number: int) -> str:
        return f"{path}?{urlencode({**query, page_key: number - offset}, doseq=True)}"

    if page > 1 and page_key == "page":
        links["prev"] = url(page - 1)
    if page < last:
        links["next"] = url(page + 1)
        links["last"] = url(last)
    if page > 1 and page_key == "page":
        links["first"] = url(1)
    return _link_header(links, base)


def _link_header(links: dict[str, str], base: str = "") -> dict[str, str]:
    if not links:
        return {}
    return {"Link": ", ".join(f'<{base}{url}>; rel="{rel}"' for rel, url in links.items())}


def _subjects(path: str) -> tuple[str, ...]:
    """The repository (``owner/name``) or account (``name``) a REST path is about."""
    parts = path.strip("/").split("/")
    if parts[:1] == ["repos"] and len(parts) >= 3:
        return (f"{parts[1]}/{parts[2]}",)
    if parts[:1] == ["api"] and parts[1:2] in HUB_TYPES and len(parts) >= 4:
        return (hub_source.repo_key(parts[1][:-1], f"{parts[2]}/{parts[3]}"),)
    if resolved := HUB_RESOLVER.match(path):
        return (f"{resolved.group(1)}/{resolved.group(2)}",)
    if parts[:1] == ["orgs"] and len(parts) >= 2:
        return (parts[1],)
    if parts[:2] in (["api", "organizations"], ["api", "users"]) and len(parts) >= 3:
        return (parts[2],)
    return ()


def _limit_headers(platform: str, budget: dict[str, int], now: int,
                   resource: str = "core") -> dict[str, str]:
    if platform == "github":
        return {"X-RateLimit-Limit": str(budget["limit"]),
                "X-RateLimit-Remaining": str(max(budget["remaining"], 0)),
                "X-RateLimit-Reset": str(budget["reset"]),
                "X-RateLimit-Used": str(budget["limit"] - max(budget["remaining"], 0)),
                "X-RateLimit-Resource": resource}
    return {"RateLimit": f'"{resource}";r={budget["remaining"]};'
                         f't={max(budget["reset"] - now, 0)}',
            "RateLimit-Policy": f'"fixed window";"{resource}";q={budget["limit"]};w=300'}


def _rate_limited(platform: str, headers: dict[str, str]) -> Answer:
    """The primary limit is spent: GitHub's 403 with ``X-RateLimit-Remaining: 0`` (no
    ``Retry-After``: the reset time says when), the Hub's 429 with ``RateLimit`` headers."""
    if platform == "github":
        return 403, headers, {"message": "API rate limit exceeded",
                              "documentation_url": "https://docs.github.com/rest/"
                                                   "overview/rate-limits-for-the-rest-api"}
    return 429, headers, {"error": "You have exceeded our rate limit"}


def _secondary_limit(status: int, retry_after: str | None) -> Answer:
    """GitHub's secondary rate limit: 403 or 429, with or without ``Retry-After``."""
    headers = {} if retry_after is None else {"Retry-After": retry_after}
    return status, headers, {"message": SECONDARY_LIMIT, "documentation_url":
                             "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
                             "#about-secondary-rate-limits"}


def _resource(method: str, path: str) -> str:
    """GitHub's rate-limit resource of a request: ``graphql``, ``search`` or ``core``."""
    if method == "POST" and path == "/graphql":
        return "graphql"
    return "search" if path.startswith("/search/") else "core"


def _etag(payload: Any) -> str:
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    return f'W/"{digest}"'


def _if_none_match(headers: dict[str, str]) -> list[str]:
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
            fault = emulator.faults.draw(method, self.path) if emulator.faults else None
            if fault is not None and fault.kind == "reset":
                self._reset()
                return
            with emulator._lock:
                emulator._in_flight += 1
                crowded = emulator._in_flight > emulator.max_concurrent
            try:
                if crowded and not self.path.startswith("/api/"):
                    answer: Answer = _secondary_limit(403, "60")
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
