"""A local emulator of the GitHub and Hugging Face Hub APIs, on loopback, serving a world.

These machines cannot reach either platform, so the collectors are proven against this
emulator: it speaks the published contracts (GitHub REST and GraphQL, the Hub endpoints that
``huggingface_hub`` reads), paginates with ``Link`` headers, counts every request, and keeps
per-token rate-limit budgets with the platforms' headers. A collection from the emulator must
give back the world's records; that is the end-to-end test of the collectors.

Example:
    >>> with Emulator.from_records(records) as emulator:          # doctest: +SKIP
    ...     collect(..., github_url=emulator.url, hub_url=emulator.url)
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from crossforge.emulator import github, hub
from crossforge.emulator.world import World

__all__ = ["Charge", "Emulator", "World"]

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
HUB_LIMIT = 1_000  # per 5-minute window, a free user's API budget
HUB_PAGE = 50


class Emulator:
    """Serve ``world`` on ``http://127.0.0.1:PORT``; GitHub paths and Hub ``/api/`` paths.

    Args:
        world: what the platforms hold.
        github_limit: requests per hour per token (anonymous callers get 60).
        hub_limit: Hub API calls per 5-minute window per caller.
        anonymous_limit: GitHub requests per hour without a token.
        rejected_tokens: tokens answered with 401 Bad credentials.
    """

    def __init__(self, world: World, *, github_limit: int = GITHUB_LIMIT,
                 hub_limit: int = HUB_LIMIT, anonymous_limit: int = GITHUB_ANONYMOUS_LIMIT,
                 rejected_tokens: Iterable[str] = ()) -> None:
        self.world = world
        self.github_limit = github_limit
        self.anonymous_limit = anonymous_limit
        self.hub_limit = hub_limit
        self.rejected_tokens = set(rejected_tokens)
        self.requests: Counter[str] = Counter()
        #: Every answered request: platform, rate-limit resource, endpoint, cost charged, and
        #: the repositories or accounts it was about (what benchmarks attribute costs with).
        self.log: list[Charge] = []
        self._budgets: dict[str, dict[str, int]] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.url = ""

    @classmethod
    def from_records(cls, records: Iterable[object], **options: Any) -> Emulator:
        return cls(World.from_records(records), **options)

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> Emulator:
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, headers, payload = emulator.handle(
                    method, self.path, dict(self.headers.items()), body)
                data = b"" if payload is None else json.dumps(payload).encode().replace(
                    github.API.encode(), emulator.url.encode())  # links point here
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802
                self._serve("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._serve("POST")

            def log_message(self, *args: Any) -> None:
                """Quiet: requests carry tokens in headers, and tests read stderr."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Answer:
        """Answer one request (also callable without a socket)."""
        parts = urlsplit(target)
        path = parts.path.rstrip("/")
        query = {k: v if k.endswith("[]") or k == "expand" else v[-1]
                 for k, v in parse_qs(parts.query).items()}
        token = _token(headers)
        if token in self.rejected_tokens:
            return 401, {}, {"message": "Bad credentials"}
        platform = "huggingface" if path.startswith("/api/") else "github"
        resource, cost, subjects = "core", 1, _subjects(path)
        if platform == "huggingface":
            resource = "api"
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
            budget, answer_headers = self._spend(platform, resource, token, cost)
            if budget is not None:
                self.log.append(Charge(platform, resource, _endpoint(path), cost, subjects))
        if budget is None:
            return _rate_limited(platform, answer_headers)
        route = self._hub if platform == "huggingface" else self._github
        status, extra, payload = route(method, path, query, body, budget, cost)
        return status, {**answer_headers, **extra}, payload

    def _spend(self, platform: str, resource: str, token: str | None,
               cost: int) -> tuple[dict | None, dict[str, str]]:
        """Charge ``cost`` units to the caller's budget of ``resource`` (GitHub keeps REST
        and GraphQL budgets apart: 5,000 requests and 5,000 points an hour per token)."""
        key = f"{platform}:{resource}:{token}"
        now = int(time.time())
        if platform == "github":
            limit, window = (self.github_limit if token else self.anonymous_limit), 3600
        else:
            limit, window = self.hub_limit, 300
        budget = self._budgets.get(key)
        if budget is None or budget["reset"] <= now:
            budget = self._budgets[key] = {"limit": limit, "remaining": limit,
                                           "reset": now + window}
        if budget["remaining"] < cost:
            return None, _limit_headers(platform, budget, now, resource)
        budget["remaining"] -= cost
        return budget, (_limit_headers(platform, budget, now, resource)
                        if platform == "github" else {})

    def _github(self, method: str, path: str, query: dict[str, Any], body: bytes,
                budget: dict[str, int], cost: int = 1) -> Answer:
        world = self.world
        segments = path.strip("/").split("/")
        if method == "POST" and path == "/graphql":
            return github.graphql(world, body, budget, cost)
        if segments == ["rate_limit"]:
            core = {"limit": budget["limit"], "remaining": budget["remaining"],
                    "reset": budget["reset"], "used": budget["limit"] - budget["remaining"]}
            return 200, {}, {"resources": {"core": core}, "rate": core}
        if segments == ["repositories"]:
            since = int(query.get("since", 0))
            listed = sorted((i, r) for r, i in world.github_ids.items() if i > since)[:100]
            answer = [github.repository(world, r) for _, r in listed]
            link = {"next": f"/repositories?since={listed[-1][0]}"} if listed else {}
            return 200, _link_header(link, self.url), answer
        if segments == ["search", "repositories"]:
            hits = github.search_repositories(world, query.get("q", ""))
            page, size = _page(query)
            if page * size > github.SEARCH_CAP:
                return 422, {}, {"message": "Only the first 1000 search results are available"}
            items = hits[(page - 1) * size: page * size]
            shown = min(len(hits), github.SEARCH_CAP)
            return 200, _page_links(path, query, page, size, shown, base=self.url), {
                "total_count": len(hits), "incomplete_results": False, "items": items}
        if segments[:1] == ["orgs"] and len(segments) == 2:
            if not world.is_organization("github", segments[1]):
                return 404, {}, {"message": "Not Found"}
            return 200, {}, {**(github.user(world, segments[1]) or {}), "type": "Organization",
                             "url": f"{github.API}/orgs/{segments[1]}"}
        if segments[:1] == ["orgs"] and len(segments) == 3 and segments[2] == "members":
            logins = world.members.get(("github", segments[1]))
            if logins is None:
                return 404, {}, {"message": "Not Found"}
            return self._paged(path, query, [github.user(world, u) for u in logins])
        if segments[:1] != ["repos"] or len(segments) < 3:
            return 404, {}, {"message": "Not Found"}
        repo = f"{segments[1]}/{segments[2]}"
        if ("github", repo) not in world.repositories:
            return 404, {}, {"message": "Not Found"}
        rest = segments[3:]
        if not rest:
            return 200, {}, github.repository(world, repo)
        if rest == ["commits"]:
            commits = world.commits.get(("github", repo), [])
            if not commits:
                return 409, {}, {"message": "Git Repository is empty."}
            return self._paged(path, query, [github.commit(world, c) for c in commits])
        if rest == ["issues"]:
            threads = world.threads.get(("github", repo), [])
            return self._paged(path, query, [github.issue(world, repo, t) for t in threads])
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
                return 404, {}, {"message": "Not Found"}
            return 200, {}, github.pull(world, repo, found)
        return 404, {}, {"message": "Not Found"}

    def _hub(self, method: str, path: str, query: dict[str, Any], body: bytes,
             budget: dict[str, int], cost: int = 1) -> Answer:
        world = self.world
        segments = path.strip("/").split("/")[1:]
        expand = query.get("expand[]") or query.get("expand")
        if segments == ["models"]:
            return self._hub_listing(path, query, expand)
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
        if segments[:1] != ["models"] or len(segments) < 3:
            return 404, {}, {"error": "Not Found"}
        repo = f"{segments[1]}/{segments[2]}"
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
            listed = [hub.discussion(world, repo, t) for t in threads.values()]
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

    def _hub_listing(self, path: str, query: dict[str, Any], expand: Any) -> Answer:
        world = self.world
        models = sorted(r for p, r in world.repositories if p == "huggingface")
        if query.get("author"):
            models = [m for m in models if m.split("/", 1)[0] == query["author"]]
        if query.get("search"):
            models = [m for m in models if query["search"] in m]
        limit = min(int(query.get("limit", 1000)), 1000)
        start = int(query.get("cursor", 0))
        chunk = models[start:start + limit]
        answer = [hub.model_info(world, m, expand) for m in chunk]
        links = {}
        if start + limit < len(models):
            links["next"] = f"{path}?{urlencode({**query, 'cursor': start + limit}, doseq=True)}"
        return 200, _link_header(links, self.url), answer

    def _paged(self, path: str, query: dict[str, Any], items: list[Any], *,
               page_key: str = "page") -> Answer:
        if page_key == "p":
            page, size = int(query.get("p", 0)) + 1, HUB_PAGE
        else:
            page, size = _page(query)
        chunk = items[(page - 1) * size: page * size]
        return 200, _page_links(path, query, page, size, len(items), page_key, self.url), chunk


