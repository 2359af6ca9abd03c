"""GitHub's REST and GraphQL answers, rendered from a world.

Shapes follow GitHub's published REST description (``/repos``, ``/repos/{o}/{r}/commits``,
``/issues`` with pull requests in it, repository-wide ``/issues/comments``,
``/orgs/{org}/members``, ``/repositories?since=``, ``/search/repositories`` with its
1,000-result cap) and the GraphQL schema; only the fields crossforge reads are filled.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import UTC, datetime
from importlib.resources import files
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    build_schema,
    get_named_type,
    graphql_sync,
    parse,
    value_from_ast_untyped,
)

from crossforge.emulator.world import World, stable_int
from crossforge.records import Commit, Thread

Answer = tuple[int, dict[str, str], Any]
ASSOCIATION = {"owner": "OWNER", "member": "MEMBER", "contributor": "CONTRIBUTOR",
               "none": "NONE"}
SEARCH_CAP = 1_000
API = "https://api.github.com"
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
        "default_branch": "main", "url": f"{API}/repos/{repo}",
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
        "comments": world.comment_counts("github", repo).get(item.number, 0),
        "url": f"{API}/repos/{repo}/issues/{item.number}",
    }
    if item.kind == "pull_request":
        answer["pull_request"] = {
            "url": f"https://api.github.com/repos/{repo}/pulls/{item.number}",
            "merged_at": iso(item.merged_at)}
        answer["draft"] = item.state == "draft"
    return answer


def pull(world: World, repo: str, item: Thread) -> dict[str, Any]:
    """``GET /repos/{o}/{r}/pulls/{n}``: the issue's fields plus ``merged``."""
    answer = {**issue(world, repo, item), "merged": item.merged_at is not None,
              "merged_at": iso(item.merged_at), "url": f"{API}/repos/{repo}/pulls/{item.number}"}
    answer.pop("pull_request", None)
    return answer


def contributors(world: World, repo: str, anonymous: bool) -> list[dict[str, Any]]:
    """``GET /repos/{o}/{r}/contributors``: accounts by commits, then (``anon``) e-mails."""
    counts: dict[str, int] = {}
    for item in world.commits.get(("github", repo), []):
        counts[item.author] = counts.get(item.author, 0) + 1
    ranked = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    answer = [{**(user(world, login) or {}), "contributions": n} for login, n in ranked
              if "@" not in login]
    if anonymous:
        answer += [{"type": "Anonymous", "email": login, "name": login, "contributions": n}
                   for login, n in ranked if "@" in login]
    return answer


def comments(world: World, repo: str) -> list[dict[str, Any]]:
    return [{
        "id": int(c.comment_id) if c.comment_id.isdigit() else stable_int(c.comment_id
                                                                          + repo) % 10**10,
        "issue_url": f"https://api.github.com/repos/{repo}/issues/{c.thread_number}",
        "user": user(world, c.author), "created_at": iso(c.created_at), "body": c.body,
        "author_association": ASSOCIATION[world.role("github", repo, c.author)],
    } for c in world.comments.get(("github", repo), [])]


def search_repositories(world: World, query: str) -> list[dict[str, Any]]:
    """Repositories matching ``created:A..B`` and ``stars:>=N``/``stars:A..B`` qualifiers."""
    created, stars = ("", ""), (0, 10**12)
    for part in query.split():
        key, _, value = part.partition(":")
        if key == "created":
            low, _, high = value.partition("..")
            created = (low, high or low)
        elif key == "stars":
            if value.startswith(">="):
                stars = (int(value[2:]), 10**12)
            else:
                low, _, high = value.partition("..")
                stars = (int(low), int(high or low))
    hits = []
    for (platform, repo), record in sorted(world.repositories.items()):
        day = record.created_at.date().isoformat() if record.created_at else ""
        if platform != "github" or (created[0] and not created[0] <= day <= created[1]):
            continue
        if stars[0] <= (record.popularity or 0) <= stars[1]:
            hits.append(repository(world, repo))
    return sorted(hits, key=lambda r: (-r["stargazers_count"], r["id"]))


def _connection(items: list[Any], convert: Callable[[Any], Any], first: int | None = None,
                after: str | None = None, last: int | None = None) -> dict[str, Any]:
    """A GraphQL connection over ``items`` (only the page served is rendered); cursors are
    offsets, opaque to clients."""
    start = int(after) if after else 0
    rest = items[start:]
    chunk = rest[:first] if first is not None else rest[-last:] if last else rest
    end = start + len(chunk)
    return {"totalCount": len(items), "nodes": [convert(i) for i in chunk],
            "pageInfo": {"hasNextPage": end < len(items),
                         "endCursor": str(end) if chunk else None}}


def _paged(items: list[Any], convert: Callable[[Any], Any] = lambda item: item) -> Any:
    return lambda _info, first=None, after=None, last=None: _connection(
        items, convert, first, after, last)


def _actor(world: World, login: str | None) -> dict[str, Any] | None:
    """GraphQL's author: a Bot's login lacks REST's ``[bot]`` suffix, as on GitHub."""
    rest = user(world, login)
    if rest is None:
        return None
    if rest["type"] == "Bot":
        return {"__typename": "Bot", "login": rest["login"].removesuffix("[bot]")}
    return {"__typename": rest["type"], "login": rest["login"]}


def _git_actor(person: dict[str, Any], account: dict[str, Any] | None) -> dict[str, Any]:
    """A commit's author or committer; ``user`` is set only for a User account, as on GitHub."""
    linked = account if account and account["type"] == "User" else None
    return {"name": person["name"], "email": person["email"], "date": person["date"],
            "user": {"login": linked["login"]} if linked else None}


