"""The corpus world builder's derivation rules (docs/worlds.md), on a small corpus written
in the shared corpus's formats, so they are tested without ../shared."""

from __future__ import annotations

import csv
import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crossforge.emulator import World
from crossforge.errors import ConfigError
from crossforge.records import Commit, Derivation, Membership, Repository, Thread
from crossforge.worlds import corpus
from crossforge.worlds.corpus import CorpusSelection

COMMIT_COLUMNS = ["platform", "repo", "sha", "parents", "author_name", "author_email",
                  "authored_at", "committer_name", "committer_email", "committed_at", "subject"]
HEAD_COLUMNS = ["platform", "repo", "number", "head_sha", "author_name", "author_email",
                "authored_at", "subject", "head_in_default_branch"]


def write_csv(path: Path, columns: list[str], rows: list[list[str]]) -> None:
    with gzip.open(path, "wt", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows(rows)


def write_jsonl(path: Path, rows: list[dict]) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(row) + "\n" for row in rows)


def issue(number: int, login: str, association: str, *, merged: str | None = None,
          pull: bool = False) -> dict:
    return {"repository_url": "https://api.github.com/repos/acme/lib", "number": number,
            "title": f"#{number}", "body": "", "user": {"login": login, "type": "User"},
            "author_association": association, "state": "closed" if merged else "open",
            "created_at": f"2024-01-0{number}T00:00:00Z", "closed_at": merged,
            "draft": False if pull else None,
            "pull_request": {"merged_at": merged} if pull else None}


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    github = "github|acme/tool"
    write_csv(tmp_path / corpus.COMMITS_FILE, COMMIT_COLUMNS, [
        row.split("|") for row in [
            f"{github}|m2|s3 h1|Ann|1+ann@users.noreply.github.com|2024-03-01T10:00:00+02:00|"
            "GitHub|noreply@github.com|2024-03-01T10:00:00+02:00|Merge pull request #1 from ann/x",
            f"{github}|s3|s2|Bo|bo@example.org|2024-02-20T00:00:00Z|Bo|bo@example.org|"
            "2024-02-20T00:00:00Z|Add parser (#2)",
            f"{github}|s2|s1|Bo|bo@example.org|2011-09-08T02:38:50+518:00|Bo|bo@example.org|"
            "2011-09-08T02:38:50+518:00|Odd clock",
            f"{github}|s1||Cy|none@none|2010-01-01T00:00:00Z|Cy|none@none|"
            "2010-01-01T00:00:00Z|Start",
            "huggingface|org/model|w1|c1|Dee|1+dee@users.noreply.github.com|"
            "2024-05-01T00:00:00Z|GitHub|noreply@github.com|2024-05-01T00:00:00Z|Mirror merge",
            "huggingface|org/model|c1||Eve|eve@users.noreply.huggingface.co|2023-01-01T00:00:00Z|"
            "system|system@users.noreply.huggingface.co|2023-01-01T00:00:00Z|Upload"]])
    write_csv(tmp_path / corpus.PULL_HEADS_FILE, HEAD_COLUMNS, [
        ["github", "acme/tool", "1", "h1", "Ann", "1+ann@users.noreply.github.com",
         "2024-02-28T00:00:00Z", "Fix x", "False"],
        ["github", "acme/tool", "2", "h2", "Bo", "bo@example.org", "2024-02-19T00:00:00Z",
         "Parser", "False"],
        ["github", "acme/tool", "3", "s2", "Bo", "bo@example.org", "2011-09-01T00:00:00Z",
         "Odd clock", "True"],
        ["github", "acme/tool", "4", "h4", "Fay", "fay@example.org", "2024-04-01T00:00:00Z",
         "Rejected idea", "False"]])
    card = {"id": "org/model", "info": {"id": "org/model", "author": "org", "likes": 3,
                                        "tags": ["base_model:finetune:base/llm",
                                                 "base_model:base/llm"],
                                        "created_at": "2023-01-01 00:00:00+00:00"},
            "children": ["someone/child"]}
    write_jsonl(tmp_path / corpus.MODELS_FILE, [card, {"id": "x/other", "info": {
        "id": "x/other", "author": "x", "tags": []}}])
    write_jsonl(tmp_path / "github_issues_acme_lib.jsonl.gz", [
        issue(1, "maintainer", "MEMBER"), issue(2, "user", "NONE"),
        issue(3, "dev", "CONTRIBUTOR", merged="2024-01-05T00:00:00Z", pull=True),
        issue(3, "dev", "CONTRIBUTOR", merged="2024-01-05T00:00:00Z", pull=True)])
    return tmp_path


