"""The Hub's paths, routed to their answers (``hub`` renders them from the world).

``/api/{models,datasets,spaces}`` listings with a cursor, a repository and its commits and
discussions, organisations and users, and the file resolver (only model cards: the world
holds no other file). The routes are methods of the emulator, as GitHub's are.
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlencode

from crossforge.emulator import hub
from crossforge.emulator.answer import Answer
from crossforge.emulator.limits import Budget
from crossforge.emulator.paging import HUB_LISTING_PAGE, HUB_PAGE, link_header, paged
from crossforge.emulator.paths import HUB_RESOLVER, subjects
from crossforge.emulator.world import World
from crossforge.records import Thread


class HubRoutes:
    """The emulator's Hub side: what it serves, at which URL, and a listing's default page."""

    world: World
    url: str
    listing_page: int
    gated: set[str]
    hub_hides_missing: bool

    def _hub_refusal(self, path: str, token: str | None) -> Answer | None:
        """The Hub's 401 or 403 before any route: a gated model's files to a caller not
        granted access (401 without a token, 403 with one, ``X-Error-Code: GatedRepo``);
        with ``hub_hides_missing``, a repository it does not hold to a caller without a
        token (401, as huggingface.co answers: it does not tell it from a private one)."""
        parts = path.strip("/").split("/")
        resolved = HUB_RESOLVER.match(path)
        if not resolved and (parts[1:2] not in (["models"], ["datasets"], ["spaces"])
                             or len(parts) < 4):
            return None
        repo = subjects(path)[0]
        if resolved and repo in self.gated:
            message = (f"Access to model {repo} is restricted and you are not in the "
                       "authorized list." if token else f"Access to model {repo} is "
                       "restricted. You must have access to it and be authenticated to "
                       "access it. Please log in.")
            return 403 if token else 401, {"X-Error-Code": "GatedRepo",
                                           "X-Error-Message": message}, {"error": message}
        if self.hub_hides_missing and token is None and (
                "huggingface", repo) not in self.world.repositories:
            message = "Invalid username or password."
            return 401, {"X-Error-Code": "RepoNotFound", "X-Error-Message": message}, {
                "error": message}
        return None

    def _hub(self, method: str, path: str, query: dict[str, Any], body: bytes,
             budget: Budget, cost: int = 1) -> Answer:
        """The answer to a Hub request whose rate limit is already charged (the arguments
        are GitHub's route's: the Hub's answers need only the path and query)."""
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
                return paged(path, query, hub.members(world, name), self.url, page_key="p")
            if segments[2] == "overview":
                return 200, {}, {"name": name, "fullname": name, "type": "org"}
        if segments[:1] == ["users"] and len(segments) == 3 and segments[2] == "overview":
            name = segments[1]
            if world.is_organization("huggingface", name) \
                    or world.person("huggingface", name)[0] is None:
                return 404, {}, {"error": f"User {name} not found"}
            return 200, {}, hub.user_overview(world, name)
        if segments[:1] not in (["models"], ["datasets"], ["spaces"]) or len(segments) < 3:
            return 404, {}, {"error": "Not Found"}
        repo = hub.repo_key(segments[0][:-1], f"{segments[1]}/{segments[2]}")
        if ("huggingface", repo) not in world.repositories:
            return _repo_not_found()
        return self._hub_repository(repo, segments[3:], path, query, expand)

    def _hub_repository(self, repo: str, rest: list[str], path: str,
                        query: dict[str, Any], expand: Any) -> Answer:
        """``/api/{type}s/{owner}/{name}`` and the paths under it, for a repository the world
        holds (``repo`` is its key)."""
        world = self.world
        if not rest:
            return 200, {}, hub.model_info(world, repo, expand)
        if rest[:1] == ["commits"]:
            return paged(path, query, hub.commits(world, repo), self.url, page_key="p")
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
            return 200, {}, hub.discussion_details(
                world, repo, thread, diff=str(query.get("diff", "")) in ("1", "true"))
        return 404, {}, {"error": "Not Found"}

    def _hub_file(self, owner: str, name: str, revision: str, file: str) -> Answer:
        """A file through the resolver: only the model card (``README.md``) is served, as
        text; the world holds no other file."""
        repo = f"{owner}/{name}"
        if ("huggingface", repo) not in self.world.repositories:
            return _repo_not_found()
        text = self.world.document("huggingface", repo, file)
        if text is None:
            return 404, {"X-Error-Code": "EntryNotFound"}, {"error": "Entry not found"}
        return 200, {"ETag": f'"{_git_blob_id(text)}"'}, text

    def _hub_listing(self, path: str, query: dict[str, Any], expand: Any,
                     kind: str = "model") -> Answer:
        """``/api/models``, ``/api/datasets`` or ``/api/spaces``: the world's Hub
        repositories of that kind, by id, ``limit`` a page, with a ``cursor`` link."""
        world = self.world
        models = sorted(r for (p, r), record in world.repositories.items()
                        if p == "huggingface" and record.kind == kind)
        if query.get("author"):
            models = [m for m in models if hub.owner(m) == query["author"]]
        if query.get("search"):
            models = [m for m in models if query["search"] in hub.repo_type(m)[1]]
        limit = min(int(query.get("limit", self.listing_page)), HUB_LISTING_PAGE)
        start = int(query.get("cursor", 0))
        chunk = models[start:start + limit]
        answer = [hub.model_info(world, m, expand) for m in chunk]
        links = {}
        if start + limit < len(models):
            links["next"] = f"{path}?{urlencode({**query, 'cursor': start + limit}, doseq=True)}"
        return 200, link_header(links, self.url), answer


def _discussion_wanted(thread: Thread, query: dict[str, Any]) -> bool:
    """The Hub's discussion filters: ``type`` (discussion, pull_request, all), ``status``
    (open: open and draft; closed: closed and merged; all) and ``author``."""
    kind, status = query.get("type", "all"), query.get("status", "all")
    closed = thread.state in ("closed", "merged")
    return ((kind == "all" or kind == thread.kind) and
            (status == "all" or (status == "closed") == closed) and
            (not query.get("author") or query["author"] == thread.author))


def _git_blob_id(text: str) -> str:
    """A file's git blob id: the resolver's ``ETag`` for a file stored in git (not LFS)."""
    data = text.encode()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _repo_not_found() -> Answer:
    """The Hub's 404 for a repository it does not hold, with its error code."""
    return 404, {"X-Error-Code": "RepoNotFound"}, {"error": "Repository not found"}
