"""GitHub's REST and GraphQL answers, rendered from a world.

Shapes follow GitHub's published REST description (``/repos``, ``/repos/{o}/{r}/commits``,
``/issues`` with pull requests in it, repository-wide ``/issues/comments``,
``/orgs/{org}/members``, ``/repositories?since=``, ``/search/repositories`` with its
1,000-result cap) and the GraphQL schema; only the fields crossforge reads are filled.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from typing import Any
from urllib.parse import quote

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

from crossforge.emulator.answer import Answer
from crossforge.emulator.world import World, changed_paths, stable_int
from crossforge.records import Comment, Commit, Thread

ASSOCIATION = {"owner": "OWNER", "member": "MEMBER", "contributor": "CONTRIBUTOR",
               "none": "NONE"}
#: The account GitHub shows for every deleted user (``https://api.github.com/users/ghost``):
#: threads and comments of a deleted account are served as this one ``User``.
DELETED_USER_LOGIN, DELETED_USER_ID = "ghost", 10137
SEARCH_CAP = 1_000
API = "https://api.github.com"
WEB = "https://github.com"
DOCS_ROOT = "https://docs.github.com"
DOCS = {404: f"{DOCS_ROOT}/rest", 409: f"{DOCS_ROOT}/rest/commits/commits#list-commits",
        422: f"{DOCS_ROOT}/v3/search/", 401: f"{DOCS_ROOT}/rest"}
SCHEMA = build_schema(files("crossforge.emulator").joinpath("github.graphql").read_text())


def iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def node_id(kind: str, number: int) -> str:
    """GitHub's legacy global node id (base64 of ``0LEN:KindNUMBER``), as REST still sends."""
    text = f"{kind}{number}"
    return base64.b64encode(f"0{len(kind)}:{text}".encode()).decode()


def user(world: World, login: str | None) -> dict[str, Any] | None:
    """A ``simple-user``; every URL is the one GitHub derives from the login."""
    if login is None:
        return None
    kind = {"bot": "Bot", "organization": "Organization", "mannequin": "Mannequin"}.get(
        world.account_type("github", login), "User")
    return _simple_user(login, kind)


#: When every emulated user object says its account was created and last updated.
_PROFILE_TIME = "2020-01-01T00:00:00Z"


def public_user(world: World, login: str) -> dict[str, Any] | None:
    """A ``public-user`` (``GET /users/{login}``), ``None`` for an account the world lacks.
    Its ``blog`` is the Hub account page a ``blog`` link names (else GitHub's empty string);
    fields the world does not carry are GitHub's values for a profile without them."""
    kind, profile = world.person("github", login)
    if kind is None:
        return None
    blog = next((f"https://huggingface.co/{link.linked_login}"
                 for link in world.profile_links.get(("github", login), ())
                 if link.source == "blog"), "")
    account = world.accounts.get(("github", login))
    owned = sum(1 for (platform, _), r in world.repositories.items()
                if platform == "github" and r.owner == login)
    kinds = {"bot": "Bot", "organization": "Organization", "mannequin": "Mannequin"}
    return {**_simple_user(login, kinds.get(kind, "User")),
            "name": profile.display_name if profile else (account.display_name
                                                          if account else None),
            "company": profile.company if profile else None, "blog": blog,
            "location": None, "email": profile.email if profile else None, "hireable": None,
            "bio": None, "twitter_username": None, "public_repos": owned, "public_gists": 0,
            "followers": 0, "following": 0, "created_at": _PROFILE_TIME,
            "updated_at": _PROFILE_TIME}


def social_accounts(world: World, login: str) -> list[dict[str, str]]:
    """A user's linked accounts as GitHub lists them; a Hub page is ``generic`` (GitHub
    names no Hugging Face provider)."""
    return [{"provider": "generic", "url": f"https://huggingface.co/{link.linked_login}"}
            for link in world.profile_links.get(("github", login), ())
            if link.source == "social_accounts"]


def account_id(login: str) -> int:
    """The numeric id of a user or organization (``/organizations/{id}/…`` paths use it)."""
    return DELETED_USER_ID if login == DELETED_USER_LOGIN else stable_int(login) % 10**8


def organization_login(world: World, number: str) -> str | None:
    """The organization whose id is ``number``, if the world holds one."""
    return next((name for platform, name in world.organizations
                 if platform == "github" and str(account_id(name)) == number), None)


def _simple_user(login: str, kind: str) -> dict[str, Any]:
    number = account_id(login)
    url = f"{API}/users/{login}"
    return {
        "login": login, "id": number,
        "node_id": node_id(kind if kind in ("Organization", "Mannequin") else "User", number),
        "avatar_url": f"https://avatars.githubusercontent.com/u/{number}?v=4",
        "gravatar_id": "", "url": url, "html_url": f"{WEB}/{login}",
        "followers_url": f"{url}/followers",
        "following_url": f"{url}/following{{/other_user}}",
        "gists_url": f"{url}/gists{{/gist_id}}", "starred_url": f"{url}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{url}/subscriptions", "organizations_url": f"{url}/orgs",
        "repos_url": f"{url}/repos", "events_url": f"{url}/events{{/privacy}}",
        "received_events_url": f"{url}/received_events", "type": kind,
        "user_view_type": "public", "site_admin": False,
    }


