"""Collection: fill the store for every repository of a frame, page by page, resumably.

Each repository's work is split into tasks (``metadata``, ``commits``, ``issues``,
``discussions`` with a board,
``comments`` on GitHub; ``model`` (``dataset``, ``space``), ``commits``, ``discussions`` and,
for models, ``card`` on the Hub; ``members`` per owning account). Every page is written to the
raw store first, then parsed, and its records land in the database in one transaction with the
task's checkpoint (the next page's URL), so a re-run continues where the last one stopped and
never stores a page twice. Pages are stored as a group commit: the raw records of up to
``GROUP_ANSWERS`` answers (or ``GROUP_SECONDS`` of work) are fsynced together, then their
records and checkpoints land in one transaction; a kill in between leaves raw records nothing
cites, and the next run asks those pages again. Every read of the store commits first.
``rebuild`` re-parses the raw store into a fresh database and says what of it was damaged
(skipped, every readable answer around it kept).

A task whose answers stay unusable (a 5xx past the retries, a body that never parses, a
listing that keeps repeating) is recorded as ``failed`` with its reason
(``collection_failures``) and the run goes on with the next repository; a later run retries
it from its last checkpoint. ``Caps`` bound what one repository may cost: a walk stops at the
first page boundary at or past its cap, and the truncation is recorded
(``collection_truncations``) with the task's next page kept, so a run with a higher cap
continues it. A repository GitHub's GraphQL answers under another name (renamed or
transferred) is stored under the frame's name, the current one noted in
``repository_renames``.

This module is the driver (checkpoints, caps, failures, progress); ``github_plan`` and
``hub_plan`` hold each platform's tasks, and the store's methods write the collection state.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypeVar
from urllib.parse import urlsplit

from crossforge.collection.answers import (
    EMPTY_STATUS,
    FINISHED,
    TaskFailed,
    answered,
    ending,
    parse,
    provenance,
)
from crossforge.collection.github_plan import GitHubPlan
from crossforge.collection.hub_plan import HubPlan
from crossforge.collection.people_plan import PeoplePlan
from crossforge.errors import CollectError, ConfigError
from crossforge.records import Account, Comment, Commit, Membership, Provenance, Thread
from crossforge.sources import github, hub
from crossforge.sources.http import Budget, UnusableAnswer, next_link
from crossforge.sources.raw import Damage, RawResponse, RawStore, redacted_url
from crossforge.store import Store, provenance_key
from crossforge.store.database import KEYS, Checkpoint

#: The resource (and table) each capped task fills; other tasks have no cap.
CAPPED = {"commits": "commits", "issues": "threads", "comments": "comments",
          "discussions": "threads"}
#: GitHub's threads table holds two capped walks, issues and discussions: each counts and
#: records its truncation apart (the channel its threads are in, the resource it is recorded
#: as), so one's end never clears the other's truncation.
CHANNEL_OF = {("github", "issues"): ("issue_tracker", "threads"),
              ("github", "discussions"): ("discussion_board", "discussions")}
#: The records a listing page lists; each is named by the last column of its natural key.
LISTED = frozenset({Commit, Thread, Comment, Membership})
#: Times a resumed walk's first page is asked while it repeats what is stored.
RESUME_ATTEMPTS = 3
#: Answers gathered for one group commit, and the longest the first of them waits for it:
#: one fsync and one transaction serve them all, and a kill costs at most this much work
#: asked again.
GROUP_ANSWERS = 500
GROUP_SECONDS = 5.0
#: Keys one read of the store answers ahead (``Collector.read_ahead``).
READ_AHEAD = 1_000
V = TypeVar("V")

if TYPE_CHECKING:  # the forum's plan uses this driver's group-commit bounds
    from crossforge.collection.forum_plan import ForumSummary


@dataclass(frozen=True)
class Caps:
    """The most items of each resource one repository may take (``None``: no cap).

    A walk stops at the first page boundary at or past the cap, so up to one page more than
    the cap is stored (100 on GitHub, 50 on the Hub); Hub discussions stop exactly at it.
    """

    commits: int | None = None
    threads: int | None = None
    comments: int | None = None

    def __post_init__(self) -> None:
        for name in ("commits", "threads", "comments"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ConfigError(f"--max-{name} must be at least 1, not {value}")

    def of(self, resource: str | None) -> int | None:
        return getattr(self, resource) if resource else None


@dataclass(frozen=True)
class CollectionProgress:
    """What a run reports after every stored page and every finished repository.

    Attributes:
        platform: ``github`` or ``huggingface``.
        subject: the repository or account the last page was about.
        finished: repositories of the platform's frame complete so far (including those a
            previous run completed and the ones found missing).
        total: repositories of the platform in the frame.
        budget: what the platform's rate-limit headers last said is left, and when it resets.
    """

    platform: str
    subject: str
    finished: int
    total: int
    budget: Budget


@dataclass
class CollectionSummary:
    """What a collection run did, per platform."""

    repositories: dict[str, int] = field(default_factory=dict)
    missing: dict[str, list[str]] = field(default_factory=dict)
    pages: dict[str, int] = field(default_factory=dict)
    #: Repositories with a task still failed at the end of the run, with the reason.
    failed: dict[str, dict[str, str]] = field(default_factory=dict)
    #: Repositories stopped at a cap: the resources and how many items were stored.
    truncated: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    #: Repositories with tasks the token may not see (gated, private): the tasks.
    inaccessible: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    #: Contributors whose profiles were looked up (or found looked up), per platform.
    profiles: dict[str, int] = field(default_factory=dict)
    #: The forum's collection, when one was asked for (``forum_plan``).
    forum: ForumSummary | None = None


class Collector:
    """Runs the tasks of a frame against the platforms' sources.

    The driver keeps the checkpoints, caps, failures and progress; each platform's plan
    (``github_plan``, ``hub_plan``) decides which tasks a repository takes and walks them
    through ``paged``, ``store_page``, ``fail`` and ``truncate``.

    Args:
        store: the database (records and checkpoints).
        github_source, hub_source: the platform clients; ``None`` skips that platform.
        on_progress: called with a ``CollectionProgress`` after every stored page and every
            finished repository (progress bars; raising ``KeyboardInterrupt`` in it stops the
            run cleanly, at a checkpoint).
        caps: the most commits, threads and comments to store per repository.
        profiles: the most contributors per platform whose profiles are looked up after
            the repositories (``people_plan``); 0, the default, looks up none.
    """

    def __init__(self, store: Store, *, github_source: github.GitHubSource | None = None,
                 hub_source: hub.HubSource | None = None,
                 on_progress: Callable[[CollectionProgress], None] | None = None,
                 caps: Caps | None = None, profiles: int = 0) -> None:
        if profiles < 0:
            raise ConfigError(f"--max-profiles must be at least 0, not {profiles}")
        self._store = store
        self.profiles = profiles
        self.github = github_source
        self.hub = hub_source
        self.on_progress = on_progress or (lambda progress: None)
        self.caps = caps or Caps()
        self.summary = CollectionSummary()
        self._finished: dict[str, int] = {}
        self._totals: dict[str, int] = {}
        self._failed_now: dict[tuple[str, str, str], str] = {}
        self._found: set[str] = set()
        self._unrecorded: dict[str, list[tuple[RawResponse, tuple]]] = {}
        self._gathered: list[tuple[Provenance, list[object], list[Checkpoint]]] = []
        self._gathered_since = 0.0
        self._threads: _ReadAhead[set[int]] | None = None
        self._origins: _ReadAhead[str | None] | None = None
        self._origin_source = ""
        self._ahead_platform = ""

    @property
    def store(self) -> Store:
        """The database, with every answer gathered so far committed (what is read from it
        then includes them)."""
        self.commit()
        return self._store

    def collect(self, frame: list[tuple[str, str]]) -> CollectionSummary:
        """Collect every ``(platform, repo)`` of ``frame`` not yet complete."""
        github_repos = [r for p, r in frame if p == "github"]
        hub_repos = [r for p, r in frame if p == "huggingface"]
        self._totals = {"github": len(github_repos), "huggingface": len(hub_repos)}
        self._finished = {}
        self._failed_now = {}
        with contextlib.ExitStack() as grouped:
            for raw in self._raw_stores():
                grouped.enter_context(raw.grouped())
            try:
                if github_repos and self.github:
                    self._answered_before("github", github_repos)
                    GitHubPlan(self, self.github).collect(github_repos)
                    self._none_found("github")
                    self._outcome("github", github_repos)
                if hub_repos and self.hub:
                    self._answered_before("huggingface", hub_repos)
                    HubPlan(self, self.hub).collect(hub_repos)
                    self._none_found("huggingface")
                    self._outcome("huggingface", hub_repos)
                if self.profiles:
                    self.summary.profiles = PeoplePlan(self, self.github, self.hub).collect(
                        frame, self.profiles)
            finally:  # a stop (Ctrl-C, a rate limit past --max-wait) keeps what was gathered
                self.commit()
        return self.summary

    def _raw_stores(self) -> list[RawStore]:
        """The raw stores the platforms' clients write to (often one)."""
        stores = {id(s.client.raw): s.client.raw for s in (self.github, self.hub) if s}
        return list(stores.values())

    def commit(self) -> None:
        """Make the answers gathered so far durable: their raw records fsynced, then their
        records and checkpoints in one transaction (a group commit)."""
        if not self._gathered:
            return
        pages, self._gathered = self._gathered, []
        for raw in self._raw_stores():
            raw.sync()
        self._store.write_pages(pages)

    def ending(self, response: RawResponse) -> str | None:
        """How an answer ends its task without data (``missing``, ``inaccessible``), or
        ``None`` (``answers.ending``, told whether this platform's client has a token)."""
        source = self.github if response.kind.startswith("github.") else self.hub
        return ending(response, source is not None and source.client.authenticated)

    def ended(self, response: RawResponse, task: tuple[str, str, str], outcome: str,
              states: dict) -> None:
        """Record a task ``missing`` or ``inaccessible`` with the answer that says so."""
        if outcome == "inaccessible":
            self.found(task[0])    # the platform answered about the repository
            states[task] = (outcome, None)
            written = [(*task, outcome, None)]
        else:
            written = self.missing(response, [task], states)
        self.store_page(response, written)

    def missing(self, response: RawResponse, tasks: list[tuple[str, str, str]],
                states: dict) -> list[tuple]:
        """The checkpoints that mark ``tasks`` missing, to write with ``response``.

        Repositories found missing before any of the platform's frame was found are held
        back instead (none is returned): if none is found, the base URL is wrong
        (``_none_found``), and a wrong URL must not mark the frame missing for good."""
        for task in tasks:
            states[task] = ("missing", None)
        if tasks and tasks[0][0] not in self._found:
            self._unrecorded.setdefault(tasks[0][0], []).append((response, tasks))
            return []
        return [(*task, "missing", None) for task in tasks]

    def found(self, platform: str) -> None:
        """The platform answered about a repository of its frame: the base URL is right,
        and the missing ones held back are recorded."""
        self._found.add(platform)
        for response, tasks in self._unrecorded.pop(platform, []):
            self._gather(response, [], [(*task, "missing", None) for task in tasks])

    def has_found(self, platform: str) -> bool:
        """Whether the platform answered about a repository of its frame (this run or an
        earlier one): its base URL is right."""
        return platform in self._found

    def _answered_before(self, platform: str, repos: list[str]) -> None:
        """An earlier run that stored a repository of the frame (a task done, partial,
        truncated or inaccessible) found the platform at its base URL."""
        wanted = set(repos)
        if any(p == platform and repo in wanted and state not in ("missing", "failed")
               for (p, repo, _), (state, _) in self.states().items()):
            self._found.add(platform)

    def _none_found(self, platform: str) -> None:
        """Stop the run when every repository of the platform's frame that answered came
        back missing and none was found: the base URL (a path prefix, a query, another
        service) is wrong. Nothing was recorded as missing, so a run with the right URL
        collects them all."""
        held = self._unrecorded.pop(platform, [])
        if not held or platform in self._found:
            return
        source = self.github if platform == "github" else self.hub
        assert source is not None
        raise CollectError(
            f"{platform}: none of the frame's repositories was found at "
            f"{redacted_url(source.client.base_url)} ({sum(len(t) for _, t in held):,} answered "
            f"missing, e.g. {held[0][0].status} for {urlsplit(held[0][0].url).path}): check the "
            f"{'--github-url' if platform == 'github' else '--hub-url'} base URL; "
            "nothing was recorded as missing")

    def _report(self, platform: str, subject: str) -> None:
        source = self.github if platform == "github" else self.hub
        assert source is not None
        self.on_progress(CollectionProgress(
            platform, subject, self._finished.get(platform, 0), self._totals.get(platform, 0),
            source.client.budget))

    def finish(self, platform: str, repo: str, count: int = 1) -> None:
        """Count ``count`` repositories of the platform's frame as complete (``repo`` the
        last) and report the progress."""
        self._finished[platform] = self._finished.get(platform, 0) + count
        self._report(platform, repo)

    def states(self) -> dict[tuple[str, str, str], tuple[str, str | None]]:
        """The stored checkpoints, ``(platform, repo, task) -> (state, cursor)``."""
        return self.store.collection_states()

    def store_page(self, response: RawResponse, tasks: Iterable[tuple],
                   records: list[object] | None = None) -> None:
        """Store an answer's records (parsed unless given) with checkpoints, atomically, in
        the next group commit."""
        self._gather(response, parse(response) if records is None else records, tasks)
        if len(self._gathered) >= GROUP_ANSWERS \
                or time.monotonic() - self._gathered_since >= GROUP_SECONDS:
            self.commit()
        platform = "github" if response.kind.startswith("github.") else "huggingface"
        self.summary.pages[platform] = self.summary.pages.get(platform, 0) + 1
        self._report(platform, str(response.context.get("repo") or response.context.get(
            "org") or response.context.get("name") or ""))

    def _gather(self, response: RawResponse, records: list[object],
                tasks: Iterable[tuple]) -> None:
        """Hold an answer's records and checkpoints for the next group commit."""
        if not self._gathered:
            self._gathered_since = time.monotonic()
        origin, listed = provenance(response), list(records)
        self._gathered.append((origin, listed, list(tasks)))
        for record in listed:   # what the read-ahead holds follows what is gathered
            if getattr(record, "platform", None) != self._ahead_platform:
                continue
            if type(record) is Thread and self._threads is not None:
                self._threads.change(record.repo, lambda numbers, r=record: numbers | {r.number})
            elif type(record) is Account and self._origins is not None:
                self._origins.change(record.login,
                                     lambda _, a=record: self._proof(a, origin))

    def read_ahead(self, platform: str, repos: list[str], owners: list[str]) -> None:
        """The order a plan asks ``thread_numbers`` (``repos``) and ``author_origin``
        (``owners``) in: each then reads the store for the next ``READ_AHEAD`` of them in one
        query, not one query each."""
        self._ahead_platform = platform
        self._threads = _ReadAhead(repos, lambda chunk: self._read_threads(platform, chunk))
        self._origins = _ReadAhead(owners, lambda chunk: self._read_origins(platform, chunk))

    def thread_numbers(self, platform: str, repo: str) -> set[int]:
        """The numbers of a repository's stored threads, gathered ones included, without a
        commit (threads are only ever added, so the union is what a commit would give)."""
        if self._threads is None:
            return self._read_threads(platform, [repo])[repo]
        return set(self._threads.get(repo))

    def author_origin(self, platform: str, login: str, source: str) -> str | None:
        """``Store.author_origins`` for one login, gathered answers included, without a
        commit: the last account record of ``login`` gathered is the one a commit keeps."""
        self._origin_source = source
        if self._origins is None:
            return self._read_origins(platform, [login]).get(login)
        return self._origins.get(login)

    def _read_threads(self, platform: str, repos: list[str]) -> dict[str, set[int]]:
        held = self._store.thread_numbers(platform, repos)
        for _, records, _ in self._gathered:
            for record in records:
                if type(record) is Thread and record.platform == platform \
                        and record.repo in held:
                    held[record.repo].add(record.number)
        return held

    def _read_origins(self, platform: str, logins: list[str]) -> dict[str, str | None]:
        held: dict[str, str | None] = dict.fromkeys(logins)
        held.update(self._store.author_origins(platform, logins, self._origin_source))
        wanted = set(logins)
        for origin, records, _ in self._gathered:
            for record in records:
                if type(record) is Account and record.platform == platform \
                        and record.login in wanted:
                    held[record.login] = self._proof(record, origin)
        return held

    def _proof(self, account: Account, origin: Provenance) -> str | None:
        """The raw answer an account record proves its login a user by, if it does."""
        return origin.origin if (account.type != "organization"
                                 and origin.source == self._origin_source
                                 and origin.origin.startswith("raw:")) else None

    def paged(self, platform: str, key: str, task: str,
              pages: Callable[[str | None], Iterator[RawResponse]],
              states: dict, finished: Callable[[], list[tuple]] | None = None) -> bool:
        """Walk one paginated task from its checkpoint; ``False`` if the target is missing.

        ``finished`` names further checkpoints to write with the task's last page (a task
        the answers have made unnecessary). A task failed in an earlier run goes on from its
        checkpoint; one whose answers stay unusable is recorded as failed and raises
        ``TaskFailed`` (at once if it already failed in this run: it is tried once per run).
        """
        state, cursor = states.get((platform, key, task), (None, None))
        if state in FINISHED:
            return state == "done"
        self.tried_once((platform, key, task))
        resource = CAPPED.get(task)
        cap = self.caps.of(resource)
        channel, recorded = CHANNEL_OF.get((platform, task), (None, resource))
        counted = self.stored(platform, key, resource, channel) if cap and state else 0
        was_truncated = state == "truncated"
        if was_truncated and (cap is None or counted < cap):
            state = "partial"  # the cap was raised or lifted: go on from the kept page
        if cap is not None and state in ("partial", "failed", "truncated") and cursor \
                and counted >= cap:
            self.truncate(platform, key, task, cursor, counted, cap, None, states)
            return True
        start = cursor if state in ("partial", "failed") else None
        try:
            for page in self._resumed(platform, key, start, pages):
                outcome = self.ending(page)
                if outcome is not None:
                    self.ended(page, (platform, key, task), outcome, states)
                    return False
                if page.status not in (200, EMPTY_STATUS):
                    raise TaskFailed(self.fail(platform, key, task, answered(page), states))
                following = next_link(page) if page.status == 200 else None
                checkpoint = ("partial" if following else "done", following)
                extra = finished() if finished and not following else []
                self.store_page(page, [(platform, key, task, *checkpoint), *extra])
                states[(platform, key, task)] = checkpoint
                for done in extra:
                    states[done[:3]] = done[3:]
                body = page.json() if page.status == 200 else None
                counted += len(body) if isinstance(body, list) else github.discussion_count(
                    page)
                if following and cap is not None and counted >= cap:
                    self.truncate(platform, key, task, following, counted, cap, page, states)
                    return True
        except UnusableAnswer as unusable:
            raise TaskFailed(self.fail(platform, key, task, str(unusable), states)) from None
        if was_truncated or cap is not None:
            self.store.clear_truncation(platform, key, recorded)
        return True

    def tried_once(self, task: tuple[str, str, str]) -> None:
        """Raise ``TaskFailed`` again for a task that already failed in this run: a task is
        tried once per run."""
        if task in self._failed_now:
            raise TaskFailed(self._failed_now[task])

    def _resumed(self, platform: str, key: str, start: str | None,
                 pages: Callable[[str | None], Iterator[RawResponse]]) -> Iterator[RawResponse]:
        """The pages of a walk. A resumed walk's first page whose every item is already
        stored repeats its predecessor (which this run never saw): it is asked again, and
        if it keeps repeating, the listing is walked from its first page instead. (A listing
        that shifted by whole pages since the last run looks the same, and needs that too.)
        """
        for _ in range(RESUME_ATTEMPTS if start else 1):
            walk = pages(start)
            first = next(walk, None)
            if first is None:
                return
            if start is None or not self._holds_all(platform, key, first):
                yield first
                yield from walk
                return
        yield from pages(None)

    def _holds_all(self, platform: str, key: str, page: RawResponse) -> bool:
        """Whether the store already holds every item a page lists (its own kind of
        record: commits, threads, comments or members)."""
        items = [r for r in parse(page) if type(r) in LISTED]
        if page.status != 200 or not items:
            return False
        kind = type(items[0])
        ids = sorted({str(getattr(r, KEYS[kind][-1])) for r in items if type(r) is kind})
        return self.store.held_items(kind, platform, key, ids) == len(ids)

    def stored(self, platform: str, repo: str, resource: str | None,
               channel: str | None = None) -> int:
        """Items of ``resource`` the store holds for a repository (a resumed walk's count),
        of one ``channel`` of threads when given."""
        return self.store.repository_rows(resource, platform, repo, channel)

    def truncate(self, platform: str, repo: str, task: str, cursor: str | None,
                 counted: int, cap: int, page: RawResponse | None, states: dict) -> None:
        """Stop a task at its cap: keep its next page (a higher cap continues from it) and
        record the truncation, with the provenance of the walk's last stored page."""
        resource = CAPPED[task]
        recorded = CHANNEL_OF.get((platform, task), (None, resource))[1]
        if page is not None:
            origin = provenance(page)
            source = provenance_key(origin.source, origin.origin)
        else:
            source = self.store.last_provenance(resource, platform, repo) or ""
        self.store.record_truncation(platform, repo, task, cursor, recorded, cap, counted,
                                     source)
        states[(platform, repo, task)] = ("truncated", cursor)

    def fail(self, platform: str, key: str, task: str, reason: str, states: dict) -> str:
        """Record a task as failed (its checkpoint kept); returns the reason."""
        self.store.record_failure(platform, key, task, reason)
        states[(platform, key, task)] = ("failed", states.get((platform, key, task),
                                                             (None, None))[1])
        self._failed_now[(platform, key, task)] = reason
        return reason

    def _outcome(self, platform: str, repos: list[str]) -> None:
        """The summary's failed, truncated and inaccessible repositories of the frame, from
        the store (which also knows what earlier runs left)."""
        wanted = set(repos)
        failed: dict[str, str] = {}
        for repo, task, reason in self.store.failed_tasks(platform):
            if repo in wanted:
                failed.setdefault(repo, f"{task}: {reason}")
        truncated: dict[str, dict[str, int]] = {}
        for repo, resource, counted in self.store.truncations(platform):
            if repo in wanted and repo not in failed:
                truncated.setdefault(repo, {})[resource] = counted
        inaccessible: dict[str, list[str]] = {}
        stored: set[str] = set()
        for (p, repo, task), (state, _) in sorted(self.states().items()):
            if p == platform and repo in wanted:
                if state == "inaccessible":
                    inaccessible.setdefault(repo, []).append(task)
                elif state in ("done", "partial", "truncated"):
                    stored.add(repo)
        self.summary.failed[platform] = failed
        self.summary.truncated[platform] = truncated
        self.summary.inaccessible[platform] = inaccessible
        # a repository none of whose tasks stored anything (all inaccessible) is not collected
        unseen = set(inaccessible) - stored - set(failed)
        self.summary.repositories[platform] = len(wanted) - len(failed) - len(
            set(self.summary.missing.get(platform, ())) - set(failed)) - len(unseen)


