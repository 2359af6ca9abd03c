"""Source ``github``: repositories, commits, issues, pull requests and comments from the API.

Rate-limit cost per repository, chosen to be the least the APIs allow:

- one GraphQL query for up to ``GRAPHQL_BATCH`` repositories (aliases ``r0 … r49``) asks
  for each one's metadata, owner type, first ``HISTORY_PAGE`` commits, first
  ``THREAD_PAGE`` issues and pull requests, and their first ``COMMENT_PAGE`` comments.
  GitHub charges a query the requests needed to fill its connections, /100: a connection
  nested in another is charged once per parent node, so nested pages are kept small, and a
  typical small repository costs under a point, with nothing else to ask;
- only what overflows those pages falls back to REST, 100 items a request:
  ``GET /repos/{o}/{r}/commits``, ``GET /repos/{o}/{r}/issues?state=all`` (pull requests
  included, with ``merged_at`` and ``author_association``) and the repository-wide
  ``GET /repos/{o}/{r}/issues/comments`` — never one call per issue — which is skipped when
  the issue pages show no comments;
- organisation members: in the same query (``membersWithRole``, first ``MEMBER_PAGE``; what
  an outside token sees, like REST's public member listing), else ``GET /orgs/{org}/members``
  once per owning organisation;
- labels and changed files: in the same query, each thread's first ``LABEL_PAGE`` labels
  and each pull request's first ``FILE_PAGE`` changed paths (``PullRequest.files``), kept as
  the file classes it touches; both are connections nested in the threads, so they add 30
  connection requests per repository (0.3 points); REST's issue listing carries the labels
  (no paths: those would cost a request per pull request, so REST threads keep ``touched``
  unknown);
- the README: in the same query (``object(expression: "HEAD:README.md")``, a ``Blob``'s
  text; not a connection, so it adds no points); only its features are stored
  (``sources.cards``);
- GitHub Discussions: the batch asks only ``hasDiscussionsEnabled`` (a scalar: no points),
  so a repository without a discussion board costs nothing more. One with a board is walked
  by its own GraphQL query (``discussions_query``), ``DISCUSSION_PAGE`` discussions a page,
  each with its first ``DISCUSSION_COMMENT_PAGE`` comments and their first ``REPLY_PAGE``
  replies: 1 + 13 + 13 × 10 = 144 requests, scored 1 point (GitHub rounds requests / 100 to
  the nearest point, at least 1). Replies are the cheapest nodes (a connection nested in
  comments costs one request per comment whatever its ``first``), so ``REPLY_PAGE`` is the
  connection limit; 13 × 10 is one of the page shapes that still score 1 point (D × (1 + C)
  ≤ 148; ``docs/collection.md`` § Discussions prices the others). A discussion with more
  comments is finished by ``discussion_comments_query``, 100 comments (and their replies)
  for 1 point; replies past a comment's first 100 are not collected.

Parsers are pure functions of a stored response, so ``crossforge rebuild`` gives the same
records as the live collection.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from crossforge.file_classes import touched_classes
from crossforge.identity import identity_key, is_bot, parse_person
from crossforge.records import (
    Account,
    Comment,
    Commit,
    Documentation,
    Membership,
    Profile,
    ProfileLink,
    ProjectLabel,
    Repository,
    Role,
    Thread,
)
from crossforge.sources import cards
from crossforge.sources.http import NEXT_OVERRIDE, ApiClient
from crossforge.sources.raw import RawResponse, api_time, parse_with

SOURCE = "github-api"
GRAPHQL_BATCH = 50
PER_PAGE = 100
HISTORY_PAGE = 20
THREAD_PAGE = 10
COMMENT_PAGE = 10
MEMBER_PAGE = 100
#: Labels asked per thread; a thread with more sends its repository's threads to REST,
#: whose listing carries every label. The page size costs no points (only the number of
#: threads it is asked for does).
LABEL_PAGE = 20
#: Changed files asked per pull request, GitHub's most for a connection. A pull request
#: changing more keeps ``touched`` unknown: the rest would cost a query of its own.
FILE_PAGE = 100
DISCUSSION_PAGE = 13
DISCUSSION_COMMENT_PAGE = 10
REPLY_PAGE = 100
OVERFLOW_COMMENT_PAGE = 100
#: README names tried in the batch, in order of preference; each is a Git object looked up
#: by expression, which has no connection and so costs no points. The first that exists is
#: the README (other names, or READMEs in ``docs/`` or ``.github/``, are not looked for).
README_PATHS = ("README.md", "readme.md", "Readme.md", "README.markdown", "README.rst",
                "readme.rst", "README.txt", "README")
_README_FIELDS = " ".join(
    f'readme{i}: object(expression: "HEAD:{path}") {{ ... on Blob {{ text }} }}'
    for i, path in enumerate(README_PATHS))
FRAGMENTS = f"""
fragment repositoryFields on Repository {{
  nameWithOwner databaseId createdAt pushedAt updatedAt stargazerCount forkCount
  isArchived isFork isMirror diskUsage primaryLanguage {{ name }} licenseInfo {{ spdxId }}
  hasDiscussionsEnabled
  owner {{ __typename login ... on Organization {{
    membersWithRole(first: {MEMBER_PAGE}) {{ totalCount nodes {{ login }} }} }} }}
  defaultBranchRef {{ target {{ ... on Commit {{
    history(first: {HISTORY_PAGE}) {{ totalCount nodes {{ ...commitFields }} }} }} }} }}
  issues(first: {THREAD_PAGE}) {{ totalCount nodes {{ ...issueFields }} }}
  pullRequests(first: {THREAD_PAGE}) {{ totalCount nodes {{ ...pullRequestFields }} }}
  {_README_FIELDS}
}}
fragment actorFields on Actor {{ __typename login }}
fragment gitActorFields on GitActor {{ name email date user {{ login }} }}
fragment commitFields on Commit {{
  oid message author {{ ...gitActorFields }} committer {{ ...gitActorFields }}
  parents(first: 2) {{ totalCount }}
}}
fragment commentsFields on IssueCommentConnection {{
  totalCount nodes {{
    fullDatabaseId author {{ ...actorFields }} authorAssociation createdAt body }}
}}
fragment issueFields on Issue {{
  number title body author {{ ...actorFields }} authorAssociation state createdAt closedAt
  comments(first: {COMMENT_PAGE}) {{ ...commentsFields }}
  labels(first: {LABEL_PAGE}) {{ totalCount nodes {{ name }} }}
}}
fragment pullRequestFields on PullRequest {{
  number title body author {{ ...actorFields }} authorAssociation state createdAt closedAt
  merged mergedAt isDraft comments(first: {COMMENT_PAGE}) {{ ...commentsFields }}
  labels(first: {LABEL_PAGE}) {{ totalCount nodes {{ name }} }}
  files(first: {FILE_PAGE}) {{ totalCount nodes {{ path }} }}
}}
"""
ROLES: dict[str, Role] = {"OWNER": "owner", "MEMBER": "member", "COLLABORATOR": "member",
                          "CONTRIBUTOR": "external", "FIRST_TIME_CONTRIBUTOR": "external",
                          "FIRST_TIMER": "external", "NONE": "external",
                          "MANNEQUIN": "unknown"}
Record = (Repository | Account | Commit | Thread | Comment | Membership | Documentation
          | ProjectLabel | Profile | ProfileLink)
#: A Hub account's page: ``huggingface.co/{name}`` with nothing after the name but an
#: optional ``/``; the Hub's own pages (``/models``, ``/docs``…) are not accounts.
_HUB_PROFILE = re.compile(r"^(?:https?://)?(?:www\.)?(?:huggingface\.co|hf\.co)/"
                          r"([A-Za-z0-9][A-Za-z0-9._-]*)/?(?:[?#].*)?$", re.IGNORECASE)
HUB_PAGES = frozenset({"models", "datasets", "spaces", "docs", "blog", "papers", "posts",
                       "organizations", "settings", "join", "login", "pricing", "api",
                       "collections", "tasks", "learn", "chat", "new", "enterprise"})


def repository_path(path: str) -> bool:
    """Whether a request path is about one repository (``/repos/{owner}/{repo}…``)."""
    parts = path.split("/")
    return len(parts) >= 4 and parts[1] == "repos" and bool(parts[2] and parts[3])


def repositories_query(repos: list[str]) -> str:
    """One GraphQL query for every repository in ``repos``: metadata and the first pages of
    its activity (GitHub scores it 74 connection requests per repository: 0.74 points;
    ``docs/collection.md``)."""
    parts = []
    for i, repo in enumerate(repos):
        owner, name = repo.split("/", 1)
        parts.append(f"  r{i}: repository(owner: {json.dumps(owner)}, name: {json.dumps(name)})"
                     f" {{ ...repositoryFields }}")
    return ("query {\n  rateLimit { cost remaining resetAt }\n" + "\n".join(parts)
            + "\n}\n" + FRAGMENTS)


def covered(item: dict[str, Any]) -> set[str]:
    """The tasks one repository's GraphQL answer holds in full (the rest go to REST)."""
    tasks = set()
    target = (item.get("defaultBranchRef") or {}).get("target") or {}
    history = target.get("history")
    if not item.get("defaultBranchRef") or (history and _complete(history)):
        tasks.add("commits")
    threads = item["issues"], item["pullRequests"]
    if all(_complete(t) for t in threads) and all(
            _complete(n["labels"]) for t in threads for n in t["nodes"] if n.get("labels")):
        tasks.add("issues")
        if all(_complete(n["comments"]) for t in threads for n in t["nodes"]):
            tasks.add("comments")
    return tasks


