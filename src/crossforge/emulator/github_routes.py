"""GitHub's paths, routed to their answers (``github`` renders them from the world).

A repository is served at ``/repos/{owner}/{repo}/…`` and at ``/repositories/{id}/…``, and
its listings' ``Link`` URLs use the second shape, as GitHub's do (so does an organization's
members listing, at ``/organizations/{id}/members``). A renamed repository's old name answers
``301`` to ``/repositories/{id}/…`` and a blocked one ``451``, as GitHub does; everything not
served is GitHub's ``404``. The routes are methods of
the emulator, so a test's emulator may answer one differently (say, ``_search``).
"""

from __future__ import annotations

from datetime import datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode

from crossforge.emulator import github
from crossforge.emulator.answer import Answer
from crossforge.emulator.limits import Budget
from crossforge.emulator.paging import link_header, page_links, page_of, paged
from crossforge.emulator.world import World


def _not_found() -> Answer:
    """GitHub's 404 (a fresh answer each time: callers may extend its headers)."""
    return 404, {}, github.error(404, "Not Found")


def invalid(field: str, resource: str) -> Answer:
    """GitHub's 422 for a parameter whose value it refuses."""
    return 422, {}, {**github.error(422, "Validation Failed"), "errors": [
        {"resource": resource, "field": field, "code": "invalid"}]}


def _last_modified(when: str | None) -> dict[str, str]:
    """``Last-Modified`` (an HTTP date) of an object's ``updated_at``, as GitHub sends."""
    if when is None:
        return {}
    moment = datetime.fromisoformat(when.replace("Z", "+00:00"))
    return {"Last-Modified": format_datetime(moment, usegmt=True)}


