"""A world of neutral records, indexed the way the platforms' APIs look things up."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from crossforge.records import (
    Account,
    Comment,
    Commit,
    Derivation,
    DocumentText,
    ForumPost,
    ForumTopic,
    Membership,
    Profile,
    ProfileLink,
    ProjectLabel,
    Repository,
    Thread,
)


@dataclass
class World:
    """What both platforms hold, with the lookups the emulator's endpoints need.

    GitHub repositories get numeric ids in sorted order with gaps, as the real id space has
    (deleted and private repositories), so ``/repositories?since=`` sampling is realistic.
    A discussion board's threads and their comments are held apart (``discussions``,
    ``discussion_comments``): GitHub serves them only through GraphQL's ``discussions``,
    never in the issue listings.
    """

    repositories: dict[tuple[str, str], Repository] = field(default_factory=dict)
    accounts: dict[tuple[str, str], Account] = field(default_factory=dict)
    commits: dict[tuple[str, str], list[Commit]] = field(default_factory=lambda: defaultdict(list))
    threads: dict[tuple[str, str], list[Thread]] = field(default_factory=lambda: defaultdict(list))
    comments: dict[tuple[str, str], list[Comment]] = field(
        default_factory=lambda: defaultdict(list))
    discussions: dict[tuple[str, str], list[Thread]] = field(
        default_factory=lambda: defaultdict(list))
    discussion_comments: dict[tuple[str, str], list[Comment]] = field(
        default_factory=lambda: defaultdict(list))
    members: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    parents: dict[str, list[Derivation]] = field(default_factory=lambda: defaultdict(list))
    documents: dict[tuple[str, str], DocumentText] = field(default_factory=dict)
    labels: dict[tuple[str, str], dict[int, list[str]]] = field(
        default_factory=lambda: defaultdict(dict))
    github_ids: dict[str, int] = field(default_factory=dict)
    organizations: set[tuple[str, str]] = field(default_factory=set)
    contributors: dict[tuple[str, str], set[str]] = field(
        default_factory=lambda: defaultdict(set))
    profiles: dict[tuple[str, str], Profile] = field(default_factory=dict)
    profile_links: dict[tuple[str, str], list[ProfileLink]] = field(
        default_factory=lambda: defaultdict(list))
    #: The forum's topics and posts (``emulator.discourse`` indexes them).
    forum_records: list[ForumTopic | ForumPost] = field(default_factory=list)
    _indexes: dict[tuple[str, str, str], object] = field(default_factory=dict, repr=False)

    @classmethod
    def from_records(cls, records: Iterable[object]) -> World:
        world = cls()
        for record in records:
            if isinstance(record, Repository):
                world.repositories[(record.platform, record.repo)] = record
            elif isinstance(record, Account):
                world.accounts[(record.platform, record.login)] = record
            elif isinstance(record, Commit):
                world.commits[(record.platform, record.repo)].append(record)
            elif isinstance(record, Thread) and record.channel == "discussion_board":
                world.discussions[(record.platform, record.repo)].append(record)
            elif isinstance(record, Thread):
                world.threads[(record.platform, record.repo)].append(record)
            elif isinstance(record, Comment):
                world.comments[(record.platform, record.repo)].append(record)
            elif isinstance(record, Membership):
                world.members[(record.platform, record.organization)].append(record.login)
            elif isinstance(record, Derivation) and record.platform == "huggingface":
                world.parents[record.child].append(record)
            elif isinstance(record, DocumentText):
                world.documents[(record.platform, record.repo)] = record
            elif isinstance(record, ProjectLabel):
                world.labels[(record.platform, record.repo)].setdefault(
                    record.number, []).append(record.label)
            elif isinstance(record, Profile):
                world.profiles[(record.platform, record.login)] = record
            elif isinstance(record, ProfileLink):
                world.profile_links[(record.platform, record.login)].append(record)
            elif isinstance(record, (ForumTopic, ForumPost)):
                world.forum_records.append(record)
        world._split_discussion_comments()
        for key, commits in world.commits.items():
            world.contributors[key].update(c.author for c in commits if c.author)
            commits.sort(key=lambda c: (c.committed_at or c.authored_at, c.sha), reverse=True)
        for key, threads in world.threads.items():
            world.contributors[key].update(t.author for t in threads
                                           if t.merged_at and t.author)
            threads.sort(key=lambda t: t.number, reverse=True)
        for comments in world.comments.values():
            comments.sort(key=lambda c: (c.created_at, c.thread_number, c.comment_id))
        world.organizations = set(world.members) | {
            (p, r.owner) for (p, _), r in world.repositories.items()
            if r.owner_type == "organization"}
        github = sorted(repo for platform, repo in world.repositories if platform == "github")
        world.github_ids = {repo: 1_000 + 7 * i + stable_int(repo) % 5
                            for i, repo in enumerate(github)}
        return world

    def _split_discussion_comments(self) -> None:
        """Move the comments of discussion-board threads out of the issue comments."""
        for key, discussions in self.discussions.items():
            numbers = {d.number for d in discussions}
            said = self.comments.get(key, [])
            self.discussion_comments[key] = [c for c in said if c.thread_number in numbers]
            self.comments[key] = [c for c in said if c.thread_number not in numbers]
            discussions.sort(key=lambda d: (d.created_at, d.number))
        for said in self.discussion_comments.values():
            said.sort(key=lambda c: (c.created_at, c.comment_id))

    def document(self, platform: str, repo: str, path: str = "README.md") -> str | None:
        """The text of the repository's root file ``path``, if the world holds it (a
        world holds at most one document per repository: its README or model card)."""
        document = self.documents.get((platform, repo))
        return document.text if document is not None and document.path == path else None

    def indexed(self, key: tuple[str, str, str], build: Callable[[], Any]) -> Any:
        """What ``build`` gives, computed once per ``key`` (answers ask per item)."""
        if key not in self._indexes:
            self._indexes[key] = build()
        return self._indexes[key]

    def thread_labels(self, platform: str, repo: str, number: int) -> list[str]:
        """The labels the project put on thread ``number``, in the world's order."""
        return self.labels.get((platform, repo), {}).get(number, [])

    def role(self, platform: str, repo: str, login: str | None) -> str:
        """``owner``, ``member`` (of the owning organisation), ``contributor`` or ``none``.

        A contributor authored a commit or a merged pull request in the repository, as
        GitHub's ``CONTRIBUTOR`` association counts them.
        """
        if login is None:
            return "none"
        owner = repo.split("/")[-2]  # the Hub's datasets/OWNER/NAME keys too
        if login == owner:
            return "owner"
        if login in self.members.get((platform, owner), ()):
            return "member"
        if login in self.contributors.get((platform, repo), ()):
            return "contributor"
        return "none"

    def thread_comments(self, platform: str, repo: str) -> dict[int, list[Comment]]:
        """The repository's comments by thread number (indexed once: answers ask per item)."""
        key = (platform, repo, "thread_comments")
        if key not in self._indexes:
            by_thread: dict[int, list[Comment]] = defaultdict(list)
            for comment in self.comments.get((platform, repo), ()):
                by_thread[comment.thread_number].append(comment)
            self._indexes[key] = dict(by_thread)
        return self._indexes[key]  # type: ignore[return-value]

    def children(self, repo: str) -> int:
        """How many Hub models name ``repo`` as a base model in the world, any relation
        (indexed once: listings ask per model)."""
        key = ("huggingface", "", "children")
        if key not in self._indexes:
            counts: dict[str, set[str]] = defaultdict(set)
            for links in self.parents.values():
                for link in links:
                    counts[link.parent].add(link.child)
            self._indexes[key] = {parent: len(c) for parent, c in counts.items()}
        return self._indexes[key].get(repo, 0)  # type: ignore[attr-defined]

    def github_repository(self, number: str) -> str | None:
        """The GitHub repository whose id is ``number`` (indexed once: every page after the
        first is asked by id)."""
        key = ("github", "", "ids")
        if key not in self._indexes:
            self._indexes[key] = {str(i): repo for repo, i in self.github_ids.items()}
        return self._indexes[key].get(number)  # type: ignore[attr-defined]

    def person(self, platform: str, login: str) -> tuple[str | None, Profile | None]:
        """A person's account type (``None`` when the world holds no such account) and
        profile, for the user endpoints."""
        account = self.accounts.get((platform, login))
        profile = self.profiles.get((platform, login))
        if account is None and profile is None:
            return None, None
        return (account.type if account else "user"), profile

    def account_type(self, platform: str, login: str) -> str:
        account = self.accounts.get((platform, login))
        return account.type if account else "user"

    def is_organization(self, platform: str, name: str) -> bool:
        return (platform, name) in self.organizations


#: The paths the emulator shows a pull request changing, one per file class the world says
#: it touches (worlds hold classes, not paths; SYNTHETIC names, each of its class under
#: GitHub's and the Hub's conventions).
CLASS_PATHS = {"weights": "model.safetensors", "configuration": "config.json",
               "documentation": "README.md", "code": "src/train.py",
               "data": "data/train.csv", "other": "assets/banner.png"}


def changed_paths(item: Thread) -> list[str]:
    """A pull request's changed paths, one per class of ``item.touched`` (none for a pull
    request the world says changed nothing)."""
    return [CLASS_PATHS[name] for name in item.touched or ()]


def stable_int(text: str) -> int:
    """A deterministic integer for ``text`` (ids the world does not carry)."""
    return int(hashlib.sha256(text.encode()).hexdigest()[:12], 16)