def covered_by_batch(response: RawResponse) -> dict[str, set[str]]:
    """Per repository (and owning organisation) of a stored batch answer, the tasks it holds
    in full: a found repository's ``metadata`` and what ``covered`` says; an organisation's
    ``members`` when its first member page held them all."""
    data = (response.json() or {}).get("data") or {} if response.status == 200 else {}
    held: dict[str, set[str]] = {}
    for i, repo in enumerate(response.context["repos"]):
        item = data.get(f"r{i}")
        if item:
            held[repo] = {"metadata"} | covered(item)
            if _members(item) is not None:
                held[item["owner"]["login"]] = {"members"}
    return held


def not_found(response: RawResponse) -> set[str]:
    """Repositories a stored batch answer says do not exist (GitHub's ``NOT_FOUND`` errors).

    Only these are recorded as missing: a batch that failed otherwise (a timeout, a 502)
    leaves its repositories to be asked again.
    """
    if response.status != 200:
        return set()
    aliases = {f"r{i}": repo for i, repo in enumerate(response.context["repos"])}
    return {aliases[error["path"][0]] for error in (response.json() or {}).get("errors") or ()
            if error.get("type") == "NOT_FOUND" and (error.get("path") or [None])[0] in aliases}


def not_graphql(response: RawResponse) -> bool:
    """Whether a stored batch answer says no GraphQL endpoint is at the URL asked: a client
    error other than the credentials' or a rate limit's (404 for a path prefix, 422 for
    a query GitHub's root refuses), where GraphQL answers 200 even for a missing
    repository. Unless the platform was found, the base URL is wrong."""
    return 400 <= response.status < 500 and response.status not in (401, 403, 429)


