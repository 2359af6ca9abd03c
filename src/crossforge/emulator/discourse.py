"""A Discourse forum's JSON API, rendered from the world's forum records, and its routes.

What Discourse serves (docs.discourse.org) and the emulator with it:

- ``/categories.json``: ``category_list.categories`` (id, name, slug, counts);
- ``/c/{slug}/{id}.json?page=N`` (also ``…/l/latest.json``), and ``/latest.json`` for every
  category: ``TOPICS_PER_PAGE`` topics a page, most recently active (``bumped_at``) first
  (``order=created``: most recently created first), ``topic_list.more_topics_url`` naming
  the next page's HTML path (absent on the last page);
- ``/t/{id}.json``: the topic, ``post_stream.posts`` holding its first ``POSTS_IN_TOPIC``
  posts and ``post_stream.stream`` every post id; the solved plugin's ``accepted_answer``
  on a solved topic only, its ``accepted_answer`` flag on every post, its
  ``has_accepted_answer`` on topic lists only (discourse-solved's serializers);
  ``include_raw=1`` adds each post's ``raw``;
- ``/t/{id}/posts.json?post_ids[]=…``: those posts of the topic;
- a deleted user's posts are shown as ``system``'s, an anonymised one's as ``anonNNNN``;
- the global per-address limit: ``limit`` requests per ``window`` seconds (Discourse's
  default: 50 per 10 s), then 429 with ``Retry-After`` and ``error_type: rate_limit``.

It reads only the records (``ForumTopic``, ``ForumPost``), as the rest of the emulator does.
"""

from __future__ import annotations

import re
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from crossforge.emulator.answer import Answer
from crossforge.emulator.faults import Fault
from crossforge.records import ForumPost, ForumTopic

TOPICS_PER_PAGE = 30
POSTS_IN_TOPIC = 20
#: Discourse's default global limit per address: 50 requests per 10 seconds.
FORUM_LIMIT = 50
FORUM_WINDOW = 10
#: The paths Discourse answers that no GitHub or Hub path starts with.
FORUM_PATH = re.compile(r"^/(categories\.json$|latest\.json$|c/|t/|u/)")
_NOT_FOUND = {"errors": ["The requested URL or resource could not be found."],
              "error_type": "not_found"}


def is_forum_path(path: str) -> bool:
    return FORUM_PATH.match(path) is not None


def _time(value: Any) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%S.000Z") if value is not None else None


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "uncategorized"


@dataclass
class Forum:
    """The world's forum: topics by id, each topic's posts in order, categories by id."""

    topics: dict[int, ForumTopic] = field(default_factory=dict)
    posts: dict[int, list[ForumPost]] = field(default_factory=lambda: defaultdict(list))
    categories: dict[int, str] = field(default_factory=dict)

    @classmethod
    def from_records(cls, records: Iterable[object]) -> Forum:
        forum = cls()
        for record in records:
            if isinstance(record, ForumTopic):
                forum.topics[record.topic_id] = record
            elif isinstance(record, ForumPost):
                forum.posts[record.topic_id].append(record)
        for posts in forum.posts.values():
            posts.sort(key=lambda p: p.post_number)
        names = sorted({t.category or "Uncategorized" for t in forum.topics.values()})
        forum.categories = {4 + 3 * i: name for i, name in enumerate(names)}
        return forum

    def category_id(self, name: str | None) -> int:
        wanted = name or "Uncategorized"
        return next(i for i, n in self.categories.items() if n == wanted)


def _username(author: str | None, post_id: int) -> str:
    """How Discourse shows a post whose author is unknown: a deleted user's post is
    ``system``'s, an anonymised account is ``anonNNNN``."""
    if author is not None:
        return author
    return "system" if post_id % 2 == 0 else f"anon{post_id * 7919 % 100_000:05d}"


def _post(post: ForumPost, raw: bool) -> dict[str, Any]:
    body = post.body or ""
    answer: dict[str, Any] = {
        "id": post.post_id, "name": None, "username": _username(post.author, post.post_id),
        "avatar_template": "/letter_avatar_proxy/v4/letter/s/aaaaaa/{size}.png",
        "created_at": _time(post.created_at), "cooked": f"<p>{body}</p>",
        "post_number": post.post_number, "post_type": 1, "reply_count": 0,
        "reply_to_post_number": None, "topic_id": post.topic_id, "user_deleted": False,
        "can_accept_answer": False, "can_unaccept_answer": False,
        "accepted_answer": bool(post.accepted_answer)}
    if raw:
        answer["raw"] = body
    return answer


def _listed(forum: Forum, topic: ForumTopic) -> dict[str, Any]:
    posts = forum.posts.get(topic.topic_id, [])
    last = _time(topic.last_posted_at or topic.created_at)
    return {
        "id": topic.topic_id, "title": topic.title, "fancy_title": topic.title,
        "slug": slug(topic.title or "topic"), "posts_count": len(posts),
        "reply_count": max(len(posts) - 1, 0), "created_at": _time(topic.created_at),
        "last_posted_at": last, "bumped_at": last, "bumped": True, "pinned": False,
        "visible": True, "closed": bool(topic.closed), "archived": False,
        "category_id": forum.category_id(topic.category),
        "has_accepted_answer": topic.accepted_post_number is not None,
        "posters": [{"extras": "latest single", "description": "Original Poster",
                     "user_id": 1}]}


def _rate_limited(wait: int) -> Answer:
    """Discourse's 429: ``Retry-After`` and the wait in its JSON."""
    return 429, {"Retry-After": str(wait), "Discourse-Rate-Limit-Error-Code":
                 "ip_10_secs_limit"}, {
        "errors": [f"You’ve performed this action too many times. Please wait {wait} "
                   "seconds before trying again."],
        "error_type": "rate_limit", "extras": {"wait_seconds": wait}}


