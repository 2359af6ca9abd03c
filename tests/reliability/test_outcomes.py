"""What a repository's collection ends as (docs/collection.md, "How a task ends"): nothing is
lost and nothing is silent. Discussion details that keep failing fail their task (and the
next run fetches them); a wrong base URL stops the run without marking the frame missing;
the Hub's 401s and 403s are missing, inaccessible or fatal as ``huggingface_hub`` reads
them; a model card cut short is asked again, then failed, never stored as complete."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from crossforge.cli import app, collection_exit_code, collection_report
from crossforge.collection.collector import CollectionSummary
from crossforge.emulator import Emulator
from crossforge.records import Repository, Thread
from crossforge.sources.raw import RawStore
from crossforge.store import Store
from crossforge.worlds import synthetic
from tests.reliability.helpers import FRAME, WORLD, collect, contents, error_lines, framed_db

RUNNER = CliRunner()
#: The reliability world with a SYNTHETIC model card for every Hub model.
CARDS = [*WORLD, *(d for d in synthetic.generate_documents(WORLD) if d.platform == "huggingface")]
MODELS = sorted(r.repo for r in WORLD if isinstance(r, Repository) and r.platform == "huggingface"
                and r.kind == "model")
#: What a card gives besides its text: documentation features, links, datasets.
CARD_TABLES = ("documentation", "project_links", "dataset_links")


def cli_collect(folder: Path, github_url: str, hub_url: str, *, hub_token: str = "hf-test",
                strict: bool = True) -> tuple[int, str]:
    """``crossforge collect`` into ``folder`` (framed on first use); exit code and output."""
    if not (folder / "db.duckdb").exists():
        folder.mkdir(parents=True, exist_ok=True)
        framed_db(folder / "db.duckdb")
    result = RUNNER.invoke(app, [
        "collect", "--db", str(folder / "db.duckdb"), "--raw", str(folder / "raw"),
        "--github-url", github_url, "--hub-url", hub_url, *(["--strict"] if strict else [])],
        env={"GITHUB_TOKEN": "gh-test", "HF_TOKEN": hub_token})
    return result.exit_code, result.output


def task_states(db: Path, platform: str = "huggingface") -> dict[tuple[str, str], str]:
    with Store(db, read_only=True) as store:
        return {(repo, task): state for repo, task, state in store.query(
            "SELECT repo, task, state FROM collection_tasks WHERE platform = ?",
            [platform]).fetchall()}


def card_rows(db: Path) -> dict[str, list[tuple]]:
    with Store(db, read_only=True) as store:
        return {table: store.query(f"SELECT * EXCLUDE (provenance_id) FROM {table} "
                                   "ORDER BY ALL").fetchall() for table in CARD_TABLES}


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The world with cards, collected without faults: the baseline."""
    with Emulator.from_records(CARDS) as emulator:
        db, _ = collect(emulator.url, tmp_path_factory.mktemp("clean"))
    return db


def test_discussion_details_that_keep_failing_fail_the_task_until_fetched(
        tmp_path: Path, clean: Path) -> None:
    thread = next(r for r in WORLD if isinstance(r, Thread) and r.platform == "huggingface")
    path = f"/api/models/{thread.repo}/discussions/{thread.number}"
    summaries: list[CollectionSummary] = []
    with Emulator.from_records(CARDS, faults=f"500:1@{path}") as emulator:
        db, _ = collect(emulator.url, tmp_path, summaries=summaries)
    assert collection_exit_code(summaries[0], strict=True) == 1
    assert f"{thread.repo}: discussions: GET {path}: answered 500" in "\n".join(
        collection_report(summaries[0]))
    assert task_states(db)[(thread.repo, "discussions")] == "failed"
    with Store(db, read_only=True) as store:
        assert store.query("SELECT task FROM collection_failures WHERE repo = ?",
                           [thread.repo]).fetchall() == [("discussions",)]
    stored, baseline = contents(db), contents(clean)
    missed = [row for row in baseline["threads"] if row[:3] == (
        "huggingface", thread.repo, thread.number)]
    assert len(missed) == 1 and missed[0] not in stored["threads"]
    # nothing else is lost: every other thread is stored, the repository's too
    assert sorted(set(baseline["threads"]) - set(stored["threads"])) == missed
    with Emulator.from_records(CARDS) as emulator:
        collect(emulator.url, tmp_path, summaries=summaries)
        asked = emulator.requests["/api/models/{owner}/{repo}/discussions/{num}"]
    assert collection_exit_code(summaries[1], strict=True) == 0
    assert asked == 1    # only the details that failed
    assert contents(db) == baseline


