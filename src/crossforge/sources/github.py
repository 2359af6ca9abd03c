"""Source ``github``: repositories, commits, issues, pull requests and comments from the API.

Requests per repository, chosen for the fewest calls the API allows:

- metadata and owner type: one GraphQL query for up to ``GRAPHQL_BATCH`` repositories
  (aliases ``r0 … r49``), instead of one REST call each;
- commits: ``GET /repos/{o}/{r}/commits?per_page=100`` (100 per request; GraphQL's history
  connection is no cheaper);
- issues and pull requests together: ``GET /repos/{o}/{r}/issues?state=all&per_page=100``
  (pull requests carry ``pull_request.merged_at``, every item its ``author_association``);
- every comment of the repository: ``GET /repos/{o}/{r}/issues/comments?per_page=100``,
  instead of one call per issue (which is what makes naive collectors cost ~1,500 requests
  for a repository with under 100 issues);
- organisation members: ``GET /orgs/{org}/members`` once per owning organisation.

Parsers are pure functions of a stored response, so ``crossforge rebuild`` gives the same
records as the live collection.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from crossforge.identity import identity_key, is_bot, parse_person
from crossforge.records import Account, Comment, Commit, Membership, Repository, Role, Thread
from crossforge.sources.http import ApiClient
from crossforge.sources.raw import RawResponse, api_time, parse_with

SOURCE = "github-api"
GRAPHQL_BATCH = 50
PER_PAGE = 100
REPOSITORY_FIELDS = """
  nameWithOwner databaseId createdAt pushedAt updatedAt stargazerCount forkCount
  isArchived isFork isMirror licenseInfo { spdxId } owner { __typename login }
