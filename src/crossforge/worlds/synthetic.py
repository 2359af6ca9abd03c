"""Source ``synthetic``: a seeded, heavy-tailed world of GitHub-like and Hub-like repositories.

Everything it produces is SYNTHETIC. It exists so the demo exercises the real store, measures
and report offline; its parameters are assumptions chosen for plausible shapes (most
repositories tiny, a heavy tail of large ones), not findings, and they are not fitted to any
published figure.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from hashlib import sha1

from crossforge.records import (
    HUB_CREATED_AT_FLOOR,
    Account,
    Comment,
    Commit,
    Derivation,
    DocumentText,
    ForumPost,
    ForumTopic,
    Membership,
    Platform,
    Profile,
    ProfileLink,
    ProjectLabel,
    Repository,
    Thread,
)

SOURCE = "synthetic"


@dataclass(frozen=True, slots=True)
class PlatformShape:
    """How one synthetic platform is drawn.

    Attributes:
        contributor_alpha: Pareto shape of the contributor count (smaller = heavier tail).
        commits_sigma: log-normal spread of commits per contributor.
        org_share: probability that an owner is an organisation.
        bot_share: probability that a repository also has bot commits.
    """

    kind: str
    contributor_alpha: float
    commits_mu: float
    commits_sigma: float
    org_share: float
    bot_share: float
    bot_login: str
    thread_rate: float
    pr_rate: float
    pr_merge_share: float
    reply_share: float


SHAPES: dict[Platform, PlatformShape] = {
    "github": PlatformShape("code", 1.1, 1.6, 1.3, 0.35, 0.3, "dependabot[bot]", 0.6,
                            0.5, 0.6, 0.8),
    "huggingface": PlatformShape("model", 2.2, 0.9, 1.0, 0.5, 0.9, "system", 0.2,
                                 2.5, 0.3, 0.4),
}

_TITLES = {
    "github": ["Crash when {x} is empty", "Add support for {x}", "How do I configure {x}?",
               "Docs: clarify {x}", "Regression in {x} after upgrade"],
    "huggingface": ["How to run {x} on CPU?", "Please upload GGUF weights for {x}",
                    "License question about {x}", "Error loading {x} tokenizer",
                    "Add chat template for {x}"],
}
#: Hub lineage: share of models derived from an earlier one, the relation mix, and the
#: chance that a derivative's team includes someone from its parent (all assumed).
DERIVED_SHARE = 0.6
FOLLOW_PARENT_SHARE = 0.3
RELATION_WEIGHTS = {"finetune": 0.55, "quantized": 0.25, "adapter": 0.15, "merge": 0.05}
#: Hub: the chance that a person pushes to a model from a git e-mail their Hub account does
#: not link, so the Hub lists those commits with ``authors: []`` (domain.md, Hub API facts).
#: An assumption (no published share): a few percent of Hub contributors per repository.
#: Drawn from its own random stream, so the rest of the world does not move with it.
UNLINKED_EMAIL_SHARE = 0.05
#: Platform quirks (assumed proportions, drawn from their own seeded stream so the rest of
#: the world does not change): the share of Hub models created before the Hub's creation-date
#: floor (``HUB_CREATED_AT_FLOOR``; the emulator serves the floor, their commits keep the
#: true dates), up to ``PRE_FLOOR_YEARS`` before it; and the Hub's children of a model that
#: are not in the world (so never sampled): a model has any with ``UNSAMPLED_CHILDREN_SHARE``,
#: then a Pareto(``UNSAMPLED_CHILDREN_ALPHA``) number of them, served as its
#: ``childrenModelCount`` with the world's own children.
PRE_FLOOR_SHARE = 0.25
PRE_FLOOR_YEARS = 3
UNSAMPLED_CHILDREN_SHARE = 0.3
UNSAMPLED_CHILDREN_ALPHA = 1.2
#: Accounts platforms show in place of people (assumed proportions, no published share; their
#: own stream too): on GitHub a visitor (someone who only opens threads and comments) deleted
#: their account with ``DELETED_ACCOUNT_SHARE``, so GitHub shows their threads and comments as
#: by ``ghost``; ``MIGRATED_REPOSITORY_SHARE`` of GitHub repositories were imported from
#: another forge, so their visitors are mannequins (``<login>-imported``, type
#: ``mannequin``). On the Hub, each bot of ``BOT_PULL_SHARES`` opens one pull request on that
#: share of models (librarian-bot adds base-model metadata, SFconvertbot safetensors weights);
#: ``BOT_PULL_MERGE_SHARE`` of them are merged, the rest stay open.
DELETED_ACCOUNT_SHARE = 0.03
MIGRATED_REPOSITORY_SHARE = 0.05
BOT_PULL_SHARES = {"librarian-bot": 0.10, "SFconvertbot": 0.15}
BOT_PULL_TITLES = {"librarian-bot": "Librarian Bot: Add base_model information to model",
                   "SFconvertbot": "Adding `safetensors` variant of this model"}
BOT_PULL_MERGE_SHARE = 0.2
DELETED_USER = "ghost"
#: What a commit touches (assumed proportions, no published share; drawn from the commit's
#: sha, so the world's other draws are unchanged): the sets of file classes
#: (``crossforge.file_classes``) and their shares, per platform. Hub commits mostly edit the
#: card or upload weights with their configuration; GitHub commits mostly change code.
TOUCHED_SHARES: dict[str, tuple[tuple[tuple[str, ...], float], ...]] = {
    "huggingface": ((("documentation",), 0.45), (("weights", "configuration"), 0.25),
                    (("weights",), 0.15), (("configuration",), 0.10), (("code",), 0.05)),
    "github": ((("code",), 0.65), (("code", "documentation"), 0.15),
               (("documentation",), 0.15), (("data",), 0.05)),
}

#: What a pull request touches (assumed proportions, no published share; drawn from the
#: thread, so the world's other draws are unchanged): Hub pull requests mostly edit the card,
#: some configuration or weights; GitHub's mostly code and documentation. Bots' pull requests
#: touch what they are for: librarian-bot the card, SFconvertbot the weights. Classes in
#: ``crossforge.file_classes.FILE_CLASSES`` order, as collected.
PULL_TOUCHED_SHARES: dict[str, tuple[tuple[tuple[str, ...], float], ...]] = {
    "huggingface": ((("documentation",), 0.60), (("configuration",), 0.15),
                    (("weights", "configuration"), 0.10), (("weights",), 0.10),
                    (("code",), 0.05)),
    "github": ((("code",), 0.55), (("documentation", "code"), 0.20),
               (("documentation",), 0.20), (("code", "data"), 0.05)),
}
BOT_PULL_TOUCHED = {"librarian-bot": ("documentation",), "SFconvertbot": ("weights",)}
#: GitHub projects' labels (assumed, none fitted): ``LABELLED_SHARE`` of threads carry any;
#: a labelled thread takes the type its title says (``TITLE_LABELS``) with
#: ``TITLE_LABEL_SHARE``, else one of GitHub's default labels, and a project-specific area
#: label with ``AREA_LABEL_SHARE``. The Hub has no labels.
LABELLED_SHARE = 0.45
TITLE_LABEL_SHARE = 0.8
AREA_LABEL_SHARE = 0.25
TITLE_LABELS = {"Crash when": "bug", "Regression in": "bug", "Add support for": "enhancement",
                "How do I configure": "question", "Docs: clarify": "documentation"}
DEFAULT_LABELS = ("bug", "enhancement", "question", "documentation", "good first issue",
                  "help wanted", "duplicate", "wontfix")
#: GitHub Discussions (assumed proportions, no published share; drawn from their own seeded
#: stream, so the rest of the world does not change): the share of GitHub repositories with a
#: discussion board; per board a Pareto(``DISCUSSION_ALPHA``) count of discussions, minus
#: one (many boards stay empty); the share in the answerable Q&A category (the rest in
#: General, Ideas, Show and tell); per discussion a Pareto(``DISCUSSION_COMMENT_ALPHA``)
#: count of comments and replies, minus one (a tail past a page of comments); the chance that
#: an answered-looking Q&A discussion has an accepted answer; and of a bot author.
DISCUSSION_BOARD_SHARE = 0.2
DISCUSSION_ALPHA = 0.9
MAX_DISCUSSIONS = 150
QA_SHARE = 0.45
DISCUSSION_COMMENT_ALPHA = 1.3
MAX_DISCUSSION_COMMENTS = 150
ACCEPTED_ANSWER_SHARE = 0.6
DISCUSSION_BOT_SHARE = 0.02
DISCUSSION_BOT = "github-actions[bot]"
_DISCUSSION_TITLES = {True: ["How do I use {x} with a proxy?", "Is {x} thread-safe?",
                             "Why does {x} ignore my settings?"],
                      False: ["Idea: a plugin system for {x}", "Show and tell: {x} dashboard",
                              "Roadmap for {x}", "Welcome! Introduce yourself ({x})"]}
#: Sizes (assumed, no published shape; their own stream, so the world's other draws are
#: unchanged): a Hub model's parameter count is log-normal, log10 ~ Normal(``MODEL_LOG10_MU``,
#: ``MODEL_LOG10_SIGMA``) clipped to 10^6–10^12 (a heavy tail over every size stratum: about
#: 16% under 100M and 16% over 10B); an adapter holds a hundredth of that; its storage is
#: 2 bytes a parameter (16-bit weights), 0.6 for a quantisation. ``PICKLE_ONLY_SHARE`` of the
#: other models have pickle weights only, so the Hub gives no parameter count (their storage,
#: 4 bytes a parameter, stays known). A GitHub repository's disk usage is log-normal too,
#: log10 bytes ~ Normal(``CODE_LOG10_MU``, ``CODE_LOG10_SIGMA``), unknown for
#: ``CODE_SIZE_UNKNOWN_SHARE`` of them (GitHub's ``diskUsage`` is nullable).
MODEL_LOG10_MU, MODEL_LOG10_SIGMA = 9.0, 1.0
PICKLE_ONLY_SHARE = 0.2
CODE_LOG10_MU, CODE_LOG10_SIGMA = 6.2, 1.1
CODE_SIZE_UNKNOWN_SHARE = 0.03
#: A GitHub repository's primary language (assumed weights, roughly the shares of popular
#: repositories; their own stream, so the world's other draws are unchanged); ``None`` is a
#: repository GitHub names no language for (no code it recognises).
LANGUAGE_WEIGHTS: dict[str | None, float] = {
    "Python": 0.30, "JavaScript": 0.14, "TypeScript": 0.14, "Go": 0.08, "C++": 0.08,
    "Rust": 0.07, "Java": 0.07, "Jupyter Notebook": 0.04, "Shell": 0.02, None: 0.06,
}

_WORDS = ["parser", "tokenizer", "cache", "config", "pipeline", "adapter", "export", "server"]


def generate_world(
    repositories_per_platform: int = 150, seed: int = 2026
) -> Iterator[Repository | Account | Commit | Thread | Comment | Membership | Derivation
              | ProjectLabel]:
    """Yield a synthetic world: repositories, their accounts, commits and threads.

    Args:
        repositories_per_platform: how many repositories to draw on each platform.
        seed: the random seed; the same seed gives the same world.
    """
    rng = random.Random(seed)
    unlinked = random.Random(f"{seed}:unlinked")
    quirks = random.Random(f"{seed}:quirks")
    stand_ins = random.Random(f"{seed}:stand-ins")
    boards = random.Random(f"{seed}:discussions")
    sizes = random.Random(f"{seed}:sizes")
    languages = random.Random(f"{seed}:languages")
    start = datetime(2022, 3, 2, tzinfo=UTC)
    for platform, shape in SHAPES.items():
        accounts: dict[str, Account] = {}
        attachment: list[str] = []  # one entry per model and per child: preferential parents
        people_of: dict[str, list[str]] = {}
        models: list[Repository] = []  # yielded last, once their children are known
        children: dict[str, int] = {}
        relations: dict[str, str | None] = {}
        for i in range(repositories_per_platform):
            owner_is_org = rng.random() < shape.org_share
            owner = f"{'org' if owner_is_org else 'user'}{rng.randrange(60):02d}"
            repo = f"{owner}/{'model' if platform == 'huggingface' else 'project'}-{i:04d}"
            created = start + timedelta(days=rng.randrange(900))
            if platform == "huggingface" and quirks.random() < PRE_FLOOR_SHARE:
                created = HUB_CREATED_AT_FLOOR - timedelta(
                    days=quirks.randrange(1, 365 * PRE_FLOOR_YEARS))
            record = Repository(
                platform=platform, repo=repo, kind=shape.kind, owner=owner,  # type: ignore[arg-type]
                owner_type="organization" if owner_is_org else "user", created_at=created,
                popularity=int(rng.paretovariate(1.0)) - 1, forks=int(rng.paretovariate(1.3)) - 1,
                downloads=int(rng.paretovariate(0.8)) - 1 if platform == "huggingface" else None,
            )
            parent = None
            if platform == "huggingface":
                models.append(record)
                children[repo] = int(quirks.paretovariate(UNSAMPLED_CHILDREN_ALPHA)) \
                    if quirks.random() < UNSAMPLED_CHILDREN_SHARE else 0
                if attachment and rng.random() < DERIVED_SHARE:
                    parent = rng.choice(attachment)
                    relation = rng.choices(list(RELATION_WEIGHTS),
                                           weights=list(RELATION_WEIGHTS.values()))[0]
                    yield Derivation(platform, repo, parent, relation, "tag")  # type: ignore[arg-type]
                    relations[repo] = relation
                    children[parent] += 1
                    attachment.append(parent)
                attachment.append(repo)
            else:
                record = replace(record, has_discussions=boards.random()
                                 < DISCUSSION_BOARD_SHARE, storage_bytes=_code_size(sizes),
                                 language=languages.choices(
                                     list(LANGUAGE_WEIGHTS),
                                     weights=list(LANGUAGE_WEIGHTS.values()))[0])
                yield record
            n_people = min(200, int(rng.paretovariate(shape.contributor_alpha)))
            people = [owner if not owner_is_org else f"dev{rng.randrange(400):03d}"]
            people += [f"dev{rng.randrange(400):03d}" for _ in range(n_people - 1)]
            if parent and rng.random() < FOLLOW_PARENT_SHARE:
                people.append(rng.choice(people_of[parent]))
            people_of[repo] = people
            for login in people:
                accounts.setdefault(login, Account(platform, login, "user", login.title()))
            when = created
            for login in dict.fromkeys(people):
                author = (f"{login}@example.org" if platform == "huggingface"
                          and unlinked.random() < UNLINKED_EMAIL_SHARE else login)
                n_commits = int(rng.lognormvariate(shape.commits_mu, shape.commits_sigma))
                for _ in range(max(1, n_commits)):
                    when += timedelta(hours=rng.expovariate(1 / 90))
                    yield _commit(platform, repo, author, when, rng)
            if rng.random() < shape.bot_share:
                accounts.setdefault(shape.bot_login, Account(platform, shape.bot_login, "bot"))
                yield _commit(platform, repo, shape.bot_login, created, rng)
            roster = list(dict.fromkeys(people[: 1 + len(people) // 3]))
            if owner_is_org:
                for login in roster:
                    yield Membership(platform, owner, login)
            insiders = [owner] if not owner_is_org else roster
            threads = list(_threads(platform, shape, repo, people, insiders, when, accounts,
                                    rng))
            if platform == "github":
                if record.has_discussions:
                    threads += _discussions(repo, people, insiders, when, threads, accounts,
                                            boards)
                threads = _stand_ins(threads, accounts, seed, stand_ins)
            else:
                threads += _bot_pulls(repo, threads, when, accounts, stand_ins)
            threads = [_with_touched(platform, t) for t in threads]
            yield from threads
            if platform == "github":
                yield from _project_labels(threads)
        yield from (replace(m, children_count=children[m.repo],
                            **_model_size(relations.get(m.repo), sizes)) for m in models)
        yield from accounts.values()


#: Documents: the chance that a README or model card has each section, of linking its
#: project's GitHub repository (a Hub model whose owner has one) or a tool, and the number
#: of synthetic datasets models draw from (all assumed, none fitted).
README_SECTION_SHARE = {"Installation": 0.7, "Usage": 0.6, "Contributing": 0.25,
                        "License": 0.5, "Citation": 0.15}
CARD_SECTION_SHARE = {"Model description": 0.6, "Intended uses": 0.2, "Limitations": 0.2,
                      "Training data": 0.5, "Evaluation": 0.35, "How to use": 0.4,
                      "Citation": 0.15}
PROJECT_LINK_SHARE = 0.5
TOOL_LINK_SHARE = 0.3
DATASET_POOL = 40


def generate_documents(records: list[object], seed: int = 2026) -> Iterator[DocumentText]:
    """A SYNTHETIC README for every GitHub repository and model card for every Hub model of
    ``records`` (a world from ``generate_world``), with their own random stream so the
    world's other records do not change."""
    rng = random.Random(f"{seed}:documents")
    repositories = [r for r in records if isinstance(r, Repository)]
    projects: dict[str, list[str]] = {}
    for record in repositories:
        if record.platform == "github":
            projects.setdefault(record.owner, []).append(record.repo)
    for record in repositories:
        name = record.repo.split("/", 1)[1]
        lead = " ".join(rng.choice(_WORDS) for _ in range(rng.randrange(5, 60)))
        if record.platform == "github":
            chosen = [h for h, share in README_SECTION_SHARE.items() if rng.random() < share]
            text = f"# {name} (SYNTHETIC)\n\n{lead}\n" + "".join(
                f"\n## {heading}\n\n{' '.join(rng.choices(_WORDS, k=8))}\n"
                for heading in chosen)
            yield DocumentText("github", record.repo, text)
            continue
        datasets = sorted({f"synthetic-data/corpus-{int(rng.paretovariate(1.2)) % DATASET_POOL:02d}"
                           for _ in range(rng.choice([0, 0, 1, 1, 2]))})
        front = (f"license: {record.license}\n" if record.license else "") + (
            "datasets:\n" + "".join(f"- {d}\n" for d in datasets) if datasets else "")
        links = []
        if projects.get(record.owner) and rng.random() < PROJECT_LINK_SHARE:
            links.append(f"Code: https://github.com/{rng.choice(projects[record.owner])}")
        if rng.random() < TOOL_LINK_SHARE:
            links.append("Trained with [TRL](https://github.com/huggingface/trl).")
        chosen = [h for h, share in CARD_SECTION_SHARE.items() if rng.random() < share]
        text = (f"---\n{front}---\n\n# {name} (SYNTHETIC)\n\n{lead}\n\n"
                + "\n".join(links) + "".join(
                    f"\n## {heading}\n\n{' '.join(rng.choices(_WORDS, k=8))}\n"
                    for heading in chosen))
        yield DocumentText("huggingface", record.repo, text)


