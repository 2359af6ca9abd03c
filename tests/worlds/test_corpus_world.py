"""A world from real data, end to end: build it from ../shared/corpus, serve it with the
emulator on loopback, sample and collect it over HTTP with crossforge's own collectors, and
check the store against answers read straight from the corpus files (never from the world).

The subset keeps CI fast: six GitHub repositories (from 94 to 603 commits, huggingface/datasets
with its 1,000 raw issues), bigscience/bloom's Hub history, and a deterministic draw of Hub
models. Only stored data is compared, not how many requests the collectors needed.
"""

from __future__ import annotations

import csv
import gzip
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from crossforge import api
from crossforge.cli import app
from crossforge.emulator import Emulator
from crossforge.errors import ConfigError
from crossforge.identity import identity_key
from crossforge.store import Store
from crossforge.worlds.files import read_world
from tests.conftest import CORPUS

FILES = ("git_commits.csv.gz", "git_pull_heads.csv.gz", "hf_models.jsonl.gz",
         "github_issues_huggingface_datasets.jsonl.gz")
needs_corpus = pytest.mark.skipif(
    not all((CORPUS / name).is_file() for name in FILES),
    reason="../shared/corpus is absent: the real-data world needs it")

GITHUB_REPOS = ("karpathy/minGPT", "karpathy/nanoGPT", "fastai/ghapi", "lewagon/dotfiles",
                "yanyongyu/githubkit", "huggingface/datasets")
HUB_HISTORY = "bigscience/bloom"
MODELS = 120
TOKEN_ENV = "CROSSFORGE_CORPUS_TEST_TOKEN"
RUNNER = CliRunner()
#: GitHub's author_association as crossforge's neutral role (docs/collection.md).
ROLE_OF = {"OWNER": "owner", "MEMBER": "member", "COLLABORATOR": "member"}
RELATION_TAG = re.compile(r"^base_model:(adapter|finetune|quantized|merge):(.+)$")


def corpus_rows(name: str) -> Iterator[dict[str, Any]]:
    with gzip.open(CORPUS / name, "rt", encoding="utf-8", newline="") as handle:
        if name.endswith(".csv.gz"):
            yield from csv.DictReader(handle)
        else:
            yield from (json.loads(line) for line in handle if line.strip())