#: The URL templates every repository object carries, relative to its API URL.
_REPOSITORY_URLS = {
    "forks_url": "/forks", "keys_url": "/keys{/key_id}",
    "collaborators_url": "/collaborators{/collaborator}", "teams_url": "/teams",
    "hooks_url": "/hooks", "issue_events_url": "/issues/events{/number}", "events_url": "/events",
    "assignees_url": "/assignees{/user}", "branches_url": "/branches{/branch}",
    "tags_url": "/tags", "blobs_url": "/git/blobs{/sha}", "git_tags_url": "/git/tags{/sha}",
    "git_refs_url": "/git/refs{/sha}", "trees_url": "/git/trees{/sha}",
    "statuses_url": "/statuses/{sha}", "languages_url": "/languages",
    "stargazers_url": "/stargazers", "contributors_url": "/contributors",
    "subscribers_url": "/subscribers", "subscription_url": "/subscription",
    "commits_url": "/commits{/sha}", "git_commits_url": "/git/commits{/sha}",
    "comments_url": "/comments{/number}", "issue_comment_url": "/issues/comments{/number}",
    "contents_url": "/contents/{+path}", "compare_url": "/compare/{base}...{head}",
    "merges_url": "/merges", "archive_url": "/{archive_format}{/ref}",
    "downloads_url": "/downloads", "issues_url": "/issues{/number}",
    "pulls_url": "/pulls{/number}", "milestones_url": "/milestones{/number}",
    "notifications_url": "/notifications{?since,all,participating}",
    "labels_url": "/labels{/name}", "releases_url": "/releases{/id}",
    "deployments_url": "/deployments",
}


def minimal_repository(world: World, repo: str) -> dict[str, Any]:
    """A ``minimal-repository`` as ``GET /repositories`` lists it: identity and URLs only."""
    record = world.repositories[("github", repo)]
    number = world.github_ids[repo]
    url = f"{API}/repos/{repo}"
    owner_kind = "Organization" if record.owner_type == "organization" else "User"
    return {
        "id": number, "node_id": node_id("Repository", number), "name": repo.split("/", 1)[1],
        "full_name": repo, "private": False, "owner": _simple_user(record.owner, owner_kind),
        "html_url": f"{WEB}/{repo}", "description": None, "fork": bool(record.is_fork),
        "url": url, **{key: url + suffix for key, suffix in _REPOSITORY_URLS.items()},
    }


def repository(world: World, repo: str) -> dict[str, Any]:
    """A ``full-repository``. Fields the world does not carry (size, language, description,
    watchers) are GitHub's values for an empty public repository: 0, null, false."""
    record = world.repositories[("github", repo)]
    commits = world.commits.get(("github", repo), [])
    open_issues = sum(1 for t in world.threads.get(("github", repo), ())
                      if t.state in ("open", "draft", None))
    stars, forks = record.popularity or 0, record.forks or 0
    answer = minimal_repository(world, repo)
    answer.update({
        "created_at": iso(record.created_at),
        "updated_at": iso(record.last_modified or record.created_at),
        "pushed_at": iso(commits[0].committed_at if commits else record.created_at),
        "git_url": f"git://github.com/{repo}.git", "ssh_url": f"git@github.com:{repo}.git",
        "clone_url": f"{WEB}/{repo}.git", "svn_url": f"{WEB}/{repo}", "homepage": None,
        "size": (record.storage_bytes or 0) // 1024, "stargazers_count": stars,
        "watchers_count": stars, "language": record.language,
        "has_issues": True, "has_projects": True, "has_downloads": True, "has_wiki": True,
        "has_pages": False, "has_discussions": bool(record.has_discussions),
        "forks_count": forks,
        "mirror_url": "https://example.org/mirror.git" if record.is_mirror else None,
        "archived": bool(record.is_archived), "disabled": False,
        "open_issues_count": open_issues, "license": _license(record.license),
        "allow_forking": True, "is_template": False, "web_commit_signoff_required": False,
        "has_pull_requests": True, "pull_request_creation_policy": "all",
        "topics": [], "visibility": "public", "forks": forks, "open_issues": open_issues,
        "watchers": stars, "default_branch": "main",
        "network_count": forks, "subscribers_count": 0,
    })
    if record.owner_type == "organization":
        answer["organization"] = answer["owner"]
    return answer