def renames(response: RawResponse) -> dict[str, str]:
    """Repositories a stored batch answer names otherwise than they were asked for (GraphQL
    resolves a renamed or transferred repository's old name): asked name to current name."""
    data = (response.json() or {}).get("data") or {} if response.status == 200 else {}
    found = {repo: (data.get(f"r{i}") or {}).get("nameWithOwner")
             for i, repo in enumerate(response.context["repos"])}
    return {repo: name for repo, name in found.items() if name and name != repo}


def batch_error(response: RawResponse, repo: str) -> str | None:
    """The error a stored batch answer gives for ``repo``: its own (a partial failure beside
    the others' data), else one that refused the whole query (a node limit, a timeout)."""
    if response.status != 200:
        return None
    alias = f"r{response.context['repos'].index(repo)}"
    errors = (response.json() or {}).get("errors") or ()
    return next((f"GraphQL: {error.get('message')}" for error in errors
                 if (error.get("path") or [None])[0] == alias), None) or next(
        (f"GraphQL: {error.get('message')}" for error in errors if not error.get("path")),
        None)


def _readme(item: dict[str, Any]) -> tuple[str | None, str]:
    """The README's text and path: the first of ``README_PATHS`` the repository has."""
    for index, path in enumerate(README_PATHS):
        blob = item.get(f"readme{index}")
        if blob and blob.get("text") is not None:
            return blob["text"], path
    return None, README_PATHS[0]


