"""Collection: fill the store for every repository of a frame, page by page, resumably.

Each repository's work is split into tasks (``metadata``, ``commits``, ``issues``,
``comments`` on GitHub; ``model`` (``dataset``, ``space``), ``commits``, ``discussions`` and,
for models, ``card`` on the Hub; ``members`` per owning account). Every page is written to the
raw store first, then parsed, and its records land in the database in one transaction with the
task's checkpoint (the next page's URL), so a re-run continues where the last one stopped and
never stores a page twice. ``rebuild`` re-parses the raw store into a fresh database.

A task whose answers stay unusable (a 5xx past the retries, a body that never parses, a
listing that keeps repeating) is recorded as ``failed`` with its reason
(``collection_failures``) and the run goes on with the next repository; a later run retries
it from its last checkpoint. ``Caps`` bound what one repository may cost: a walk stops at the
first page boundary at or past its cap, and the truncation is recorded
(``collection_truncations``) with the task's next page kept, so a run with a higher cap
continues it. A repository GitHub's GraphQL answers under another name (renamed or
transferred) is stored under the frame's name, the current one noted in
``repository_renames``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from crossforge._version import __version__
from crossforge.errors import ConfigError
from crossforge.records import Comment, Commit, Membership, Provenance, Thread
from crossforge.sources import github, hub
from crossforge.sources.http import Budget, UnusableAnswer, next_link
from crossforge.sources.raw import RawResponse, RawStore
from crossforge.store import TABLES, Store, provenance_key

MISSING_STATUS = frozenset({404, 410, 451})
#: GitHub's answer to the commits of an empty repository: nothing to collect, not a failure.
EMPTY_STATUS = 409
#: The resource (and table) each capped task fills; other tasks have no cap.
CAPPED = {"commits": "commits", "issues": "threads", "comments": "comments",
          "discussions": "threads"}
#: The record a listing page lists, and the column naming each of its items.
ITEM_KEYS: dict[type, str] = {Commit: "sha", Thread: "number", Comment: "comment_id",
                              Membership: "login"}
#: Times a resumed walk's first page is asked while it repeats what is stored.
RESUME_ATTEMPTS = 3


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


class TaskFailed(Exception):
    """A task's answers stayed unusable; it is already recorded as failed."""


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


def provenance(response: RawResponse) -> Provenance:
    source = github.SOURCE if response.kind.startswith("github.") else hub.SOURCE
    return Provenance(source=source, origin=f"raw:{response.id}",
                      fetched_at=datetime.fromisoformat(response.fetched_at),
                      tool_version=__version__)


def parse(response: RawResponse) -> list[object]:
    """The records of any stored response, by its kind."""
    module = github if response.kind.startswith("github.") else hub
    return module.parse(response)  # type: ignore[return-value]