def search_item(world: World, repo: str) -> dict[str, Any]:
    """A ``repo-search-result-item``: the repository as search lists it, with its score."""
    answer = repository(world, repo)
    for key in ("organization", "network_count", "subscribers_count"):
        answer.pop(key, None)
    answer["score"] = 1.0
    return answer


def _license(spdx: str | None) -> dict[str, Any] | None:
    if not spdx:
        return None
    key = spdx.lower()
    return {"key": key, "name": spdx, "spdx_id": spdx, "url": f"{API}/licenses/{key}",
            "node_id": node_id("License", stable_int(key) % 100)}


def commit(world: World, repo: str, item: Commit) -> dict[str, Any]:
    message = item.subject or ""
    if item.co_authors:
        message += "\n\n" + "\n".join(
            f"Co-authored-by: {login} <{stable_int(login) % 10**7}+{login}"
            "@users.noreply.github.com>" for login in item.co_authors)
    has_login = item.author is not None and "@" not in item.author
    email = item.author_email or (f"{stable_int(item.author) % 10**7}+{item.author}"
                                  "@users.noreply.github.com" if has_login else item.author)
    committer = item.committer or item.author
    linked_committer = committer is not None and "@" not in committer
    url = f"{API}/repos/{repo}"
    tree = f"{stable_int(item.sha + ':tree'):x}".rjust(40, "0")[-40:]
    parents = [f"{item.sha[:-1]}{i}" for i in range(2 if item.is_merge else 1)]
    return {
        "sha": item.sha, "node_id": "C_" + base64.b64encode(item.sha.encode()).decode(),
        "commit": {
            "author": {"name": item.author_name or item.author or "", "email": email or "",
                       "date": iso(item.authored_at)},
            "committer": {"name": item.committer_name or committer or "",
                          "email": item.committer_email or email or "",
                          "date": iso(item.committed_at)},
            "message": message,
            "tree": {"sha": tree, "url": f"{url}/git/trees/{tree}"},
            "url": f"{url}/git/commits/{item.sha}", "comment_count": 0,
            "verification": {"verified": False, "reason": "unsigned", "signature": None,
                             "payload": None, "verified_at": None},
        },
        "url": f"{url}/commits/{item.sha}", "html_url": f"{WEB}/{repo}/commit/{item.sha}",
        "comments_url": f"{url}/commits/{item.sha}/comments",
        "author": user(world, item.author) if has_login else None,
        "committer": user(world, committer) if linked_committer else None,
        "parents": [{"sha": sha, "url": f"{url}/commits/{sha}",
                     "html_url": f"{WEB}/{repo}/commit/{sha}"} for sha in parents],
    }


def author_association(world: World, repo: str, login: str | None) -> str:
    """GitHub's ``author_association``: ``MANNEQUIN`` for a placeholder account made by an
    import (it says nothing of the person's relation to the owner), else from the world."""
    if login is not None and world.account_type("github", login) == "mannequin":
        return "MANNEQUIN"
    return ASSOCIATION[world.role("github", repo, login)]


def _reactions(url: str) -> dict[str, Any]:
    return {"url": f"{url}/reactions", "total_count": 0, "+1": 0, "-1": 0, "laugh": 0,
            "hooray": 0, "confused": 0, "heart": 0, "rocket": 0, "eyes": 0}


def issue(world: World, repo: str, item: Thread) -> dict[str, Any]:
    """An ``issue`` as the repository's issue listing gives it (pull requests included)."""
    association = author_association(world, repo, item.author)
    said = world.thread_comments("github", repo).get(item.number, [])
    number = stable_int(f"{repo}#{item.number}") % 10**9
    url = f"{API}/repos/{repo}/issues/{item.number}"
    is_pull = item.kind == "pull_request"
    closed = _closed(item)
    closed_at = item.closed_at or (item.merged_at if closed else None)
    assignees = thread_assignees(world, repo, item)
    answer: dict[str, Any] = {
        "url": url, "repository_url": f"{API}/repos/{repo}",
        "labels_url": f"{url}/labels{{/name}}", "comments_url": f"{url}/comments",
        "events_url": f"{url}/events",
        "html_url": f"{WEB}/{repo}/{'pull' if is_pull else 'issues'}/{item.number}",
        "id": number, "node_id": node_id("PullRequest" if is_pull else "Issue", number),
        "number": item.number, "title": item.title or "",
        "user": user(world, item.author),
        "labels": [label(repo, name) for name in world.thread_labels("github", repo,
                                                                     item.number)],
        "state": "closed" if closed else "open", "locked": False,
        "assignee": user(world, assignees[0]) if assignees else None,
        "assignees": [user(world, login) for login in assignees],
        "milestone": milestone(world, repo, item), "comments": len(said),
        "created_at": iso(item.created_at), "updated_at": iso(updated_at(world, repo, item)),
        "closed_at": iso(closed_at), "author_association": association, "type": None,
        "active_lock_reason": None,
        "sub_issues_summary": {"total": 0, "completed": 0, "percent_completed": 0},
        "issue_dependencies_summary": {"blocked_by": 0, "total_blocked_by": 0, "blocking": 0,
                                       "total_blocking": 0}, "body": item.body, "closed_by": None,
        "reactions": _reactions(url), "timeline_url": f"{url}/timeline",
        "performed_via_github_app": None,
        "state_reason": "completed" if closed and not is_pull else None,
    }
    if is_pull:
        pulls = f"{API}/repos/{repo}/pulls/{item.number}"
        web = f"{WEB}/{repo}/pull/{item.number}"
        answer["draft"] = item.state == "draft"
        answer["pull_request"] = {"url": pulls, "html_url": web, "diff_url": f"{web}.diff",
                                  "patch_url": f"{web}.patch", "merged_at": iso(item.merged_at)}
    return answer