#: The synthetic forum (a stand-in for the Hugging Face forum; SYNTHETIC, assumed shapes):
#: its name, categories, topics, the share of topics that mention a repository of the world
#: (by URL or bare id), that get replies, whose question has an accepted answer, and that run
#: long (past the 20 posts a topic's first answer holds); a post's author is a deleted or
#: anonymised account with ``FORUM_UNKNOWN_AUTHOR_SHARE``.
FORUM = "forum.synthetic.example"
FORUM_CATEGORIES = ("Beginners", "Models", "Transformers", "Research")
FORUM_TOPICS = 300
#: The demo's forum grows with its world: topics per repository of one platform (300 topics
#: at the default 150 repositories a platform).
FORUM_TOPICS_PER_REPOSITORY = 2
FORUM_MENTION_SHARE = 0.7
FORUM_REPLY_SHARE = 0.8
FORUM_ACCEPTED_SHARE = 0.35
FORUM_LONG_SHARE = 0.04
FORUM_UNKNOWN_AUTHOR_SHARE = 0.03
#: How a post names a repository: URLs of the shapes people paste (a file under
#: ``/blob/main``, a ``resolve/main`` download, ``hf.co``, a clone URL, a sentence's end), a
#: bare id in code, and texts that name none but look like paths (``src/models``).
_FORUM_MENTIONS = {
    "huggingface": ("I am loading https://huggingface.co/{repo} and it fails.",
                    "See https://huggingface.co/{repo}/blob/main/config.json, the vocab "
                    "size differs.",
                    "Downloading https://huggingface.co/{repo}/resolve/main/model.safetensors"
                    " times out.",
                    "```python\nmodel = AutoModel.from_pretrained(\"{repo}\")\n```\n"
                    "raises a KeyError.",
                    "Is hf.co/{repo} the right checkpoint?",
                    "Tried ({upper}) with the same result."),
    "github": ("The issue is tracked at https://github.com/{repo}/issues/1.",
               "I cloned https://github.com/{repo}.git and ran the example.",
               "The code in {repo} on GitHub does not match the paper."),
}
_FORUM_NOISE = ("Run `pip install -U transformers` and check src/models/bert.py first.",
                "My path is data/train.csv and outputs/checkpoint-500, any idea?",
                "Read https://huggingface.co/docs/transformers/main_classes/pipelines and "
                "https://huggingface.co/blog/how-to-train.",
                "Thanks, that solved it!", "Same problem here on torch/cuda 12.1.")


