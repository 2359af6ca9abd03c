"""Platform-neutral records that every source produces and the store holds.

Names are the study's, not a platform's: a GitHub issue and a Hub discussion are both a
``Thread``; a GitHub star and a Hub like are both ``popularity``. Datetimes are UTC-aware;
``None`` means "not requested or not returned", never zero.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, get_args

Platform = Literal["github", "huggingface"]
RepositoryKind = Literal["code", "model", "dataset", "space"]
#: ``mannequin``: GitHub's placeholder for a person whose activity was imported from another
#: forge (GitHub Enterprise Importer; ``Mannequin`` in GraphQL and REST), one per imported
#: person until a real account claims it: a person, whose relation to the owner GitHub does
#: not tell (``author_association`` ``MANNEQUIN``).
AccountType = Literal["user", "organization", "bot", "mannequin"]
OwnerType = Literal["user", "organization"]
Role = Literal["owner", "member", "external", "unknown"]
ThreadKind = Literal["issue", "pull_request", "discussion"]
ThreadState = Literal["open", "closed", "merged", "draft"]
#: Where a thread was held: a repository's issue tracker (GitHub issues and pull requests, the
#: Hub's per-repository community tab), a repository's discussion board (GitHub Discussions) or
#: a platform's forum (Discourse, e.g. the Hugging Face forum).
Channel = Literal["issue_tracker", "discussion_board", "forum"]
Relation = Literal["fork", "finetune", "adapter", "quantized", "merge"]

PLATFORMS: tuple[str, ...] = get_args(Platform)
#: The Hub's ``createdAt`` for every repository created before it began storing creation
#: dates (``huggingface_hub``'s ``ModelInfo.created_at``); served with seconds that vary a
#: little (…:04, …:05), so a date in this minute is the floor, not a creation date.
HUB_CREATED_AT_FLOOR = datetime(2022, 3, 2, 23, 29, 4, tzinfo=UTC)
RELATIONS: tuple[str, ...] = get_args(Relation)

#: Matched whole (``fullmatch``): ``$`` would also accept a trailing newline.
_REPO_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9._-]+")


def check_platform(platform: str) -> Platform:
    """Return ``platform`` if it is one crossforge knows, else raise ``ConfigError``."""
    from crossforge.errors import ConfigError

    if platform not in PLATFORMS:
        raise ConfigError(f"unknown platform {platform!r}: use one of {', '.join(PLATFORMS)}")
    return platform  # type: ignore[return-value]


def check_repo_id(repo: str) -> str:
    """Return ``repo`` if it has the ``owner/name`` shape both platforms use."""
    from crossforge.errors import ConfigError

    if not _REPO_ID.fullmatch(repo or "") or ".." in repo:
        raise ConfigError(f"malformed repository id {repo!r}: expected OWNER/NAME")
    return repo


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a batch of records came from: a source, a request or path, and a time."""

    source: str
    origin: str
    fetched_at: datetime
    tool_version: str


