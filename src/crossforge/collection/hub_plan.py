"""The Hub's collection plan: which tasks a repository takes, and in what order.

Models, datasets and spaces take the same tasks (the info task named by the type:
``model``, ``dataset``, ``space``), then ``commits`` and ``discussions``; models also their
``card``; owners their ``members``. The driver (``collector.Collector``) keeps the
checkpoints, caps and failures.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from crossforge.collection.answers import FINISHED, TaskFailed, answered
from crossforge.sources import hub
from crossforge.sources.http import UnusableAnswer
from crossforge.sources.raw import RawResponse

if TYPE_CHECKING:
    from crossforge.collection.collector import Collector


class HubPlan:
    """Collects a frame's Hub repositories through ``run``'s checkpoints."""

    def __init__(self, run: Collector, source: hub.HubSource) -> None:
        self.run = run
        self.source = source

    def collect(self, repos: list[str]) -> None:
        """Repositories the sampling listing already gave need no info call. Models,
        datasets and spaces take the same tasks; the info task is named by the type.

        An owner's repositories are walked together: each one's answer (from the listing,
        or its info call), commits and discussions first, then the owner's type, decided
        once from what they hold (``_owner``), then each one's answer is kept with that
        type and its card read.
        """
        run = self.run
        states = run.states()
        pending = [r for r in repos if states.get(("huggingface", r, hub.repo_type(r)[0]),
                                                  ("",))[0] not in FINISHED]
        listed = self.source.listed_entries(pending) if pending else {}
        if listed:
            run.found("huggingface")
        owners: dict[str, list[str]] = {}
        for repo in repos:
            owners.setdefault(hub.owner(repo), []).append(repo)
        run.read_ahead("huggingface", [r for owned in owners.values() for r in owned],
                       list(owners))
        missing: list[str] = []
        for owner, owned in owners.items():
            answers: dict[str, tuple[RawResponse, dict] | None] = {}
            active: set[str] = set()
            for repo in owned:
                with contextlib.suppress(TaskFailed):  # recorded; the next repository goes on
                    answers[repo] = self._answer(repo, listed, states)
                    ended = self._ended(repo, states)
                    if answers[repo] is None and ended:
                        if ended == "missing":
                            missing.append(repo)
                        continue
                    self._activity(repo, states)
                    active.add(repo)
            unkept = {r: a for r, a in answers.items() if a is not None}
            try:
                owner_type, evidence = self._owner(owner, states) if unkept else (None, None)
            except TaskFailed as failure:
                for repo in unkept:
                    run.fail("huggingface", repo, hub.repo_type(repo)[0],
                             f"owner {owner}: {failure}", states)
                unkept = {}
            for repo in owned:
                if repo in unkept:
                    self._keep(repo, owner_type, evidence, *unkept[repo], states)
                with contextlib.suppress(TaskFailed):
                    if repo in active:
                        self._card(repo, states)
                run.finish("huggingface", repo)
        run.summary.missing["huggingface"] = missing

    def _answer(self, repo: str, listed: dict, states: dict) -> tuple[RawResponse, dict] | None:
        """The repository's answer still to be kept with its owner's type (``None`` when it
        is kept already, or missing): its listing entry, else its info call's answer (asked
        once; a later run finds it in the raw store through the task's cursor)."""
        key = ("huggingface", repo, hub.repo_type(repo)[0])
        state, cursor = states.get(key, ("", None))
        if state in FINISHED:
            return None
        if repo in listed:
            return listed[repo]
        stored = self.source.client.raw.get(cursor[len("raw:"):]) \
            if cursor and cursor.startswith("raw:") else None
        if stored is not None:
            return stored, stored.json()
        try:
            answer = self.source.info(repo, None)
        except UnusableAnswer as unusable:
            raise TaskFailed(self.run.fail(*key, str(unusable), states)) from None
        outcome = self.run.ending(answer)
        if outcome is not None:
            self.run.ended(answer, key, outcome, states)
            return None
        if answer.status != 200:
            raise TaskFailed(self.run.fail(*key, answered(answer), states))
        self.run.found("huggingface")
        self.run.store_page(answer, [(*key, "partial", f"raw:{answer.id}")])
        states[key] = ("partial", f"raw:{answer.id}")
        return answer, answer.json()

    def _ended(self, repo: str, states: dict) -> str | None:
        """``missing`` or ``inaccessible`` when the repository's info task found it so (it
        then takes no other task)."""
        state = states.get(("huggingface", repo, hub.repo_type(repo)[0]), ("",))[0]
        return state if state in ("missing", "inaccessible") else None

    def _keep(self, repo: str, owner_type: str | None, evidence: str | None,
              answer: RawResponse, item: dict, states: dict) -> None:
        """Keep the repository's answer (a listing entry, or its info answer) with its
        owner's type, as ``hub.listed`` in the raw store; the info task is then done."""
        key = ("huggingface", repo, hub.repo_type(repo)[0])
        self.run.store_page(self.source.listed(repo, owner_type, answer, item, evidence),
                            [(*key, "done", None)])
        states[key] = ("done", None)

    def _activity(self, repo: str, states: dict) -> None:
        """Commits, then discussions: listed, then each one's details (up to the cap)."""
        run, source = self.run, self.source
        run.paged("huggingface", repo, "commits",
                  lambda cursor: source.commits(repo, cursor), states)
        key = ("huggingface", repo, "discussions")
        state = states.get(key, ("",))[0]
        cap = run.caps.threads
        if state in FINISHED or (state == "truncated" and cap is not None
                                 and run.stored("huggingface", repo, "threads") >= cap):
            return
        run.tried_once(key)
        # their details are stored (an earlier cap, or a crash)
        held = run.thread_numbers("huggingface", repo)
        try:
            answers = list(source.discussions(repo, limit=cap, skip=held))
        except UnusableAnswer as unusable:
            raise TaskFailed(run.fail(*key, str(unusable), states)) from None
        outcome = run.ending(answers[0])
        if outcome is not None:
            run.ended(answers[0], key, outcome, states)
            return
        # a discussion deleted since it was listed is missing; any other answer that is
        # not its details (a 5xx past the retries, a listing page that failed) fails the
        # task, after the details that came are stored: the next run asks only the rest
        unanswered = [a for a in answers if a.status != 200 and run.ending(a) != "missing"]
        listing = answers[0].json() if answers[0].status == 200 else None
        details = len(held) + sum(1 for a in answers if a.kind == "hub.discussion"
                                  and a.status == 200)
        listed = int((listing or {}).get("count") or 0)
        for answer in answers[:-1]:
            run.store_page(answer, [])
        if unanswered:
            run.store_page(answers[-1], [])
            raise TaskFailed(run.fail(*key, answered(unanswered[0]), states))
        if cap is not None and listed > details and details >= cap:
            run.store_page(answers[-1], [])
            run.truncate(*key, None, details, cap, answers[-1], states)
            return
        run.store_page(answers[-1], [(*key, "done", None)])
        states[key] = ("done", None)
        if state == "truncated":
            run.store.clear_truncation("huggingface", repo, "threads")

    def _card(self, repo: str, states: dict) -> None:
        """A model's card through the resolver (its own rate-limit category, not the API's);
        404 means the model has none."""
        key = ("huggingface", repo, "card")
        if hub.repo_type(repo)[0] != "model" or states.get(key, ("",))[0] in FINISHED:
            return
        try:
            answer = self.source.card(repo)    # a body cut short is asked again, then fails
        except UnusableAnswer as unusable:
            raise TaskFailed(self.run.fail(*key, str(unusable), states)) from None
        outcome = self.run.ending(answer)
        if outcome is not None:
            self.run.ended(answer, key, outcome, states)
            return
        if answer.status != 200:
            raise TaskFailed(self.run.fail(*key, answered(answer), states))
        self.run.store_page(answer, [(*key, "done", None)])
        states[key] = ("done", None)

    def _owner(self, owner: str, states: dict) -> tuple[str, str | None]:
        """The owner's type, and the stored answer that showed it without a call.

        Only user accounts author commits, open discussions or write comments (an
        organisation has no git identity and cannot post), so an owner the store already
        knows as such an author (an account that is not an organisation, read from a
        commit listing, a discussion listing or details, or a member listing) is a user,
        and the account's provenance names the answer that proves it. Otherwise one call:
        an organisation's member listing answers (and is walked to the end), a user's is
        404, so no overview call is needed.
        """
        state = states.get(("huggingface", owner, "members"), ("",))[0]
        if state not in FINISHED:
            origin = self.run.author_origin("huggingface", owner, hub.SOURCE)
            if origin:
                return "user", origin
        source = self.source
        found = self.run.paged("huggingface", owner, "members",
                               lambda cursor: source.members(owner, cursor), states)
        return ("organization" if found else "user"), None