def generate_forum(records: list[object], seed: int = 2026, topics: int = FORUM_TOPICS
                   ) -> Iterator[ForumTopic | ForumPost]:
    """A SYNTHETIC Discourse forum whose topics mention the world's repositories (``records``
    from ``generate_world``), drawn from its own random stream so the world's other records
    do not change. Authors are the world's people; answers come from the mentioned
    repository's owner or another person."""
    rng = random.Random(f"{seed}:forum")
    repositories = sorted((r for r in records if isinstance(r, Repository)),
                          key=lambda r: (r.platform, r.repo))
    people = sorted({a.login for a in records if isinstance(a, Account) and a.type == "user"
                     and a.platform == "huggingface"})
    start = datetime(2023, 1, 1, tzinfo=UTC)
    post_id = 10_000
    for topic_id in range(1, topics + 1):
        category = rng.choice(FORUM_CATEGORIES)
        created = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 700))
        named = rng.choice(repositories) if rng.random() < FORUM_MENTION_SHARE else None
        if named is not None:
            text = rng.choice(_FORUM_MENTIONS[named.platform]).format(
                repo=named.repo, upper=named.repo.upper())
        else:
            text = rng.choice(_FORUM_NOISE)
        replies = 0 if rng.random() > FORUM_REPLY_SHARE else 1 + int(rng.expovariate(0.4))
        if rng.random() < FORUM_LONG_SHARE:
            replies = rng.randrange(21, 45)
        author = rng.choice(people) if people else None
        answerer = named.owner if named is not None and rng.random() < 0.4 else None
        accepted = (rng.randrange(2, replies + 2) if replies and
                    rng.random() < FORUM_ACCEPTED_SHARE else None)
        when = created
        posts: list[ForumPost] = []
        for number in range(1, replies + 2):
            post_id += 1
            when += timedelta(minutes=1 + int(rng.expovariate(1 / 600)))
            who = author if number == 1 else (answerer if answerer and number == 2
                                              else rng.choice(people) if people else None)
            if rng.random() < FORUM_UNKNOWN_AUTHOR_SHARE:
                who = None
            body = f"(SYNTHETIC) {text}" if number == 1 else \
                f"(SYNTHETIC) {rng.choice(_FORUM_NOISE)}"
            posts.append(ForumPost(FORUM, post_id, topic_id, number, who,
                                   created if number == 1 else when, body,
                                   number == accepted))
        yield ForumTopic(FORUM, topic_id, category,
                         f"(SYNTHETIC) {rng.choice(_WORDS)} question {topic_id}", posts[0].author,
                         created, posts[-1].created_at, len(posts), accepted is not None,
                         accepted, False)
        yield from posts


