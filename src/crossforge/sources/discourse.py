"""Source ``discourse``: a Discourse forum's categories, topics and posts (the Hugging Face
forum, ``https://discuss.huggingface.co``, first), and the repositories its topics mention.

The endpoints are Discourse's documented JSON API (docs.discourse.org):

- ``/categories.json``: the categories (``category_list.categories``: id, name, slug);
- ``/c/{slug}/{id}.json?page=N``: a category's topics, 30 a page, most recently active
  first; the next page is ``topic_list.more_topics_url`` (a path without ``.json``, absent
  on the last page), not a ``Link`` header;
- ``/t/{id}.json?include_raw=1``: a topic with its first posts (``post_stream.posts``, 20)
  and the ids of all its posts (``post_stream.stream``); the solved plugin (which the
  Hugging Face forum runs) adds ``accepted_answer`` (the accepted post's number, author and
  excerpt) to a solved topic only, and an ``accepted_answer`` flag to every post;
- ``/t/{id}/posts.json?post_ids[]=…&include_raw=1``: the posts the topic answer left out,
  ``POSTS_PER_REQUEST`` a request.

Requests per topic: 1, plus 1 per ``POSTS_PER_REQUEST`` posts beyond the first answer's;
per category 1 per 30 topics. Discourse limits each address (by default 200 requests a
minute and 50 per 10 seconds) and answers a request past it 429 with ``Retry-After``, which
the transport (``crossforge.sources.http``) waits for; every answer goes through that
transport, so the raw store, retries, resume and fault injection apply. ``pydiscourse``
(PyPI) reads the same API but through its own ``requests`` session, which cannot use this
transport, so crossforge does not use it.

Linking (``mentions``): a topic's title and posts link the repositories whose URLs they
write (``huggingface.co``/``hf.co`` models, datasets and spaces; ``github.com``
repositories). A bare ``owner/name`` id links only a repository of the study's frame
(``frame_mentions``): ``src/utils``, ``pip/install`` or ``torch/nn`` are not repositories.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from crossforge.records import ForumLink, ForumPost, ForumTopic
from crossforge.sources.http import ApiClient
from crossforge.sources.raw import RawResponse, api_time, parse_with

SOURCE = "discourse-api"
#: The Hugging Face forum, collected only when asked for (``collect --forum-url``).
HF_FORUM_URL = "https://discuss.huggingface.co"
#: Post ids one ``/t/{id}/posts.json`` request asks for (what Discourse's own web client
#: asks for at a time, its topic view's chunk size).
POSTS_PER_REQUEST = 20
#: Discourse's tutorial bot, whose posts are no person's (``system``'s regular posts are
#: deleted users', so their author is unknown).
FORUM_BOTS = frozenset({"discobot"})
#: Discourse's ``post_type`` of a person's post; the others record an action
#: (``moderator_action`` 2, ``small_action`` 3: closed, pinned, moved, in the acting
#: moderator's or ``system``'s name) or are staff whispers (4), not a public reply: left out.
REGULAR_POST = 1
#: What Discourse names an anonymised account (``UserAnonymizer``: ``anon`` and digits).
_ANONYMISED = re.compile(r"anon\d+")

#: Hub paths that are not a repository's (documentation, listings, the site's pages) and the
#: old ``/transformers/…`` documentation.
_HUB_SITE = frozenset({
    "api", "blog", "docs", "models", "datasets", "spaces", "settings", "join", "login",
    "pricing", "learn", "papers", "organizations", "collections", "tasks", "posts", "chat",
    "new", "new-dataset", "new-space", "transformers", "course", "enterprise", "support",
    "terms-of-service", "privacy", "search", "notifications", "inference-endpoints",
    "huggingchat", "changelog", "welcome", "hardware", "brand", "oauth"})
_GITHUB_SITE = frozenset({
    "orgs", "settings", "features", "marketplace", "topics", "sponsors", "apps", "login",
    "about", "collections", "notifications", "search", "explore", "pricing", "users",
    "enterprise", "blog", "site", "security", "customer-stories", "readme", "codespaces",
    "issues", "pulls", "trending", "join", "new", "organizations", "account", "contact"})
_NAME = r"[A-Za-z0-9][A-Za-z0-9._-]*"
#: What follows a legacy single-name model (``gpt2``, ``bert-base-uncased``: since 2024
#: served under ``openai-community/…``, ``google-bert/…``) in its URLs, where an owner's
#: name would stand: such a URL names no ``OWNER/NAME`` and links nothing.
_HUB_PATH_WORDS = frozenset({
    "resolve", "blob", "tree", "raw", "discussions", "commit", "commits", "edit", "settings",
    "viewer", "upload", "delete", "new", "files"})
_HUB_URL = re.compile(
    rf"(?<![\w.@/-])(?:https?://)?(?:www\.)?(?:huggingface\.co|hf\.co)/"
    rf"(?:(datasets|spaces)/|api/(models|datasets|spaces)/)?({_NAME})/({_NAME})",
    re.IGNORECASE)
_GITHUB_URL = re.compile(
    rf"(?<![\w.@/-])(?:https?://)?(?:www\.)?github\.com/({_NAME})/({_NAME})", re.IGNORECASE)
#: A bare id: not part of a URL, a path or an e-mail address (no ``/``, ``.``, ``@`` or
#: word character just before it, no ``/`` or word character just after).
_BARE_ID = re.compile(rf"(?<![\w/.@:-])({_NAME}/{_NAME})(?![\w/-])")


@dataclass(frozen=True, slots=True)
class Mention:
    """A repository a text names: its platform and key as written, the evidence, the text."""

    platform: str
    repo: str
    evidence: str
    mention: str


def _clean(name: str) -> str:
    """A name with what ends a sentence or a clone URL taken off (``bert.``, ``x.git``)."""
    name = name.rstrip(".-_")
    return name[:-4] if name.lower().endswith(".git") else name


def url_mentions(text: str | None) -> list[Mention]:
    """The repositories whose URLs ``text`` writes, once each, in order (Hub ``/blob/``,
    ``/resolve/``, ``/tree/`` and ``/discussions/`` paths and ``/api/models/…`` answers name
    their repository; the site's own pages, the old ``/transformers/`` documentation and a
    legacy single-name model's URLs do not). GitHub keys are lower-cased (GitHub names are
    case-insensitive); Hub keys keep their case."""
    found: dict[tuple[str, str], Mention] = {}
    for match in _HUB_URL.finditer(text or ""):
        kind = (match.group(1) or match.group(2) or "models").lower()
        owner, name = match.group(3), _clean(match.group(4))
        if (kind == "models" and not match.group(2) and owner.lower() in _HUB_SITE) \
                or not name or name.lower() in _HUB_PATH_WORDS:
            continue
        key = f"{owner}/{name}" if kind == "models" else f"{kind}/{owner}/{name}"
        found.setdefault(("huggingface", key.lower()),
                         Mention("huggingface", key, "url", match.group(0).rstrip(".")))
    for match in _GITHUB_URL.finditer(text or ""):
        owner, name = match.group(1), _clean(match.group(2))
        if owner.lower() in _GITHUB_SITE or not name:
            continue
        key = f"{owner}/{name}".lower()
        found.setdefault(("github", key), Mention("github", key, "url",
                                                  match.group(0).rstrip(".")))
    return list(found.values())


def frame_mentions(text: str | None, frame: Mapping[str, tuple[str, str]]) -> list[Mention]:
    """The repositories of a frame that ``text`` names by a bare ``owner/name`` id.

    Args:
        frame: lower-cased id → ``(platform, key)`` of the frame's repositories (a Hub
            dataset's id without its ``datasets/`` prefix: the forum writes it so).
    """
    found: dict[tuple[str, str], Mention] = {}
    for match in _BARE_ID.finditer(text or ""):
        written = _clean(match.group(1))
        target = frame.get(written.lower())
        if target is not None:
            found.setdefault(target, Mention(*target, "id", written))
    return list(found.values())


def links(forum: str, topic_id: int, post_number: int,
          mentions: Iterable[Mention]) -> list[ForumLink]:
    """``ForumLink`` records of the mentions found in one title (``post_number`` 0) or post."""
    return [ForumLink(forum, topic_id, m.platform, m.repo, post_number,  # type: ignore[arg-type]
                      m.evidence, m.mention) for m in mentions]  # type: ignore[arg-type]


class DiscourseSource:
    """Reads one Discourse forum through crossforge's transport.

    Args:
        client: the transport, its base URL the forum's (``https://discuss.huggingface.co``).
        forum: the forum's name in the store (default: the base URL's host).
    """

    def __init__(self, client: ApiClient, forum: str | None = None) -> None:
        self.client = client
        self.forum = forum or urlsplit(client.base_url).netloc or client.base_url

    def _context(self, **more: Any) -> dict[str, Any]:
        return {"forum": self.forum, **more}

    def categories(self) -> RawResponse:
        """``/categories.json``."""
        return self.client.get("/categories.json", kind="discourse.categories",
                               context=self._context())

    def topic_pages(self, slug: str, category_id: int, name: str,
                    start: str | None = None) -> Iterator[RawResponse]:
        """A category's topic-list pages from ``start`` (a saved next page) or the first,
        following ``more_topics_url``."""
        url: str | None = start or f"/c/{slug}/{category_id}.json"
        while url:
            answer = self.client.get(url, kind="discourse.topic_list",
                                     context=self._context(category=name))
            yield answer
            url = next_page(answer)

    def newest_topics(self) -> RawResponse:
        """``/latest.json?order=created``: the most recently created topics first, so the
        first page holds the highest topic id (a uniform sample of ids draws below it)."""
        return self.client.get("/latest.json", kind="discourse.topic_list",
                               context=self._context(), params={"order": "created"})

    def topic(self, topic_id: int, category: str | None,
              categories: Mapping[int, str] | None = None) -> RawResponse:
        """``/t/{id}.json`` with the posts' Markdown; ``category`` is the name it is listed
        under, else it is named by its ``category_id`` in ``categories``."""
        named = {str(k): v for k, v in (categories or {}).items()}
        return self.client.get(f"/t/{topic_id}.json", kind="discourse.topic",
                               context=self._context(category=category, topic=topic_id,
                                                     **({"categories": named} if named
                                                        else {})),
                               params={"include_raw": 1})

    def posts(self, topic_id: int, post_ids: list[int]) -> Iterator[RawResponse]:
        """The posts ``post_ids`` of a topic, ``POSTS_PER_REQUEST`` a request."""
        for start in range(0, len(post_ids), POSTS_PER_REQUEST):
            chunk = post_ids[start:start + POSTS_PER_REQUEST]
            yield self.client.get(
                f"/t/{topic_id}/posts.json", kind="discourse.posts",
                context=self._context(topic=topic_id),
                params=[("post_ids[]", i) for i in chunk] + [("include_raw", 1)])


def next_page(answer: RawResponse) -> str | None:
    """The JSON path of a topic list's next page, or ``None``. ``more_topics_url`` names the
    HTML page (``/c/beginners/5?page=1``, ``/c/general/1/l/latest?page=1``; some forums
    give it absolute), asked as ``/c/beginners/5.json?page=1``: a path on the client's own
    base URL, so a saved cursor survives a change of host."""
    if answer.status != 200:
        return None
    more = ((answer.json() or {}).get("topic_list") or {}).get("more_topics_url")
    if not more:
        return None
    parts = urlsplit(more)
    path = parts.path if parts.path.endswith(".json") else parts.path + ".json"
    return path + (f"?{parts.query}" if parts.query else "")


def listed_topics(answer: RawResponse) -> list[dict[str, Any]]:
    """The topics a topic-list page lists (pinned "About the category" topics included)."""
    return list(((answer.json() or {}).get("topic_list") or {}).get("topics") or [])


def missing_posts(answer: RawResponse) -> list[int]:
    """The ids of a topic's posts its answer did not include (in ``stream`` order)."""
    stream = (answer.json() or {}).get("post_stream") or {}
    have = {p.get("id") for p in stream.get("posts") or []}
    return [i for i in stream.get("stream") or [] if i not in have]


