"""The platforms' rate limits: per-caller budgets, their headers, and the answers when spent.

GitHub keeps a budget per token and resource (``core``, ``search``, ``graphql``; an App
installation's tokens share one), the Hub one per caller for its API and one for its file
resolver. The collectors pace themselves by these headers, so they follow the platforms'.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from crossforge.emulator.answer import Answer
from crossforge.emulator.apps import GitHubApps

#: A caller's budget of one resource: ``limit``, ``remaining`` and ``reset`` (epoch seconds).
Budget = dict[str, int]

GITHUB_LIMIT = 5_000
GITHUB_ANONYMOUS_LIMIT = 60
SEARCH_LIMIT = 30  # search requests per minute with a token
SEARCH_ANONYMOUS_LIMIT = 10
SEARCH_WINDOW = 60  # seconds: the search budget is per minute
GITHUB_CONCURRENCY = 100  # GitHub's secondary limit on concurrent requests
HUB_LIMIT = 1_000  # per 5-minute window, a free user's API budget
HUB_RESOLVER_LIMIT = 5_000  # per 5-minute window, a free user's resolver budget
HUB_WINDOW = 300
GITHUB_WINDOW = 3600
#: Resources ``/rate_limit`` lists that no endpoint of the emulator draws on: (limit, window).
UNUSED_RESOURCES = {"integration_manifest": (5_000, 3600), "source_import": (100, 60),
                    "code_scanning_upload": (1_000, 3600),
                    "actions_runner_registration": (10_000, 3600), "scim": (15_000, 3600),
                    "dependency_snapshots": (100, 60)}
#: GitHub's secondary limits on points per minute, per caller ("Rate limits for the REST
#: API", About secondary rate limits): "No more than 900 points per minute are allowed for
#: REST API endpoints, and no more than 2,000 points per minute are allowed for the GraphQL
#: API endpoint". A GET, HEAD or OPTIONS request and a GraphQL query without a mutation are
#: one point, any other request five (points of their own, not the GraphQL query's score).
SECONDARY_POINTS = {"rest": 900, "graphql": 2_000}
SECONDARY_WINDOW = 60.0
SECONDARY_LIMIT = ("You have exceeded a secondary rate limit. Please wait a few minutes "
                   "before you try again.")
HUB_RATE_LIMITED = "You have exceeded our rate limit"
RATE_LIMITS_DOCUMENTATION = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"


@dataclass(frozen=True)
class Charge:
    """One request as the platform's rate limiter saw it."""

    platform: str
    resource: str
    endpoint: str
    cost: int
    subjects: tuple[str, ...]


class RateLimits:
    """Every caller's budgets; the limits are read when a window opens, so a caller may tune
    them while the emulator serves (the next window has the new limit)."""

    def __init__(self, *, github_limit: int, anonymous_limit: int, search_limit: int,
                 hub_limit: int, hub_resolver_limit: int,
                 github_apps: GitHubApps | None) -> None:
        self.github_limit = github_limit
        self.anonymous_limit = anonymous_limit
        self.search_limit = search_limit
        self.search_window = SEARCH_WINDOW
        self.hub_window = HUB_WINDOW
        self.hub_limit = hub_limit
        self.hub_resolver_limit = hub_resolver_limit
        self.github_apps = github_apps
        self._budgets: dict[str, Budget] = {}
        self._secondary: dict[str, deque[tuple[float, int]]] = {}
        self._lock = threading.Lock()
        self._started = int(time.time())

    def secondary(self, token: str | None, endpoint: str, points: int,
                  limits: dict[str, int], window: float) -> int | None:
        """Count ``points`` to the caller's ``endpoint`` (``rest`` or ``graphql``) in the last
        ``window`` seconds; when ``limits`` has no room for them, the whole seconds until it
        has (the request is then refused, and not counted)."""
        limit = limits.get(endpoint)
        if not limit:
            return None
        now = time.monotonic()
        with self._lock:
            sent = self._secondary.setdefault(f"{endpoint}:{token}", deque())
            while sent and sent[0][0] <= now - window:
                sent.popleft()
            held = sum(p for _, p in sent)
            if held + points <= limit:
                sent.append((now, points))
                return None
            freed, wait = 0, window
            for stamp, spent in sent:
                freed += spent
                wait = stamp + window - now
                if held - freed + points <= limit:
                    break
        return max(1, math.ceil(wait))

    def hub_quota(self, resource: str) -> int:
        """The Hub's limit of ``resource``: ``resolvers`` (file downloads) or ``api``."""
        return self.hub_resolver_limit if resource == "resolvers" else self.hub_limit

    def spend(self, platform: str, resource: str, token: str | None,
              cost: int = 1) -> tuple[Budget | None, dict[str, str]]:
        """Take ``cost`` units (a request, or a GraphQL query's points: GitHub keeps REST and
        GraphQL budgets apart) from the caller's budget; ``None`` and the limit headers when
        it is spent. (A conditional request is given back by ``refund`` when it gets a 304.)"""
        now = int(time.time())
        with self._lock:
            budget = self._budget(platform, resource, token, now)
            if budget["remaining"] < cost:
                return None, limit_headers(platform, budget, now, resource)
            budget["remaining"] -= cost
        return budget, {}

    def refund(self, budget: Budget) -> None:
        """An unchanged resource (a 304) costs nothing, as on GitHub."""
        with self._lock:
            budget["remaining"] += 1

    def overview(self, token: str | None) -> dict[str, Any]:
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

    def _budget(self, platform: str, resource: str, token: str | None, now: int) -> Budget:
        """The caller's current budget, a fresh one when its window has passed."""
        apps = self.github_apps
        installation = apps.installation_of(token) if apps else None
        key = f"{platform}:{resource}:{f'installation {installation}' if installation else token}"
        if platform == "huggingface":
            limit, window = self.hub_quota(resource), self.hub_window
        elif resource == "search":
            limit = self.search_limit if token else SEARCH_ANONYMOUS_LIMIT
            window = self.search_window
        elif installation is not None and apps is not None:
            limit, window = apps.installation_limit, GITHUB_WINDOW
        else:
            limit, window = (self.github_limit if token else self.anonymous_limit), GITHUB_WINDOW
        budget = self._budgets.get(key)
        if budget is None or budget["reset"] <= now:
            budget = self._budgets[key] = {"limit": limit, "remaining": limit,
                                           "reset": now + window, "window": window}
        return budget