def _threads(platform: Platform, shape: PlatformShape, repo: str, people: list[str],
             insiders: list[str], when: datetime, accounts: dict[str, Account],
             rng: random.Random) -> Iterator[Thread | Comment]:
    """Issues or discussions and pull requests, some answered by insiders."""
    n_threads = int(rng.expovariate(shape.thread_rate))
    n_pulls = int(rng.expovariate(shape.pr_rate))
    for number in range(1, n_threads + n_pulls + 1):
        is_pull = number > n_threads
        author = rng.choice(people + [f"visitor{rng.randrange(900):03d}"])
        accounts.setdefault(author, Account(platform, author, "user"))
        opened = when + timedelta(days=rng.randrange(1, 400))
        state = rng.choice(["open", "closed"])
        merged = None
        if is_pull and rng.random() < shape.pr_merge_share:
            state, merged = "merged", opened + timedelta(hours=rng.expovariate(1 / 72))
        title = ("Fix " if is_pull else "") + rng.choice(_TITLES[platform]).format(
            x=rng.choice(_WORDS))
        yield Thread(platform=platform, repo=repo, number=number,
                     kind="pull_request" if is_pull else
                     ("issue" if platform == "github" else "discussion"),
                     title=title, body="(synthetic)", author=author, state=state,  # type: ignore[arg-type]
                     created_at=opened, closed_at=merged or (
                         opened + timedelta(days=3) if state == "closed" else None),
                     merged_at=merged)
        reply_at = opened
        for i in range(int(rng.expovariate(0.7)) if rng.random() < shape.reply_share else 0):
            reply_at += timedelta(hours=rng.expovariate(1 / 30))
            yield Comment(platform=platform, repo=repo, thread_number=number,
                          comment_id=f"{number}-{i}", author=rng.choice(insiders + [author]),
                          created_at=reply_at, body="(synthetic reply)")