def _author(post: Mapping[str, Any]) -> str | None:
    """A post's username; ``None`` for a deleted or anonymised account (Discourse shows a
    deleted user's posts as ``system``'s)."""
    name = post.get("username")
    if not name or name == "system" or post.get("user_deleted") \
            or _ANONYMISED.fullmatch(str(name)):
        return None
    return str(name)


def _posts(body: Mapping[str, Any], context: Mapping[str, Any]) -> list[object]:
    forum, topic_id = context["forum"], int(context.get("topic") or body.get("id") or 0)
    records: list[object] = []
    for post in (body.get("post_stream") or {}).get("posts") or []:
        if post.get("post_type", REGULAR_POST) != REGULAR_POST:
            continue
        text = post.get("raw") if post.get("raw") is not None else post.get("cooked")
        number = int(post.get("post_number") or 0)
        accepted = post.get("accepted_answer")
        records.append(ForumPost(forum, int(post["id"]), int(post.get("topic_id") or topic_id),
                                 number, _author(post), api_time(post.get("created_at")),
                                 text, None if accepted is None else bool(accepted)))
        records += links(forum, topic_id, number, url_mentions(text))
    return records


def _solved(body: Mapping[str, Any]) -> bool | None:
    """Whether a topic has an accepted answer, as the solved plugin's topic answer tells it:
    ``accepted_answer`` is there only for a solved topic, and every post carries its own
    ``accepted_answer`` flag wherever the plugin runs; ``None`` where it does not."""
    if body.get("accepted_answer"):
        return True
    posts = (body.get("post_stream") or {}).get("posts") or []
    return False if any("accepted_answer" in post for post in posts) else None


