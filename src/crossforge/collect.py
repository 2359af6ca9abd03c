"""Collection: fill the store for every repository of a frame, page by page, resumably.

Each repository's work is split into tasks (``metadata``, ``commits``, ``issues``,
``comments`` on GitHub; ``model``, ``commits``, ``discussions``, ``card`` on the Hub;
``members`` per owning account). Every page is written to the raw store first, then parsed,
and its records land in the database in one transaction with the task's checkpoint (the
next page's URL), so a re-run continues where the last one stopped and never stores a page
twice. ``rebuild`` re-parses the raw store into a fresh database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from crossforge import __version__
from crossforge.records import Provenance
from crossforge.sources import github, hub
from crossforge.sources.http import Budget, next_link
from crossforge.sources.raw import RawResponse, RawStore
from crossforge.store import Store

MISSING_STATUS = frozenset({404, 410, 451})


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
    """

    def __init__(self, store: Store, *, github_source: github.GitHubSource | None = None,
                 hub_source: hub.HubSource | None = None,
                 on_progress: Callable[[CollectionProgress], None] | None = None) -> None:
        self.store = store
        self.github = github_source
        self.hub = hub_source
        self.on_progress = on_progress or (lambda progress: None)
        self.summary = CollectionSummary()
        self._finished: dict[str, int] = {}
        self._totals: dict[str, int] = {}

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
        the answers have made unnecessary).
        """
        state, cursor = states.get((platform, key, task), (None, None))
        if state in ("done", "missing"):
            return state == "done"
        for page in pages(cursor if state == "partial" else None):
            if page.status in MISSING_STATUS:
                self._store(page, [(platform, key, task, "missing", None)])
                states[(platform, key, task)] = ("missing", None)
                return False
            following = next_link(page) if page.status == 200 else None
            checkpoint = ("partial" if following else "done", following)
            extra = finished() if finished and not following else []
            self._store(page, [(platform, key, task, *checkpoint), *extra])
            states[(platform, key, task)] = checkpoint
            for done in extra:
                states[done[:3]] = done[3:]
        return True

    def collect(self, frame: list[tuple[str, str]]) -> CollectionSummary:
        """Collect every ``(platform, repo)`` of ``frame`` not yet complete."""
        github_repos = [r for p, r in frame if p == "github"]
        hub_repos = [r for p, r in frame if p == "huggingface"]
        self._totals = {"github": len(github_repos), "huggingface": len(hub_repos)}
        self._finished = {}
        if github_repos and self.github:
            self._collect_github(github_repos)
        if hub_repos and self.hub:
            self._collect_hub(hub_repos)
        return self.summary

    def _collect_github(self, repos: list[str]) -> None:
        """One batched GraphQL query holds most repositories whole; REST only for overflow."""
        assert self.github is not None
        states = self._states()
        pending = [r for r in repos if ("github", r, "metadata") not in states]
        for response in self.github.repositories(pending):
            records = parse(response)
            holds = github.covered_by_batch(response)
            tasks = [("github", r, "metadata", "missing", None)
                     for r in github.not_found(response)]
            tasks += [("github", key, t, "done", None) for key, held in holds.items()
                      for t in held]
            self._store(response, tasks, records)
        states = self._states()
        missing = [r for r in repos if states.get(("github", r, "metadata"), ("",))[0]
                   == "missing"]
        self.summary.missing["github"] = missing
        if missing:
            self._finish("github", missing[-1], len(missing))
        known = [r for r in repos if states.get(("github", r, "metadata"), ("",))[0] == "done"]
        organizations = set()
        for repo in known:
            self._github_activity(repo, states)
            organizations.add(repo.split("/", 1)[0])
            self._finish("github", repo)
        owners = self.store.query(
            "SELECT login FROM accounts WHERE platform = 'github' AND type = 'organization'"
        ).fetchall()
        for (organization,) in owners:
            if organization in organizations:
                self._paged("github", organization, "members",
                            lambda cursor, o=organization: self.github.members(o, cursor), states)
        self.summary.repositories["github"] = len(known)

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
        """Models the sampling listing already gave need no model call."""
        assert self.hub is not None
        states = self._states()
        pending = [r for r in repos if ("huggingface", r, "model") not in states]
        listed = self.hub.listed_models(pending) if pending else {}
        missing: list[str] = []
        for repo in repos:
            owner = repo.split("/", 1)[0]
            owner_type = self._hub_owner(owner, states)
            if ("huggingface", repo, "model") not in states:
                answer = self.hub.listed(repo, owner_type, *listed[repo]) if repo in listed \
                    else self.hub.model(repo, owner_type)
                state = "missing" if answer.status in MISSING_STATUS else "done"
                self._store(answer, [("huggingface", repo, "model", state, None)])
                states[("huggingface", repo, "model")] = (state, None)
            if states[("huggingface", repo, "model")][0] == "missing":
                missing.append(repo)
                self._finish("huggingface", repo)
                continue
            self._paged("huggingface", repo, "commits",
                        lambda cursor, r=repo: self.hub.commits(r, cursor), states)
            if states.get(("huggingface", repo, "discussions"), ("",))[0] != "done":
                answers = list(self.hub.discussions(repo))
                for answer in answers[:-1]:
                    self._store(answer, [])
                self._store(answers[-1], [("huggingface", repo, "discussions", "done", None)])
            if ("huggingface", repo, "card") not in states:
                answer = self.hub.card(repo)
                state = "missing" if answer.status in MISSING_STATUS else "done"
                self._store(answer, [("huggingface", repo, "card", state, None)])
                states[("huggingface", repo, "card")] = (state, None)
            self._finish("huggingface", repo)
        self.summary.missing["huggingface"] = missing
        self.summary.repositories["huggingface"] = len(repos) - len(missing)

    def _hub_owner(self, owner: str, states: dict) -> str:
        """The owner's type in the one call its member listing takes: an organisation's
        answers (and is walked to the end), a user's is 404, so no overview call is needed."""
        assert self.hub is not None
        source = self.hub
        found = self._paged("huggingface", owner, "members",
                            lambda cursor: source.members(owner, cursor), states)
        return "organization" if found else "user"


def rebuild(raw: RawStore, store: Store) -> dict[str, int]:
    """Parse every stored response again into ``store``; returns responses per kind."""
    counts: dict[str, int] = {}
    for response in raw:
        store.write(provenance(response), parse(response))
        counts[response.kind] = counts.get(response.kind, 0) + 1
    return counts