#: GitHub's default labels (created with every repository): colour and description.
DEFAULT_LABELS = {
    "bug": ("d73a4a", "Something isn't working"),
    "documentation": ("0075ca", "Improvements or additions to documentation"),
    "duplicate": ("cfd3d7", "This issue or pull request already exists"),
    "enhancement": ("a2eeef", "New feature or request"),
    "good first issue": ("7057ff", "Good for newcomers"),
    "help wanted": ("008672", "Extra attention is needed"),
    "invalid": ("e4e669", "This doesn't seem right"),
    "question": ("d876e3", "Further information is requested"),
    "wontfix": ("ffffff", "This will not be worked on"),
}


def label(repo: str, name: str) -> dict[str, Any]:
    """A ``label`` as an issue carries it; a project's own label has a colour drawn from its
    name and no description."""
    number = stable_int(f"{repo}:label:{name}") % 10**10
    color, description = DEFAULT_LABELS.get(name, (f"{stable_int(name) % 0xFFFFFF:06x}", None))
    return {"id": number, "node_id": node_id("Label", number),
            "url": f"{API}/repos/{repo}/labels/{quote(name, safe='/:')}", "name": name,
            "color": color, "default": name in DEFAULT_LABELS, "description": description}


def _insider(world: World, repo: str) -> str | None:
    """Who triages the repository's threads: its owner if a user, else its organisation's
    first member (none for an organisation without members in the world)."""
    owner = repo.split("/", 1)[0]
    if not world.is_organization("github", owner):
        return owner
    members = world.members.get(("github", owner), [])
    return members[0] if members else None


def thread_assignees(world: World, repo: str, item: Thread) -> list[str]:
    """Who is assigned a thread. Worlds hold no assignees, so the emulator draws them
    (SYNTHETIC): one thread in four, fixed by the thread, is assigned to an insider."""
    who = _insider(world, repo)
    return [who] if who and stable_int(f"{repo}#{item.number}:assignee") % 4 == 0 else []


def milestone(world: World, repo: str, item: Thread) -> dict[str, Any] | None:
    """A thread's ``milestone``. Worlds hold none, so the emulator draws them (SYNTHETIC):
    one thread in six, fixed by the thread, is in the repository's milestone 1, ``v1.0``,
    open, made when the repository was."""
    if stable_int(f"{repo}#{item.number}:milestone") % 6 != 0:
        return None
    number = stable_int(f"{repo}:milestone:1") % 10**8
    url = f"{API}/repos/{repo}/milestones/1"
    def counts() -> tuple[int, int]:
        held = [t for t in world.threads.get(("github", repo), ())
                if stable_int(f"{repo}#{t.number}:milestone") % 6 == 0]
        return len(held), sum(1 for t in held if _closed(t))

    count, closed = world.indexed(("github", repo, "milestone"), counts)
    created = world.repositories[("github", repo)].created_at
    return {"url": url, "html_url": f"{WEB}/{repo}/milestone/1", "labels_url": f"{url}/labels",
            "id": number, "node_id": node_id("Milestone", number), "number": 1,
            "title": "v1.0", "description": None, "creator": user(world, _insider(world, repo)),
            "open_issues": count - closed, "closed_issues": closed, "state": "open",
            "created_at": iso(created), "updated_at": iso(created), "due_on": None,
            "closed_at": None}


def _closed(item: Thread) -> bool:
    return item.state not in ("open", "draft", None)


def updated_at(world: World, repo: str, item: Thread) -> datetime | None:
    """A thread's last change the world knows of: its opening, closing or latest comment."""
    said = world.thread_comments("github", repo).get(item.number, [])
    closed_at = item.closed_at or (item.merged_at if _closed(item) else None)
    times = [t for t in (item.created_at, closed_at, *(c.created_at for c in said)) if t]
    return max(times) if times else None