def _members(item: dict[str, Any]) -> list[str] | None:
    """The owning organisation's members when the answer holds them all."""
    connection = item["owner"].get("membersWithRole")
    if connection is None or not _complete(connection):
        return None
    return [node["login"] for node in connection["nodes"] if node]


def comment_count(response: RawResponse) -> int:
    """Comments the threads of a stored REST issues page announce (each item's count)."""
    if response.status != 200:
        return 0
    return sum(int(item.get("comments") or 0) for item in response.json() or ())


def _complete(connection: dict[str, Any]) -> bool:
    return connection["totalCount"] <= len(connection["nodes"])


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

    def discussions(self, repo: str, start: str | None = None) -> Iterator[RawResponse]:
        """The pages of a repository's discussions, then of each one's overflowing comments,
        from the position ``start`` (a checkpoint: ``DiscussionPosition``'s text). Every
        answer stores the position after it (``NEXT_OVERRIDE``; empty at the end)."""
        position = DiscussionPosition.decode(start)
        while True:
            if position.pending:
                number, after = position.pending[0]
                query = discussion_comments_query(repo, number, after)
                kind, context = "github.discussion_comments", {"repo": repo, "number": number}
            elif position.more:
                query = discussions_query(repo, position.after)
                kind, context = "github.discussions", {"repo": repo}
            else:
                return
            page = self.client.post(
                "/graphql", {"query": query}, kind=kind, context=context,
                check=_discussion_problem,
                annotate=lambda body, at=position: {NEXT_OVERRIDE: at.after_answer(
                    json.loads(body)).encode()})
            yield page
            if page.status != 200:
                return
            position = DiscussionPosition.decode(page.headers.get(NEXT_OVERRIDE))
            if position.ended:
                return


    def profile(self, login: str, start: str | None = None) -> Iterator[RawResponse]:
        """A person's user object (``GET /users/{login}``: ``name``, ``company``, ``blog``,
        public ``email``): one REST request. ``start`` is unused: the answer has one page."""
        yield self.client.get(f"/users/{login}", kind="github.user", context={"name": login})

    def social_accounts(self, login: str, start: str | None = None) -> Iterator[RawResponse]:
        """A person's linked accounts (``GET /users/{login}/social_accounts``): one REST
        request (a page of 100; GitHub lets a profile show few)."""
        yield self.client.get(f"/users/{login}/social_accounts", kind="github.social",
                              context={"name": login}, params={"per_page": PER_PAGE})

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
                   "organization" if kind == "Organization" else
                   "mannequin" if kind == "Mannequin" else "user")


def _credited(records: list[Record], account: Account | None) -> str | None:
    """Add an author's account to ``records`` and return the login (``None`` if deleted)."""
    if account is None:
        return None
    records.append(account)
    return account.login