"""
ROLES: dict[str, Role] = {"OWNER": "owner", "MEMBER": "member", "COLLABORATOR": "member",
                          "CONTRIBUTOR": "external", "FIRST_TIME_CONTRIBUTOR": "external",
                          "FIRST_TIMER": "external", "NONE": "external",
                          "MANNEQUIN": "unknown"}
Record = Repository | Account | Commit | Thread | Comment | Membership


def repositories_query(repos: list[str]) -> str:
    """One GraphQL query asking for the metadata of every repository in ``repos``."""
    parts = []
    for i, repo in enumerate(repos):
        owner, name = repo.split("/", 1)
        parts.append(f"  r{i}: repository(owner: {json.dumps(owner)}, name: {json.dumps(name)})"
                     f" {{ ...repositoryFields }}")
    return ("query {\n  rateLimit { cost remaining resetAt }\n" + "\n".join(parts)
            + "\n}\nfragment repositoryFields on Repository {" + REPOSITORY_FIELDS + "}\n")


#: The login GitHub shows for every deleted account: one placeholder, not a person.
DELETED_ACCOUNT = "ghost"


class GitHubSource:
    """Collects one repository's activity, or a batch of repositories' metadata."""

    def __init__(self, client: ApiClient) -> None:
        self.client = client

    def repositories(self, repos: list[str]) -> Iterator[RawResponse]:
        for start in range(0, len(repos), GRAPHQL_BATCH):
            batch = repos[start:start + GRAPHQL_BATCH]
            yield self.client.post("/graphql", {"query": repositories_query(batch)},
                                   kind="github.repositories", context={"repos": batch})

    def activity(self, repo: str, task: str, start: str | None = None) -> Iterator[RawResponse]:
        """The pages of one task (``commits``, ``issues`` or ``comments``) of ``repo``."""
        path = {"commits": f"/repos/{repo}/commits", "issues": f"/repos/{repo}/issues",
                "comments": f"/repos/{repo}/issues/comments"}[task]
        params: dict[str, Any] = {"per_page": PER_PAGE}
        if task == "issues":
            params["state"] = "all"
        yield from self.client.pages(path, kind=f"github.{task}", context={"repo": repo},
                                     params=params, start=start)

    def members(self, organization: str, start: str | None = None) -> Iterator[RawResponse]:
        yield from self.client.pages(f"/orgs/{organization}/members",
                                     kind="github.members", context={"org": organization},
                                     params={"per_page": PER_PAGE}, start=start)


def _account(user: dict[str, Any] | None) -> Account | None:
    """The account of a ``simple-user``; ``None`` for a deleted one (GitHub's ``ghost``)."""
    if not user or not user.get("login") or user["login"] == DELETED_ACCOUNT:
        return None
    kind = user.get("type")
    login = user["login"]
    return Account("github", login, "bot" if kind == "Bot" or is_bot(login) else
                   "organization" if kind == "Organization" else "user")


def _author(records: list[Record], user: dict[str, Any] | None) -> str | None:
    """Add the author's account to ``records`` and return the login (``None`` if deleted)."""
    account = _account(user)
    if account is None:
        return None
    records.append(account)
    return account.login


def _parse_repositories(body: dict[str, Any], context: dict[str, Any]) -> list[Record]:
    records: list[Record] = []
    data = (body or {}).get("data") or {}
    for i, _ in enumerate(context["repos"]):
        item = data.get(f"r{i}")
        if not item:
            continue  # NOT_FOUND: the orchestrator records the repository as missing
        owner = item["owner"]
        owner_type = "organization" if owner["__typename"] == "Organization" else "user"
        records.append(Account("github", owner["login"], owner_type))
        records.append(Repository(
            platform="github", repo=item["nameWithOwner"], kind="code", owner=owner["login"],
            owner_type=owner_type, created_at=api_time(item["createdAt"]),
            last_modified=api_time(item.get("pushedAt") or item.get("updatedAt")),
            popularity=item["stargazerCount"], forks=item["forkCount"],
            license=(item.get("licenseInfo") or {}).get("spdxId"),
            is_archived=item["isArchived"], is_fork=item["isFork"], is_mirror=item["isMirror"]))
    return records


def _parse_commits(body: list[dict[str, Any]], context: dict[str, Any]) -> list[Record]:
    records: list[Record] = []
    for item in body:
        meta = item["commit"]
        author, committer = meta.get("author") or {}, meta.get("committer") or {}
        author_account, committer_account = _account(item.get("author")), _account(
            item.get("committer"))
        for account in (author_account, committer_account):
            if account:
                records.append(account)
        message = meta.get("message") or ""
        co_authors = []
        for line in message.splitlines():
            if line.lower().startswith("co-authored-by:"):
                person = parse_person(line.split(":", 1)[1])
                if person:
                    co_authors.append(identity_key(person[0], person[1], "github"))
        records.append(Commit(
            platform="github", repo=context["repo"], sha=item["sha"],
            author=author_account.login if author_account else identity_key(
                author.get("name"), author.get("email"), "github"),
            author_name=author.get("name"), author_email=author.get("email"),
            authored_at=api_time(author.get("date")),
            committer=committer_account.login if committer_account else identity_key(
                committer.get("name"), committer.get("email"), "github"),
            committer_name=committer.get("name"), committer_email=committer.get("email"),
            committed_at=api_time(committer.get("date")),
            co_authors=tuple(dict.fromkeys(co_authors)),
            is_merge=len(item.get("parents") or ()) > 1,
            subject=message.splitlines()[0] if message else None))
    return records


def _parse_issues(body: list[dict[str, Any]], context: dict[str, Any]) -> list[Record]:
    records: list[Record] = []
    for item in body:
        author = _author(records, item.get("user"))
        pull = item.get("pull_request")
        merged = api_time(pull.get("merged_at")) if pull else None
        state = "merged" if merged else ("draft" if item.get("draft") and item["state"] ==
                                         "open" else item["state"])
        records.append(Thread(
            platform="github", repo=context["repo"], number=item["number"],
            kind="pull_request" if pull else "issue", title=item.get("title"),
            body=item.get("body"), author=author,
            author_role=ROLES.get(item.get("author_association", ""), "unknown"),
            state=state, created_at=api_time(item.get("created_at")),
            closed_at=api_time(item.get("closed_at")), merged_at=merged))
    return records


def _parse_comments(body: list[dict[str, Any]], context: dict[str, Any]) -> list[Record]:
    records: list[Record] = []
    for item in body:
        author = _author(records, item.get("user"))
        number = int(item["issue_url"].rsplit("/", 1)[1])
        records.append(Comment(
            platform="github", repo=context["repo"], thread_number=number,
            comment_id=str(item["id"]), author=author,
            created_at=api_time(item.get("created_at")), body=item.get("body"),
            author_role=ROLES.get(item.get("author_association", ""), "unknown")))
    return records


def _parse_members(body: list[dict[str, Any]], context: dict[str, Any]) -> list[Record]:
    records: list[Record] = []
    for item in body:
        account = _account(item)
        if account:
            records += [account, Membership("github", context["org"], account.login)]
    return records


PARSERS: dict[str, Callable[[Any, dict[str, Any]], list[Record]]] = {
    "github.repositories": _parse_repositories, "github.commits": _parse_commits,
    "github.issues": _parse_issues, "github.comments": _parse_comments,
    "github.members": _parse_members, "github.listing": lambda body, context: [],
}


def parse(response: RawResponse) -> list[Record]:
    """The records a stored GitHub response holds (nothing for 404, 409, 451 …)."""
    return parse_with(PARSERS, response)
