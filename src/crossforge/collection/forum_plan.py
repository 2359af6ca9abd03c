"""A Discourse forum's collection plan: categories, their topic lists, each topic's posts,
then the topics' links to the frame's repositories by bare id.

A forum belongs to no repository of the frame, so its checkpoints are keyed by the forum's
name (``collection_tasks``: platform ``discourse``, repo the forum): ``categories``, one
``category:{slug}`` per category (its cursor the next topic-list page) and one
``topic:{id}`` per topic (done when the topic and every post are stored). Each topic-list
page's topics are gathered with their checkpoints and the page's own, and committed as the
repositories' answers are (a group commit: the raw store synced, then up to
``GROUP_ANSWERS`` answers or ``GROUP_SECONDS`` of work in one transaction), so a kill at any
instant loses at most that much work and a re-run skips the topics already done. A base URL that
is not a Discourse forum (``/categories.json`` missing, or not JSON) stops the run with a
one-line error.

Caps (``ForumCaps``): the categories to walk, the most topics per category (the walk stops
at the first page boundary at or past it, recorded in ``collection_truncations`` with the
next page kept, as for a repository's threads), and a date before which topics are left
out: a category lists its most recently active topics first, so the walk stops at the
first topic last active before it.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from crossforge._version import __version__
from crossforge.collection.answers import FINISHED, MISSING_STATUS, answered, parse, provenance
from crossforge.collection.collector import GROUP_ANSWERS, GROUP_SECONDS
from crossforge.errors import ConfigError
from crossforge.records import ForumLink, Provenance
from crossforge.sources import discourse
from crossforge.sources.http import UnusableAnswer
from crossforge.sources.raw import RawResponse, api_time, redacted_url
from crossforge.store import Store, provenance_key
from crossforge.store.database import Checkpoint

PLATFORM = "discourse"
#: The provenance of links found by a frame's bare ids (not in any one answer: they depend
#: on the frame as well as the text).
LINKING_SOURCE = "crossforge-forum-linking"
#: Titles and posts read at a time when linking by bare id.
LINKING_CHUNK = 10_000


@dataclass(frozen=True)
class ForumCaps:
    """What one forum's collection may take.

    Attributes:
        categories: category slugs or names to walk (case ignored); empty: every category.
        max_topics: the most topics per category (``None``: no cap).
        since: topics created before it are left out (``None``: none is).
        sample: instead of walking the categories, draw topic ids uniformly at random (with
            ``seed``) below the highest until this many topics are stored (``_sample``).
    """

    categories: tuple[str, ...] = ()
    max_topics: int | None = None
    since: datetime | None = None
    sample: int | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        if self.max_topics is not None and self.max_topics < 1:
            raise ConfigError(f"--forum-max-topics must be at least 1, not {self.max_topics}")
        if self.sample is not None and self.sample < 1:
            raise ConfigError(f"--forum-sample must be at least 1, not {self.sample}")
        if self.sample is not None and (self.categories or self.max_topics or self.since):
            raise ConfigError("--forum-sample draws from the whole forum: it cannot be "
                              "combined with --forum-category, --forum-max-topics or "
                              "--forum-since")
        if self.since is not None and self.since.tzinfo is None:
            object.__setattr__(self, "since", self.since.replace(tzinfo=UTC))


@dataclass
class ForumSummary:
    """What a forum's collection did."""

    forum: str
    categories: int = 0
    topics: int = 0
    pages: int = 0
    linked_by_id: int = 0
    #: The sample's size, when topics were drawn at random rather than walked.
    sample: int | None = None
    failed: dict[str, str] = field(default_factory=dict)
    truncated: dict[str, int] = field(default_factory=dict)