def _discussions(repo: str, people: list[str], insiders: list[str], when: datetime,
                 threads: list[Thread | Comment], accounts: dict[str, Account],
                 rng: random.Random) -> list[Thread | Comment]:
    """A GitHub discussion board's discussions, comments and replies, numbered after the
    repository's issues and pull requests (GitHub numbers all three in one sequence)."""
    number = max((t.number for t in threads if isinstance(t, Thread)), default=0)
    board: list[Thread | Comment] = []
    for _ in range(min(MAX_DISCUSSIONS, int(rng.paretovariate(DISCUSSION_ALPHA)) - 1)):
        number += 1
        author = rng.choice(people + [f"visitor{rng.randrange(900):03d}" for _ in range(2)])
        if rng.random() < DISCUSSION_BOT_SHARE:
            author = DISCUSSION_BOT
            accounts.setdefault(author, Account("github", author, "bot"))
        accounts.setdefault(author, Account("github", author, "user"))
        answerable = rng.random() < QA_SHARE
        opened = when + timedelta(days=rng.randrange(1, 400), seconds=rng.randrange(86_400))
        said, reply_at = [], opened
        for i in range(min(MAX_DISCUSSION_COMMENTS,
                           int(rng.paretovariate(DISCUSSION_COMMENT_ALPHA)) - 1)):
            reply_at += timedelta(seconds=1 + int(rng.expovariate(1 / 40) * 3600))
            who = rng.choice(insiders + people + [author, f"visitor{rng.randrange(900):03d}"])
            accounts.setdefault(who, Account("github", who, "user"))
            said.append(Comment(platform="github", repo=repo, thread_number=number,
                                comment_id=str(10**7 + number * 1_000 + i), author=who,
                                created_at=reply_at, body="(synthetic reply)"))
        answers = [c for c in said if c.author != author]
        answered_at = rng.choice(answers).created_at if answerable and answers \
            and rng.random() < ACCEPTED_ANSWER_SHARE else None
        closed = rng.random() < 0.3
        board.append(Thread(
            platform="github", repo=repo, number=number, kind="discussion",
            title=rng.choice(_DISCUSSION_TITLES[answerable]).format(x=rng.choice(_WORDS)),
            body="(synthetic)", author=author, state="closed" if closed else "open",
            created_at=opened, closed_at=(reply_at + timedelta(days=2)) if closed else None,
            channel="discussion_board", answerable=answerable, answered_at=answered_at))
        board += said
    return board