#: ``GET /repos/{o}/{r}/issues``'s filters and orders, as GitHub documents them.
ISSUE_STATES = ("open", "closed", "all")
ISSUE_SORTS = ("created", "updated", "comments")


def listed_issues(world: World, repo: str, query: dict[str, Any]) -> list[Thread] | str:
    """The threads ``/issues`` lists for ``query``: ``state`` (``open`` unless asked, as on
    GitHub), ``since`` (updated at or after), ``sort`` (``created`` unless asked) and
    ``direction`` (``desc`` unless asked); the name of a parameter whose value GitHub
    refuses instead."""
    state, order = query.get("state", "open"), query.get("sort", "created")
    direction = query.get("direction", "desc")
    if state not in ISSUE_STATES:
        return "state"
    if order not in ISSUE_SORTS:
        return "sort"
    if direction not in ("asc", "desc"):
        return "direction"
    since = None
    if "since" in query:
        try:
            since = datetime.fromisoformat(str(query["since"]).replace("Z", "+00:00"))
        except ValueError:
            return "since"
    threads = [t for t in world.threads.get(("github", repo), [])
               if state == "all" or _closed(t) == (state == "closed")]
    if since is not None:
        threads = [t for t in threads if (changed := updated_at(world, repo, t)) is not None
                   and changed >= since]
    floor = datetime.min.replace(tzinfo=UTC)
    said = world.thread_comments("github", repo)

    def key(t: Thread) -> tuple[Any, int]:
        if order == "updated":
            return updated_at(world, repo, t) or floor, t.number
        if order == "comments":
            return len(said.get(t.number, [])), t.number
        return t.created_at or floor, t.number

    return sorted(threads, key=key, reverse=direction == "desc")


def organization(world: World, login: str) -> dict[str, Any]:
    """An ``organization-full``: counts of what the world holds; fields it does not carry are
    GitHub's values for an organization without them (no description, an empty blog; no
    name, company, location or e-mail, which the schema does not let be null).
    Its creation is that of its first repository (the organization existed by then)."""
    url = f"{API}/orgs/{login}"
    repositories = [r for (platform, _), r in world.repositories.items()
                    if platform == "github" and r.owner == login]
    created = min((r.created_at for r in repositories if r.created_at), default=None)
    changed = max((r.last_modified or r.created_at for r in repositories
                   if r.last_modified or r.created_at), default=created)
    number = account_id(login)
    return {
        "login": login, "id": number, "node_id": node_id("Organization", number), "url": url,
        "repos_url": f"{url}/repos", "events_url": f"{url}/events", "hooks_url": f"{url}/hooks",
        "issues_url": f"{url}/issues", "members_url": f"{url}/members{{/member}}",
        "public_members_url": f"{url}/public_members{{/member}}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{number}?v=4",
        "description": None, "blog": "", "twitter_username": None, "is_verified": False,
        "has_organization_projects": True, "has_repository_projects": True,
        "public_repos": len(repositories), "public_gists": 0, "followers": 0, "following": 0,
        "html_url": f"{WEB}/{login}", "type": "Organization", "archived_at": None,
        "created_at": iso(created), "updated_at": iso(changed),
    }


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
        if item.author is not None:  # nobody to list for a commit naming nobody
            counts[item.author] = counts.get(item.author, 0) + 1
    ranked = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    answer = [{**(user(world, login) or {}), "contributions": n} for login, n in ranked
              if "@" not in login]
    if anonymous:
        answer += [{"type": "Anonymous", "email": login, "name": login, "contributions": n}
                   for login, n in ranked if "@" in login]
    return answer


def comments(world: World, repo: str) -> list[dict[str, Any]]:
    """``issue-comment`` objects of the repository-wide comment listing."""
    listed = []
    for c in world.comments.get(("github", repo), []):
        number = int(c.comment_id) if c.comment_id.isdigit() else stable_int(
            c.comment_id + repo) % 10**10
        listed.append({
            "url": f"{API}/repos/{repo}/issues/comments/{number}",
            "html_url": f"{WEB}/{repo}/issues/{c.thread_number}#issuecomment-{number}",
            "issue_url": f"{API}/repos/{repo}/issues/{c.thread_number}", "id": number,
            "node_id": node_id("IssueComment", number),
            "user": user(world, c.author), "created_at": iso(c.created_at),
            "updated_at": iso(c.created_at), "body": c.body,
            "author_association": author_association(world, repo, c.author),
            "reactions": _reactions(f"{API}/repos/{repo}/issues/comments/{number}"),
            "performed_via_github_app": None,
        })
    return listed


def error(status: int, message: str) -> dict[str, Any]:
    """A ``basic-error`` body with the documentation link and status GitHub sends."""
    return {"message": message, "documentation_url": DOCS.get(status, f"{DOCS_ROOT}/rest"),
            "status": str(status)}


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


