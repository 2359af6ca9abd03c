"""Source ``huggingface``: models, datasets, spaces, their commits and discussions, and
organisations from the Hub API.

The endpoints are the ones ``huggingface_hub`` reads (``model_info``, ``list_repo_commits``,
``get_repo_discussions``, ``get_discussion_details``, ``list_organization_members``); the
tests read the emulator through that client to prove the shapes. crossforge calls them
directly because it needs what the client hides: the listing's ``Link`` cursor (to resume a
frame), the raw answer (for the raw store), retries on the discussion listing, and the
author type (the ``type`` of the author objects discussions carry, and whether
``/api/organizations/{name}/members`` answers).

Requests per model: model info 0 when the sampling listing (``/api/models?expand[]=…``,
1,000 models a page) already gave it, else 1; commits 1 per 50; discussions 1 per 50 plus 1
per discussion (the Hub has no bulk endpoint for a discussion's events, and only the details
carry its opening post and status changes; a pull request's details, asked with ``diff=1``
as ``huggingface_hub`` asks, carry its diff, whose paths give the file classes it touches at
no extra request); the owner's type 0 when the answers already
collected show the owner authoring a commit, a discussion or a comment (only user accounts
author them, see ``crossforge.collection.hub_plan``), else 1 per owner (an organisation's
member listing answers, a user's is 404); members beyond the first 50, 1 per 50. Datasets and
spaces cost the same through the same endpoints under ``/api/datasets`` and ``/api/spaces``.

A repository's key (the ``repo`` of its records) is ``OWNER/NAME`` for a model and carries
the Hub's URL prefix for the other types, ``datasets/OWNER/NAME`` and ``spaces/OWNER/NAME``
(as ``huggingface.co/datasets/OWNER/NAME``), so a model and a dataset of the same name stay
apart in the store; ``repo_type`` splits a key again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import replace
from typing import Any

import httpx

from crossforge.file_classes import touched_classes
from crossforge.identity import is_bot
from crossforge.records import (
    Account,
    Comment,
    Commit,
    DatasetLink,
    Derivation,
    Documentation,
    Membership,
    Profile,
    ProfileLink,
    ProjectLink,
    Repository,
    Thread,
)
from crossforge.sources import cards, hub_metadata
from crossforge.sources.http import ApiClient, UnusableAnswer
from crossforge.sources.raw import RawResponse, api_time, parse_with

SOURCE = "huggingface-api"
EXPAND = ("author", "createdAt", "lastModified", "downloads", "likes", "cardData", "tags",
          "baseModels", "library_name", "pipeline_tag", "gated", "childrenModelCount",
          "siblings", "config", "safetensors", "gguf", "usedStorage")
#: What each repository type's listing and info answers are asked to include (``expand[]``):
#: created, popularity (likes), activity (downloads; spaces have none), card and tags; for
#: models also the Hub's count of their children (derivatives as the Hub counts them, at no
#: extra request), and the library, files (``siblings``) and ``config`` that a derivative's
#: relation is inferred from when no tag or card names it (``infer_relation``), and the
#: parameter count (``safetensors``, ``gguf``) and storage (``usedStorage``) of compute and size.
EXPANDS: dict[str, tuple[str, ...]] = {
    "model": EXPAND,
    "dataset": ("author", "createdAt", "lastModified", "downloads", "likes", "cardData",
                "tags", "gated"),
    "space": ("author", "createdAt", "lastModified", "likes", "cardData", "tags", "sdk",
              "models", "datasets"),
}
HUB_BOTS = frozenset({"system", "librarian-bot", "parquet-converter", "SFconvertbot"})
Record = (Repository | Account | Commit | Thread | Comment | Membership | Derivation
          | ProjectLink | Documentation | DatasetLink | Profile | ProfileLink)


def repo_type(key: str) -> tuple[str, str]:
    """``(type, OWNER/NAME)`` of a repository key: ``datasets/a/b`` is the dataset ``a/b``."""
    prefix, _, rest = key.partition("/")
    if prefix in ("datasets", "spaces") and rest and rest.count("/") <= 1:
        return prefix[:-1], rest
    return "model", key


def repo_key(kind: str, repo_id: str) -> str:
    """The key of the repository ``repo_id`` of type ``kind`` (inverse of ``repo_type``)."""
    return repo_id if kind == "model" else f"{kind}s/{repo_id}"


def owner(key: str) -> str:
    """The owning account of a repository key (the Hub's prefixes skipped)."""
    return repo_type(key)[1].split("/", 1)[0]


def api_path(key: str) -> str:
    """``/api/models/a/b``, ``/api/datasets/a/b`` or ``/api/spaces/a/b``."""
    kind, repo_id = repo_type(key)
    return f"/api/{kind}s/{repo_id}"


#: A repository's paths: its API answers, and its files through the resolver (the paths
#: ``huggingface_hub``'s ``REPO_API_REGEX`` names).
_REPOSITORY_PATH = re.compile(r"/api/(models|datasets|spaces)/[^/]+/[^/]+(/.*)?"
                              r"|/((datasets|spaces)/)?[^/]+/[^/]+/resolve/.+")


def repository_path(path: str) -> bool:
    """Whether a request path is about one repository (where the Hub answers a caller
    without a token 401 for a repository it does not hold)."""
    return _REPOSITORY_PATH.fullmatch(path) is not None


class HubSource:
    """Collects one repository's activity, its owner's type, or an organisation's members.

    Models, datasets and spaces go through the same methods: the repository key names the
    type (see ``repo_type``), and the paths differ only in ``/api/{type}s``.
    """

    def __init__(self, client: ApiClient) -> None:
        self.client = client

    def listing(self, *, kind: str = "model", author: str | None = None,
                search: str | None = None, limit: int = 1000,
                start: str | None = None) -> Iterator[RawResponse]:
        """Pages of ``/api/models`` (``/api/datasets``, ``/api/spaces`` for ``kind``);
        ``start`` is a saved ``Link`` cursor URL to resume."""
        params: list[tuple[str, Any]] = [("limit", limit)] + [
            ("expand[]", e) for e in EXPANDS[kind]]
        if author:
            params.append(("author", author))
        if search:
            params.append(("search", search))
        yield from self.client.pages(f"/api/{kind}s", kind="hub.listing",
                                     context={"repo_type": kind}, params=params, start=start)

    def info(self, repo: str, owner_type: str | None) -> RawResponse:
        """The repository's own answer (``model_info``, ``dataset_info``, ``space_info``)."""
        kind = repo_type(repo)[0]
        return self.client.get(api_path(repo), kind=f"hub.{kind}",
                               context={"repo": repo, "owner_type": owner_type},
                               params=[("expand[]", e) for e in EXPANDS[kind]])

    def listed(self, repo: str, owner_type: str | None, page: RawResponse,
               item: dict[str, Any], evidence: str | None = None) -> RawResponse:
        """A stored answer's entry for ``repo`` (a listing page's item, or the repository's
        own info answer), kept as that repository's answer with its owner's type.

        The listing asks for the same ``expand`` fields as ``info``, so the entry is what
        ``GET /api/models/{repo}`` (or ``/api/datasets/…``) would say; the excerpt goes to
        the raw store (kind ``hub.listed``, ``context.page`` naming the answer it comes from,
        ``context.owner_evidence`` the answer showing the owner is a user, when no call
        was needed to learn it) so ``rebuild`` parses it too.
        """
        context = {"repo": repo, "owner_type": owner_type, "page": f"raw:{page.id}"}
        if evidence:
            context["owner_evidence"] = evidence
        return self.client.raw.append(RawResponse(
            kind="hub.listed", context=context, method=page.method, url=page.url, status=200,
            headers={}, body=json.dumps(item)))

    def listed_entries(self, repos: Iterable[str]) -> dict[str, tuple[RawResponse, dict]]:
        """The entries of ``repos`` (keys) in listing pages the raw store already holds."""
        wanted, found = set(repos), {}
        for response in self.client.raw:
            if response.kind == "hub.listing" and response.status == 200:
                kind = response.context.get("repo_type", "model")
                for item in response.json() or ():
                    key = repo_key(kind, item.get("id") or "")
                    if key in wanted:
                        found[key] = (response, item)
        return found

    def card(self, repo: str, revision: str = "main") -> RawResponse:
        """The model card: ``README.md`` through the resolver (the Hub's resolver rate-limit
        category, not the API's), as ``huggingface_hub.ModelCard.load`` reads it."""
        return self.client.get(f"/{repo}/resolve/{revision}/README.md", kind="hub.card",
                               context={"repo": repo}, text=True)

    def commits(self, repo: str, start: str | None = None) -> Iterator[RawResponse]:
        yield from self.client.pages(f"{api_path(repo)}/commits/main", kind="hub.commits",
                                     context={"repo": repo}, start=start)

    def discussions(self, repo: str, limit: int | None = None,
                    skip: Collection[int] = ()) -> Iterator[RawResponse]:
        """Listing pages, then one details answer per discussion (the first ``limit``, less
        those numbered in ``skip``, whose details the caller already holds).

        A listing page that lists a discussion an earlier page listed (the listing loops or
        repeats: old ``huggingface_hub`` walked such a listing forever past 50 discussions)
        is asked again; if it persists, the listing is left and the walk is bounded instead:
        the details of every number up to the highest one listed or counted (the Hub numbers
        a repository's discussions and pull requests 1, 2, …), a number that is not there
        answering 404.
        """
        page, numbers, highest = 0, list[int](), 0

        def repeating(answer: httpx.Response) -> str | None:
            body = answer.json() if answer.status_code == 200 else None
            listed = {d.get("num") for d in (body or {}).get("discussions") or ()} \
                if isinstance(body, dict) else set()
            if listed & set(numbers):
                return f"discussion page {page} repeats discussions an earlier page listed"
            return None

        while limit is None or len(numbers) < limit:
            try:
                listing = self.client.get(
                    f"{api_path(repo)}/discussions", kind="hub.discussions",
                    context={"repo": repo}, params={"p": page, "type": "all"}, check=repeating)
            except UnusableAnswer as unusable:
                if "repeats" not in unusable.problem:  # this check's, or the transport's
                    raise
                numbers += [n for n in range(highest, 0, -1) if n not in numbers]
                break
            yield listing
            body = listing.json() if listing.status == 200 else None
            if not body or not body.get("discussions"):
                break
            numbers += [d["num"] for d in body["discussions"]]
            highest = max(highest, body["count"], *numbers)
            if body["start"] + len(body["discussions"]) >= body["count"]:
                break
            page += 1
        for number in (n for n in numbers[:limit] if n not in skip):
            yield self.client.get(f"{api_path(repo)}/discussions/{number}",
                                  kind="hub.discussion", context={"repo": repo},
                                  params={"diff": "1"})

    def profile(self, name: str, start: str | None = None) -> Iterator[RawResponse]:
        """A user's overview (``get_user_overview``): one request; an organisation's or a
        deleted account's is 404. ``start`` is unused: the answer has one page."""
        yield self.client.get(f"/api/users/{name}/overview", kind="hub.user",
                              context={"name": name})

    def members(self, organization: str, start: str | None = None) -> Iterator[RawResponse]:
        yield from self.client.pages(f"/api/organizations/{organization}/members",
                                     kind="hub.members", context={"org": organization},
                                     start=start)


def _account(author: dict[str, Any] | None) -> Account | None:
    if not author or not author.get("name"):
        return None
    name = author["name"]
    kind = "bot" if name in HUB_BOTS or is_bot(name) else (
        "organization" if author.get("type") == "org" else "user")
    return Account("huggingface", name, kind, author.get("fullname"))


def _parse_info(body: dict[str, Any], context: dict[str, Any]) -> list[Record]:
    """A model's, dataset's or space's answer (or listing entry); lineage only for models."""
    entry = hub_metadata.model_entry(body)
    record = hub_metadata.repository(entry)
    kind = repo_type(context.get("repo") or entry.id)[0]
    changes: dict[str, Any] = {"owner_type": context["owner_type"]} \
        if context.get("owner_type") else {}
    if kind != "model":
        changes |= {"repo": repo_key(kind, entry.id), "kind": kind}
    record = replace(record, **changes)
    if kind != "model":
        return [record]
    return [record, *hub_metadata.derivations(entry), *hub_metadata.card_records(entry)]


def _parse_overview(body: dict[str, Any], context: dict[str, Any]) -> list[Record]:
    """Kept so raw stores from before the member listing told owner types still rebuild."""
    return [Account("huggingface", context["name"], "organization", body.get("fullname"))]


def _parse_user(body: dict[str, Any], context: dict[str, Any]) -> list[Record]:
    """A user's overview: the profile's ``fullname`` and ``orgs``. The overview serves no
    link to another platform (``huggingface_hub``'s ``User`` parses none), so a Hub account
    names its GitHub account only through its model cards (``cards.card_profile_links``)."""
    name = body.get("user") or context["name"]
    orgs = tuple(o["name"] for o in body.get("orgs") or () if isinstance(o, dict)
                 and o.get("name"))
    return [Profile("huggingface", name, body.get("fullname") or None, organizations=orgs)]


def _parse_commits(body: list[dict[str, Any]], context: dict[str, Any]) -> list[Record]:
    records: list[Record] = []
    for item in body:
        authors = [a["user"] for a in item.get("authors") or () if a.get("user")]
        # ``authors: []``: the commit's e-mail links no Hub account, and the listing gives no
        # name or e-mail, so its author is unknown (None), not one person shared by all such.
        author = authors[0] if authors else None
        records += [Account("huggingface", name, "bot" if name in HUB_BOTS or is_bot(name)
                            else "user") for name in authors]  # only users author commits
        when = api_time(item.get("date"))
        records.append(Commit(
            platform="huggingface", repo=context["repo"], sha=item["id"], author=author,
            author_name=None, author_email=None, authored_at=when, committer=author,
            committer_name=None, committer_email=None, committed_at=when,
            co_authors=tuple(authors[1:]), subject=item.get("title") or None))
    return records


def _parse_discussion(body: dict[str, Any], context: dict[str, Any]) -> list[Record]:
    records: list[Record] = []
    repo, number = context["repo"], body["num"]
    author = _account(body.get("author"))
    events = body.get("events") or []
    comments = [e for e in events if e.get("type") == "comment"]
    opening = comments[0] if comments else None
    closed_at = merged_at = None
    for event in events:
        if event.get("type") == "status-change":
            status = (event.get("data") or {}).get("status")
            if status == "merged":
                merged_at = api_time(event["createdAt"])
            elif status == "closed":
                closed_at = api_time(event["createdAt"])
    if merged_at and not closed_at:
        closed_at = merged_at
    if author:
        records.append(author)
    records.append(Thread(
        platform="huggingface", repo=repo, number=number,
        kind="pull_request" if body.get("isPullRequest") else "discussion",
        title=body.get("title"), body=((opening or {}).get("data") or {}).get(
            "latest", {}).get("raw"),
        author=author.login if author else None, state=body.get("status"),
        created_at=api_time(body.get("createdAt")), closed_at=closed_at, merged_at=merged_at,
        touched=diff_classes(body.get("diff")) if body.get("isPullRequest") else None))
    for event in comments[1:]:
        who = _account(event.get("author"))
        if who:
            records.append(who)
        records.append(Comment(
            platform="huggingface", repo=repo, thread_number=number, comment_id=event["id"],
            author=who.login if who else None, created_at=api_time(event.get("createdAt")),
            body=((event.get("data") or {}).get("latest") or {}).get("raw")))
    return records


def diff_classes(diff: str | None) -> tuple[str, ...] | None:
    """The file classes a pull request's unified ``diff`` (the details' ``?diff=1``) names;
    ``None`` when the Hub sent none (unknown, not a pull request that changed nothing)."""
    if diff is None:
        return None
    return touched_classes(diff_paths(diff))


def diff_paths(diff: str) -> list[str]:
    """The paths a unified git diff names, once each: from each ``--- a/…``/``+++ b/…``
    line (``/dev/null`` for an added or deleted side), and from each ``diff --git`` header
    whose two sides are one path (a binary file's section has no ``---``/``+++`` lines)."""
    paths: dict[str, None] = {}
    in_header = False  # a hunk's removed "-- x" line reads as "--- x": only headers count
    for line in diff.splitlines():
        if line.startswith("@@"):
            in_header = False
        elif in_header and line.startswith(("--- ", "+++ ")):
            side = _git_unquoted(line[4:].rstrip("\t"))
            if side != "/dev/null" and side[:2] in ("a/", "b/"):
                paths[side[2:]] = None
        elif line.startswith("diff --git "):
            in_header = True
            sides = line.removeprefix("diff --git ")
            half = (len(sides) - 1) // 2
            old, new = _git_unquoted(sides[:half]), _git_unquoted(sides[half + 1:])
            if old.startswith("a/") and new.startswith("b/") and old[2:] == new[2:]:
                paths[new[2:]] = None
    return list(paths)


def _git_unquoted(path: str) -> str:
    """A diff path without the quotes git puts around a name holding a quote, tab or
    newline (escapes kept: the name's ending, which classifies it, is intact)."""
    return path[1:-1] if len(path) > 1 and path[0] == path[-1] == '"' else path


def _parse_discussion_listing(body: dict[str, Any], context: dict[str, Any]) -> list[Record]:
    """The authors a discussion listing names (their ``type`` with them), so an owner who
    opened a discussion is known as a user even when a cap leaves its details unread."""
    authors = (_account(d.get("author")) for d in body.get("discussions") or ())
    return [a for a in authors if a is not None]


def _parse_members(body: list[dict[str, Any]], context: dict[str, Any]) -> list[Record]:
    """Members of an organisation; that the listing answers at all says it is one."""
    records: list[Record] = [Account("huggingface", context["org"], "organization")]
    for item in body:
        if item.get("user"):
            records += [Account("huggingface", item["user"], "user", item.get("fullname")),
                        Membership("huggingface", context["org"], item["user"])]
    return records


PARSERS: dict[str, Callable[[Any, dict[str, Any]], list[Record]]] = {
    "hub.model": _parse_info, "hub.dataset": _parse_info, "hub.space": _parse_info,
    "hub.overview": _parse_overview, "hub.commits": _parse_commits,
    "hub.discussions": _parse_discussion_listing, "hub.discussion": _parse_discussion,
    "hub.members": _parse_members, "hub.listing": lambda body, context: [],
    "hub.user": _parse_user,
    "hub.listed": _parse_info,
}


def _parse_card(text: str, context: dict[str, Any]) -> list[Record]:
    """A model card's links, documentation features and datasets; its card data is the
    YAML front matter."""
    return list(cards.card_records(context["repo"], text, cards.front_matter(text)))


def parse(response: RawResponse) -> list[Record]:
    """The records a stored Hub response holds (nothing for 404, 409, 451 …)."""
    if response.kind == "hub.card":    # a Markdown file, not JSON
        return _parse_card(response.body, response.context) if response.status == 200 else []
    return parse_with(PARSERS, response)
