"""A stored frame is the sample's record (its draw order and parameters): sampling again into
the same frame and platform replaces it only with ``--replace``, and an empty draw never does."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crossforge.cli import app
from crossforge.errors import ConfigError
from crossforge.store import Store

RUNNER = CliRunner()
GITHUB = ["psf/requests", "pallets/flask", "numpy/numpy", "pandas-dev/pandas"]
HUB = ["google-bert/bert-base-uncased", "openai-community/gpt2"]


def _frame(db: Path, frame: str = "main") -> list[tuple[str, str, str]]:
    """The frame's rows in order, with each row's parameters (JSON)."""
    with Store(db, read_only=True) as store:
        return [tuple(row) for row in store.query(
            "SELECT platform, repo, params FROM frames WHERE frame = ? "
            "ORDER BY platform, position", [frame]).fetchall()]


def _sample(*arguments: str):
    return RUNNER.invoke(app, ["sample", *arguments])


@pytest.fixture
def sampled(tmp_path: Path) -> Path:
    """A store whose frame ``main`` holds a GitHub draw (seed 1) and a Hub list."""
    (tmp_path / "github.txt").write_text("\n".join(GITHUB) + "\n", encoding="utf-8")
    (tmp_path / "hub.txt").write_text("\n".join(HUB) + "\n", encoding="utf-8")
    db = tmp_path / "study.duckdb"
    for platform, listing, seed in (("github", "github.txt", "1"), ("huggingface", "hub.txt",
                                                                   "0")):
        result = _sample(platform, "--from-list", str(tmp_path / listing), "--seed", seed,
                         "--db", str(db))
        assert result.exit_code == 0, result.output
    return db


def test_sampling_into_an_existing_frame_is_refused_without_replace(sampled: Path) -> None:
    before = _frame(sampled)
    refused = _sample("github", "--from-list", str(sampled.with_name("github.txt")),
                      "--seed", "2", "--size", "2", "--db", str(sampled))
    assert refused.exit_code == 2, refused.output
    message = refused.output.strip()
    assert "\n" not in message and "Traceback" not in message
    assert "frame 'main' already holds 4 github repositories" in message
    assert "--replace" in message
    assert _frame(sampled) == before  # order and parameters kept
    another = _sample("github", "--from-list", str(sampled.with_name("github.txt")),
                      "--size", "2", "--frame", "pilot", "--db", str(sampled))
    assert another.exit_code == 0, another.output  # a new frame needs no --replace
    assert _frame(sampled) == before


def test_replace_swaps_only_that_platforms_part_and_says_so(sampled: Path) -> None:
    before = _frame(sampled)
    replaced = _sample("github", "--from-list", str(sampled.with_name("github.txt")),
                       "--seed", "2", "--size", "2", "--replace", "--db", str(sampled))
    assert replaced.exit_code == 0, replaced.output
    said = " ".join(replaced.output.split())  # the console wraps long lines
    assert "2 github repositories drawn" in said and "replacing its 4 earlier ones" in said
    after = _frame(sampled)
    github = [row for row in after if row[0] == "github"]
    assert len(github) == 2 and json.loads(github[0][2])["seed"] == 2
    assert [row for row in after if row[0] == "huggingface"] == [
        row for row in before if row[0] == "huggingface"]


def test_an_empty_draw_never_replaces_a_frame(sampled: Path, tmp_path: Path) -> None:
    before = _frame(sampled)
    plain = _sample("github", "--from-list", str(sampled.with_name("github.txt")),
                    "--size", "0", "--db", str(sampled))
    assert plain.exit_code == 2 and _frame(sampled) == before
    empty = _sample("github", "--from-list", str(sampled.with_name("github.txt")),
                    "--size", "0", "--replace", "--db", str(sampled))
    assert empty.exit_code == 2, empty.output
    assert "the draw is empty (4 in the population, 4 eligible, --size 0)" in " ".join(
        empty.output.split())
    not_a_dump = tmp_path / "notes.json.gz"
    not_a_dump.write_bytes(gzip.compress(b"these are my notes, not GH Archive events\n"))
    archive = _sample("github", "--from-gharchive", str(not_a_dump), "--replace",
                      "--db", str(sampled))
    assert archive.exit_code == 2, archive.output
    assert "the draw is empty" in archive.output and "Traceback" not in archive.output
    assert _frame(sampled) == before


def test_the_store_refuses_to_overwrite_a_frame_unless_asked(sampled: Path) -> None:
    before = _frame(sampled)
    with Store(sampled) as store:
        with pytest.raises(ConfigError, match="--replace"):
            store.write_frame("main", "huggingface", ["acme/model"], {"method": "list"})
        assert _rows(store) == before
        store.write_frame("main", "huggingface", ["acme/model"], {"method": "list"},
                          replace=True)
        assert store.read_frame("main")[-1] == ("huggingface", "acme/model")


def _rows(store: Store) -> list[tuple[str, str, str]]:
    return [tuple(row) for row in store.query(
        "SELECT platform, repo, params FROM frames WHERE frame = 'main' "
        "ORDER BY platform, position").fetchall()]