class ForumRoutes:
    """The emulator's Discourse side, with its per-address limit (``forum_limit`` requests
    per ``forum_window`` seconds)."""

    forum: Forum
    forum_limit: int
    forum_window: int
    _forum_lock: threading.Lock
    _forum_spent: dict[int, int]

    def _forum_limited(self) -> Answer | None:
        """Discourse's 429 once the window's requests are spent, ``Retry-After`` the
        seconds left of the window."""
        now = time.time()
        window = int(now // self.forum_window)
        with self._forum_lock:
            spent = self._forum_spent.get(window, 0) + 1
            self._forum_spent = {window: spent}
        if spent <= self.forum_limit:
            return None
        return _rate_limited(max(int((window + 1) * self.forum_window - now) + 1, 1))

    def _forum_answer(self, path: str, query: dict[str, Any], fault: Fault | None = None
                      ) -> Answer:
        """A forum path's answer; an injected status fault answers as Discourse does (a 5xx
        with its error page's JSON, a 429 with ``Retry-After``)."""
        if fault is not None and fault.status is not None:
            if fault.status == 429 or fault.status == 403:
                return _rate_limited(int(fault.retry_after or 10))
            return fault.status, {}, {"errors": ["Oops! That page doesn’t exist or is "
                                                 "temporarily unavailable."],
                                      "error_type": "server_error"}
        limited = self._forum_limited()
        if limited is not None:
            return limited
        forum = self.forum
        raw = str(query.get("include_raw", "")) in ("1", "true")
        if path == "/categories.json":
            return 200, {}, {"category_list": {"can_create_category": False, "categories": [
                {"id": i, "name": name, "slug": slug(name), "color": "0088CC",
                 "topic_count": sum(1 for t in forum.topics.values()
                                    if (t.category or "Uncategorized") == name),
                 "description": f"SYNTHETIC category {name}", "subcategory_ids": []}
                for i, name in forum.categories.items()]}}
        if path == "/latest.json":
            return self._forum_listing(None, None, query)
        listing = re.fullmatch(r"/c/([^/]+)/(\d+)(?:/l/latest)?\.json", path)
        if listing:
            return self._forum_listing(listing.group(1), int(listing.group(2)), query)
        topic = re.fullmatch(r"/t/(?:[^/]+/)?(\d+)(/posts)?\.json", path)
        if topic is None or int(topic.group(1)) not in forum.topics:
            return 404, {}, _NOT_FOUND
        record = forum.topics[int(topic.group(1))]
        posts = forum.posts.get(record.topic_id, [])
        if topic.group(2):
            wanted = {int(i) for i in query.get("post_ids[]", []) if str(i).isdigit()}
            return 200, {}, {"post_stream": {"posts": [
                _post(p, raw) for p in posts if p.post_id in wanted]}, "id": record.topic_id}
        return 200, {}, self._forum_topic(record, posts, raw)

    def _forum_listing(self, name: str | None, category_id: int | None,
                       query: dict[str, Any]) -> Answer:
        """A category's topics (``/c/…``), or every topic (``/latest.json``), most recently
        active first, or most recently created with ``order=created``."""
        forum = self.forum
        category = forum.categories.get(category_id) if category_id is not None else None
        if category_id is not None and (category is None or slug(category) != name):
            return 404, {}, _NOT_FOUND
        page = query.get("page", "0")
        if not str(page).isdigit():
            return 400, {}, {"errors": ["page must be a whole number"],
                             "error_type": "invalid_parameters"}
        number = int(page)
        created = query.get("order") == "created"
        topics = sorted((t for t in forum.topics.values()
                         if category is None or (t.category or "Uncategorized") == category),
                        key=lambda t: (t.created_at if created else
                                       t.last_posted_at or t.created_at, t.topic_id),
                        reverse=True)
        chunk = topics[number * TOPICS_PER_PAGE:(number + 1) * TOPICS_PER_PAGE]
        topic_list: dict[str, Any] = {"can_create_topic": False, "per_page": TOPICS_PER_PAGE,
                                      "topics": [_listed(forum, t) for t in chunk]}
        if (number + 1) * TOPICS_PER_PAGE < len(topics):
            here = f"/c/{name}/{category_id}" if category is not None else "/latest"
            order = "order=created&" if created else ""
            topic_list["more_topics_url"] = f"{here}?{order}page={number + 1}"
        return 200, {}, {"users": [], "primary_groups": [], "topic_list": topic_list}

    def _forum_topic(self, topic: ForumTopic, posts: list[ForumPost], raw: bool
                     ) -> dict[str, Any]:
        accepted = next((p for p in posts if p.post_number == topic.accepted_post_number),
                        None)
        first = posts[0] if posts else None
        listed = _listed(self.forum, topic)
        del listed["has_accepted_answer"]    # the plugin adds it to topic lists only
        answer = {
            **listed, "archetype": "regular", "views": 10 * len(posts),
            "post_stream": {"posts": [_post(p, raw) for p in posts[:POSTS_IN_TOPIC]],
                            "stream": [p.post_id for p in posts]},
            "details": {"created_by": {
                "id": 1, "username": _username(topic.author, first.post_id if first else 0),
                "avatar_template": "/letter_avatar_proxy/v4/letter/s/aaaaaa/{size}.png"}}}
        if accepted is not None:    # only a solved topic carries it
            answer["accepted_answer"] = {
                "post_number": accepted.post_number,
                "username": _username(accepted.author, accepted.post_id),
                "excerpt": (accepted.body or "")[:120], "name": None}
        return answer
