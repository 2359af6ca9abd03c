"""Classifying the store's threads in place (table ``thread_labels``).

Type shares are shares of *issues and discussions*: a pull request proposes a change rather
than reporting a bug or asking a question, and a bot's thread (the Hub's librarian-bot and
SFconvertbot pull requests, dependabot on GitHub) is no person's knowledge exchange. Both
are left out unless a ``ThreadScope`` includes them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from crossforge.content.classify import ChatClassifier, ThreadClassifier, classify_frame
from crossforge.errors import ConfigError
from crossforge.identity import is_bot
from crossforge.store import Store

#: What a scope can add to issues and discussions by people.
INCLUDABLE = ("pull_requests", "bots")

_THREADS_SQL = """
SELECT t.platform, t.repo, t.number, t.kind, t.author, t.title, t.body,
       coalesce(a.type = 'bot', false) AS bot_account
FROM threads t LEFT JOIN accounts a ON a.platform = t.platform AND a.login = t.author
"""


@dataclass(frozen=True, slots=True)
class ThreadScope:
    """Which threads type shares are about: issues and discussions by people, by default."""

    pull_requests: bool = False
    bots: bool = False

    @classmethod
    def including(cls, names: Sequence[str]) -> ThreadScope:
        """The default scope widened by ``names`` (``pull_requests``, ``bots``).

        Raises:
            ConfigError: a name is neither.
        """
        unknown = sorted(set(names) - set(INCLUDABLE))
        if unknown:
            raise ConfigError(f"cannot include {', '.join(unknown)} in type shares; "
                              f"choose from {', '.join(INCLUDABLE)}")
        return cls(pull_requests="pull_requests" in names, bots="bots" in names)

    def describe(self) -> str:
        """The scope in words, as the report and ``type_shares.csv`` state it."""
        kinds = ("issues, discussions and pull requests" if self.pull_requests
                 else "issues and discussions (pull requests excluded)")
        return kinds + ("; bot-authored threads included" if self.bots
                        else "; bot-authored threads excluded")


@dataclass(frozen=True, slots=True)
class ScopedThreads:
    """The threads in a scope, and how many of the store's threads each rule left out."""

    threads: pd.DataFrame
    excluded_pull_requests: int
    excluded_bot_threads: int


def scoped_threads(store: Store, scope: ThreadScope) -> ScopedThreads:
    """The store's threads within ``scope``; a pull request by a bot counts as a pull
    request (the first rule that excludes a thread names it). A thread whose author is
    unknown (a deleted account) stays: a person wrote it."""
    threads = store.frame(_THREADS_SQL)
    pull_request = (threads["kind"] == "pull_request").to_numpy(dtype=bool)
    # Each login's name is checked once: threads far outnumber their authors.
    authors = threads["author"].dropna().unique()
    named_bots = [author for author in authors if isinstance(author, str) and is_bot(author)]
    bot = (threads["bot_account"].fillna(False).to_numpy(dtype=bool)
           | threads["author"].isin(named_bots).to_numpy(dtype=bool))
    drop_pr = pull_request & (not scope.pull_requests)
    drop_bot = bot & ~drop_pr & (not scope.bots)
    keep = ~(drop_pr | drop_bot)
    return ScopedThreads(threads[keep].drop(columns="bot_account").reset_index(drop=True),
                         int(drop_pr.sum()), int(drop_bot.sum()))


def classify_threads(store: Store, classifier: ThreadClassifier | ChatClassifier,
                     model_name: str, labels: list[str] | None = None,
                     scope: ThreadScope | None = None) -> dict[str, int]:
    """Label the threads of ``store`` within ``scope`` (issues and discussions by people,
    by default) with ``classifier``, store each label with its probability under
    ``model_name`` (so type shares find the model's card again), and return the threads per
    label."""
    selected = scoped_threads(store, scope or ThreadScope()).threads
    result = classify_frame(selected[["platform", "repo", "number", "title", "body"]],
                            classifier, labels)
    posteriors = result.filter(like="p_")
    probability = posteriors.max(axis=1) if len(result) else []
    probabilities = [json.dumps({name.removeprefix("p_"): round(float(value), 6)
                                 for name, value in row.items()})
                     for row in posteriors.to_dict("records")]
    store.write_thread_labels(result.assign(probability=probability,
                                            probabilities=probabilities), model_name)
    return {str(k): int(v) for k, v in result["label"].value_counts().items()}