def _graphql_commit(world: World, repo: str, item: Commit) -> dict[str, Any]:
    rest = commit(world, repo, item)
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
        "labels": _paged([{"name": name["name"]} for name in rest["labels"]]),
        "assignees": _paged([{"login": who["login"]} for who in rest["assignees"]]),
        "milestone": rest["milestone"] and {
            "number": rest["milestone"]["number"], "title": rest["milestone"]["title"],
            "state": rest["milestone"]["state"].upper(), "dueOn": rest["milestone"]["due_on"]},
    }
    if item.kind == "pull_request":
        answer.update(merged=item.merged_at is not None, mergedAt=iso(item.merged_at),
                      isDraft=item.state == "draft",
                      state="MERGED" if item.merged_at else answer["state"],
                      files=None if item.touched is None else _paged([
                          {"path": path, "additions": 1, "deletions": 1,
                           "changeType": "MODIFIED"} for path in changed_paths(item)]))
    return answer



def _disk_usage(world: World, repo: str) -> int | None:
    """The repository's size in KiB; null (GraphQL's ``diskUsage`` is nullable) when the
    world does not say, so an unknown size is collected as unknown."""
    size = world.repositories[("github", repo)].storage_bytes
    return None if size is None else size // 1024


def _graphql_repository(world: World, repo: str, name: str | None = None) -> dict[str, Any]:
    """A ``Repository`` of the world's ``repo``, named ``name`` when it was renamed."""
    rest = repository(world, repo)
    history = world.commits.get(("github", repo), [])
    threads = world.threads.get(("github", repo), [])
    by_thread: dict[int, list[dict[str, Any]]] = {}
    for item in comments(world, repo):
        by_thread.setdefault(int(item["issue_url"].rsplit("/", 1)[1]), []).append(item)

    def thread(item: Thread) -> dict[str, Any]:
        return _graphql_thread(world, repo, item, by_thread)

    return {
        "nameWithOwner": name or repo, "databaseId": rest["id"], "createdAt": rest["created_at"],
        "pushedAt": rest["pushed_at"], "updatedAt": rest["updated_at"],
        "stargazerCount": rest["stargazers_count"], "forkCount": rest["forks_count"],
        "isArchived": rest["archived"], "isFork": rest["fork"],
        "isMirror": rest["mirror_url"] is not None, "diskUsage": _disk_usage(world, repo),
        "primaryLanguage": {"name": rest["language"]} if rest["language"] else None,
        "licenseInfo": {"spdxId": rest["license"]["spdx_id"]} if rest["license"] else None,
        "owner": {"__typename": rest["owner"]["type"], "login": rest["owner"]["login"],
                  "membersWithRole": _paged([{"login": login} for login in world.members.get(
                      ("github", rest["owner"]["login"]), [])])},
        "defaultBranchRef": {"name": "main", "target": {
            **_graphql_commit(world, repo, history[0]),
            "history": _paged(history, lambda c: _graphql_commit(world, repo, c))}}
        if history else None,
        "issues": _paged([t for t in threads if t.kind != "pull_request"], thread),
        "pullRequests": _paged([t for t in threads if t.kind == "pull_request"], thread),
        "object": lambda _info, expression=None, oid=None: _blob(_head_file(world, repo,
                                                                           expression)),
        "hasDiscussionsEnabled": bool(world.repositories[("github", repo)].has_discussions),
        "discussions": lambda _info, first=None, after=None, last=None, orderBy=None: (  # noqa: N803
            _connection(_ordered_discussions(world, repo, orderBy),
                        lambda d: _graphql_discussion(world, repo, d), first, after, last)),
        "discussion": lambda _info, number: next(
            (_graphql_discussion(world, repo, d) for d in world.discussions.get(
                ("github", repo), ()) if d.number == number), None),
    }


#: The categories a new repository's discussion board starts with besides Q&A (the one
#: answerable category), as GitHub creates them.
OTHER_CATEGORIES = ("General", "Ideas", "Show and tell")


def _ordered_discussions(world: World, repo: str, order: dict[str, str] | None
                         ) -> list[Thread]:
    """A board's discussions in the order asked: by creation or last update (the world's
    last comment or closing), newest first unless ``ASC``; GitHub's default is by update."""
    order = order or {"field": "UPDATED_AT", "direction": "DESC"}
    held = world.discussions.get(("github", repo), [])
    said: dict[int, list[Comment]] = {}
    for comment in world.discussion_comments.get(("github", repo), ()):
        said.setdefault(comment.thread_number, []).append(comment)

    def updated(item: Thread) -> datetime:
        times = [t for t in (item.created_at, item.closed_at,
                             *(c.created_at for c in said.get(item.number, ()))) if t]
        return max(times, default=datetime.min.replace(tzinfo=UTC))

    key = (lambda d: (d.created_at, d.number)) if order["field"] == "CREATED_AT" else (
        lambda d: (updated(d), d.number))
    return sorted(held, key=key, reverse=order["direction"] == "DESC")