class Collector:
    """Runs the tasks of a frame against the platforms' sources.

    Args:
        store: the database (records and checkpoints).
        github_source, hub_source: the platform clients; ``None`` skips that platform.
        on_progress: called with a ``CollectionProgress`` after every stored page and every
            finished repository (progress bars; raising ``KeyboardInterrupt`` in it stops the
            run cleanly, at a checkpoint).
        caps: the most commits, threads and comments to store per repository.
    """

    def __init__(self, store: Store, *, github_source: github.GitHubSource | None = None,
                 hub_source: hub.HubSource | None = None,
                 on_progress: Callable[[CollectionProgress], None] | None = None,
                 caps: Caps | None = None) -> None:
        self.store = store
        self.github = github_source
        self.hub = hub_source
        self.on_progress = on_progress or (lambda progress: None)
        self.caps = caps or Caps()
        self.summary = CollectionSummary()
        self._finished: dict[str, int] = {}
        self._totals: dict[str, int] = {}
        self._failed_now: dict[tuple[str, str, str], str] = {}

    def _report(self, platform: str, subject: str) -> None:
        source = self.github if platform == "github" else self.hub
        assert source is not None
        self.on_progress(CollectionProgress(
            platform, subject, self._finished.get(platform, 0), self._totals.get(platform, 0),
            source.client.budget))

    def _finish(self, platform: str, repo: str, count: int = 1) -> None:
        self._finished[platform] = self._finished.get(platform, 0) + count
        self._report(platform, repo)

    def _states(self) -> dict[tuple[str, str, str], tuple[str, str | None]]:
        rows = self.store.query("SELECT platform, repo, task, state, cursor "
                                "FROM collection_tasks").fetchall()
        return {(p, r, t): (s, c) for p, r, t, s, c in rows}

    def _store(self, response: RawResponse, tasks: Iterable[tuple],
               records: list[object] | None = None) -> None:
        self.store.write(provenance(response),
                         parse(response) if records is None else records, tasks=tasks)
        platform = "github" if response.kind.startswith("github.") else "huggingface"
        self.summary.pages[platform] = self.summary.pages.get(platform, 0) + 1
        self._report(platform, str(response.context.get("repo") or response.context.get(
            "org") or response.context.get("name") or ""))

    def _paged(self, platform: str, key: str, task: str,
               pages: Callable[[str | None], Iterator[RawResponse]],
               states: dict, finished: Callable[[], list[tuple]] | None = None) -> bool:
        """Walk one paginated task from its checkpoint; ``False`` if the target is missing.

        ``finished`` names further checkpoints to write with the task's last page (a task
        the answers have made unnecessary). A task failed in an earlier run goes on from its
        checkpoint; one whose answers stay unusable is recorded as failed and raises
        ``TaskFailed`` (at once if it already failed in this run: it is tried once per run).
        """
        state, cursor = states.get((platform, key, task), (None, None))
        if state in ("done", "missing"):
            return state == "done"
        if (platform, key, task) in self._failed_now:
            raise TaskFailed(self._failed_now[(platform, key, task)])
        resource = CAPPED.get(task)
        cap = self.caps.of(resource)
        counted = self._stored(platform, key, resource) if cap and state else 0
        was_truncated = state == "truncated"
        if was_truncated and (cap is None or counted < cap):
            state = "partial"  # the cap was raised or lifted: go on from the kept page
        if cap is not None and state in ("partial", "failed", "truncated") and cursor \
                and counted >= cap:
            self._truncate(platform, key, task, cursor, counted, cap, None, states)
            return True
        start = cursor if state in ("partial", "failed") else None
        try:
            for page in self._resumed(platform, key, start, pages):
                if page.status in MISSING_STATUS:
                    self._store(page, [(platform, key, task, "missing", None)])
                    states[(platform, key, task)] = ("missing", None)
                    return False
                if page.status not in (200, EMPTY_STATUS):
                    raise TaskFailed(self._fail(platform, key, task, _answered(page), states))
                following = next_link(page) if page.status == 200 else None
                checkpoint = ("partial" if following else "done", following)
                extra = finished() if finished and not following else []
                self._store(page, [(platform, key, task, *checkpoint), *extra])
                states[(platform, key, task)] = checkpoint
                for done in extra:
                    states[done[:3]] = done[3:]
                body = page.json() if page.status == 200 else None
                counted += len(body) if isinstance(body, list) else 0
                if following and cap is not None and counted >= cap:
                    self._truncate(platform, key, task, following, counted, cap, page, states)
                    return True
        except UnusableAnswer as unusable:
            raise TaskFailed(self._fail(platform, key, task, str(unusable), states)) from None
        if was_truncated or cap is not None:
            self._note("DELETE FROM collection_truncations WHERE platform = ? AND repo = ? "
                       "AND resource = ?", [platform, key, resource])
        return True

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
        items = [r for r in parse(page) if type(r) in ITEM_KEYS]
        if page.status != 200 or not items:
            return False
        column = ITEM_KEYS[type(items[0])]
        ids = sorted({str(getattr(r, column)) for r in items if type(r) is type(items[0])})
        scope = "organization" if column == "login" else "repo"
        held = self.store.query(
            f"SELECT count(DISTINCT {column}) FROM {TABLES[type(items[0])]} WHERE platform = ? "
            f"AND {scope} = ? AND CAST({column} AS VARCHAR) IN "
            f"({', '.join('?' * len(ids))})", [platform, key, *ids]).fetchone()[0]
        return held == len(ids)

    def _stored(self, platform: str, repo: str, resource: str | None) -> int:
        """Items of ``resource`` the store holds for a repository (a resumed walk's count)."""
        return int(self.store.query(f"SELECT count(*) FROM {resource} WHERE platform = ? "
                                    "AND repo = ?", [platform, repo]).fetchone()[0])

    def _note(self, sql: str, params: list) -> None:
        with self.store.transaction():
            self.store.query(sql, params)

    def _truncate(self, platform: str, repo: str, task: str, cursor: str | None,
                  counted: int, cap: int, page: RawResponse | None, states: dict) -> None:
        """Stop a task at its cap: keep its next page (a higher cap continues from it) and
        record the truncation, with the provenance of the walk's last stored page."""
        resource = CAPPED[task]
        if page is not None:
            origin = provenance(page)
            source = provenance_key(origin.source, origin.origin)
        else:
            row = self.store.query(f"SELECT max(provenance_id) FROM {resource} WHERE "
                                   "platform = ? AND repo = ?", [platform, repo]).fetchone()
            source = row[0] if row and row[0] else ""
        with self.store.transaction():
            self.store.query("INSERT OR REPLACE INTO collection_tasks VALUES "
                             "(?, ?, ?, 'truncated', ?, ?)",
                             [platform, repo, task, cursor, datetime.now(UTC)])
            self.store.query("INSERT OR REPLACE INTO collection_truncations VALUES "
                             "(?, ?, ?, ?, ?, ?, ?)", [platform, repo, resource, cap, counted,
                                                       source, datetime.now(UTC)])
        states[(platform, repo, task)] = ("truncated", cursor)

    def _fail(self, platform: str, key: str, task: str, reason: str, states: dict) -> str:
        """Record a task as failed (its checkpoint kept); returns the reason."""
        now = datetime.now(UTC)
        with self.store.transaction():
            self.store.query(
                "INSERT INTO collection_tasks VALUES (?, ?, ?, 'failed', NULL, ?) "
                "ON CONFLICT DO UPDATE SET state = 'failed', updated_at = EXCLUDED.updated_at",
                [platform, key, task, now])
            self.store.query(
                "INSERT INTO collection_failures VALUES (?, ?, ?, ?, 1, ?) ON CONFLICT DO "
                "UPDATE SET reason = EXCLUDED.reason, failed_at = EXCLUDED.failed_at, "
                "failures = collection_failures.failures + 1", [platform, key, task, reason, now])
        states[(platform, key, task)] = ("failed", states.get((platform, key, task),
                                                             (None, None))[1])
        self._failed_now[(platform, key, task)] = reason
        return reason

    def _outcome(self, platform: str, repos: list[str]) -> None:
        """The summary's failed and truncated repositories of the frame, from the store
        (which also knows what earlier runs left)."""
        wanted = set(repos)
        failed: dict[str, str] = {}
        for repo, task, reason in self.store.query(
                "SELECT t.repo, t.task, f.reason FROM collection_tasks t LEFT JOIN "
                "collection_failures f USING (platform, repo, task) WHERE t.platform = ? AND "
                "t.state = 'failed' ORDER BY t.repo, t.task", [platform]).fetchall():
            if repo in wanted:
                failed.setdefault(repo, f"{task}: {reason}")
        truncated: dict[str, dict[str, int]] = {}
        for repo, resource, counted in self.store.query(
                "SELECT repo, resource, collected FROM collection_truncations WHERE "
                "platform = ? ORDER BY repo, resource", [platform]).fetchall():
            if repo in wanted and repo not in failed:
                truncated.setdefault(repo, {})[resource] = counted
        self.summary.failed[platform] = failed
        self.summary.truncated[platform] = truncated
        self.summary.repositories[platform] = len(wanted) - len(failed) - len(
            set(self.summary.missing.get(platform, ())) - set(failed))

    def collect(self, frame: list[tuple[str, str]]) -> CollectionSummary:
        """Collect every ``(platform, repo)`` of ``frame`` not yet complete."""
        github_repos = [r for p, r in frame if p == "github"]
        hub_repos = [r for p, r in frame if p == "huggingface"]
        self._totals = {"github": len(github_repos), "huggingface": len(hub_repos)}
        self._finished = {}
        self._failed_now = {}
        if github_repos and self.github:
            self._collect_github(github_repos)
            self._outcome("github", github_repos)
        if hub_repos and self.hub:
            self._collect_hub(hub_repos)
            self._outcome("huggingface", hub_repos)
        return self.summary

    def _collect_github(self, repos: list[str]) -> None:
        """One batched GraphQL query holds most repositories whole; REST only for overflow."""
        assert self.github is not None
        states = self._states()
        pending = [r for r in repos if states.get(("github", r, "metadata"), ("",))[0]
                   not in ("done", "missing")]
        for start in range(0, len(pending), github.GRAPHQL_BATCH):
            batch = pending[start:start + github.GRAPHQL_BATCH]
            try:
                for response in self.github.repositories(batch):
                    self._store_batch(response, states)
            except UnusableAnswer as unusable:
                for repo in batch:
                    self._fail("github", repo, "metadata", str(unusable), states)
        states = self._states()
        missing = [r for r in repos if states.get(("github", r, "metadata"), ("",))[0]
                   == "missing"]
        self.summary.missing["github"] = missing
        unanswered = missing + [r for r in repos if states.get(("github", r, "metadata"),
                                                                ("",))[0] == "failed"]
        if unanswered:
            self._finish("github", unanswered[-1], len(unanswered))
        known = [r for r in repos if states.get(("github", r, "metadata"), ("",))[0] == "done"]
        organizations = set()
        for repo in known:
            with contextlib.suppress(TaskFailed):  # recorded; the next repository goes on
                self._github_activity(repo, states)
            organizations.add(repo.split("/", 1)[0])
            self._finish("github", repo)
        owners = self.store.query(
            "SELECT login FROM accounts WHERE platform = 'github' AND type = 'organization'"
        ).fetchall()
        for (organization,) in owners:
            if organization in organizations:
                with contextlib.suppress(TaskFailed):
                    self._paged("github", organization, "members", lambda cursor,
                                o=organization: self.github.members(o, cursor), states)

    def _store_batch(self, response: RawResponse, states: dict) -> None:
        """One GraphQL batch answer: found repositories' metadata (and what it holds in
        full), missing ones, renamed ones; a repository it has no answer for has failed."""
        records = parse(response)
        holds = github.covered_by_batch(response)
        gone = github.not_found(response)
        tasks = [("github", r, "metadata", "missing", None) for r in gone]
        tasks += [("github", key, t, "done", None) for key, held in holds.items()
                  for t in held]
        self._store(response, tasks, records)
        origin = provenance(response)
        source = provenance_key(origin.source, origin.origin)
        for repo, current in github.renames(response).items():
            self._note("INSERT OR REPLACE INTO repository_renames VALUES (?, ?, ?, ?, ?)",
                       ["github", repo, current, source, datetime.now(UTC)])
        for repo in response.context["repos"]:
            if repo not in holds and repo not in gone:
                self._fail("github", repo, "metadata",
                                   github.batch_error(response, repo) or _answered(response),
                                   states)


    def _github_activity(self, repo: str, states: dict) -> None:
        """The REST tasks the GraphQL answer could not hold; the repository-wide comment
        listing is skipped when every issue page, read in this run, counted no comment."""
        assert self.github is not None
        source = self.github
        self._paged("github", repo, "commits", lambda cursor: source.activity(
            repo, "commits", cursor), states)
        comments = 0
        fresh = ("github", repo, "issues") not in states

        def issue_pages(cursor: str | None) -> Iterator[RawResponse]:
            nonlocal comments
            for page in source.activity(repo, "issues", cursor):
                comments += github.comment_count(page)
                yield page

        self._paged("github", repo, "issues", issue_pages, states, finished=lambda: [
            ("github", repo, "comments", "done", None)] if fresh and not comments else [])
        self._paged("github", repo, "comments", lambda cursor: source.activity(
            repo, "comments", cursor), states)

    def _collect_hub(self, repos: list[str]) -> None:
        """Repositories the sampling listing already gave need no info call. Models,
        datasets and spaces take the same tasks; the info task is named by the type.

        An owner's repositories are walked together: each one's answer (from the listing,
        or its info call), commits and discussions first, then the owner's type, decided
        once from what they hold (``_hub_owner``), then each one's answer is kept with that
        type and its card read.
        """
        assert self.hub is not None
        states = self._states()
        pending = [r for r in repos if states.get(("huggingface", r, hub.repo_type(r)[0]),
                                                  ("",))[0] not in ("done", "missing")]
        listed = self.hub.listed_entries(pending) if pending else {}
        owners: dict[str, list[str]] = {}
        for repo in repos:
            owners.setdefault(hub.owner(repo), []).append(repo)
        missing: list[str] = []
        for owner, owned in owners.items():
            answers: dict[str, tuple[RawResponse, dict] | None] = {}
            active: set[str] = set()
            for repo in owned:
                with contextlib.suppress(TaskFailed):  # recorded; the next repository goes on
                    answers[repo] = self._hub_answer(repo, listed, states)
                    if answers[repo] is None and self._hub_missing(repo, states):
                        missing.append(repo)
                        continue
                    self._hub_activity(repo, states)
                    active.add(repo)
            unkept = {r: a for r, a in answers.items() if a is not None}
            try:
                owner_type, evidence = self._hub_owner(owner, states) if unkept \
                    else (None, None)
            except TaskFailed as failure:
                for repo in unkept:
                    self._fail("huggingface", repo, hub.repo_type(repo)[0],
                               f"owner {owner}: {failure}", states)
                unkept = {}
            for repo in owned:
                if repo in unkept:
                    self._hub_keep(repo, owner_type, evidence, *unkept[repo], states)
                with contextlib.suppress(TaskFailed):
                    if repo in active:
                        self._hub_card(repo, states)
                self._finish("huggingface", repo)
        self.summary.missing["huggingface"] = missing

    def _hub_answer(self, repo: str, listed: dict, states: dict
                    ) -> tuple[RawResponse, dict] | None:
        """The repository's answer still to be kept with its owner's type (``None`` when it
        is kept already, or missing): its listing entry, else its info call's answer (asked
        once; a later run finds it in the raw store through the task's cursor)."""
        assert self.hub is not None
        key = ("huggingface", repo, hub.repo_type(repo)[0])
        state, cursor = states.get(key, ("", None))
        if state in ("done", "missing"):
            return None
        if repo in listed:
            return listed[repo]
        stored = self.hub.client.raw.get(cursor[len("raw:"):]) \
            if cursor and cursor.startswith("raw:") else None
        if stored is not None:
            return stored, stored.json()
        answer = self.hub.info(repo, None)
        if answer.status != 200 and answer.status not in MISSING_STATUS:
            raise TaskFailed(self._fail(*key, _answered(answer), states))
        if answer.status in MISSING_STATUS:
            self._store(answer, [(*key, "missing", None)])
            states[key] = ("missing", None)
            return None
        self._store(answer, [(*key, "partial", f"raw:{answer.id}")])
        states[key] = ("partial", f"raw:{answer.id}")
        return answer, answer.json()

    def _hub_missing(self, repo: str, states: dict) -> bool:
        return states.get(("huggingface", repo, hub.repo_type(repo)[0]), ("",))[0] == "missing"

    def _hub_keep(self, repo: str, owner_type: str | None, evidence: str | None,
                  answer: RawResponse, item: dict, states: dict) -> None:
        """Keep the repository's answer (a listing entry, or its info answer) with its
        owner's type, as ``hub.listed`` in the raw store; the info task is then done."""
        assert self.hub is not None
        key = ("huggingface", repo, hub.repo_type(repo)[0])
        self._store(self.hub.listed(repo, owner_type, answer, item, evidence),
                    [(*key, "done", None)])
        states[key] = ("done", None)

    def _hub_activity(self, repo: str, states: dict) -> None:
        """Commits, then discussions: listed, then each one's details (up to the cap)."""
        assert self.hub is not None
        source = self.hub
        self._paged("huggingface", repo, "commits",
                    lambda cursor: source.commits(repo, cursor), states)
        key = ("huggingface", repo, "discussions")
        state = states.get(key, ("",))[0]
        cap = self.caps.threads
        if state == "done" or (state == "truncated" and cap is not None
                               and self._stored("huggingface", repo, "threads") >= cap):
            return
        if key in self._failed_now:
            raise TaskFailed(self._failed_now[key])
        held = {n for (n,) in self.store.query(
            "SELECT number FROM threads WHERE platform = 'huggingface' AND repo = ?",
            [repo]).fetchall()}  # their details are stored (an earlier cap, or a crash)
        try:
            answers = list(source.discussions(repo, limit=cap, skip=held))
        except UnusableAnswer as unusable:
            raise TaskFailed(self._fail(*key, str(unusable), states)) from None
        listing = answers[0].json() if answers[0].status == 200 else None
        details = len(held) + sum(1 for a in answers if a.kind == "hub.discussion"
                                  and a.status == 200)
        listed = int((listing or {}).get("count") or 0)
        for answer in answers[:-1]:
            self._store(answer, [])
        if cap is not None and listed > details and details >= cap:
            self._store(answers[-1], [])
            self._truncate(*key, None, details, cap, answers[-1], states)
            return
        self._store(answers[-1], [(*key, "done", None)])
        states[key] = ("done", None)
        if state == "truncated":
            self._note("DELETE FROM collection_truncations WHERE platform = ? AND repo = ? "
                       "AND resource = 'threads'", ["huggingface", repo])

    def _hub_card(self, repo: str, states: dict) -> None:
        """A model's card through the resolver (its own rate-limit category, not the API's);
        404 means the model has none."""
        assert self.hub is not None
        key = ("huggingface", repo, "card")
        if hub.repo_type(repo)[0] != "model" or states.get(key, ("",))[0] in ("done", "missing"):
            return
        answer = self.hub.card(repo)
        if answer.status != 200 and answer.status not in MISSING_STATUS:
            raise TaskFailed(self._fail(*key, _answered(answer), states))
        state = "missing" if answer.status in MISSING_STATUS else "done"
        self._store(answer, [(*key, state, None)])
        states[key] = (state, None)

    def _hub_owner(self, owner: str, states: dict) -> tuple[str, str | None]:
        """The owner's type, and the stored answer that showed it without a call.

        Only user accounts author commits, open discussions or write comments (an
        organisation has no git identity and cannot post), so an owner the store already
        knows as such an author (an account that is not an organisation, read from a
        commit listing, a discussion listing or details, or a member listing) is a user,
        and the account's provenance names the answer that proves it. Otherwise one call:
        an organisation's member listing answers (and is walked to the end), a user's is
        404, so no overview call is needed.
        """
        assert self.hub is not None
        state = states.get(("huggingface", owner, "members"), ("",))[0]
        if state not in ("done", "missing"):
            row = self.store.query(
                "SELECT p.origin FROM accounts a JOIN provenance p ON p.id = a.provenance_id "
                "WHERE a.platform = 'huggingface' AND a.login = ? AND a.type <> 'organization' "
                "AND p.source = ? AND p.origin LIKE 'raw:%'", [owner, hub.SOURCE]).fetchone()
            if row:
                return "user", row[0]
        source = self.hub
        found = self._paged("huggingface", owner, "members",
                            lambda cursor: source.members(owner, cursor), states)
        return ("organization" if found else "user"), None


def rebuild(raw: RawStore, store: Store) -> dict[str, int]:
    """Parse every stored response again into ``store``; returns responses per kind."""
    counts: dict[str, int] = {}
    for response in raw:
        store.write(provenance(response), parse(response))
        counts[response.kind] = counts.get(response.kind, 0) + 1
    return counts


def _answered(response: RawResponse) -> str:
    """Why an answer that is neither data nor "missing" failed its task (no query string:
    a reason names the request, and tokens never travel in URLs anyway)."""
    return (f"{response.method} {urlsplit(response.url).path}: answered {response.status}"
            " after the retries")