class GitHubRoutes:
    """The emulator's GitHub side: what it serves, at which URL, and which repositories are
    renamed (``{new: old}``) or blocked."""

    world: World
    url: str
    renamed: dict[str, str]
    blocked: set[str]
    timing_out: set[str]

    def _github(self, method: str, path: str, query: dict[str, Any], body: bytes,
                budget: Budget, cost: int = 1) -> Answer:
        """The answer to a GitHub request whose rate limit is already charged (``budget``,
        the GraphQL query's ``cost``: its ``rateLimit`` field reports them)."""
        world, url = self.world, self.url
        segments = path.strip("/").split("/")
        if method == "POST" and path == "/graphql":
            return github.graphql(world, body, budget, cost, renamed=self.renamed,
                                  blocked=self.blocked, timing_out=self.timing_out)
        if segments == ["repositories"]:
            since = int(query.get("since", 0))
            listed = sorted((i, r) for r, i in world.github_ids.items() if i > since)[:100]
            answer = [github.minimal_repository(world, r) for _, r in listed]
            link = {"next": f"/repositories?since={listed[-1][0]}"} if listed else {}
            return 200, link_header(link, url), answer
        if segments == ["search", "repositories"]:
            return self._search(path, query)
        if segments[:1] == ["orgs"] and len(segments) == 2:
            if not world.is_organization("github", segments[1]):
                return _not_found()
            answer = github.organization(world, segments[1])
            return 200, _last_modified(answer["updated_at"]), answer
        if segments[:1] == ["users"] and len(segments) in (2, 3):
            return self._github_user(segments[1], segments[2:])
        if segments[:1] == ["organizations"] and len(segments) == 3:
            segments = ["orgs", github.organization_login(world, segments[1]) or "",
                        segments[2]]
        if segments[:1] == ["orgs"] and len(segments) == 3 and segments[2] == "members":
            logins = world.members.get(("github", segments[1]))
            if logins is None:
                return _not_found()
            listing = f"/organizations/{github.account_id(segments[1])}/members"
            return paged(listing, query, [github.user(world, u) for u in logins], url)
        if segments[:1] == ["repositories"] and len(segments) >= 2:
            repo = world.github_repository(segments[1])
            if repo is None:
                return _not_found()
            return self._moved(repo, [], {}, blocked_only=True) \
                or self._github_repository(repo, segments[2:], query)
        if segments[:1] != ["repos"] or len(segments) < 3:
            return _not_found()
        repo = f"{segments[1]}/{segments[2]}"
        moved = self._moved(repo, segments[3:], query)
        if moved is not None:
            return moved
        repo = self.renamed.get(repo, repo)
        if ("github", repo) not in world.repositories:
            return _not_found()
        return self._github_repository(repo, segments[3:], query)

    def _github_user(self, login: str, rest: list[str]) -> Answer:
        """``/users/{login}`` and ``/users/{login}/social_accounts`` (404 for an account the
        world lacks, as GitHub answers for a deleted or never-existing one)."""
        answer = github.public_user(self.world, login)
        if answer is None or rest not in ([], ["social_accounts"]):
            return _not_found()
        if rest:
            return 200, {}, github.social_accounts(self.world, login)
        return 200, {}, answer

    def _github_repository(self, repo: str, rest: list[str], query: dict[str, Any]) -> Answer:
        """``/repos/{owner}/{repo}`` and the paths under it, for a repository the world holds
        (``repo`` is its name there); listings link pages by the repository's id."""
        world, url = self.world, self.url
        path = "/".join([f"/repositories/{world.github_ids[repo]}", *rest])
        if not rest:
            answer = github.repository(world, repo)
            return 200, _last_modified(answer["updated_at"]), answer
        if rest == ["commits"]:
            commits = world.commits.get(("github", repo), [])
            if not commits:
                return 409, {}, github.error(409, "Git Repository is empty.")
            return paged(path, query, commits, url,
                         convert=lambda c: github.commit(world, repo, c))
        if rest == ["issues"]:
            threads = github.listed_issues(world, repo, query)
            if isinstance(threads, str):
                return invalid(threads, "Issue")
            return paged(path, query, threads, url,
                         convert=lambda t: github.issue(world, repo, t))
        if rest == ["issues", "comments"]:
            return paged(path, query, github.comments(world, repo), url)
        if rest == ["contributors"]:
            return paged(path, query, github.contributors(
                world, repo, str(query.get("anon", "")).lower() in ("1", "true")), url)
        if len(rest) == 3 and rest[0] == "issues" and rest[2] == "comments":
            number = rest[1]
            return paged(path, query, [c for c in github.comments(world, repo)
                                       if c["issue_url"].endswith(f"/{number}")], url)
        if len(rest) == 2 and rest[0] == "pulls":
            found = next((t for t in world.threads.get(("github", repo), [])
                          if str(t.number) == rest[1] and t.kind == "pull_request"), None)
            if found is None:
                return _not_found()
            return 200, {}, github.pull(world, repo, found)
        return _not_found()

    def _search(self, path: str, query: dict[str, Any]) -> Answer:
        """``/search/repositories``: best match first, 1,000 results at most."""
        world = self.world
        try:
            hits = github.search_repositories(world, query.get("q", ""))
        except ValueError:
            return invalid("q", "Search")
        page, size = page_of(query)
        if page * size > github.SEARCH_CAP:
            return 422, {}, github.error(422, "Only the first 1000 search results are available")
        items = [github.search_item(world, r) for r in hits[(page - 1) * size: page * size]]
        shown = min(len(hits), github.SEARCH_CAP)
        return 200, page_links(path, query, page, size, shown, base=self.url), {
            "total_count": len(hits), "incomplete_results": False, "items": items}

    def _moved(self, repo: str, rest: list[str], query: dict[str, Any], *,
               blocked_only: bool = False) -> Answer | None:
        """A renamed repository's old name (301 to its id's path, as GitHub redirects) or a
        blocked one (451)."""
        if repo in self.blocked:
            return 451, {}, {"message": "Repository access blocked",
                             "block": {"reason": "dmca", "created_at": "2024-01-01T00:00:00Z",
                                       "html_url": "https://github.com/github/dmca"}}
        new = next((n for n, old in self.renamed.items() if old == repo), None)
        if blocked_only or new is None or new == repo or repo not in self.world.github_ids:
            return None
        target = "/".join([f"/repositories/{self.world.github_ids[repo]}", *rest]) + (
            f"?{urlencode(query, doseq=True)}" if query else "")
        return 301, {"Location": f"{self.url}{target}"}, {
            "message": "Moved Permanently", "url": f"{self.url}{target}",
            "documentation_url": "https://docs.github.com/rest/guides/best-practices-for-"
                                 "using-the-rest-api#follow-redirects"}