def _graphql_discussion(world: World, repo: str, item: Thread) -> dict[str, Any]:
    """A ``Discussion``: its category from whether it is answerable, its comments nested as
    on GitHub (some are replies to the top-level comment before them; an accepted answer is
    always top-level, as only those can be marked)."""
    said = [c for c in world.discussion_comments.get(("github", repo), ())
            if c.thread_number == item.number]
    top: list[dict[str, Any]] = []
    accepted: dict[str, Any] | None = None
    for comment in said:
        node = _graphql_discussion_comment(world, repo, comment)
        is_answer = accepted is None and item.answered_at is not None \
            and comment.created_at == item.answered_at
        if top and not is_answer and stable_int(f"{repo}:{comment.comment_id}") % 3 == 0:
            top[-1]["_replies"].append(node)
        else:
            top.append(node)
        if is_answer:
            accepted = node
    for node in top:
        node["replies"] = _paged(node.pop("_replies"))
    answerable = bool(item.answerable)
    category = "Q&A" if answerable else OTHER_CATEGORIES[
        stable_int(f"{repo}#{item.number}") % len(OTHER_CATEGORIES)]
    chosen = item.answered_at + timedelta(hours=1 + stable_int(f"{repo}#{item.number}") % 47) \
        if accepted is not None and item.answered_at else None
    return {
        "number": item.number, "title": item.title or "", "body": item.body or "",
        "author": _actor(world, item.author),
        "authorAssociation": author_association(world, repo, item.author),
        "createdAt": iso(item.created_at), "closed": item.state == "closed",
        "closedAt": iso(item.closed_at), "isAnswered": accepted is not None if answerable
        else None, "answerChosenAt": iso(chosen), "answer": accepted,
        "category": {"name": category, "isAnswerable": answerable},
        "comments": _paged(top),
    }


def _graphql_discussion_comment(world: World, repo: str, comment: Comment) -> dict[str, Any]:
    """A ``DiscussionComment``; its replies are gathered by ``_graphql_discussion``. A world
    comment id that is not a number gets a stable one, as ``databaseId`` is an integer."""
    number = int(comment.comment_id) if comment.comment_id.isdigit() else stable_int(
        comment.comment_id) % 10**9
    return {"databaseId": number, "id": node_id("DiscussionComment", number),
            "author": _actor(world, comment.author),
            "authorAssociation": author_association(world, repo, comment.author),
            "createdAt": iso(comment.created_at), "body": comment.body or "",
            "_replies": []}


def _head_file(world: World, repo: str, expression: str | None) -> str | None:
    """The text of ``HEAD:PATH`` for a root file the world holds (its README), else None:
    the emulator serves no other Git object by expression."""
    if not expression or not expression.startswith("HEAD:"):
        return None
    return world.document("github", repo, expression.removeprefix("HEAD:"))


def _blob(text: str | None) -> dict[str, Any] | None:
    """A text file as a GraphQL ``Blob`` (None when the file does not exist)."""
    if text is None:
        return None
    data = text.encode()
    return {"__typename": "Blob", "oid": hashlib.sha1(b"blob %d\0" % len(data) + data
                                                      ).hexdigest(),
            "byteSize": len(data), "isBinary": False, "text": text}


#: GitHub's GraphQL node limits ("Rate limits and node limits for the GraphQL API"): at most
#: 100 items a connection (``first``/``last``), 500,000 nodes a query.
CONNECTION_LIMIT = 100
NODE_LIMIT = 500_000
#: What GitHub says when a query, or one field of it, timed out (the rest of ``data`` is
#: still answered).
GRAPHQL_TIMEOUT = ("Something went wrong while executing your query. This may be the result "
                   "of a timeout, or it could be a GitHub bug. Please include `{id}` when "
                   "reporting this issue.")


def node_refusal(query: str, variables: dict[str, Any] | None = None,
                 schema: GraphQLSchema = SCHEMA) -> dict[str, Any] | None:
    """GitHub's refusal of a query beyond its node limits, before running it: a connection
    asked for more than 100 items (``EXCESSIVE_PAGINATION``) or up to more than 500,000
    nodes in all (``MAX_NODE_LIMIT_EXCEEDED``); ``None`` for a query within them."""
    try:
        document = parse(query)
    except GraphQLError:
        return None
    nodes = 0
    for name, multiplier, size in _connections(document, variables or {}, schema):
        if size > CONNECTION_LIMIT:
            return {"errors": [{"type": "EXCESSIVE_PAGINATION", "message": (
                f"Requesting {size} records on the `{name}` connection exceeds the `first` "
                f"limit of {CONNECTION_LIMIT} records.")}]}
        nodes += multiplier * size
    if nodes > NODE_LIMIT:
        return {"errors": [{"type": "MAX_NODE_LIMIT_EXCEEDED", "message": (
            f"This query requests up to {nodes:,} possible nodes which exceeds the maximum "
            f"limit of {NODE_LIMIT:,}.")}]}
    return None