def _author(records: list[Record], user: dict[str, Any] | None) -> str | None:
    """A REST ``user`` as an author."""
    return _credited(records, _account(user))


def _parse_repositories(body: dict[str, Any], context: dict[str, Any]) -> list[Record]:
    records: list[Record] = []
    data = (body or {}).get("data") or {}
    for i, repo in enumerate(context["repos"]):
        item = data.get(f"r{i}")
        if not item:
            continue  # NOT_FOUND: the orchestrator records the repository as missing
        owner = item["owner"]
        owner_type = "organization" if owner["__typename"] == "Organization" else "user"
        # stored under the name asked (the frame's, and the REST tasks'), even when GraphQL
        # resolved a rename: ``renames`` gives the current name
        records.append(Account("github", owner["login"], owner_type))
        records.append(Repository(
            platform="github", repo=repo, kind="code", owner=owner["login"],
            owner_type=owner_type, created_at=api_time(item["createdAt"]),
            last_modified=api_time(item.get("pushedAt") or item.get("updatedAt")),
            popularity=item["stargazerCount"], forks=item["forkCount"],
            license=(item.get("licenseInfo") or {}).get("spdxId"),
            is_archived=item["isArchived"], is_fork=item["isFork"], is_mirror=item["isMirror"],
            storage_bytes=_kib_bytes(item.get("diskUsage")),
            has_discussions=item.get("hasDiscussionsEnabled"),
            language=(item.get("primaryLanguage") or {}).get("name")))
        records += [Membership("github", owner["login"], login) for login in _members(item)
                    or ()]
        records += cards.readme_records(repo, *_readme(item))
        tasks = covered(item)
        target = (item.get("defaultBranchRef") or {}).get("target") or {}
        if "commits" in tasks and target:
            records += _parse_graphql_commits(target["history"]["nodes"], repo)
        if "issues" in tasks:
            for thread in item["issues"]["nodes"] + item["pullRequests"]["nodes"]:
                records += _parse_graphql_thread(thread, repo, "comments" in tasks)
    return records


def _graphql_account(actor: dict[str, Any] | None) -> Account | None:
    """An ``Actor``; a Bot's GraphQL login lacks the ``[bot]`` suffix REST shows."""
    if not actor or not actor.get("login"):
        return None
    kind = actor.get("__typename")
    if kind == "Bot":
        return Account("github", f"{actor['login']}[bot]", "bot")
    return _account({"login": actor["login"], "type": kind})


def _graphql_author(records: list[Record], actor: dict[str, Any] | None) -> str | None:
    """A GraphQL ``Actor`` as an author."""
    return _credited(records, _graphql_account(actor))


def _parse_graphql_commits(nodes: list[dict[str, Any]], repo: str) -> list[Record]:
    """GraphQL history nodes in the REST commit shape, parsed by the one commit parser."""
    return _parse_commits([{
        "sha": node["oid"],
        "commit": {"author": _person(node.get("author")),
                   "committer": _person(node.get("committer")), "message": node["message"]},
        "author": _linked(node.get("author")), "committer": _linked(node.get("committer")),
        "parents": [None] * node["parents"]["totalCount"],
    } for node in nodes], {"repo": repo})


def _person(actor: dict[str, Any] | None) -> dict[str, Any]:
    actor = actor or {}
    return {"name": actor.get("name"), "email": actor.get("email"), "date": actor.get("date")}


def _linked(actor: dict[str, Any] | None) -> dict[str, Any] | None:
    user = (actor or {}).get("user")
    return {"login": user["login"], "type": "User"} if user else None