def created_at(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def query(db: Path, sql: str) -> list[tuple]:
    with Store(db, read_only=True) as store:
        return store.query(sql).fetchall()


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("corpus-world")
    world, db, raw = tmp / "world.jsonl.gz", tmp / "db.duckdb", tmp / "raw"
    api.world_from_corpus(CORPUS, world, repos=[*GITHUB_REPOS, HUB_HISTORY], models=MODELS)
    repo_list = tmp / "github.txt"
    repo_list.write_text("\n".join(GITHUB_REPOS) + "\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch, Emulator.from_records(
            read_world(world), github_limit=10**6, hub_limit=10**6) as emulator:
        patch.setenv(TOKEN_ENV, "ghp_FAKEcorpusWorldToken")
        api.sample("github", db=db, from_list=repo_list, raw=raw)
        api.sample("huggingface", db=db, raw=raw, endpoint=emulator.url, token_env=TOKEN_ENV)
        api.collect(db, raw=raw, github_url=emulator.url, hub_url=emulator.url,
                    github_token_env=TOKEN_ENV, hf_token_env=TOKEN_ENV)
    return db


@needs_corpus
def test_commits_per_repository_match_the_corpus(collected: Path) -> None:
    history: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in corpus_rows("git_commits.csv.gz"):
        if row["repo"] in (*GITHUB_REPOS, HUB_HISTORY):
            history[row["repo"]].append(row)
    # the corpus README: the file is newest first, and bloom's newest two commits were added
    # by the mirror's owner, so the Hub does not have them
    mirror_only = history[HUB_HISTORY][:2]
    expected = {repo: {r["sha"] for r in rows} for repo, rows in history.items()}
    expected[HUB_HISTORY] -= {r["sha"] for r in mirror_only}
    stored: dict[str, set[str]] = defaultdict(set)
    for repo, sha in query(collected, "SELECT repo, sha FROM commits"):
        stored[repo].add(sha)
    assert {r: len(s) for r, s in stored.items()} == {r: len(s) for r, s in expected.items()}
    assert stored == expected
    assert len(expected) == 6 and len(expected[HUB_HISTORY]) == 111


@needs_corpus
def test_commit_authors_and_merges_match_the_corpus(collected: Path) -> None:
    expected = {(r["repo"], r["sha"]): (identity_key(r["author_name"], r["author_email"],
                                                     r["platform"]),
                                        len(r["parents"].split()) > 1, r["subject"])
                for r in corpus_rows("git_commits.csv.gz") if r["repo"] in GITHUB_REPOS}
    stored = {(repo, sha): (author, merge, subject) for repo, sha, author, merge, subject in
              query(collected, "SELECT repo, sha, author, is_merge, subject FROM commits "
                               "WHERE platform = 'github'")}
    assert stored == expected


@needs_corpus
def test_pull_request_numbers_and_authors_match_the_heads(collected: Path) -> None:
    expected: dict[str, dict[int, str]] = defaultdict(dict)
    merged_heads = set()
    for row in corpus_rows("git_pull_heads.csv.gz"):
        if row["repo"] in GITHUB_REPOS:
            expected[row["repo"]][int(row["number"])] = identity_key(
                row["author_name"], row["author_email"], "github")
            if row["head_in_default_branch"] == "True":
                merged_heads.add((row["repo"], int(row["number"])))
    stored: dict[str, dict[int, str]] = defaultdict(dict)
    states = {}
    for repo, number, author, state in query(
            collected, "SELECT repo, number, author, state FROM threads WHERE platform = "
                       "'github' AND kind = 'pull_request' AND repo <> 'huggingface/datasets'"):
        stored[repo][number] = author
        states[(repo, number)] = state
    assert {r: len(n) for r, n in stored.items()} == {r: len(n) for r, n in expected.items()}
    assert stored == expected
    assert all(states[key] == "merged" for key in merged_heads)


@needs_corpus
def test_hub_base_models_and_relations_match_the_tags(collected: Path) -> None:
    tags = {}
    info = {}
    for row in corpus_rows("hf_models.jsonl.gz"):
        model = row["id"]
        info[model] = row["info"]
        tags[model] = {(m.group(2), m.group(1)) for t in row["info"].get("tags") or ()
                       if (m := RELATION_TAG.match(t))}
    models = {repo: (likes, downloads, created) for repo, likes, downloads, created in query(
        collected, "SELECT repo, popularity, downloads, created_at FROM repositories "
                   "WHERE platform = 'huggingface'")}
    assert len(models) >= MODELS and HUB_HISTORY in models and set(models) <= set(info)
    assert models == {m: (info[m].get("likes"), info[m].get("downloads"),
                          created_at(info[m].get("created_at"))) for m in models}
    stored: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for child, parent, relation in query(
            collected, "SELECT child, parent, relation FROM derivations "
                       "WHERE relation_source = 'tag'"):
        stored[child].add((parent, relation))
    expected = {m: tags[m] for m in models if tags[m]}
    assert len(expected) > MODELS // 2
    assert dict(stored) == expected


@needs_corpus
def test_hub_children_counts_match_the_lineage_lists(collected: Path) -> None:
    """The world serves each model's children as the corpus's crawl listed them (sampled or
    not); a model whose row carries no lineage list is served with the world's own children,
    which are all sampled here, so the store's derivations count them."""
    lists = ("children", "adapters", "quantized", "merges")
    in_store = dict(query(collected, "SELECT parent, count(DISTINCT child) FROM derivations "
                                     "WHERE platform = 'huggingface' GROUP BY ALL"))
    expected = {}
    for row in corpus_rows("hf_models.jsonl.gz"):
        if not any(key in row for key in lists):
            expected[row["id"]] = in_store.get(row["id"], 0)
            continue
        children = set()
        for key in lists:
            value = row.get(key) or []
            for item in value.split(",") if isinstance(value, str) else value:
                if item.strip():
                    children.add(item.strip().removeprefix("https://huggingface.co/"))
        expected[row["id"]] = len(children)
    stored = dict(query(collected, "SELECT repo, children_count FROM repositories "
                                   "WHERE platform = 'huggingface'"))
    assert stored == {repo: expected[repo] for repo in stored}
    assert stored[HUB_HISTORY] == 6  # bloom: 2 children, 2 quantised, 2 merges
    assert sum(1 for n in stored.values() if n) >= 5


@needs_corpus
def test_huggingface_datasets_issues_and_roles_match_the_raw_objects(collected: Path) -> None:
    listed = list(corpus_rows("github_issues_huggingface_datasets.jsonl.gz"))
    raw = {i["number"]: i for i in listed}  # 100 of the 1,000 objects are listed twice
    stored = {number: (kind, author, role, state) for number, kind, author, role, state in query(
        collected, "SELECT number, kind, author, author_role, state FROM threads "
                   "WHERE repo = 'huggingface/datasets'")}
    kinds = Counter("pull_request" if i.get("pull_request") else "issue" for i in raw.values())
    assert Counter(kind for kind, *_ in stored.values()) == kinds
    assert len(listed) == 1_000 and kinds == {"issue": 514, "pull_request": 386}
    for number, item in raw.items():
        merged = (item.get("pull_request") or {}).get("merged_at")
        state = "merged" if merged else "draft" if item.get("draft") and \
            item["state"] == "open" else item["state"]
        assert stored[number] == (
            "pull_request" if item.get("pull_request") else "issue", item["user"]["login"],
            ROLE_OF.get(item["author_association"], "external"), state), number
    roles = Counter(role for _, _, role, _ in stored.values())
    assert roles == {"member": 244, "external": 656}
    members = {i["user"]["login"] for i in raw.values() if i["author_association"] == "MEMBER"}
    assert {login for (login,) in query(collected, "SELECT login FROM memberships WHERE "
                                                   "organization = 'huggingface'")} == members


def test_bad_corpus_arguments_are_one_line_errors(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        api.world_from_corpus(tmp_path / "missing", tmp_path / "w.jsonl")
    with pytest.raises(ConfigError, match="holds no corpus file"):
        api.world_from_corpus(tmp_path, tmp_path / "w.jsonl")
    with pytest.raises(ConfigError, match="malformed repository id"):
        api.world_from_corpus(tmp_path, tmp_path / "w.jsonl", repos=["no-slash"])
    monkeypatch.chdir(tmp_path)
    result = RUNNER.invoke(app, ["world", "from-corpus", str(tmp_path / "missing")])
    assert result.exit_code == 2 and "does not exist" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # bad input leaves no world file


@needs_corpus
def test_the_command_writes_a_world_of_one_repository(tmp_path: Path) -> None:
    out = tmp_path / "world.jsonl"
    result = RUNNER.invoke(app, ["world", "from-corpus", str(CORPUS), "--out", str(out),
                                 "--repo", "karpathy/minGPT", "--models", "0"])
    assert result.exit_code == 0, result.output
    commits = sum(1 for r in corpus_rows("git_commits.csv.gz") if r["repo"] == "karpathy/minGPT")
    pulls = sum(1 for r in corpus_rows("git_pull_heads.csv.gz")
                if r["repo"] == "karpathy/minGPT")
    assert Counter(type(r).__name__ for r in read_world(out)) == {
        "Repository": 1, "Commit": commits, "Thread": pulls}
    assert f"{commits:,} Commit" in result.output