class ForumPlan:
    """Collects one forum into ``store`` through ``source``, resumably.

    Args:
        on_page: told the forum's summary after every topic-list page, or every topic drawn
            when sampling (progress).
    """

    def __init__(self, store: Store, source: discourse.DiscourseSource, caps: ForumCaps,
                 on_page: Callable[[ForumSummary], None] | None = None) -> None:
        self.store = store
        self.source = source
        self.caps = caps
        self.on_page = on_page or (lambda summary: None)
        self.summary = ForumSummary(source.forum)
        self._states: dict[tuple[str, str, str], tuple[str, str | None]] = {}
        self._failed_topics = 0
        self._gathered: list[tuple[Provenance, list[object], list[Checkpoint]]] = []
        self._gathered_since = 0.0
        self._names: dict[int, str] = {}

    @property
    def forum(self) -> str:
        return self.source.forum

    def collect(self, frame: Iterable[tuple[str, str]] = ()) -> ForumSummary:
        """Walk the forum's categories, then link its topics to ``frame`` by bare id."""
        self._states = {k: v for k, v in self.store.collection_states().items()
                        if k[0] == PLATFORM and k[1] == self.forum}
        with self.source.client.raw.grouped():
            try:
                chosen = self._categories()
                if self.caps.sample is not None:
                    self._sample(self.caps.sample, self.caps.seed)
                for slug, category_id, name in chosen if self.caps.sample is None else ():
                    self.summary.categories += 1
                    self._category(slug, category_id, name)
            finally:  # a stop (Ctrl-C, a rate limit past --max-wait) keeps what was gathered
                self._commit()
        self.summary.linked_by_id = link_frame(self.store, self.forum, frame)
        for (_, _, task), (state, _) in self._states.items():
            if state == "failed":
                self.summary.failed.setdefault(task, self._reason(task))
        return self.summary

    def _reason(self, task: str) -> str:
        row = self.store.query("SELECT reason FROM collection_failures WHERE platform = ? "
                               "AND repo = ? AND task = ?", [PLATFORM, self.forum, task]
                               ).fetchone()
        return row[0] if row else "failed"

    def _write(self, pages: list[tuple[Provenance, list[object], list[Checkpoint]]]) -> None:
        """Gather answers with their records and checkpoints for the next group commit, made
        once ``GROUP_ANSWERS`` answers or ``GROUP_SECONDS`` of work are gathered, as the
        repositories' collection does (``collector``)."""
        if not self._gathered:
            self._gathered_since = time.monotonic()
        self._gathered += pages
        for page in pages:
            for platform, forum, task, state, cursor in page[2]:
                self._states[(platform, forum, task)] = (state, cursor)
        if len(self._gathered) >= GROUP_ANSWERS \
                or time.monotonic() - self._gathered_since >= GROUP_SECONDS:
            self._commit()

    def _commit(self) -> None:
        """One group commit: the raw answers synced, then their records and checkpoints in
        one transaction."""
        if self._gathered:
            pages, self._gathered = self._gathered, []
            self.source.client.raw.sync()
            self.store.write_pages(pages)

    def _fail(self, task: str, reason: str) -> None:
        self._failed_topics += task.startswith("topic:")
        self.store.record_failure(PLATFORM, self.forum, task, reason)
        self._states[(PLATFORM, self.forum, task)] = ("failed", self._cursor(task))

    def _cursor(self, task: str) -> str | None:
        return self._states.get((PLATFORM, self.forum, task), (None, None))[1]

    def _state(self, task: str) -> str | None:
        return self._states.get((PLATFORM, self.forum, task), (None, None))[0]

    def _categories(self) -> list[tuple[str, int, str]]:
        """``(slug, id, name)`` of the categories to walk (subcategories are walked with
        their parent: a parent's topic list includes them)."""
        where = redacted_url(self.source.client.base_url)
        try:
            answer = self.source.categories()
        except UnusableAnswer as unusable:
            raise ConfigError(f"{unusable}: is {where} a Discourse forum's base URL? "
                              f"(e.g. {discourse.HF_FORUM_URL})") from None
        if answer.status in MISSING_STATUS:
            raise ConfigError(f"{where} has no /categories.json (answered {answer.status}): "
                              f"is it a Discourse forum's base URL? (e.g. "
                              f"{discourse.HF_FORUM_URL})")
        if answer.status != 200:
            self._fail("categories", answered(answer))
            return []
        self._write([(provenance(answer), [],
                      [(PLATFORM, self.forum, "categories", "done", None)])])
        listed = ((answer.json() or {}).get("category_list") or {}).get("categories") or []
        self._names = {int(c["id"]): str(c.get("name") or c["slug"]) for c in listed}
        wanted = {c.lower() for c in self.caps.categories}
        chosen = [(str(c["slug"]), int(c["id"]), str(c.get("name") or c["slug"]))
                  for c in listed if not wanted or str(c.get("slug", "")).lower() in wanted
                  or str(c.get("name", "")).lower() in wanted]
        if wanted and not chosen:
            raise ConfigError(f"forum {self.forum} has no category named "
                              f"{', '.join(sorted(self.caps.categories))} (it has "
                              + ", ".join(str(c.get("slug")) for c in listed[:10]) + ")")
        return chosen

    def _category(self, slug: str, category_id: int, name: str) -> None:
        """Walk one category's topic lists from its checkpoint: each page's topics and the
        page's own checkpoint are one group commit."""
        task = f"category:{slug}"
        state, cursor = self._state(task), self._cursor(task)
        cap = self.caps.max_topics
        held = self._held_topics(name)
        if state in FINISHED or (state == "truncated" and cap is not None and held >= cap):
            return
        start = cursor if state in ("partial", "failed", "truncated") else None
        self._failed_topics = 0
        try:
            for page in self.source.topic_pages(slug, category_id, name, start):
                if page.status != 200:
                    self._fail(task, answered(page))
                    return
                following = discourse.next_page(page)
                gathered, stored, stop = self._topics(page, name)
                held += stored
                self.summary.pages += 1
                if cap is not None and held >= cap and following and not stop:
                    self._write([*gathered, (provenance(page), [], [])])
                    self._commit()
                    origin = provenance(page)
                    self.store.record_truncation(
                        PLATFORM, self.forum, task, following, f"topics:{slug}", cap, held,
                        provenance_key(origin.source, origin.origin))
                    self._states[(PLATFORM, self.forum, task)] = ("truncated", following)
                    self.summary.truncated[slug] = held
                    return
                done = stop or not following
                # a walk with a failed topic ends unfinished, without a cursor: the next run
                # walks the category again, asking only the topics not yet done
                finished = done and not self._failed_topics
                self._write([*gathered, (provenance(page), [], [(
                    PLATFORM, self.forum, task, "done" if finished else "partial",
                    None if done else following)])])
                self.on_page(self.summary)
                if done:
                    break
        except UnusableAnswer as unusable:
            self._fail(task, str(unusable))
            return
        self._commit()
        self.store.clear_truncation(PLATFORM, self.forum, f"topics:{slug}")

    def _sample(self, size: int, seed: int) -> None:
        """Draw topic ids uniformly at random below the highest one until ``size`` topics
        are stored: a simple random sample of the forum's public topics, as ``sample
        github`` draws repositories by id. An id that answers 404, 410 or 403 (a deleted
        topic, a private message, a private category) is recorded missing and the draw goes
        on. The highest id, seed and size are the ``sample`` task's cursor, so a resumed run
        draws the same order (a later run on the same store must ask the same sample)."""
        task = "sample"
        self.summary.sample = size
        drawn = self._cursor(task)
        if drawn is None:
            newest = self.source.newest_topics()
            if newest.status != 200:
                self._fail(task, answered(newest))
                return
            ids = [int(t["id"]) for t in discourse.listed_topics(newest)]
            drawn = json.dumps({"highest": max(ids, default=0), "seed": seed, "size": size})
            self._write([(provenance(newest), [], [(PLATFORM, self.forum, task, "partial",
                                                    drawn)])])
        plan = json.loads(drawn)
        if (plan["seed"], plan["size"]) != (seed, size):
            raise ConfigError(f"the forum {self.forum} was sampled in this store with "
                              f"--forum-sample {plan['size']} --forum-seed {plan['seed']}: "
                              "ask the same, or collect into a fresh database")
        order = list(range(1, plan["highest"] + 1))
        random.Random(seed).shuffle(order)
        stored = 0
        for topic_id in order:
            if stored >= size:
                break
            state = self._state(f"topic:{topic_id}")
            if state in FINISHED:
                stored += state == "done"
                continue
            answers = self._topic(topic_id, None, f"topic:{topic_id}")
            if answers and answers[-1][2][-1][3] == "done":
                stored += 1
                self.summary.topics += 1
                if stored >= size:   # the sample is complete with this topic's answers
                    answers[-1][2].append((PLATFORM, self.forum, task, "done", drawn))
            self._write(answers)
            self.on_page(self.summary)
        self._commit()

    def _held_topics(self, category: str) -> int:
        """The category's stored topics (what a capped walk has taken), gathered ones
        committed first."""
        self._commit()
        row = self.store.query("SELECT count(*) FROM forum_topics WHERE forum = ? AND "
                               "category = ?", [self.forum, category]).fetchone()
        return int(row[0])

    def _topics(self, page: RawResponse, category: str
                ) -> tuple[list[tuple[Provenance, list[object], list[Checkpoint]]], int, bool]:
        """The answers of the page's topics not yet done, with their checkpoints (for the
        page's group commit), how many topics they store, and whether the page reaches
        topics last active before ``since`` (the walk ends there)."""
        since = self.caps.since
        gathered: list[tuple[Provenance, list[object], list[Checkpoint]]] = []
        stored, stop = 0, False
        for item in discourse.listed_topics(page):
            topic_id = int(item["id"])
            active = api_time(item.get("bumped_at") or item.get("last_posted_at"))
            created = api_time(item.get("created_at"))
            if since is not None and active is not None and active < since \
                    and not item.get("pinned"):
                stop = True
                break
            if since is not None and created is not None and created < since:
                continue
            task = f"topic:{topic_id}"
            if self._state(task) in FINISHED:
                continue
            answers = self._topic(topic_id, category, task)
            gathered += answers
            if answers and answers[-1][2][-1][3] == "done":
                stored += 1
                self.summary.topics += 1
        return gathered, stored, stop

    def _topic(self, topic_id: int, category: str, task: str
               ) -> list[tuple[Provenance, list[object], list[Checkpoint]]]:
        """A topic's answers with its checkpoint on the last: ``done``, or ``missing`` for a
        deleted or private topic; none when it failed (recorded)."""
        key = (PLATFORM, self.forum, task)
        try:
            first = self.source.topic(topic_id, category, None if category else self._names)
            if first.status in MISSING_STATUS or first.status == 403:
                return [(provenance(first), [], [(*key, "missing", None)])]
            if first.status != 200:
                self._fail(task, answered(first))
                return []
            answers = [first, *self.source.posts(topic_id, discourse.missing_posts(first))]
        except UnusableAnswer as unusable:
            self._fail(task, str(unusable))
            return []
        unanswered = next((a for a in answers if a.status != 200), None)
        if unanswered is not None:
            self._fail(task, answered(unanswered))
            return []
        pages: list[tuple[Provenance, list[object], list[Checkpoint]]] = [
            (provenance(a), parse(a), []) for a in answers]
        pages[-1][2].append((*key, "done", None))
        return pages