@pytest.mark.parametrize("wrong", ["/api", "/?page=1"])
def test_a_wrong_hub_url_stops_the_run_and_marks_nothing_missing(
        tmp_path: Path, clean: Path, wrong: str) -> None:
    with Emulator.from_records(CARDS) as emulator:
        bad = emulator.url + wrong
        code, output = cli_collect(tmp_path, emulator.url, bad)
        assert code == 2, output
        assert len(error_lines(output)) == 1 and "Traceback" not in output
        assert f"none of the frame's repositories was found at {bad.rstrip('/')}" in output
        assert "nothing was recorded as missing" in output
        states = task_states(tmp_path / "db.duckdb")
        assert "missing" not in states.values() and "done" not in states.values()
        assert set(task_states(tmp_path / "db.duckdb", "github").values()) == {"done"}
        code, output = cli_collect(tmp_path, emulator.url, emulator.url)
    assert code == 0, output
    assert f"huggingface: {len([r for p, r in FRAME if p == 'huggingface'])} repositories " \
           "collected" in output
    assert contents(tmp_path / "db.duckdb") == contents(clean)


def test_a_missing_repository_among_found_ones_is_still_missing(tmp_path: Path) -> None:
    """The guard against a wrong URL does not hide a repository that is really gone: the
    Hub answers a caller without a token 401 for it, which is missing (not retried, not a
    failure); the frame's other repositories are collected."""
    gone = "user00/deleted-model"
    frame = [*FRAME, ("huggingface", gone)]
    framed_db(tmp_path / "db.duckdb", frame)
    with Emulator.from_records(CARDS, hub_hides_missing=True) as emulator:
        code, output = cli_collect(tmp_path, emulator.url, emulator.url, hub_token="")
        assert code == 0, output
        assert f"huggingface: 1 missing ({gone})" in output
        assert task_states(tmp_path / "db.duckdb")[(gone, "model")] == "missing"
        # the same frame, missing alone: the run stops instead of recording it
        alone = tmp_path / "alone"
        alone.mkdir()
        framed_db(alone / "db.duckdb", [("huggingface", gone)])
        code, output = cli_collect(alone, emulator.url, emulator.url, hub_token="")
    assert code == 2 and "answered missing, e.g. 401 for /api/models/" + gone in output
    assert task_states(alone / "db.duckdb") == {}


def test_a_gated_card_is_missing_without_a_token_and_inaccessible_with_one(
        tmp_path: Path) -> None:
    gated = MODELS[0]
    with Emulator.from_records(CARDS, gated=[gated]) as emulator:
        code, output = cli_collect(tmp_path / "anonymous", emulator.url, emulator.url,
                                   hub_token="")
        assert code == 0, output
        assert task_states(tmp_path / "anonymous" / "db.duckdb")[(gated, "card")] == "missing"
        code, output = cli_collect(tmp_path / "token", emulator.url, emulator.url)
        assert code == 0, output    # --strict: inaccessible is not a failure
        assert f"huggingface: 1 inaccessible to this token, not retried ({gated} card)" \
            in output
        db = tmp_path / "token" / "db.duckdb"
        assert task_states(db)[(gated, "card")] == "inaccessible"
        before = emulator.requests["/{owner}/{repo}/resolve/{revision}/README.md"]
        code, output = cli_collect(tmp_path / "token", emulator.url, emulator.url)
        assert code == 0 and emulator.requests[
            "/{owner}/{repo}/resolve/{revision}/README.md"] == before    # not asked again
    with Store(db, read_only=True) as store:
        assert store.query("SELECT count(*) FROM collection_failures").fetchone()[0] == 0


def test_a_refused_hub_token_stops_the_run(tmp_path: Path) -> None:
    with Emulator.from_records(CARDS, rejected_tokens={"hf-revoked"}) as emulator:
        code, output = cli_collect(tmp_path, emulator.url, emulator.url,
                                   hub_token="hf-revoked")
    assert code == 2 and len(error_lines(output)) == 1
    assert "huggingface refused the credentials (401 Invalid credentials in Authorization " \
           "header)" in output and "hf-revoked" not in output
    assert "missing" not in task_states(tmp_path / "db.duckdb").values()