def _topic(body: Mapping[str, Any], context: Mapping[str, Any]) -> list[object]:
    forum, topic_id = context["forum"], int(body["id"])
    accepted = body.get("accepted_answer")
    creator = ((body.get("details") or {}).get("created_by") or {})
    first = next(iter((body.get("post_stream") or {}).get("posts") or []), {})
    author = _author(creator) if creator else _author(first)
    category = context.get("category") or (context.get("categories") or {}).get(
        str(body.get("category_id")))
    topic = ForumTopic(
        forum, topic_id, category, body.get("title"), author,
        api_time(body.get("created_at")), api_time(body.get("last_posted_at")),
        body.get("posts_count"), _solved(body),
        int(accepted["post_number"]) if isinstance(accepted, dict)
        and accepted.get("post_number") else None,
        body.get("closed"))
    return [topic, *links(forum, topic_id, 0, url_mentions(body.get("title"))),
            *_posts(body, {**context, "topic": topic_id})]


PARSERS = {
    "discourse.categories": lambda body, context: [],
    "discourse.topic_list": lambda body, context: [],
    "discourse.topic": _topic,
    "discourse.posts": _posts,
}


def parse(response: RawResponse) -> list[object]:
    """The records a stored forum answer holds (topic lists and categories hold none: the
    topic's own answer is the record)."""
    return parse_with(PARSERS, response)


def frame_index(frame: Collection[tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """The lower-cased bare id of each ``(platform, key)`` of a frame, for
    ``frame_mentions`` (a Hub dataset ``datasets/a/b`` is written ``a/b``). An id two
    repositories share (a GitHub repository and a Hub model of the same name) is left out:
    a bare id cannot tell which is meant."""
    index: dict[str, tuple[str, str]] = {}
    shared: set[str] = set()
    for platform, key in frame:
        bare = key.split("/", 1)[1] if key.startswith(("datasets/", "spaces/")) else key
        bare = bare.lower()
        if bare in index and index[bare] != (platform, key):
            shared.add(bare)
        index[bare] = (platform, key)
    return {k: v for k, v in index.items() if k not in shared}