class _ReadAhead(Generic[V]):
    """A store read per key, for keys asked in a known order: a key not held reads it and
    the next ``READ_AHEAD - 1`` keys in one query (replacing what was held, so memory stays
    flat); ``change`` keeps held values in step with what the run gathers since."""

    def __init__(self, order: list[str], read: Callable[[list[str]], dict[str, V]]) -> None:
        self._order = order
        self._position = {key: i for i, key in enumerate(order)}
        self._read = read
        self._held: dict[str, V] = {}

    def get(self, key: str) -> V:
        if key not in self._held:
            start = self._position.get(key)
            chunk = [key] if start is None else self._order[start:start + READ_AHEAD]
            self._held = self._read(chunk)
        return self._held.get(key)  # type: ignore[return-value]

    def change(self, key: str, how: Callable[[V], V]) -> None:
        if key in self._held:
            self._held[key] = how(self._held[key])


@dataclass
class RebuildSummary:
    """What ``rebuild`` parsed, and what of the raw store it could not read.

    Attributes:
        responses: responses parsed, per kind.
        damaged: unreadable stretches of segments (a flipped byte, an overwritten block),
            skipped: every readable response around them was parsed.
        cut: segment ends cut off by a crash mid-write: those responses were never parsed
            into a store (the resumed run asked again), so nothing of the store is missing.
    """

    responses: dict[str, int]
    damaged: list[Damage]
    cut: list[Damage]

    @property
    def lost(self) -> int:
        """Responses skipped for damage (one for a stretch reaching a segment's end, where
        the count is unknown: at least one)."""
        return sum(d.lost if d.lost is not None else 1 for d in self.damaged)

    def damage_text(self) -> str | None:
        """One line on what was skipped for damage (``None`` when nothing was)."""
        if not self.damaged:
            return None
        segments = sorted({d.segment for d in self.damaged})
        named = ", ".join(segments[:3]) + (f" and {len(segments) - 3} more" if len(
            segments) > 3 else "")
        at_least = "at least " if any(d.lost is None for d in self.damaged) else ""
        return (f"the raw store is damaged: skipped {at_least}{self.lost:,} responses in "
                f"{len(self.damaged):,} unreadable stretches of {named}; every other "
                "response was rebuilt")


def rebuild(raw: RawStore, store: Store) -> RebuildSummary:
    """Parse every readable stored response again into ``store``."""
    counts: dict[str, int] = {}
    for response in raw:
        store.write(provenance(response), parse(response))
        counts[response.kind] = counts.get(response.kind, 0) + 1
    return RebuildSummary(counts, [d for d in raw.damage if not d.cut],
                          [d for d in raw.damage if d.cut])