def _stand_ins(threads: list[Thread | Comment], accounts: dict[str, Account], seed: int,
              rng: random.Random) -> list[Thread | Comment]:
    """A GitHub repository's threads and comments with deleted visitors shown as ``ghost``
    and, in an imported repository, visitors shown as mannequins. Deletion is drawn per
    person (a hash of the login), so a deleted visitor is ``ghost`` everywhere."""
    migrated = rng.random() < MIGRATED_REPOSITORY_SHARE
    shown: dict[str, str] = {}
    for login in {item.author for item in threads if item.author}:
        if not login.startswith("visitor"):
            continue
        if migrated:
            shown[login] = f"{login}-imported"
            accounts.setdefault(shown[login], Account("github", shown[login], "mannequin"))
        elif _draw(f"{seed}:deleted:{login}") < DELETED_ACCOUNT_SHARE:
            shown[login] = DELETED_USER
            accounts.pop(login, None)
    return [replace(item, author=shown.get(item.author or "", item.author)) for item in threads]


def _bot_pulls(repo: str, threads: list[Thread | Comment], when: datetime,
               accounts: dict[str, Account], rng: random.Random) -> list[Thread]:
    """The pull requests Hub bots open on a model, numbered after its other discussions."""
    number = max((t.number for t in threads if isinstance(t, Thread)), default=0)
    pulls = []
    for bot, share in BOT_PULL_SHARES.items():
        if rng.random() >= share:
            continue
        number += 1
        opened = when + timedelta(days=rng.randrange(1, 400))
        merged = (opened + timedelta(hours=rng.expovariate(1 / 48))
                  if rng.random() < BOT_PULL_MERGE_SHARE else None)
        accounts.setdefault(bot, Account("huggingface", bot, "bot"))
        pulls.append(Thread(platform="huggingface", repo=repo, number=number,
                            kind="pull_request", title=BOT_PULL_TITLES[bot], body="(synthetic)",
                            author=bot, state="merged" if merged else "open",
                            created_at=opened, closed_at=merged, merged_at=merged))
    return pulls