@dataclass(frozen=True, slots=True)
class Repository:
    """A GitHub repository or a Hub model, dataset or space.

    Attributes:
        popularity: GitHub stars or Hub likes.
        downloads: Hub downloads over the last 30 days (GitHub has none).
        created_at: the platform's creation date; on the Hub a repository created before
            ``HUB_CREATED_AT_FLOOR`` shows that floor instead (the measures then start it at
            its first commit, ``crossforge.measures.start``).
        children_count: Hub models derived from this one as the Hub counts them (its
            ``childrenModelCount``), whether or not they are collected; ``None`` when the
            platform did not say, and on GitHub, whose count is ``forks``.
        parameters: a Hub model's parameter count from its ``safetensors`` metadata;
            ``None`` when the Hub gives none (no safetensors files) and on GitHub.
        storage_bytes: the storage the platform reports: the Hub's ``usedStorage`` (every
            revision's files, LFS included), GitHub's ``size`` (KiB) times 1024; ``None``
            when not given.
        has_discussions: whether the repository has a discussion board (GitHub's
            ``hasDiscussionsEnabled``); ``None`` where the platform does not say (the Hub,
            whose community tab is its issue tracker), so its board's measures stay unknown.
        language: a GitHub repository's primary language as GitHub names it (GraphQL's
            ``primaryLanguage``, REST's ``language``); ``None`` where GitHub gives none
            and on the Hub.
    """

    platform: Platform
    repo: str
    kind: RepositoryKind
    owner: str
    owner_type: OwnerType | None = None
    created_at: datetime | None = None
    last_modified: datetime | None = None
    popularity: int | None = None
    forks: int | None = None
    downloads: int | None = None
    license: str | None = None
    is_archived: bool | None = None
    is_fork: bool | None = None
    is_mirror: bool | None = None
    children_count: int | None = None
    parameters: int | None = None
    storage_bytes: int | None = None
    has_discussions: bool | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class Account:
    """One person, organisation or bot on a platform, after identity resolution.

    Attributes:
        login: the platform login when known, otherwise the canonical e-mail address.
    """

    platform: Platform
    login: str
    type: AccountType
    display_name: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class Commit:
    """A commit on the repository's default branch.

    Attributes:
        author: resolved identity (``Account.login``) of the author; ``None`` when the
            source names nobody (the Hub lists a commit whose e-mail links no account with
            ``authors: []`` and no e-mail): the commit counts, its author is unknown, never
            one shared pseudo-person (``docs/measures.md`` § Who counts as a person).
        co_authors: resolved identities from ``Co-authored-by:`` trailers.
        files_changed, lines_added, lines_deleted: from ``git log --numstat``; zero for merges
            (git shows no diff for a merge by default) and ``None`` when the source has no diffs.
        touched: the classes of the files the commit changed (``crossforge.file_classes``),
            once each; ``()`` for a commit that changed none (a merge), ``None`` when the
            source gives no paths (the Hub's and GitHub's commit listings).
    """

    platform: Platform
    repo: str
    sha: str
    author: str | None
    author_name: str | None
    author_email: str | None
    authored_at: datetime | None
    committer: str | None
    committer_name: str | None
    committer_email: str | None
    committed_at: datetime | None
    co_authors: tuple[str, ...] = ()
    files_changed: int | None = None
    lines_added: int | None = None
    lines_deleted: int | None = None
    is_merge: bool = False
    subject: str | None = None
    touched: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Thread:
    """A GitHub issue or pull request, or a Hub discussion or pull request.

    Attributes:
        author_role: the author's relation to the repository's owner, see ``Role``.
        answerable: whether the thread can have an accepted answer (a GitHub discussion in
            an answerable category such as Q&A: ``True``; in another category: ``False``);
            ``None`` where the channel has no accepted answers (issue trackers).
        answered_at: when the accepted answer was posted (not when it was marked); ``None``
            when none was accepted or none can be.
        touched: the classes of the files a pull request changes
            (``crossforge.file_classes``), once each; ``None`` when the route gave no paths
            (issues, discussions, GitHub's REST listing, a pull request beyond GraphQL's
            first page of files): unknown, never empty.
    """

    platform: Platform
    repo: str
    number: int
    kind: ThreadKind
    title: str | None
    body: str | None
    author: str | None
    author_role: Role = "unknown"
    state: ThreadState | None = None
    created_at: datetime | None = None
    closed_at: datetime | None = None
    merged_at: datetime | None = None
    channel: Channel = "issue_tracker"
    answerable: bool | None = None
    answered_at: datetime | None = None
    touched: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class ProjectLabel:
    """A label a project put on one of its threads (GitHub's issue and pull-request labels):
    the project's own thread types, kept beside the classifier's (``thread_labels``). The
    Hub's discussions have no labels, so a Hub thread has none: unknown, not unlabelled."""

    platform: Platform
    repo: str
    number: int
    label: str


@dataclass(frozen=True, slots=True)
class Comment:
    """A reply in a thread."""

    platform: Platform
    repo: str
    thread_number: int
    comment_id: str
    author: str | None
    created_at: datetime | None
    body: str | None
    author_role: Role = "unknown"


@dataclass(frozen=True, slots=True)
class Derivation:
    """A reuse link: ``child`` was derived from ``parent`` by ``relation``."""

    platform: Platform
    child: str
    parent: str
    relation: Relation
    relation_source: Literal["tag", "card", "inferred", "api", "git"] = "api"


@dataclass(frozen=True, slots=True)
class Membership:
    """``login`` belongs to organisation ``organization`` on ``platform``.

    GitHub: organisation members (and, per repository, what ``author_association`` says on
    threads). Hub: ``list_organization_members``. Used to tell insiders from external people.
    """

    platform: Platform
    organization: str
    login: str


