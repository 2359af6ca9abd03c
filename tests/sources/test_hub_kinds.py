"""Hub datasets and spaces: the emulator serves them as the Hub does (the official client parses
every answer), and sampling and collection take them through the models' code path, stored
with their kind and kept apart from a model of the same name."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crossforge import api
from crossforge.cli import app
from crossforge.emulator import Emulator
from crossforge.records import Account, Comment, Commit, Membership, Repository, Thread
from crossforge.sources.hub import EXPANDS, api_path, owner, repo_key, repo_type
from crossforge.store import Store

hf = pytest.importorskip("huggingface_hub", reason="the official Hub client is a test dependency")

RUNNER = CliRunner()
START = datetime(2024, 5, 1, tzinfo=UTC)
SHARED_NAME = "acme/corpus"          # a model and a dataset of the same name
DATASET = repo_key("dataset", SHARED_NAME)
SPACE = repo_key("space", "bob/demo")


def world() -> list[object]:
    """A model and a dataset named alike, a dataset with more commits and discussions than a
    page (50) holds, a space, and a few small datasets; ``acme`` is an organisation."""
    records: list[object] = [
        Account("huggingface", "acme", "organization"),
        Membership("huggingface", "acme", "alice"),
        Repository("huggingface", SHARED_NAME, "model", "acme", "organization", START, START,
                   3, downloads=10),
        Repository("huggingface", DATASET, "dataset", "acme", "organization", START, START, 9,
                   downloads=700, license="cc-by-4.0"),
        Repository("huggingface", SPACE, "space", "bob", "user", START, START, 4),
    ]
    records += [Repository("huggingface", repo_key("dataset", f"small/set-{i}"), "dataset",
                           "small", "user", START + timedelta(days=i), popularity=i,
                           downloads=i * 10) for i in range(5)]
    records += [Commit("huggingface", DATASET, f"{i:040x}", "alice" if i % 3 else "carol",
                       None, None, START + timedelta(hours=i), None, None, None,
                       START + timedelta(hours=i), subject=f"data {i}") for i in range(75)]
    records += [Commit("huggingface", SHARED_NAME, f"{i + 500:040x}", "alice", None, None,
                       START + timedelta(hours=i), None, None, None,
                       START + timedelta(hours=i), subject=f"model {i}") for i in range(2)]
    records += [Commit("huggingface", SPACE, f"{i + 900:040x}", "bob", None, None,
                       START + timedelta(hours=i), None, None, None,
                       START + timedelta(hours=i), subject=f"app {i}") for i in range(3)]
    for number in range(1, 56):
        when = START + timedelta(days=number)
        merged = number % 5 == 0
        records.append(Thread("huggingface", DATASET, number,
                              "pull_request" if number % 2 else "discussion", f"t{number}",
                              "text", "carol" if number % 4 else "alice",
                              state="merged" if merged else "open", created_at=when,
                              closed_at=when + timedelta(hours=3) if merged else None,
                              merged_at=when + timedelta(hours=3) if merged else None))
        records.append(Comment("huggingface", DATASET, number, f"c{number}", "alice",
                               when + timedelta(hours=1), "thanks"))
    records.append(Thread("huggingface", SPACE, 1, "discussion", "broken?", "it fails",
                          "carol", state="open", created_at=START))
    return records


WORLD = world()


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator.from_records(WORLD, listing_page=3) as running:
        yield running


def test_repository_keys_carry_the_hubs_url_prefix() -> None:
    assert repo_type(DATASET) == ("dataset", SHARED_NAME)
    assert repo_type(SHARED_NAME) == ("model", SHARED_NAME)
    assert repo_type(SPACE) == ("space", "bob/demo")
    assert api_path(DATASET) == "/api/datasets/acme/corpus"
    assert owner(DATASET) == owner(SHARED_NAME) == "acme"
    assert repo_key(*repo_type(SPACE)) == SPACE


def test_huggingface_hub_parses_datasets_and_spaces(emulator: Emulator) -> None:
    client = hf.HfApi(endpoint=emulator.url)
    datasets = list(client.list_datasets(expand=list(EXPANDS["dataset"])))  # 3 a page
    assert sorted(d.id for d in datasets) == sorted(
        repo_type(r.repo)[1] for r in WORLD if isinstance(r, Repository) and r.kind == "dataset")
    corpus = next(d for d in datasets if d.id == SHARED_NAME)
    assert (corpus.likes, corpus.downloads, corpus.author) == (9, 700, "acme")
    assert corpus.created_at == START and corpus.card_data.license == "cc-by-4.0"
    spaces = list(client.list_spaces(expand=list(EXPANDS["space"])))
    assert [(s.id, s.likes, s.sdk) for s in spaces] == [("bob/demo", 4, "gradio")]
    assert [m.id for m in client.list_models()] == [SHARED_NAME]
    assert client.dataset_info(SHARED_NAME).downloads == 700
    assert client.space_info("bob/demo").author == "bob"
    commits = client.list_repo_commits(SHARED_NAME, repo_type="dataset")
    assert len(commits) == 75 and commits[0].title == "data 74"
    assert len(client.list_repo_commits(SHARED_NAME)) == 2  # the model's, not the dataset's
    discussions = list(client.get_repo_discussions(SHARED_NAME, repo_type="dataset"))
    assert len(discussions) == 55 and {d.repo_type for d in discussions} == {"dataset"}
    details = client.get_discussion_details(SHARED_NAME, 5, repo_type="dataset")
    assert details.status == "merged" and details.events[0].type == "comment"
    space_threads = list(client.get_repo_discussions("bob/demo", repo_type="space"))
    assert [(d.num, d.repo_type, d.author) for d in space_threads] == [(1, "space", "carol")]


def sample_and_collect(emulator: Emulator, tmp: Path, kind: str) -> Path:
    db, raw = tmp / "db.duckdb", tmp / "raw"
    result = RUNNER.invoke(app, ["sample", "huggingface", "--kind", kind, "--endpoint",
                                 emulator.url, "--db", str(db), "--raw", str(raw)])
    assert result.exit_code == 0, result.output
    result = RUNNER.invoke(app, ["collect", "--db", str(db), "--raw", str(raw), "--hub-url",
                                 emulator.url, "--github-url", emulator.url])
    assert result.exit_code == 0, result.output
    return db


def test_datasets_are_sampled_and_collected_with_their_kind(emulator: Emulator,
                                                            tmp_path: Path) -> None:
    emulator.log.clear()
    db = sample_and_collect(emulator, tmp_path, "datasets")
    endpoints = Counter(c.endpoint for c in emulator.log)
    assert endpoints["/api/datasets"] == 1                   # 1,000 a page
    assert endpoints["/api/datasets/{owner}/{repo}"] == 0    # the listing held their info
    assert endpoints["/api/datasets/{owner}/{repo}/commits/{revision}"] == 2 + 5
    assert not any(e.startswith("/api/models") for e in endpoints)
    with Store(db, read_only=True) as store:
        frame = store.query("SELECT repo, params FROM frames ORDER BY position").fetchall()
        repos = store.query("SELECT repo, kind, owner, owner_type, popularity, downloads, "
                            "license FROM repositories ORDER BY repo").fetchall()
        commits = dict(store.query("SELECT repo, count(*) FROM commits GROUP BY repo")
                       .fetchall())
        threads = store.query("SELECT count(*), count(*) FILTER (WHERE state = 'merged'), "
                              "min(repo), max(repo) FROM threads").fetchone()
        comments = store.query("SELECT count(*) FROM comments").fetchone()[0]
        tasks = Counter(t for (t,) in store.query("SELECT task FROM collection_tasks "
                                                  "WHERE state = 'done'").fetchall())
    assert len(frame) == 6 and all(r.startswith("datasets/") for r, _ in frame)
    assert json.loads(frame[0][1])["kind"] == "dataset"
    assert (DATASET, "dataset", "acme", "organization", 9, 700, "cc-by-4.0") in repos
    assert {kind for _, kind, *_ in repos} == {"dataset"}
    assert commits == {DATASET: 75}
    assert threads == (55, 11, DATASET, DATASET) and comments == 55
    assert tasks["dataset"] == 6 and tasks["model"] == 0
    rebuilt = tmp_path / "rebuilt.duckdb"
    api.rebuild(tmp_path / "raw", rebuilt)
    with Store(rebuilt, read_only=True) as store:
        assert store.query("SELECT repo, kind, owner, owner_type, popularity, downloads, "
                           "license FROM repositories ORDER BY repo").fetchall() == repos


def test_spaces_and_a_model_of_a_datasets_name_stay_apart(emulator: Emulator,
                                                          tmp_path: Path) -> None:
    db = sample_and_collect(emulator, tmp_path / "spaces", "spaces")
    with Store(db, read_only=True) as store:
        assert store.query("SELECT repo, kind, owner_type, downloads FROM repositories"
                           ).fetchall() == [(SPACE, "space", "user", None)]
        assert store.query("SELECT count(*) FROM commits WHERE repo = ?", [SPACE]
                           ).fetchone()[0] == 3
        assert store.query("SELECT repo, author FROM threads").fetchall() == [(SPACE, "carol")]
    db = sample_and_collect(emulator, tmp_path / "models", "models")
    with Store(db, read_only=True) as store:
        assert store.query("SELECT repo, kind, popularity FROM repositories").fetchall() == [
            (SHARED_NAME, "model", 3)]
        assert store.query("SELECT count(*) FROM commits").fetchone()[0] == 2


def test_kind_is_a_hub_listing_option(tmp_path: Path) -> None:
    for arguments in (["sample", "github", "--kind", "datasets"],
                      ["sample", "huggingface", "--kind", "papers"]):
        result = RUNNER.invoke(app, [*arguments, "--db", str(tmp_path / "x.duckdb")])
        assert result.exit_code == 2 and "--kind" in result.output, result.output
        assert "Traceback" not in result.output


def test_a_hub_list_mixes_models_datasets_and_spaces(emulator: Emulator, tmp_path: Path) -> None:
    listing = tmp_path / "hub.txt"
    listing.write_text(f"{SHARED_NAME}\n{DATASET}  # the dataset of the same name\n{SPACE}\n")
    db, raw = tmp_path / "db.duckdb", tmp_path / "raw"
    result = RUNNER.invoke(app, ["sample", "huggingface", "--from-list", str(listing), "--db",
                                 str(db)])
    assert result.exit_code == 0, result.output
    result = RUNNER.invoke(app, ["collect", "--db", str(db), "--raw", str(raw), "--hub-url",
                                 emulator.url, "--github-url", emulator.url])
    assert result.exit_code == 0, result.output
    assert "huggingface: 3 repositories collected" in result.output
    with Store(db, read_only=True) as store:
        assert store.query("SELECT repo, kind FROM repositories ORDER BY repo").fetchall() == [
            (SHARED_NAME, "model"), (DATASET, "dataset"), (SPACE, "space")]
        assert dict(store.query("SELECT repo, count(*) FROM commits GROUP BY repo")
                    .fetchall()) == {SHARED_NAME: 2, DATASET: 75, SPACE: 3}
    github_list = tmp_path / "github.txt"
    github_list.write_text(f"{DATASET}\n")
    refused = RUNNER.invoke(app, ["sample", "github", "--from-list", str(github_list), "--db",
                                  str(tmp_path / "g.duckdb")])
    assert refused.exit_code == 2 and "malformed repository id" in refused.output