def _connections(document: Any, variables: dict[str, Any], schema: GraphQLSchema
                 ) -> Iterator[tuple[str, int, int]]:
    """Every connection a query asks for: its name, how many times it may be filled (the
    items its enclosing connections may return) and its ``first``/``last``."""
    fragments = {d.name.value: d for d in document.definitions
                 if isinstance(d, FragmentDefinitionNode)}

    def walk(selections: Any, parent: Any, multiplier: int) -> Iterator[tuple[str, int, int]]:
        for node in selections.selections:
            if isinstance(node, FragmentSpreadNode):
                fragment = fragments[node.name.value]
                yield from walk(fragment.selection_set,
                                schema.type_map[fragment.type_condition.name.value], multiplier)
                continue
            if isinstance(node, InlineFragmentNode):
                yield from walk(node.selection_set, schema.type_map[
                    node.type_condition.name.value] if node.type_condition else parent,
                    multiplier)
                continue
            field = getattr(parent, "fields", {}).get(node.name.value)
            if field is None or node.selection_set is None:
                continue
            inner = multiplier
            if get_named_type(field.type).name.endswith("Connection"):
                size = next((int(value_from_ast_untyped(a.value, variables) or 1)
                             for a in node.arguments or ()
                             if a.name.value in ("first", "last")), 1)
                yield node.name.value, multiplier, size
                inner = multiplier * size
            yield from walk(node.selection_set, get_named_type(field.type), inner)

    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            yield from walk(definition.selection_set, schema.query_type, 1)


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
    requests = sum(multiplier for _, multiplier, _ in _connections(document, variables, schema))
    return max(1, math.floor(requests / 100 + 0.5)), _repositories(document, variables)


def _repositories(document: Any, variables: dict[str, Any]) -> list[str]:
    """The repositories a query's top-level ``repository`` fields name (``owner/name``)."""
    fragments = {d.name.value: d for d in document.definitions
                 if isinstance(d, FragmentDefinitionNode)}
    repos: list[str] = []

    def walk(selections: Any) -> None:
        for node in selections.selections:
            if isinstance(node, FragmentSpreadNode):
                walk(fragments[node.name.value].selection_set)
            elif isinstance(node, InlineFragmentNode):
                walk(node.selection_set)
            elif isinstance(node, FieldNode) and node.name.value == "repository":
                named = {a.name.value: value_from_ast_untyped(a.value, variables)
                         for a in node.arguments or ()}
                repos.append(f"{named.get('owner')}/{named.get('name')}")

    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            walk(definition.selection_set)
    return repos


def graphql(world: World, body: bytes, budget: dict[str, int], cost: int = 1, *,
            renamed: dict[str, str] | None = None, blocked: set[str] | None = None,
            timing_out: set[str] | None = None) -> Answer:
    """Execute a query on the emulator's schema subset; unknown fields fail as on GitHub.

    ``renamed`` (``{new: old}``, the world holding ``old``): either name resolves, as GitHub
    follows renames in GraphQL, with ``nameWithOwner`` the new one. A ``blocked`` repository
    answers like a missing one: ``null`` with a ``NOT_FOUND`` error beside the other
    results (GitHub documents no GraphQL form of its REST 451). A ``timing_out`` one is a
    partial failure: ``null`` with GitHub's timeout error (no ``type``) beside the rest. A
    query beyond the node limits is refused whole (``node_refusal``).
    """
    current = {old: new for new, old in (renamed or {}).items()}
    try:
        request = json.loads(body or b"{}")
        query = request["query"]
    except (ValueError, KeyError, TypeError):
        return 400, {}, {"message": "Problems parsing JSON"}
    refusal = node_refusal(query, request.get("variables"))
    if refusal is not None:
        return 200, {}, refusal

    def resolve_repository(info: Any, owner: str, name: str,
                           followRenames: bool = True) -> dict[str, Any]:  # noqa: N803
        asked = f"{owner}/{name}"
        repo = (renamed or {}).get(asked, asked)
        if ("github", repo) not in world.repositories or asked in (blocked or ()):
            raise GraphQLError(f"Could not resolve to a Repository with the name '{asked}'.")
        if asked in (timing_out or ()):
            raise GraphQLError(GRAPHQL_TIMEOUT.format(id=f"{hex(stable_int(asked))[2:10]}"))
        return _graphql_repository(world, repo, current.get(repo))

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
        answer["errors"] = [{"message": e.message, "path": e.path, **(
            {} if e.message.startswith("Something went wrong") else {
                "type": "NOT_FOUND" if "Could not resolve" in e.message else "INVALID"})}
            for e in result.errors]
    return 200, {}, answer