@pytest.mark.parametrize("kind", ["truncate", "invalid"])
def test_a_card_cut_short_is_failed_never_stored(tmp_path: Path, clean: Path,
                                                 kind: str) -> None:
    """``truncate``: the body stops short of its Content-Length; ``invalid``: a complete
    answer of half the card (its Content-Length too), which only its ETag tells."""
    summaries: list[CollectionSummary] = []
    with Emulator.from_records(CARDS, faults=f"{kind}:1@/*/*/resolve/**") as emulator:
        db, _ = collect(emulator.url, tmp_path, summaries=summaries)
    assert collection_exit_code(summaries[0], strict=True) == 1
    assert sorted(summaries[0].failed["huggingface"]) == MODELS
    states = task_states(db)
    assert {states[(model, "card")] for model in MODELS} == {"failed"}
    assert contents(db) == contents(clean)    # everything else is whole
    raw = RawStore(tmp_path / "raw")
    assert not [r for r in raw if r.kind == "hub.card"]    # no half card is kept either
    raw.close()
    with Emulator.from_records(CARDS, faults=f"{kind}:0.3@/*/*/resolve/**,seed=5") as emulator:
        collect(emulator.url, tmp_path, summaries=summaries)
        assert emulator.faults is not None and emulator.faults.produced[kind] > 0
    assert collection_exit_code(summaries[1], strict=True) == 0
    assert card_rows(db) == card_rows(clean)
    assert contents(db) == contents(clean)


@pytest.mark.parametrize("wrong", ["/api", "/?page=1"])
def test_a_wrong_github_url_stops_the_run_and_marks_nothing_missing(
        tmp_path: Path, clean: Path, wrong: str) -> None:
    """GitHub's GraphQL endpoint under a wrong base URL answers 404 as a whole (not one
    repository's ``NOT_FOUND``): the frame is not failed nor missing; the run stops in one
    line naming the URL, and a run with the right URL collects everything."""
    with Emulator.from_records(CARDS) as emulator:
        bad = emulator.url + wrong
        code, output = cli_collect(tmp_path, bad, emulator.url)
        assert code == 2, output
        assert len(error_lines(output)) == 1 and "Traceback" not in output
        assert f"none of the frame's repositories was found at {bad.rstrip('/')}" in output
        assert "nothing was recorded as missing" in output
        assert task_states(tmp_path / "db.duckdb", "github") == {}
        code, output = cli_collect(tmp_path, emulator.url, emulator.url)
    assert code == 0, output
    assert contents(tmp_path / "db.duckdb") == contents(clean)


@pytest.mark.parametrize(("kind", "path", "status", "token", "expected"), [
    ("hub.model", "/api/models/a/b", 404, True, "missing"),
    ("hub.model", "/api/models/a/b", 410, False, "missing"),
    ("github.commits", "/repos/a/b/commits", 451, True, "missing"),
    ("hub.model", "/api/models/a/b", 401, False, "missing"),     # deleted or private
    ("hub.model", "/api/models/a/b", 401, True, "inaccessible"),  # private to this token
    ("hub.card", "/a/b/resolve/main/README.md", 403, True, "inaccessible"),  # gated
    ("hub.card", "/a/b/resolve/main/README.md", 401, False, "missing"),
    ("github.issues", "/repos/a/b/issues", 403, True, "inaccessible"),
    ("hub.model", "/api/models/a/b", 403, False, None),           # failed, retried
    ("hub.members", "/api/organizations/a/members", 401, False, None),  # no repository
    ("hub.model", "/api/models/a/b", 502, True, None),
])
def test_how_an_answer_without_data_ends_its_task(kind: str, path: str, status: int,
                                                  token: bool, expected: str | None) -> None:
    """The rule of docs/collection.md § How a task ends, answer by answer."""
    from crossforge.collection.answers import ending
    from crossforge.sources.raw import RawResponse

    answer = RawResponse(kind, {"repo": "a/b"}, "GET", f"https://host{path}", status, {}, "{}")
    assert ending(answer, token) == expected