def _with_touched(platform: Platform, item: Thread | Comment) -> Thread | Comment:
    """A pull request with the file classes it touches; other threads and comments as
    they are (the route gives no paths for them)."""
    if not isinstance(item, Thread) or item.kind != "pull_request":
        return item
    touched = BOT_PULL_TOUCHED.get(item.author or "") or _share_draw(
        PULL_TOUCHED_SHARES[platform], f"pull-touched:{item.repo}#{item.number}")
    return replace(item, touched=touched)


def _project_labels(threads: list[Thread | Comment]) -> Iterator[ProjectLabel]:
    """The labels a GitHub project put on its threads (``LABELLED_SHARE`` and the rest)."""
    for item in threads:
        if not isinstance(item, Thread):
            continue
        key = f"{item.repo}#{item.number}"
        if _draw(f"labelled:{key}") >= LABELLED_SHARE:
            continue
        title = (item.title or "").removeprefix("Fix ")
        typed = next((name for start, name in TITLE_LABELS.items() if title.startswith(start)),
                     None)
        if typed is None or _draw(f"title-label:{key}") >= TITLE_LABEL_SHARE:
            typed = DEFAULT_LABELS[int(_draw(f"default-label:{key}") * len(DEFAULT_LABELS))]
        yield ProjectLabel("github", item.repo, item.number, typed)
        if _draw(f"area-label:{key}") < AREA_LABEL_SHARE:
            area = _WORDS[int(_draw(f"area:{key}") * len(_WORDS))]
            yield ProjectLabel("github", item.repo, item.number, f"area: {area}")
def _model_size(relation: str | None, sizes: random.Random) -> dict[str, int | None]:
    """A Hub model's ``parameters`` and ``storage_bytes`` (``MODEL_LOG10_MU`` and after)."""
    log10 = min(12.0, max(6.0, sizes.gauss(MODEL_LOG10_MU, MODEL_LOG10_SIGMA)))
    parameters = int(10**log10) // (100 if relation == "adapter" else 1)
    if relation == "quantized":
        return {"parameters": parameters, "storage_bytes": int(parameters * 0.6)}
    if relation != "adapter" and sizes.random() < PICKLE_ONLY_SHARE:
        return {"parameters": None, "storage_bytes": parameters * 4}
    return {"parameters": parameters, "storage_bytes": parameters * 2}


def _code_size(sizes: random.Random) -> int | None:
    """A GitHub repository's disk usage in bytes (``CODE_LOG10_MU`` and after)."""
    log10 = sizes.gauss(CODE_LOG10_MU, CODE_LOG10_SIGMA)
    return None if sizes.random() < CODE_SIZE_UNKNOWN_SHARE else int(10**log10) // 1024 * 1024


def _draw(text: str) -> float:
    """A uniform number in [0, 1) fixed by ``text``."""
    return int(sha1(text.encode()).hexdigest()[:12], 16) / 16**12


def _commit(platform: Platform, repo: str, login: str, when: datetime,
            rng: random.Random) -> Commit:
    """A commit by ``login``, or by an e-mail identity (``name@domain``) with its address."""
    sha = sha1(f"{repo}{login}{when.isoformat()}{rng.random()}".encode()).hexdigest()
    files = 1 + int(rng.paretovariate(1.5))
    name, email = login.split("@")[0].title(), login if "@" in login else None
    return Commit(
        platform=platform, repo=repo, sha=sha, author=login, author_name=name,
        author_email=email, authored_at=when, committer=login, committer_name=name,
        committer_email=email, committed_at=when, files_changed=files,
        lines_added=files * rng.randrange(1, 40), lines_deleted=files * rng.randrange(0, 20),
        subject="synthetic commit", touched=_touched(platform, sha),
    )


def _touched(platform: Platform, sha: str) -> tuple[str, ...]:
    """The file classes a synthetic commit touches, drawn from ``TOUCHED_SHARES`` by its sha."""
    return _share_draw(TOUCHED_SHARES[platform], f"touched:{sha}")


def _share_draw(mix: tuple[tuple[tuple[str, ...], float], ...], key: str) -> tuple[str, ...]:
    """One set of file classes of ``mix``, drawn by their shares from ``key``."""
    draw, cumulative = _draw(key), 0.0
    for classes, share in mix:
        cumulative += share
        if draw < cumulative:
            return classes
    return mix[-1][0]


