"""The git source on real histories rebuilt from the shared corpus.

The replay keeps real authors, committers, dates, subjects and merge structure, but no
commit bodies, so these histories have no ``Co-authored-by:`` trailers (co-authors are
tested on built repositories in ``test_git.py``).
"""

from __future__ import annotations

import csv
import gzip
import re
import subprocess

import pytest

import crossforge
from crossforge.identity import identity_key
from crossforge.measures import CollaborationIntensity
from crossforge.sources.git import GitRepository
from crossforge.store import Store
from tests.conftest import CORPUS, replay

pytestmark = pytest.mark.corpus

REPOS = {
    "psf/requests": "github",
    "encode/httpx": "github",
    "karpathy/nanoGPT": "github",
    "huggingface/peft": "github",
    "bigscience/bloom": "huggingface",
}


@pytest.fixture(scope="module")
def corpus_rows() -> dict[str, list[dict[str, str]]]:
    path = CORPUS / "git_commits.csv.gz"
    if not path.exists():
        pytest.skip("../shared/corpus is absent: real-history tests need it")
    rows: dict[str, list[dict[str, str]]] = {repo: [] for repo in REPOS}
    with gzip.open(path, "rt", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["repo"] in rows:
                rows[row["repo"]].append(row)
    return rows


@pytest.fixture(scope="module")
def clones(tmp_path_factory) -> dict[str, GitRepository]:
    base = tmp_path_factory.mktemp("replays")
    return {repo: GitRepository(replay(repo, base / repo.replace("/", "__")), repo, platform)
            for repo, platform in REPOS.items()}


# -- an independent implementation of the documented identity rules (docs/measures.md) --

_NOREPLY = {"github": re.compile(r"^(?:\d+\+)?([^@+]+)@users\.noreply\.github\.com$", re.I),
            "huggingface": re.compile(r"^([^@+]+)@users\.noreply\.huggingface\.co$", re.I)}
_KNOWN_BOTS = {"system", "librarian-bot", "parquet-converter", "sfconvertbot", "huggingface-web",
               "web-flow", "github-actions", "dependabot", "dependabot-preview", "renovate",
               "pre-commit-ci", "greenkeeper", "snyk-bot", "codecov-io", "allcontributors"}


def _independent_identity(name: str, email: str, platform: str) -> str:
    # The replay strips '<', '>' and newlines from names and e-mails and writes 'unknown'
    # for an empty name.
    name = (name or "unknown").replace("<", "").replace(">", "").replace("\n", " ")
    email = (email or "").replace("<", "").replace(">", "").replace("\n", "")
    match = _NOREPLY[platform].match(email.strip())
    if match:
        return match.group(1)
    local, at, domain = email.strip().lower().rpartition("@")
    placeholder = (not at or "." not in domain
                   or (local in {"none", "unknown", "nobody", "noreply", "no-reply", "root"}
                       and domain in {"none", "localhost"}))
    return name.strip().lower() if placeholder else email.strip().lower()


def _independent_is_bot(identity: str, name: str) -> bool:
    return any(v and (v.lower().endswith(("[bot]", "-bot", "_bot")) or v.lower() in _KNOWN_BOTS)
               for v in (identity, name))


@pytest.mark.parametrize("repo", list(REPOS))
def test_commit_count_equals_git_and_the_corpus(repo, clones, corpus_rows):
    clone = clones[repo]
    ours = sum(1 for _ in clone.list_commits())
    git_count = int(subprocess.run(["git", "-C", str(clone.path), "rev-list", "--count", "HEAD"],
                                   capture_output=True, text=True, check=True).stdout)
    assert ours == git_count == len(corpus_rows[repo])


@pytest.mark.parametrize("repo", list(REPOS))
def test_contributors_and_merges_match_an_independent_count(repo, clones, corpus_rows, tmp_path):
    platform = REPOS[repo]
    people: dict[str, str] = {}
    for row in corpus_rows[repo]:
        key = _independent_identity(row["author_name"], row["author_email"], platform)
        people.setdefault(key, row["author_name"])
    humans = {k for k, name in people.items() if not _independent_is_bot(k, name)}
    known = {row["sha"] for row in corpus_rows[repo]}
    merges = sum(1 for row in corpus_rows[repo]
                 if len([p for p in row["parents"].split() if p in known]) > 1)

    db = tmp_path / "s.duckdb"
    crossforge.import_git(clones[repo].path, repo=repo, platform=platform, db=db)
    with Store(db, read_only=True) as store:
        row = CollaborationIntensity().compute(store).iloc[0]
    assert row.contributors == len(humans)
    assert row.merge_commits == merges


def test_requests_end_to_end(clones, tmp_path):
    db = tmp_path / "s.duckdb"
    crossforge.import_git(clones["psf/requests"].path, repo="psf/requests", platform="github",
                          db=db)
    result = crossforge.measure(db, tmp_path / "out", n_bootstrap=10)
    row = result.repositories.set_index("repo").loc["psf/requests"]
    assert row.commits == 6489
    assert row.bot_commits == 60  # dependabot[bot]
    assert row.contributors == 802


def test_bloom_bots_are_flagged_not_counted(clones):
    clone = clones["bigscience/bloom"]
    commits = list(clone.list_commits())
    accounts = {a.login: a for a in clone.list_accounts()}
    # The bot's address is a real one, so the address is its identity; its name flags it.
    bot = accounts["stas+bigscience@huggingface.co"]
    assert (bot.display_name, bot.type) == ("bigscience-bot", "bot")
    assert sum(1 for c in commits if c.author == bot.login) == 9
    # Hub no-reply addresses resolve to Hub usernames.
    assert accounts["TimeRobber"].type == "user" and accounts["Narsil"].type == "user"


def test_parity_with_pydriller(clones):
    pydriller = pytest.importorskip("pydriller")
    for repo in ("karpathy/nanoGPT", "encode/httpx"):
        clone = clones[repo]
        ours = {c.sha: c for c in clone.list_commits()}
        seen = set()
        # PyDriller commits lose their repository once traversal ends: read them in the loop.
        for commit in pydriller.Repository(str(clone.path)).traverse_commits():
            seen.add(commit.hash)
            mine = ours[commit.hash]
            assert mine.is_merge == commit.merge
            assert mine.author == identity_key(commit.author.name, commit.author.email,
                                               "github")
            if not commit.merge:
                assert (mine.lines_added, mine.lines_deleted) == (commit.insertions,
                                                                  commit.deletions)
        assert seen == ours.keys()
