"""GitHub's collection plan: which tasks a repository takes, and in what order.

One batched GraphQL query holds most repositories whole (``metadata``, and the tasks its
answer covers); REST walks only the overflow (``commits``, ``issues``, ``comments``); a
repository whose answer says it has a discussion board walks its ``discussions`` by GraphQL
(no request for one without); then the member listings of the owning organisations. The
driver (``collector.Collector``) keeps the checkpoints, caps and failures.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from crossforge.collection.answers import FINISHED, TaskFailed, answered, parse, provenance
from crossforge.sources import github
from crossforge.sources.http import UnusableAnswer
from crossforge.sources.raw import RawResponse
from crossforge.store import provenance_key

if TYPE_CHECKING:
    from crossforge.collection.collector import Collector


class GitHubPlan:
    """Collects a frame's GitHub repositories through ``run``'s checkpoints."""

    def __init__(self, run: Collector, source: github.GitHubSource) -> None:
        self.run = run
        self.source = source

    def collect(self, repos: list[str]) -> None:
        """One batched GraphQL query holds most repositories whole; REST only for overflow."""
        run = self.run
        states = run.states()
        pending = [r for r in repos if states.get(("github", r, "metadata"), ("",))[0]
                   not in FINISHED]
        for start in range(0, len(pending), github.GRAPHQL_BATCH):
            batch = pending[start:start + github.GRAPHQL_BATCH]
            try:
                for response in self.source.repositories(batch):
                    self._store_batch(response, states)
            except UnusableAnswer as unusable:
                for repo in batch:
                    run.fail("github", repo, "metadata", str(unusable), states)
        states = run.states()
        missing = [r for r in repos if states.get(("github", r, "metadata"), ("",))[0]
                   == "missing"]
        run.summary.missing["github"] = missing
        unanswered = missing + [r for r in repos if states.get(("github", r, "metadata"),
                                                                ("",))[0] == "failed"]
        if unanswered:
            run.finish("github", unanswered[-1], len(unanswered))
        known = [r for r in repos if states.get(("github", r, "metadata"), ("",))[0] == "done"]
        organizations = set()
        boards = run.store.discussion_boards("github", known)
        for repo in known:
            with contextlib.suppress(TaskFailed):  # recorded; the next repository goes on
                self._activity(repo, states)
            if repo in boards:
                with contextlib.suppress(TaskFailed):
                    run.paged("github", repo, "discussions", lambda cursor, r=repo:
                              self.source.discussions(r, cursor), states)
            organizations.add(repo.split("/", 1)[0])
            run.finish("github", repo)
        for organization in run.store.organizations("github"):
            if organization in organizations:
                with contextlib.suppress(TaskFailed):
                    run.paged("github", organization, "members", lambda cursor,
                              o=organization: self.source.members(o, cursor), states)

    def _store_batch(self, response: RawResponse, states: dict) -> None:
        """One GraphQL batch answer: found repositories' metadata (and what it holds in
        full), missing ones, renamed ones; a repository it has no answer for has failed."""
        records = parse(response)
        holds = github.covered_by_batch(response)
        gone = github.not_found(response)
        if holds:
            self.run.found("github")
        elif github.not_graphql(response) and not self.run.has_found("github"):
            # held back as missing, never recorded: with none found, the run stops
            # naming the base URL
            gone = set(response.context["repos"])
        tasks = self.run.missing(response, [("github", r, "metadata") for r in gone], states)
        tasks += [("github", key, t, "done", None) for key, held in holds.items()
                  for t in held]
        self.run.store_page(response, tasks, records)
        origin = provenance(response)
        source = provenance_key(origin.source, origin.origin)
        for repo, current in github.renames(response).items():
            self.run.store.record_rename("github", repo, current, source)
        for repo in response.context["repos"]:
            if repo not in holds and repo not in gone:
                self.run.fail("github", repo, "metadata",
                              github.batch_error(response, repo) or answered(response), states)

    def _activity(self, repo: str, states: dict) -> None:
        """The REST tasks the GraphQL answer could not hold; the repository-wide comment
        listing is skipped when every issue page, read in this run, counted no comment."""
        run, source = self.run, self.source
        run.paged("github", repo, "commits", lambda cursor: source.activity(
            repo, "commits", cursor), states)
        comments = 0
        fresh = ("github", repo, "issues") not in states

        def issue_pages(cursor: str | None) -> Iterator[RawResponse]:
            nonlocal comments
            for page in source.activity(repo, "issues", cursor):
                comments += github.comment_count(page)
                yield page

        run.paged("github", repo, "issues", issue_pages, states, finished=lambda: [
            ("github", repo, "comments", "done", None)] if fresh and not comments else [])
        run.paged("github", repo, "comments", lambda cursor: source.activity(
            repo, "comments", cursor), states)
