"""GitHub's REST and GraphQL answers, rendered from a world.

Shapes follow GitHub's published REST description (``/repos``, ``/repos/{o}/{r}/commits``,
``/issues`` with pull requests in it, repository-wide ``/issues/comments``,
``/orgs/{org}/members``, ``/repositories?since=``, ``/search/repositories`` with its
1,000-result cap) and the GraphQL schema; only the fields crossforge reads are filled.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from typing import Any

from graphql import GraphQLError, build_schema, graphql_sync

from crossforge.emulator.world import World, stable_int
from crossforge.records import Commit, Thread

Answer = tuple[int, dict[str, str], Any]
ASSOCIATION = {"owner": "OWNER", "member": "MEMBER", "contributor": "CONTRIBUTOR",
               "none": "NONE"}
SEARCH_CAP = 1_000
#: Search requests per minute: 30 with a token, 10 without (a budget apart from core).
SEARCH_LIMIT, SEARCH_ANONYMOUS_LIMIT, SEARCH_WINDOW = 30, 10, 60
SCHEMA = build_schema(files("crossforge.emulator").joinpath("github.graphql").read_text())


def iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def user(world: World, login: str | None) -> dict[str, Any] | None:
    if login is None:
        return None
    kind = world.account_type("github", login)
    return {"login": login, "id": stable_int(login) % 10**8,
            "type": {"bot": "Bot", "organization": "Organization"}.get(kind, "User")}


def repository(world: World, repo: str) -> dict[str, Any]:
    record = world.repositories[("github", repo)]
    owner, name = repo.split("/", 1)
    commits = world.commits.get(("github", repo), [])
    return {
        "id": world.github_ids[repo], "name": name, "full_name": repo,
        "owner": {"login": owner, "id": stable_int(owner) % 10**8,
                  "type": "Organization" if record.owner_type == "organization" else "User"},
        "private": False, "fork": bool(record.is_fork), "archived": bool(record.is_archived),
        "mirror_url": "https://example.org/mirror.git" if record.is_mirror else None,
        "created_at": iso(record.created_at),
        "updated_at": iso(record.last_modified or record.created_at),
        "pushed_at": iso(commits[0].committed_at if commits else record.created_at),
        "stargazers_count": record.popularity or 0, "watchers_count": record.popularity or 0,
        "forks_count": record.forks or 0,
        "license": {"spdx_id": record.license, "key": record.license.lower()}
        if record.license else None,
        "default_branch": "main",
    }


def commit(world: World, item: Commit) -> dict[str, Any]:
    message = item.subject or ""
    if item.co_authors:
        message += "\n\n" + "\n".join(
            f"Co-authored-by: {login} <{stable_int(login) % 10**7}+{login}"
            "@users.noreply.github.com>" for login in item.co_authors)
    has_login = "@" not in item.author
    email = item.author_email or (f"{stable_int(item.author) % 10**7}+{item.author}"
                                  "@users.noreply.github.com" if has_login else item.author)
    committer = item.committer or item.author
    return {
        "sha": item.sha,
        "commit": {
            "author": {"name": item.author_name or item.author, "email": email,
                       "date": iso(item.authored_at)},
            "committer": {"name": item.committer_name or committer,
                          "email": item.committer_email or email,
                          "date": iso(item.committed_at)},
            "message": message,
        },
        "author": user(world, item.author) if has_login else None,
        "committer": user(world, committer) if "@" not in committer else None,
        "parents": [{"sha": f"{item.sha[:-1]}{i}"} for i in range(2 if item.is_merge else 1)],
    }


def issue(world: World, repo: str, item: Thread) -> dict[str, Any]:
    association = ASSOCIATION[world.role("github", repo, item.author)]
    answer: dict[str, Any] = {
        "id": stable_int(f"{repo}#{item.number}") % 10**9, "number": item.number,
        "title": item.title, "body": item.body, "user": user(world, item.author),
        "author_association": association,
        "state": "open" if item.state in ("open", "draft", None) else "closed",
        "created_at": iso(item.created_at), "closed_at": iso(item.closed_at),
        "comments": sum(1 for c in world.comments.get(("github", repo), ())
                        if c.thread_number == item.number),
    }
    if item.kind == "pull_request":
        answer["pull_request"] = {
            "url": f"https://api.github.com/repos/{repo}/pulls/{item.number}",
            "merged_at": iso(item.merged_at)}
        answer["draft"] = item.state == "draft"
    return answer


def comments(world: World, repo: str) -> list[dict[str, Any]]:
    return [{
        "id": int(c.comment_id) if c.comment_id.isdigit() else stable_int(c.comment_id
                                                                          + repo) % 10**10,
        "issue_url": f"https://api.github.com/repos/{repo}/issues/{c.thread_number}",
        "user": user(world, c.author), "created_at": iso(c.created_at), "body": c.body,
        "author_association": ASSOCIATION[world.role("github", repo, c.author)],
    } for c in world.comments.get(("github", repo), [])]


def search_repositories(world: World, query: str) -> list[str]:
    """Repositories matching a search query, best match first (stars, then id).

    Qualifiers as GitHub documents them: ``created:`` (dates or ``THH:MM:SS+00:00`` times,
    ranges ``A..B``, ``A..*``, ``*..B`` and ``>``/``>=``/``<``/``<=``), ``stars:`` (the same
    forms), ``fork:true|only`` (forks are left out otherwise, as on GitHub),
    ``archived:`` and ``mirror:``; other words must occur in the name.
    """
    created: tuple[Any, Any] = (None, None)
    stars: tuple[Any, Any] = (None, None)
    forks, flags, words = "false", dict[str, bool](), list[str]()
    for part in query.split():
        key, _, value = part.partition(":")
        if key == "created" and value:
            created = _range(value, _search_time, timedelta(microseconds=1))
        elif key == "stars" and value:
            stars = _range(value, _stars, 1)
        elif key == "fork":
            forks = value
        elif key in ("archived", "mirror"):
            flags[key] = value == "true"
        elif not value:
            words.append(part.lower())
    hits = []
    for (platform, repo), record in world.repositories.items():
        if platform != "github":
            continue
        moment = record.created_at
        if moment is None or not _within(moment if moment.tzinfo else moment.replace(
                tzinfo=UTC), created):
            continue
        fork = bool(record.is_fork)
        if (forks == "only" and not fork) or (forks not in ("true", "only") and fork):
            continue
        if any(flags.get(k, v) != v for k, v in (("archived", bool(record.is_archived)),
                                                 ("mirror", bool(record.is_mirror)))):
            continue
        if _within(record.popularity or 0, stars) and all(
                w in repo.lower() for w in words):
            hits.append(repo)
    return sorted(hits, key=lambda r: (-(world.repositories[("github", r)].popularity or 0),
                                       world.github_ids[r]))


def _search_time(text: str, end: bool) -> datetime:
    """A ``created:`` bound; a bare date covers its whole day."""
    if "T" not in text:
        day = datetime.fromisoformat(text).replace(tzinfo=UTC)
        return day + timedelta(days=1, microseconds=-1) if end else day
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment + timedelta(microseconds=999_999) if end else moment


def _stars(text: str, end: bool) -> float:
    return float(text)


def _range(value: str, parse: Callable[[str, bool], Any], step: Any) -> tuple[Any, Any]:
    """``A..B``, ``A..*``, ``*..B``, ``>=A``, ``>A``, ``<=B``, ``<B`` or ``A`` as bounds."""
    if ".." in value:
        low, _, high = value.partition("..")
        return (None if low == "*" else parse(low, False),
                None if high == "*" else parse(high, True))
    if value.startswith(">="):
        return parse(value[2:], False), None
    if value.startswith("<="):
        return None, parse(value[2:], True)
    if value.startswith(">"):
        return parse(value[1:], True) + step, None
    if value.startswith("<"):
        return None, parse(value[1:], False) - step
    return parse(value, False), parse(value, True)


def _within(value: Any, bounds: tuple[Any, Any]) -> bool:
    return (bounds[0] is None or value >= bounds[0]) and (bounds[1] is None or value <= bounds[1])


def graphql(world: World, body: bytes, budget: dict[str, int]) -> Answer:
    """Execute a query on the emulator's schema subset; unknown fields fail as on GitHub."""
    try:
        request = json.loads(body or b"{}")
        query = request["query"]
    except (ValueError, KeyError, TypeError):
        return 400, {}, {"message": "Problems parsing JSON"}

    def resolve_repository(info: Any, owner: str, name: str,
                           followRenames: bool = True) -> dict[str, Any]:  # noqa: N803
        repo = f"{owner}/{name}"
        if ("github", repo) not in world.repositories:
            raise GraphQLError(f"Could not resolve to a Repository with the name '{repo}'.")
        rest = repository(world, repo)
        return {
            "nameWithOwner": repo, "databaseId": rest["id"], "createdAt": rest["created_at"],
            "pushedAt": rest["pushed_at"], "updatedAt": rest["updated_at"],
            "stargazerCount": rest["stargazers_count"], "forkCount": rest["forks_count"],
            "isArchived": rest["archived"], "isFork": rest["fork"],
            "isMirror": rest["mirror_url"] is not None,
            "licenseInfo": {"spdxId": rest["license"]["spdx_id"]} if rest["license"] else None,
            "owner": {"__typename": rest["owner"]["type"], "login": owner},
        }

    root = {"repository": resolve_repository,
            "rateLimit": lambda _info, dryRun=False: {  # noqa: N803
                "cost": 1, "limit": budget["limit"], "remaining": budget["remaining"],
                "used": budget["limit"] - budget["remaining"],
                "resetAt": iso(datetime.fromtimestamp(budget["reset"], UTC))}}
    result = graphql_sync(SCHEMA, query, root_value=root,
                          variable_values=request.get("variables"))
    answer: dict[str, Any] = {}
    if result.data is not None:
        answer["data"] = result.data
    if result.errors:
        answer["errors"] = [{"message": e.message, "path": e.path,
                             "type": "NOT_FOUND" if "Could not resolve" in e.message
                             else "INVALID"} for e in result.errors]
    return 200, {}, answer
