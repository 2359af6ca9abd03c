"""Profiles of the people who contributed to the frame's repositories, for matching accounts
across platforms (``docs/people.md``).

Asked after both platforms' repositories, and capped: ``limit`` Hub contributors drawn in a
fixed pseudo-random order (a hash of the handle, so the looked-up people are a simple random
sample of the contributors, the same on every run), each one Hub request (the user overview);
then up to ``limit`` GitHub contributors, those whose login equals a looked-up Hub handle
(case ignored) first and the rest in the same hashed order, each two REST requests (the user
object and its linked accounts). Bots, ``ghost``, mannequins and e-mail identities are never
asked. Each lookup is a task with its checkpoint, so a re-run asks only what is left.
"""

from __future__ import annotations

import contextlib
import hashlib
from typing import TYPE_CHECKING

from crossforge.collection.answers import TaskFailed
from crossforge.identity import is_bot
from crossforge.sources import github, hub
from crossforge.store.queries import contributors

if TYPE_CHECKING:
    from crossforge.collection.collector import Collector


def sample_order(login: str) -> str:
    """The key the people are drawn by: a hash, so the first ``limit`` are a random sample."""
    return hashlib.sha256(login.lower().encode()).hexdigest()


def people_of(pairs: list[tuple[str, str | None]], repos: set[str]) -> list[str]:
    """The contributors of ``repos`` worth a profile lookup, in sample order."""
    people = {login for repo, login in pairs if login and repo in repos
              and not is_bot(login) and login != github.DELETED_ACCOUNT}
    return sorted(people, key=sample_order)


class PeoplePlan:
    """Looks up the profiles of up to ``limit`` contributors per platform through ``run``."""

    def __init__(self, run: Collector, github_source: github.GitHubSource | None,
                 hub_source: hub.HubSource | None) -> None:
        self.run = run
        self.github = github_source
        self.hub = hub_source

    def collect(self, frame: list[tuple[str, str]], limit: int) -> dict[str, int]:
        """Profiles asked (or found done) per platform."""
        run = self.run
        states = run.states()
        store = run.store
        wanted = {p: {r for q, r in frame if q == p} for p in ("github", "huggingface")}
        handles = people_of(contributors(store, "huggingface"), wanted["huggingface"])[:limit]
        logins = people_of(contributors(store, "github"), wanted["github"])
        same = {h.lower() for h in handles}
        logins = sorted(logins, key=lambda login: login.lower() not in same)[:limit]
        if self.hub is not None:
            source = self.hub
            for handle in handles:
                with contextlib.suppress(TaskFailed):  # recorded; the next person goes on
                    run.paged("huggingface", handle, "profile",
                              lambda cursor, h=handle: source.profile(h), states)
        if self.github is not None:
            gh = self.github
            for login in logins:
                with contextlib.suppress(TaskFailed):
                    if run.paged("github", login, "profile",
                                 lambda cursor, u=login: gh.profile(u), states):
                        run.paged("github", login, "social",
                                  lambda cursor, u=login: gh.social_accounts(u), states)
        run.commit()
        return {"huggingface": len(handles) if self.hub else 0,
                "github": len(logins) if self.github else 0}