def _token(headers: dict[str, str]) -> str | None:
    value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    scheme, _, token = value.partition(" ")
    return token.strip() or None if scheme.lower() in ("bearer", "token") else None


def _endpoint(path: str) -> str:
    """A request's endpoint with ids blanked, for request accounting."""
    parts = path.strip("/").split("/")
    if parts[:1] == ["repos"] and len(parts) >= 3:
        parts[1:3] = ["{owner}", "{repo}"]
        if len(parts) > 4 and parts[3] in ("issues", "pulls") and parts[4].isdigit():
            parts[4] = "{number}"
    elif parts[:2] == ["api", "models"] and len(parts) >= 4:
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

    if page < last:
        links["next"] = url(page + 1)
        links["last"] = url(last)
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
    if parts[:2] == ["api", "models"] and len(parts) >= 4:
        return (f"{parts[2]}/{parts[3]}",)
    if parts[:1] == ["orgs"] and len(parts) >= 2:
        return (parts[1],)
    if parts[:2] in (["api", "organizations"], ["api", "users"]) and len(parts) >= 3:
        return (parts[2],)
    return ()


def _limit_headers(platform: str, budget: dict[str, int], now: int,
                   resource: str = "core") -> dict[str, str]:
    if platform == "github":
        return {"X-RateLimit-Limit": str(budget["limit"]),
                "X-RateLimit-Remaining": str(budget["remaining"]),
                "X-RateLimit-Used": str(budget["limit"] - budget["remaining"]),
                "X-RateLimit-Reset": str(budget["reset"]), "X-RateLimit-Resource": resource}
    return {"RateLimit": f'"api";r={budget["remaining"]};t={max(budget["reset"] - now, 0)}',
            "RateLimit-Policy": f'"fixed window";"api";q={budget["limit"]};w=300'}


def _rate_limited(platform: str, headers: dict[str, str]) -> Answer:
    if platform == "github":
        return 403, headers, {"message": "API rate limit exceeded",
                              "documentation_url": "https://docs.github.com/rest/"
                                                   "overview/rate-limits-for-the-rest-api"}
    return 429, headers, {"error": "You have exceeded our rate limit"}