def test_pull_request_states_follow_the_default_branch(small_corpus: Path) -> None:
    records = list(corpus.records(small_corpus, CorpusSelection(repos=("acme/tool",))))
    pulls = {t.number: t for t in records if isinstance(t, Thread)}
    assert {n: (t.author, t.state) for n, t in pulls.items()} == {
        1: ("ann", "merged"), 2: ("bo@example.org", "merged"), 3: ("bo@example.org", "merged"),
        4: ("fay@example.org", "closed")}
    assert pulls[1].merged_at == datetime(2024, 3, 1, 8, tzinfo=UTC)   # the merge commit
    assert pulls[2].merged_at == datetime(2024, 2, 20, tzinfo=UTC)     # the squash "(#2)"
    assert pulls[4].closed_at is None and pulls[4].merged_at is None
    commits = {c.sha: c for c in records if isinstance(c, Commit)}
    assert commits["s2"].authored_at == datetime(2011, 8, 17, 12, 38, 50, tzinfo=UTC)
    assert commits["s1"].author == "cy" and commits["m2"].is_merge
    repository = next(r for r in records if isinstance(r, Repository))
    assert repository.created_at == commits["s1"].authored_at
    assert repository.owner_type is None


def test_hub_history_drops_commits_made_on_a_github_mirror(small_corpus: Path) -> None:
    records = list(corpus.records(small_corpus, CorpusSelection(repos=("org/model",))))
    assert [c.sha for c in records if isinstance(c, Commit)] == ["c1"]
    assert [r.repo for r in records if isinstance(r, Repository)] == ["org/model"]
    assert [(d.child, d.parent, d.relation, d.relation_source)
            for d in records if isinstance(d, Derivation)] == [
        ("org/model", "base/llm", "finetune", "tag")]


def test_raw_issues_give_threads_members_and_associations(small_corpus: Path) -> None:
    records = list(corpus.records(small_corpus, CorpusSelection(repos=("acme/lib",))))
    threads = {t.number: t for t in records if isinstance(t, Thread)}
    assert len(threads) == 3 == sum(isinstance(r, Thread) for r in records)
    assert [m for m in records if isinstance(m, Membership)] == [
        Membership("github", "acme", "maintainer")]
    world = World.from_records(records)
    assert [world.role("github", "acme/lib", login) for login in
            ("acme", "maintainer", "dev", "user")] == ["owner", "member", "contributor", "none"]
    assert next(r for r in records if isinstance(r, Repository)).owner_type == "organization"


def test_models_are_drawn_deterministically(small_corpus: Path) -> None:
    def hub(selection: CorpusSelection) -> list[str]:
        return [r.repo for r in corpus.records(small_corpus, selection)
                if isinstance(r, Repository) and r.platform == "huggingface"]

    assert sorted(hub(CorpusSelection())) == ["org/model", "x/other"]
    assert hub(CorpusSelection(repos=(), models=1)) == hub(CorpusSelection(repos=(), models=1))
    assert len(hub(CorpusSelection(repos=(), models=1))) == 1
    assert hub(CorpusSelection(repos=("acme/lib",))) == []


def test_a_file_without_the_expected_columns_is_a_one_line_error(tmp_path: Path) -> None:
    write_csv(tmp_path / corpus.COMMITS_FILE, ["repo", "sha"], [["a/b", "0" * 40]])
    with pytest.raises(ConfigError, match="missing columns author_email, author_name, authored_at"):
        list(corpus.records(tmp_path))
    write_csv(tmp_path / corpus.COMMITS_FILE, COMMIT_COLUMNS, [["gitlab", "a/b"] + [""] * 9])
    with pytest.raises(ConfigError, match="line 2: unknown platform 'gitlab'"):
        list(corpus.records(tmp_path))