@dataclass(frozen=True, slots=True)
class Profile:
    """What an account's public profile says about the person, as the platform served it.

    One record per account looked up (GitHub ``GET /users/{login}``, the Hub's
    ``GET /api/users/{name}/overview``): its presence says the profile was read, so a
    missing name is "none given", not "not asked" (``docs/people.md``).

    Attributes:
        display_name: GitHub's ``name``, the Hub's ``fullname``.
        company: GitHub's ``company``; the Hub serves none.
        email: GitHub's public ``email``; the Hub serves none.
        organizations: the organisations the profile lists (the Hub's ``orgs``); ``None``
            where the profile lists none (GitHub's user object).
    """

    platform: Platform
    login: str
    display_name: str | None = None
    company: str | None = None
    email: str | None = None
    organizations: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class ProfileLink:
    """An account's profile or documentation names an account on the other platform.

    Attributes:
        linked_platform, linked_login: the account the link names (a GitHub profile URL
            ``github.com/{login}``, a Hub profile URL ``huggingface.co/{name}``).
        source: ``social_accounts`` (GitHub's linked accounts), ``blog`` (GitHub's website
            field) or ``card:<repo>`` (a Hub model card of a repository ``login`` owns).
    """

    platform: Platform
    login: str
    linked_platform: Platform
    linked_login: str
    source: str


@dataclass(frozen=True, slots=True)
class ProjectLink:
    """A repository's documentation links a GitHub repository (``docs/measures.md`` § Projects).

    Attributes:
        github_repo: ``owner/name`` of the linked GitHub repository, lower-cased (GitHub
            names are case-insensitive).
        source: ``card_data:<field>`` when a card data field names it, else ``card_text``.
        position: order of appearance among the card's links (card data fields first).
        same_owner: the GitHub owner equals the repository's owner (case, ``-``, ``_`` and
            ``.`` ignored).
        is_tool: the link is to a generic library or tool (``sources.cards.TOOL_REPOSITORIES``).
    """

    platform: Platform
    repo: str
    github_repo: str
    source: str
    position: int
    same_owner: bool
    is_tool: bool


@dataclass(frozen=True, slots=True)
class Documentation:
    """Features of a repository's main document: a Hub model card or a GitHub README.

    Attributes:
        document: ``model_card`` or ``readme``.
        sections: canonical sections present (``SECTIONS`` lists them with synonyms).
        expected: how many canonical sections the document kind expects.
        completeness: ``len(sections) / expected``.
        words, headings: length of the text (front matter excluded) and its headings.
        digest: SHA-256 of the text, so a changed document can be told from an unchanged one.
    """

    platform: Platform
    repo: str
    document: Literal["model_card", "readme"]
    sections: tuple[str, ...]
    expected: int
    completeness: float
    words: int
    headings: int
    digest: str


#: Canonical sections of a Hub model card, after the Hub's model card template
#: (``huggingface_hub`` ``modelcard_template.md``), each with the heading words that name
#: it. A heading counts for every section one of whose synonyms it contains as words.
MODEL_CARD_SECTIONS: dict[str, tuple[str, ...]] = {
    "description": ("model details", "model description", "description", "overview",
                    "introduction", "summary", "about", "model summary", "model information"),
    "intended_uses": ("intended use", "intended uses", "uses", "direct use", "downstream use",
                      "use cases", "out of scope"),
    "limitations": ("limitation", "limitations", "bias", "risks", "ethical considerations",
                    "disclaimer", "recommendations", "safety"),
    "training": ("training", "training data", "training procedure", "training details",
                 "fine tuning", "finetuning", "dataset", "datasets", "hyperparameters"),
    "evaluation": ("evaluation", "results", "benchmark", "benchmarks", "metrics",
                   "performance", "testing data"),
    "how_to_use": ("how to use", "how to get started", "usage", "quick start", "quickstart",
                   "getting started", "inference", "example", "examples", "sample code",
                   "run the model", "use with", "prompt format", "prompt template"),
    "license": ("license", "licence", "licensing", "terms of use"),
    "citation": ("citation", "citations", "cite", "bibtex", "reference", "references"),
}

#: Canonical sections of a GitHub README, the ones README guides and GitHub's community
#: profile ask for.
README_SECTIONS: dict[str, tuple[str, ...]] = {
    "description": ("description", "overview", "introduction", "about", "summary",
                    "what is", "features", "motivation", "background"),
    "installation": ("installation", "install", "installing", "setup", "set up",
                     "requirements", "prerequisites", "dependencies", "build", "building"),
    "usage": ("usage", "how to use", "getting started", "quick start", "quickstart",
              "example", "examples", "tutorial", "demo", "running", "run"),
    "contributing": ("contributing", "contribute", "contribution", "contributions",
                     "development", "developers", "code of conduct", "support", "community"),
    "license": ("license", "licence", "licensing", "copyright"),
    "citation": ("citation", "cite", "bibtex", "reference", "references",
                 "acknowledgement", "acknowledgements", "acknowledgment", "acknowledgments",
                 "credits", "thanks"),
}
SECTIONS: dict[str, dict[str, tuple[str, ...]]] = {"model_card": MODEL_CARD_SECTIONS,
                                                   "readme": README_SECTIONS}