#: People across platforms (assumed proportions, none fitted; their own stream, so the rest
#: of the world does not change): the world draws its handles from pools both platforms
#: share, so an identical handle is one person only with ``SAME_HANDLE_SHARE`` (else a trap:
#: two people, two names); ``OTHER_HANDLE_SHARE`` of the Hub people with no GitHub namesake
#: are a GitHub person under another handle. A person on both platforms names their Hub
#: account in their GitHub linked accounts with ``SOCIAL_LINK_SHARE``, in their GitHub
#: website with ``BLOG_LINK_SHARE``, and their GitHub account in the cards of the models
#: they own with ``CARD_LINK_SHARE``; one under two handles with none of these cannot be
#: found (no rule matches different handles without a link). ``NO_NAME_SHARE`` of GitHub
#: profiles show no name; a Hub profile's ``fullname`` is the handle with ``HANDLE_NAME_SHARE``.
SAME_HANDLE_SHARE = 0.3
OTHER_HANDLE_SHARE = 0.05
SOCIAL_LINK_SHARE = 0.3
BLOG_LINK_SHARE = 0.1
CARD_LINK_SHARE = 0.2
NO_NAME_SHARE = 0.3
HANDLE_NAME_SHARE = 0.2
_FIRST = ["Ada", "Bo", "Chen", "Dara", "Eli", "Femi", "Gita", "Hana", "Ivan", "Jun", "Kofi",
          "Lena", "Mei", "Nils", "Omar", "Pia", "Quinn", "Ravi", "Sara", "Tomas"]
_LAST = ["Abe", "Bauer", "Costa", "Diaz", "Eze", "Fischer", "Gupta", "Haddad", "Ito", "Jensen",
         "Kim", "Lopez", "Moreau", "Novak", "Okafor", "Park", "Rossi", "Silva", "Tanaka", "Wu"]


def same_people(records: list[object], seed: int = 2026) -> set[tuple[str, str]]:
    """The world's truth: ``(hub handle, GitHub login)`` of every person on both platforms
    (``generate_people`` draws their profiles), found by the rules or not."""
    return _people(records, seed)[0]


def generate_people(records: list[object], seed: int = 2026) -> list[object]:
    """SYNTHETIC profiles (``Profile``, ``ProfileLink``) for every person of ``records`` (a
    world with its documents) and the model cards that link their owner's GitHub account
    in place of the originals; the rest of ``records`` unchanged."""
    return _people(records, seed)[1]


def _people(records: list[object], seed: int) -> tuple[set[tuple[str, str]], list[object]]:
    rng = random.Random(f"{seed}:people")
    users = {p: sorted(a.login for a in records if isinstance(a, Account) and a.platform == p
                       and a.type == "user" and a.login != DELETED_USER)
             for p in ("github", "huggingface")}
    github_people = set(users["github"])
    # a card linking a GitHub repository of its owner's handle says that is their code
    own_code = {r.repo.split("/", 1)[0] for r in records if isinstance(r, DocumentText)
                and r.platform == "huggingface"
                and f"github.com/{r.repo.split('/', 1)[0]}/" in r.text}
    same = {(h, h) for h in users["huggingface"] if h in github_people
            and (rng.random() < SAME_HANDLE_SHARE or h in own_code)}
    unpaired = [g for g in users["github"] if (g, g) not in same]
    for handle in users["huggingface"]:
        if handle not in github_people and unpaired and rng.random() < OTHER_HANDLE_SHARE:
            same.add((handle, unpaired.pop(rng.randrange(len(unpaired)))))
    person = {("huggingface", h): f"{h}|{g}" for h, g in same} | {
        ("github", g): f"{h}|{g}" for h, g in same}
    names: dict[str, str] = {}
    out: list[object] = []
    for platform in ("github", "huggingface"):
        for login in users[platform]:
            key = person.get((platform, login), f"{platform}:{login}")
            name = names.setdefault(key, f"{rng.choice(_FIRST)} {rng.choice(_LAST)}")
            if platform == "github":
                out.append(Profile("github", login, None if rng.random() < NO_NAME_SHARE
                                   else name))
            else:
                out.append(Profile("huggingface", login, login if rng.random()
                                   < HANDLE_NAME_SHARE else name))
    cards: dict[str, str] = {}
    owners = {r.repo: r.owner for r in records if isinstance(r, Repository)
              and r.platform == "huggingface" and r.owner_type == "user"}
    for hub, git in sorted(same):
        if rng.random() < SOCIAL_LINK_SHARE:
            out.append(ProfileLink("github", git, "huggingface", hub, "social_accounts"))
        if rng.random() < BLOG_LINK_SHARE:
            out.append(ProfileLink("github", git, "huggingface", hub, "blog"))
        if rng.random() < CARD_LINK_SHARE:
            cards |= {repo: git for repo, owner in owners.items() if owner == hub}
    for record in records:
        if isinstance(record, DocumentText) and record.repo in cards:
            record = replace(record, text=record.text + (
                f"\nMaintained by [me](https://github.com/{cards[record.repo]}).\n"))
        out.append(record)
    return same, out