def _parse_graphql_thread(node: dict[str, Any], repo: str, with_comments: bool) -> list[Record]:
    records: list[Record] = []
    author = _graphql_author(records, node.get("author"))
    pull = "merged" in node
    merged = api_time(node.get("mergedAt")) if pull else None
    state = "merged" if merged else ("draft" if pull and node.get("isDraft") and
                                     node["state"] == "OPEN" else node["state"].lower())
    records.append(Thread(
        platform="github", repo=repo, number=node["number"],
        kind="pull_request" if pull else "issue", title=node.get("title"),
        body=node.get("body") or None, author=author,
        author_role=ROLES.get(node.get("authorAssociation", ""), "unknown"),
        state=state, created_at=api_time(node.get("createdAt")),
        closed_at=api_time(node.get("closedAt")), merged_at=merged,
        touched=_touched(node.get("files")) if pull else None))
    records += [ProjectLabel("github", repo, node["number"], label["name"])
                for label in (node.get("labels") or {}).get("nodes") or () if label]
    if with_comments:
        for comment in node["comments"]["nodes"]:
            who = _graphql_author(records, comment.get("author"))
            records.append(Comment(
                platform="github", repo=repo, thread_number=node["number"],
                comment_id=str(comment["fullDatabaseId"]), author=who,
                created_at=api_time(comment.get("createdAt")), body=comment.get("body") or None,
                author_role=ROLES.get(comment.get("authorAssociation", ""), "unknown")))
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
                key = identity_key(*person, "github") if person else None
                if key is not None:
                    co_authors.append(key)
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
        records += [ProjectLabel("github", context["repo"], item["number"], name)
                    for name in _label_names(item.get("labels"))]
    return records


def _label_names(labels: list[Any] | None) -> list[str]:
    """The names of a REST issue's ``labels`` (objects, or bare names as GitHub's schema
    also allows), once each."""
    names = (label.get("name") if isinstance(label, dict) else label for label in labels or ())
    return list(dict.fromkeys(name for name in names if name))


def _touched(files: dict[str, Any] | None) -> tuple[str, ...] | None:
    """The file classes a pull request's ``files`` connection names; ``None`` when GitHub
    gave no connection or it holds only the first ``FILE_PAGE`` of more files."""
    if files is None or not _complete(files):
        return None
    return touched_classes(node["path"] for node in files["nodes"] if node)


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


_DISCUSSION_COMMENT_FIELDS = f"""
  databaseId id author {{ ...actorFields }} authorAssociation createdAt body
  replies(first: {REPLY_PAGE}) {{ totalCount nodes {{
    databaseId id author {{ ...actorFields }} authorAssociation createdAt body }} }}
"""
_DISCUSSION_FRAGMENTS = f"""
fragment actorFields on Actor {{ __typename login }}
fragment discussionCommentFields on DiscussionComment {{{_DISCUSSION_COMMENT_FIELDS}}}
"""


def discussions_query(repo: str, after: str | None = None) -> str:
    """One page of a repository's discussions, oldest first (a stable order to resume in:
    new discussions join at the end), with their first comments and those comments' replies
    (1 + 13 + 13 × 10 = 144 requests: 1 point)."""
    owner, name = repo.split("/", 1)
    cursor = f", after: {json.dumps(after)}" if after else ""
    return f"""query {{
  rateLimit {{ cost remaining resetAt }}
  repository(owner: {json.dumps(owner)}, name: {json.dumps(name)}) {{
    discussions(first: {DISCUSSION_PAGE}{cursor},
                orderBy: {{field: CREATED_AT, direction: ASC}}) {{
      totalCount pageInfo {{ hasNextPage endCursor }}
      nodes {{
        number title body author {{ ...actorFields }} authorAssociation createdAt
        closed closedAt isAnswered answerChosenAt answer {{ databaseId createdAt }}
        category {{ name isAnswerable }}
        comments(first: {DISCUSSION_COMMENT_PAGE}) {{
          totalCount pageInfo {{ hasNextPage endCursor }}
          nodes {{ ...discussionCommentFields }} }}
      }}
    }}
  }}
}}
{_DISCUSSION_FRAGMENTS}"""