def github_resource(method: str, path: str) -> str:
    """GitHub's rate-limit resource of a request: ``graphql``, ``search`` or ``core``."""
    if method == "POST" and path == "/graphql":
        return "graphql"
    return "search" if path.startswith("/search/") else "core"


def limit_headers(platform: str, budget: Budget, now: int,
                  resource: str = "core") -> dict[str, str]:
    """GitHub's ``X-RateLimit-*`` headers, or the Hub's ``RateLimit`` and policy headers
    (the IETF draft's, which the Hub sends on every answer, so a client can pace itself
    before a 429: ``"api";r=REMAINING;t=SECONDS`` and ``"fixed window";"api";q=LIMIT;w=300``)."""
    if platform == "github":
        return {"X-RateLimit-Limit": str(budget["limit"]),
                "X-RateLimit-Remaining": str(max(budget["remaining"], 0)),
                "X-RateLimit-Reset": str(budget["reset"]),
                "X-RateLimit-Used": str(budget["limit"] - max(budget["remaining"], 0)),
                "X-RateLimit-Resource": resource}
    return {"RateLimit": f'"{resource}";r={budget["remaining"]};'
                         f't={max(budget["reset"] - now, 0)}',
            "RateLimit-Policy": f'"fixed window";"{resource}";q={budget["limit"]};'
                                f'w={budget.get("window", HUB_WINDOW)}'}


def rate_limited(platform: str, headers: dict[str, str]) -> Answer:
    """The primary limit is spent: GitHub's 403 with ``X-RateLimit-Remaining: 0`` (no
    ``Retry-After``: the reset time says when), the Hub's 429 with ``RateLimit`` headers."""
    if platform == "github":
        return 403, headers, {"message": "API rate limit exceeded",
                              "documentation_url": RATE_LIMITS_DOCUMENTATION}
    return 429, headers, {"error": HUB_RATE_LIMITED}


def hub_rate_limited(quota: int, wait: int, resource: str) -> Answer:
    """The Hub's 429 whose window ends in ``wait`` seconds (an injected rate limit)."""
    return 429, limit_headers("huggingface", {"limit": quota, "remaining": 0, "reset": wait}, 0,
                              resource), {"error": HUB_RATE_LIMITED}


def secondary_limit(status: int, retry_after: str | None) -> Answer:
    """GitHub's secondary rate limit: 403 or 429, with or without ``Retry-After``."""
    headers = {} if retry_after is None else {"Retry-After": retry_after}
    return status, headers, {"message": SECONDARY_LIMIT, "documentation_url":
                             f"{RATE_LIMITS_DOCUMENTATION}#about-secondary-rate-limits"}