def _graphql_commit(world: World, item: Commit) -> dict[str, Any]:
    rest = commit(world, item)
    meta = rest["commit"]
    return {"__typename": "Commit", "oid": rest["sha"], "message": meta["message"],
            "author": _git_actor(meta["author"], rest["author"]),
            "committer": _git_actor(meta["committer"], rest["committer"]),
            "parents": _paged(rest["parents"])}


def _graphql_comment(world: World, item: dict[str, Any]) -> dict[str, Any]:
    return {"fullDatabaseId": str(item["id"]),
            "author": _actor(world, (item["user"] or {}).get("login")),
            "authorAssociation": item["author_association"], "createdAt": item["created_at"],
            "body": item["body"] or ""}


def _graphql_thread(world: World, repo: str, item: Thread,
                    by_thread: dict[int, list[dict[str, Any]]]) -> dict[str, Any]:
    rest = issue(world, repo, item)
    answer: dict[str, Any] = {
        "number": item.number, "title": rest["title"] or "", "body": rest["body"] or "",
        "author": _actor(world, item.author), "authorAssociation": rest["author_association"],
        "state": rest["state"].upper(), "createdAt": rest["created_at"],
        "closedAt": rest["closed_at"],
        "comments": _paged(by_thread.get(item.number, []),
                           lambda c: _graphql_comment(world, c)),
    }
    if item.kind == "pull_request":
        answer.update(merged=item.merged_at is not None, mergedAt=iso(item.merged_at),
                      isDraft=item.state == "draft",
                      state="MERGED" if item.merged_at else answer["state"])
    return answer


def _graphql_repository(world: World, repo: str) -> dict[str, Any]:
    rest = repository(world, repo)
    history = world.commits.get(("github", repo), [])
    threads = world.threads.get(("github", repo), [])
    by_thread: dict[int, list[dict[str, Any]]] = {}
    for item in comments(world, repo):
        by_thread.setdefault(int(item["issue_url"].rsplit("/", 1)[1]), []).append(item)

    def thread(item: Thread) -> dict[str, Any]:
        return _graphql_thread(world, repo, item, by_thread)

    return {
        "nameWithOwner": repo, "databaseId": rest["id"], "createdAt": rest["created_at"],
        "pushedAt": rest["pushed_at"], "updatedAt": rest["updated_at"],
        "stargazerCount": rest["stargazers_count"], "forkCount": rest["forks_count"],
        "isArchived": rest["archived"], "isFork": rest["fork"],
        "isMirror": rest["mirror_url"] is not None,
        "licenseInfo": {"spdxId": rest["license"]["spdx_id"]} if rest["license"] else None,
        "owner": {"__typename": rest["owner"]["type"], "login": rest["owner"]["login"],
                  "membersWithRole": _paged([{"login": login} for login in world.members.get(
                      ("github", rest["owner"]["login"]), [])])},
        "defaultBranchRef": {"name": "main", "target": {
            **_graphql_commit(world, history[0]),
            "history": _paged(history, lambda c: _graphql_commit(world, c))}}
        if history else None,
        "issues": _paged([t for t in threads if t.kind != "pull_request"], thread),
        "pullRequests": _paged([t for t in threads if t.kind == "pull_request"], thread),
    }


def query_cost(query: str, variables: dict[str, Any] | None = None,
               schema: GraphQLSchema = SCHEMA) -> tuple[int, list[str]]:
    """GitHub's documented rate-limit score of a query, and the repositories it names.

    The score (docs.github.com, "Rate limits and node limits for the GraphQL API"): add up
    the requests needed to fill every connection, assuming each reaches its ``first`` or
    ``last``: a connection nested in another costs one request per node its parent may
    return. Divide the sum by 100 and round to the nearest whole number; the minimum is 1.
    """
    try:
        document = parse(query)
    except GraphQLError:
        return 1, []
    variables = variables or {}
    fragments = {d.name.value: d for d in document.definitions
                 if isinstance(d, FragmentDefinitionNode)}
    repos: list[str] = []
    requests = 0

    def argument(node: FieldNode, name: str) -> Any:
        for arg in node.arguments or ():
            if arg.name.value == name:
                return value_from_ast_untyped(arg.value, variables)
        return None

    def walk(selections: Any, parent: Any, multiplier: int, depth: int) -> None:
        nonlocal requests
        for node in selections.selections:
            if isinstance(node, FragmentSpreadNode):
                fragment = fragments[node.name.value]
                walk(fragment.selection_set, schema.type_map[fragment.type_condition.name.value],
                     multiplier, depth)
                continue
            if isinstance(node, InlineFragmentNode):
                condition = schema.type_map[node.type_condition.name.value] \
                    if node.type_condition else parent
                walk(node.selection_set, condition, multiplier, depth)
                continue
            field = getattr(parent, "fields", {}).get(node.name.value)
            if field is None or node.selection_set is None:
                continue
            if depth == 0 and node.name.value == "repository":
                repos.append(f"{argument(node, 'owner')}/{argument(node, 'name')}")
            inner = multiplier
            if get_named_type(field.type).name.endswith("Connection"):
                requests += multiplier
                inner = multiplier * int(argument(node, "first") or argument(node, "last") or 1)
            walk(node.selection_set, get_named_type(field.type), inner, depth + 1)

    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            walk(definition.selection_set, schema.query_type, 1, 0)
    return max(1, math.floor(requests / 100 + 0.5)), repos


def graphql(world: World, body: bytes, budget: dict[str, int], cost: int = 1) -> Answer:
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
        return _graphql_repository(world, repo)

    root = {"repository": resolve_repository,
            "rateLimit": lambda _info, dryRun=False: {  # noqa: N803
                "cost": cost, "limit": budget["limit"], "remaining": budget["remaining"],
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