def discussion_comments_query(repo: str, number: int, after: str | None) -> str:
    """The comments of one discussion after ``after``, 100 with their replies (1 + 100 =
    101 requests: 1 point)."""
    owner, name = repo.split("/", 1)
    cursor = f", after: {json.dumps(after)}" if after else ""
    return f"""query {{
  rateLimit {{ cost remaining resetAt }}
  repository(owner: {json.dumps(owner)}, name: {json.dumps(name)}) {{
    discussion(number: {int(number)}) {{
      comments(first: {OVERFLOW_COMMENT_PAGE}{cursor}) {{
        totalCount pageInfo {{ hasNextPage endCursor }}
        nodes {{ ...discussionCommentFields }} }}
    }}
  }}
}}
{_DISCUSSION_FRAGMENTS}"""


@dataclass
class DiscussionPosition:
    """Where a walk of a repository's discussions stands: after which discussions page
    (``after``; ``more``: pages remain) and which discussions' comments overflowed their
    page and are still to be finished (number, comment cursor), first one first."""

    after: str | None = None
    more: bool = True
    pending: list[tuple[int, str | None]] = field(default_factory=list)

    @property
    def ended(self) -> bool:
        return not self.more and not self.pending

    def encode(self) -> str:
        """The checkpoint text (empty when the walk has ended: ``next_link`` reads none)."""
        if self.ended:
            return ""
        return json.dumps({"after": self.after, "more": self.more,
                           "pending": [list(p) for p in self.pending]})

    @classmethod
    def decode(cls, text: str | None) -> DiscussionPosition:
        """The position a checkpoint names; none (``None``) is the walk's start, an empty
        text its end."""
        if text is None:
            return cls()
        if not text:
            return cls(more=False)
        value = json.loads(text)
        return cls(value["after"], value["more"],
                   [(int(n), c) for n, c in value["pending"]])

    def after_answer(self, body: dict[str, Any]) -> DiscussionPosition:
        """The position after a usable answer to the query this position asks."""
        repository = body["data"]["repository"]
        if self.pending:
            connection = repository["discussion"]["comments"]
            rest = self.pending[1:]
            if connection["pageInfo"]["hasNextPage"]:
                rest = [(self.pending[0][0], connection["pageInfo"]["endCursor"]), *rest]
            return DiscussionPosition(self.after, self.more, rest)
        connection = repository["discussions"]
        overflowing = [(node["number"], node["comments"]["pageInfo"]["endCursor"])
                       for node in connection["nodes"] if node
                       and node["comments"]["pageInfo"]["hasNextPage"]]
        info = connection["pageInfo"]
        return DiscussionPosition(info["endCursor"] or self.after, info["hasNextPage"],
                                  overflowing)


def _discussion_problem(answer: Any) -> str | None:
    """Why a discussions answer is unusable (asked again, then the task fails): a GraphQL
    error instead of the repository's data (a timeout, a node limit, a vanished board)."""
    if answer.status_code != 200:
        return None
    try:
        body = json.loads(answer.text)
    except ValueError:
        return None  # the transport's own check says so
    if ((body or {}).get("data") or {}).get("repository") is None or body.get("errors"):
        errors = (body or {}).get("errors") or [{}]
        return f"GraphQL: {errors[0].get('message') or 'no repository in the answer'}"
    return None


def discussion_count(response: RawResponse) -> int:
    """Discussions a stored discussions page lists (what a thread cap counts)."""
    if response.kind != "github.discussions" or response.status != 200:
        return 0
    return len(((response.json() or {}).get("data") or {}).get("repository", {})
               .get("discussions", {}).get("nodes") or ())