def link_frame(store: Store, forum: str, frame: Iterable[tuple[str, str]]) -> int:
    """Link the forum's stored topics to the frame's repositories their titles and posts
    name by a bare ``owner/name`` id (``discourse.frame_mentions``); returns the links
    written. Links by URL come with the answers; these depend on the frame too, so they
    are found again whenever the forum is collected for a frame, those of an earlier frame
    dropped first (a kill in between leaves them to the next collection)."""
    store.query("DELETE FROM forum_links WHERE forum = ? AND evidence = 'id'", [forum])
    index = discourse.frame_index(list(frame))
    if not index:
        return 0
    found: list[ForumLink] = []
    # read in chunks (a large forum's posts need not all be in memory at once); a text
    # without a slash names no id
    rows = store.query(
        "SELECT topic_id, 0 AS post_number, title FROM forum_topics WHERE forum = ? "
        "AND contains(title, '/') UNION ALL SELECT topic_id, post_number, body "
        "FROM forum_posts WHERE forum = ? AND contains(body, '/')", [forum, forum])
    while chunk := rows.fetchmany(LINKING_CHUNK):
        for topic_id, post_number, text in chunk:
            found += discourse.links(forum, int(topic_id), int(post_number),
                                     discourse.frame_mentions(text, index))
    if not found:
        return 0
    origin = Provenance(LINKING_SOURCE, f"bare ids of the frame in {forum}",
                        datetime.now(UTC), __version__)
    by_url = {(t, p, r.lower(), n) for t, p, r, n in store.query(
        "SELECT topic_id, platform, repo, post_number FROM forum_links WHERE forum = ? "
        "AND evidence = 'url'", [forum]).fetchall()}
    kept = [link for link in found if (link.topic_id, link.platform, link.repo.lower(),
                                       link.post_number) not in by_url]
    store.write(origin, kept)
    return len(kept)