@dataclass(frozen=True, slots=True)
class DatasetLink:
    """A model declares training or evaluation data: card data ``datasets:``."""

    platform: Platform
    repo: str
    dataset: str
    source: str = "card_data"


@dataclass(frozen=True, slots=True)
class DocumentText:
    """A repository's README (GitHub) or model card (the Hub's ``README.md``, YAML front
    matter included) as the platform serves it.

    World files and the emulator carry the text; the store keeps only what is extracted
    from it (``Documentation``, ``ProjectLink``, ``DatasetLink``). ``path`` is the file's name
    at the repository's root (a GitHub README may be ``README.rst``, ``readme.md``…).
    """

    platform: Platform
    repo: str
    text: str
    path: str = "README.md"


@dataclass(frozen=True, slots=True)
class ForumTopic:
    """A topic of a Discourse forum (e.g. the Hugging Face forum, ``discuss.huggingface.co``).

    A forum belongs to no repository, so its topics are kept apart from ``Thread``; the links
    to the repositories a topic mentions are ``ForumLink`` records, and
    ``crossforge.measures.forum.forum_frames`` gives topics as threads of those repositories.

    Attributes:
        forum: the forum's name (its host, e.g. ``discuss.huggingface.co``).
        category: the category's name as ``/categories.json`` gives it.
        posts_count: the posts the forum counts in the topic (the first one included).
        has_accepted_answer: the solved plugin's flag; ``None`` when the forum does not run
            the plugin (the field is absent).
        accepted_post_number: the accepted answer's post number (``accepted_answer``);
            ``None`` when none is accepted or the forum does not say.
    """

    forum: str
    topic_id: int
    category: str | None
    title: str | None
    author: str | None
    created_at: datetime | None
    last_posted_at: datetime | None = None
    posts_count: int | None = None
    has_accepted_answer: bool | None = None
    accepted_post_number: int | None = None
    closed: bool | None = None


@dataclass(frozen=True, slots=True)
class ForumPost:
    """A post of a forum topic; post number 1 is the topic's opening post.

    Attributes:
        author: the poster's username; ``None`` for a deleted or anonymised account (the
            person is unknown, never one shared pseudo-person).
        body: the post's Markdown (``raw``) when the forum gives it, else its HTML
            (``cooked``).
        accepted_answer: the solved plugin marks this post as the topic's accepted answer;
            ``None`` when the forum does not run the plugin.
    """

    forum: str
    post_id: int
    topic_id: int
    post_number: int
    author: str | None
    created_at: datetime | None
    body: str | None
    accepted_answer: bool | None = None


@dataclass(frozen=True, slots=True)
class ForumLink:
    """A forum topic mentions a repository (``docs/measures.md`` § Forum topics).

    Attributes:
        platform, repo: the repository mentioned, as the store keys it (a Hub model
            ``OWNER/NAME``, a dataset ``datasets/OWNER/NAME``, GitHub ``owner/name``).
        post_number: where: 0 for the title, else the post's number (1: the opening post).
        evidence: ``url`` (a URL of the repository) or ``id`` (a bare ``owner/name`` id,
            linked only when the id is in the study's frame: bare ids are ambiguous).
        mention: the text that was matched, as written.
    """

    forum: str
    topic_id: int
    platform: Platform
    repo: str
    post_number: int
    evidence: Literal["url", "id"]
    mention: str


@dataclass(slots=True)
class RecordBatch:
    """Everything one source run produced, with its provenance, ready for the store."""

    provenance: Provenance
    repositories: list[Repository] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)
    commits: list[Commit] = field(default_factory=list)
    threads: list[Thread] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    derivations: list[Derivation] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)
    profiles: list[Profile] = field(default_factory=list)
    profile_links: list[ProfileLink] = field(default_factory=list)
    forum_topics: list[ForumTopic] = field(default_factory=list)
    forum_posts: list[ForumPost] = field(default_factory=list)
    forum_links: list[ForumLink] = field(default_factory=list)
