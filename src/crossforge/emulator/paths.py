"""What a request's path names: its platform, its endpoint and what it is about.

Both platforms are served on one port, so the path alone tells a Hub request (``/api/...`` or
the file resolver) from a GitHub one; the endpoint with ids blanked and the repositories or
accounts a request is about are what the request counts and the charge log record.
"""

from __future__ import annotations

import re

from crossforge.emulator.hub import repo_key

#: The Hub's file resolver, ``/{owner}/{name}/resolve/{revision}/{path}`` (GitHub's REST
#: paths start with ``repos``, ``orgs``, ``users``, …, never with a repository).
HUB_RESOLVER = re.compile(
    r"^/(?!repos/|orgs/|users/|search/|api/)([^/]+)/([^/]+)/resolve/([^/]+)/(.+)$")
HUB_TYPES = (["models"], ["datasets"], ["spaces"])


def platform_of(path: str) -> str:
    """``huggingface`` for the Hub's API and resolver paths, ``github`` for the rest."""
    return "huggingface" if path.startswith("/api/") or HUB_RESOLVER.match(path) else "github"


def endpoint(path: str) -> str:
    """A request's endpoint with ids blanked, for request accounting."""
    if resolved := HUB_RESOLVER.match(path):
        return f"/{{owner}}/{{repo}}/resolve/{{revision}}/{resolved.group(4)}"
    parts = path.strip("/").split("/")
    if parts[:1] in (["t"], ["c"]) and len(parts) >= 2:   # a forum's topics and categories
        return "/t/{id}" + (".json" if len(parts) == 2 else "/posts.json") \
            if parts[0] == "t" else "/c/{slug}/{id}.json"
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


def subjects(path: str) -> tuple[str, ...]:
    """The repository (``owner/name``, a Hub key) or account (``name``) a REST path is about."""
    parts = path.strip("/").split("/")
    if parts[:1] == ["repos"] and len(parts) >= 3:
        return (f"{parts[1]}/{parts[2]}",)
    if parts[:1] == ["api"] and parts[1:2] in HUB_TYPES and len(parts) >= 4:
        return (repo_key(parts[1][:-1], f"{parts[2]}/{parts[3]}"),)
    if resolved := HUB_RESOLVER.match(path):
        return (f"{resolved.group(1)}/{resolved.group(2)}",)
    if parts[:1] == ["orgs"] and len(parts) >= 2:
        return (parts[1],)
    if parts[:2] in (["api", "organizations"], ["api", "users"]) and len(parts) >= 3:
        return (parts[2],)
    return ()