def _parse_discussions(body: dict[str, Any], context: dict[str, Any]) -> list[Record]:
    records: list[Record] = []
    repo = context["repo"]
    for node in body["data"]["repository"]["discussions"]["nodes"]:
        if not node:
            continue
        author = _graphql_author(records, node.get("author"))
        answer = node.get("answer") or {}
        answered_at = api_time(answer.get("createdAt")) or (
            api_time(node.get("answerChosenAt")) if node.get("isAnswered") else None)
        records.append(Thread(
            platform="github", repo=repo, number=node["number"], kind="discussion",
            title=node.get("title"), body=node.get("body") or None, author=author,
            author_role=ROLES.get(node.get("authorAssociation", ""), "unknown"),
            state="closed" if node.get("closed") else "open",
            created_at=api_time(node.get("createdAt")), closed_at=api_time(node.get("closedAt")),
            channel="discussion_board",
            answerable=bool((node.get("category") or {}).get("isAnswerable")),
            answered_at=answered_at))
        records += _discussion_comments(node["comments"]["nodes"], repo, node["number"])
    return records


def _parse_discussion_comments(body: dict[str, Any], context: dict[str, Any]
                               ) -> list[Record]:
    discussion = body["data"]["repository"]["discussion"]
    return _discussion_comments(discussion["comments"]["nodes"], context["repo"],
                                int(context["number"]))


def _discussion_comments(nodes: list[dict[str, Any]], repo: str, number: int
                         ) -> list[Record]:
    """A discussion's comments and their replies, as comments of the discussion."""
    records: list[Record] = []
    for node in nodes:
        if not node:
            continue
        for said in (node, *(r for r in node["replies"]["nodes"] if r)):
            who = _graphql_author(records, said.get("author"))
            records.append(Comment(
                platform="github", repo=repo, thread_number=number,
                comment_id=str(said.get("databaseId") or said["id"]), author=who,
                created_at=api_time(said.get("createdAt")), body=said.get("body") or None,
                author_role=ROLES.get(said.get("authorAssociation", ""), "unknown")))
    return records
def hub_account(url: str | None) -> str | None:
    """The Hub account a URL is the page of, or ``None``.

    >>> hub_account("https://huggingface.co/Narsil"), hub_account("https://huggingface.co/docs")
    ('Narsil', None)
    """
    match = _HUB_PROFILE.match((url or "").strip())
    if not match or match.group(1).lower() in HUB_PAGES:
        return None
    return match.group(1)


def _parse_user(body: dict[str, Any], context: dict[str, Any]) -> list[Record]:
    """A user object: the profile, and its website (``blog``) when it is a Hub account page."""
    login = body.get("login") or context["name"]
    records: list[Record] = [Profile("github", login, body.get("name") or None,
                                     body.get("company") or None, body.get("email") or None)]
    linked = hub_account(body.get("blog"))
    if linked:
        records.append(ProfileLink("github", login, "huggingface", linked, "blog"))
    return records


def _parse_social(body: list[dict[str, Any]], context: dict[str, Any]) -> list[Record]:
    """Linked accounts: GitHub names no Hugging Face provider, so a Hub page comes as
    ``generic``; whatever the provider, a Hub account page is kept."""
    linked = (hub_account(item.get("url")) for item in body or () if isinstance(item, dict))
    return [ProfileLink("github", context["name"], "huggingface", name, "social_accounts")
            for name in dict.fromkeys(n for n in linked if n)]


PARSERS: dict[str, Callable[[Any, dict[str, Any]], list[Record]]] = {
    "github.repositories": _parse_repositories, "github.commits": _parse_commits,
    "github.issues": _parse_issues, "github.comments": _parse_comments,
    "github.members": _parse_members, "github.listing": lambda body, context: [],
    "github.discussions": _parse_discussions,
    "github.discussion_comments": _parse_discussion_comments,
    "github.user": _parse_user, "github.social": _parse_social,
}


def parse(response: RawResponse) -> list[Record]:
    """The records a stored GitHub response holds (nothing for 404, 409, 451 …)."""
    return parse_with(PARSERS, response)


def _kib_bytes(kib: int | None) -> int | None:
    """GitHub's repository size (``diskUsage``, REST ``size``: kibibytes) in bytes; ``None``
    when GitHub gives none."""
    return None if kib is None else int(kib) * 1024
