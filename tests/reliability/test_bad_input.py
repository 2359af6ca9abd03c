"""Bad input to sampling and collection: malformed frame files, unknown repositories, an
unreachable endpoint, a database from a newer schema, a full disk. Each is one line on
stderr with exit code 2, and whatever was collected before is still there."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from crossforge import api
from crossforge.cli import app
from crossforge.sources.http import ApiClient
from crossforge.store import SCHEMA_VERSION
from tests.reliability.helpers import (
    FRAME,
    contents,
    error_lines,
    framed_db,
    mounted_tmpfs,
    served,
)

RUNNER = CliRunner()


def one_line_error(result: object, *phrases: str) -> None:
    output = result.output  # type: ignore[attr-defined]
    assert result.exit_code == 2, output  # type: ignore[attr-defined]
    assert "Traceback" not in output and len(error_lines(output)) == 1, output
    for phrase in phrases:
        assert phrase in output, output


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "bad-input-test")
    monkeypatch.setenv("HF_TOKEN", "bad-input-test")


def collect_cli(db: Path, url: str, *extra: str) -> object:
    return RUNNER.invoke(app, ["collect", "--db", str(db), "--raw", str(db.parent / "raw"),
                               "--github-url", url, "--hub-url", url, *extra])


@pytest.mark.parametrize(("content", "phrase"), [
    (b"psf/requests\nnot a repository id\n", "line 2: malformed repository id"),
    (b"psf/requests/extra\n", "line 1: malformed repository id"),
    (b"\xff\xfe\x00\x01binary", "cannot read list"),
    (b"# only a comment\n\n", "names no repository"),
])
def test_malformed_frame_files_are_one_line_errors(tmp_path: Path, content: bytes,
                                                   phrase: str) -> None:
    listing = tmp_path / "frame.txt"
    listing.write_bytes(content)
    result = RUNNER.invoke(app, ["sample", "github", "--from-list", str(listing), "--db",
                                 str(tmp_path / "db.duckdb")])
    one_line_error(result, phrase)


def test_unknown_repositories_are_reported_missing_and_the_rest_collected(
        tmp_path: Path, env: None) -> None:
    db = framed_db(tmp_path / "db.duckdb", [*FRAME, ("github", "nobody/never-existed"),
                                            ("huggingface", "nobody/no-such-model")])
    with served() as emulator:
        result = collect_cli(db, emulator.url)
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "github: 6 repositories collected" in said
    assert "1 missing (nobody/never-existed)" in said
    assert "1 missing (nobody/no-such-model)" in said


def test_an_unreachable_endpoint_is_one_line_and_loses_nothing(
        tmp_path: Path, env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    db = framed_db(tmp_path / "db.duckdb", FRAME[:6])
    with served() as emulator:
        assert collect_cli(db, emulator.url).exit_code == 0
    before = contents(db)
    framed_db(db, FRAME)  # the frame grows: there is work left to do
    monkeypatch.setattr(api, "ApiClient", functools.partial(ApiClient, sleep=lambda _: None))
    result = collect_cli(db, "http://127.0.0.1:9")
    one_line_error(result, "cannot reach http://127.0.0.1:9", "unreachable")
    assert contents(db) == before


def test_a_database_from_a_newer_schema_is_refused_untouched(tmp_path: Path,
                                                             env: None) -> None:
    db = framed_db(tmp_path / "db.duckdb", FRAME[:4])
    with served() as emulator:
        assert collect_cli(db, emulator.url).exit_code == 0
        commits = contents(db)["commits"]
        with duckdb.connect(str(db)) as con:
            con.execute("INSERT INTO schema_version VALUES (?, now())", [SCHEMA_VERSION + 1])
        result = collect_cli(db, emulator.url)
    one_line_error(result, "newer than this crossforge")
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM commits").fetchone() == (len(commits),)


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    with mounted_tmpfs(tmp_path / "tiny", "size=2m", "simulating a full disk") as disk:
        yield disk


def test_a_full_disk_is_one_line_and_a_resume_after_freeing_space_loses_nothing(
        tiny_disk: Path, tmp_path: Path, env: None) -> None:
    db = framed_db(tiny_disk / "db.duckdb")
    stats = os.statvfs(tiny_disk)
    filler = tiny_disk / "filler"
    filler.write_bytes(b"\0" * (stats.f_bavail * stats.f_frsize - 150_000))
    with served() as emulator:
        (tmp_path / "clean").mkdir()
        clean_db = framed_db(tmp_path / "clean" / "db.duckdb")
        assert collect_cli(clean_db, emulator.url).exit_code == 0
        full = collect_cli(db, emulator.url)
        one_line_error(full, "No space left on device")
        filler.unlink()
        resumed = collect_cli(db, emulator.url)
    assert resumed.exit_code == 0, resumed.output
    assert contents(db) == contents(clean_db)
