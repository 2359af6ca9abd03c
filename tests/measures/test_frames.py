"""The measured repositories are the study's: its frames' plus git imports. A Hub metadata
dump adds lineage, not measured repositories; ``--frame NAME`` measures one frame."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crossforge import api
from crossforge.cli import app
from crossforge.errors import ConfigError
from crossforge.records import Comment, Commit, Repository, Thread
from crossforge.sources import github, hub
from crossforge.store import Store

START = datetime(2023, 5, 1, tzinfo=UTC)
SAMPLED = ("lab/base", "alice/tuned")
OTHER = ("acme/tool",)


def repository_records(platform: str, repo: str, people: int) -> list[object]:
    """A repository with ``people`` committers and a discussion answered by its owner."""
    kind = "model" if platform == "huggingface" else "code"
    owner = repo.split("/")[0]
    records: list[object] = [Repository(platform, repo, kind, owner, "user", START, START, 7)]
    records += [Commit(platform, repo, f"{repo}{i}".encode().hex()[:40].ljust(40, "0"),
                       f"dev{i}" if i else owner, None, None, START + timedelta(days=i), None,
                       None, None, START + timedelta(days=i)) for i in range(people)]
    records.append(Thread(platform, repo, 1, "discussion", "q", "b", "visitor",
                          state="open", created_at=START))
    records.append(Comment(platform, repo, 1, f"{repo}-c1", owner, START + timedelta(hours=2),
                           "answer"))
    return records


def dump_rows() -> list[dict]:
    """Ten dumped models, four of them fine-tunes of the sampled base (the Hub's API shape)."""
    return [{"id": f"crowd/m{i}", "author": "crowd", "createdAt": "2023-06-01T00:00:00.000Z",
             "likes": i, "downloads": 10 * i,
             "tags": ["transformers"] + (["base_model:finetune:lab/base"] if i < 4 else [])}
            for i in range(10)]


@pytest.fixture
def study(tmp_path: Path) -> Path:
    """Frame ``main`` (two Hub models), frame ``other`` (one GitHub repository) and a
    metadata dump of ten other models."""
    db = tmp_path / "study.duckdb"
    with Store(db) as store:
        for repo, people in zip(SAMPLED, (3, 2), strict=True):
            store.write(api._provenance(hub.SOURCE, "test"),
                        repository_records("huggingface", repo, people))
        store.write(api._provenance(github.SOURCE, "test"),
                    repository_records("github", OTHER[0], 4))
        store.write_frame("main", "huggingface", list(SAMPLED), {"method": "list"})
        store.write_frame("other", "github", list(OTHER), {"method": "list"})
    dump = tmp_path / "dump.jsonl"
    dump.write_text("".join(json.dumps(row) + "\n" for row in dump_rows()), encoding="utf-8")
    api.import_hub_metadata(dump, db=db)
    return db


def test_a_metadata_dump_adds_lineage_not_measured_repositories(study: Path,
                                                                 tmp_path: Path) -> None:
    result = api.measure(study, tmp_path / "out", n_bootstrap=20)
    assert sorted(result.repositories["repo"]) == sorted(SAMPLED + OTHER)
    assert result.summary["platforms"]["huggingface"]["repositories"] == 2
    lineage = (tmp_path / "out" / "derivations.csv").read_text(encoding="utf-8")
    assert sum(line.startswith("crowd/m") for line in lineage.splitlines()) == 4


def test_frame_option_measures_that_frame_only(study: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["measure", "--db", str(study), "--out",
                                      str(tmp_path / "other"), "--frame", "other"])
    assert result.exit_code == 0, result.output
    assert "github: 1 repositories" in result.output
    assert "huggingface" not in result.output
    main = api.measure(study, tmp_path / "main", n_bootstrap=20, frame="main")
    assert sorted(main.repositories["repo"]) == sorted(SAMPLED)
    assert main.networks["huggingface"]["co_contribution"]["nodes"] == 4  # 3 + 2, dev0 twice
    with pytest.raises(ConfigError, match="no frame 'nope' in the store"):
        api.measure(study, tmp_path / "bad", frame="nope")


def test_git_imports_are_measured_beside_the_frames(study: Path, git_builder,
                                                    tmp_path: Path) -> None:
    git_builder.commit("Ann", "ann@example.org", "first")
    git_builder.commit("Bo", "bo@example.org", "second")
    api.import_git(git_builder.path, repo="local/clone", platform="github", db=study)
    result = api.measure(study, tmp_path / "out", n_bootstrap=20)
    assert "local/clone" in set(result.repositories["repo"])
    assert not any(r.startswith("crowd/") for r in result.repositories["repo"])


def test_without_frames_everything_stored_is_measured(tmp_path: Path) -> None:
    from crossforge.measures.engine import restrict_repositories

    db = tmp_path / "plain.duckdb"
    with Store(db) as store:
        for repo in SAMPLED:
            store.write(api._provenance(hub.SOURCE, "test"),
                        repository_records("huggingface", repo, 2))
        assert restrict_repositories(store) == 0
    result = api.measure(db, tmp_path / "out", n_bootstrap=20)
    assert sorted(result.repositories["repo"]) == sorted(SAMPLED)
