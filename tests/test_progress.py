"""What a person watching a long command is told: the demo's stages with their counts, and
``collect``'s credentials, budget and rate-limit waits, also when output is not a terminal."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crossforge import api
from crossforge.cli import app
from crossforge.emulator import limits
from crossforge.records import Commit
from crossforge.sources.http import ApiClient
from crossforge.sources.raw import RawStore
from tests.reliability.helpers import WORLD, framed_db, served

RUNNER = CliRunner()
SECRET = "hf_progressFAKE0123456789"


def _client(platform: str, tokens: list[str], tmp_path: Path) -> ApiClient:
    return ApiClient("http://127.0.0.1:9", platform, RawStore(tmp_path / "raw"), tokens=tokens)


def test_credential_notices_name_the_budget_and_how_to_add_a_token(tmp_path: Path) -> None:
    none = api.credential_notice(_client("github", [""], tmp_path), "GITHUB_TOKEN")
    assert "no token" in none and "60 requests an hour" in none
    assert "export GITHUB_TOKEN=<token>" in none and "--github-app-id" in none
    two = api.credential_notice(_client("github", ["ghp_a", "ghp_b"], tmp_path), "MY_TOKENS")
    assert "2 tokens from $MY_TOKENS: 10,000 requests an hour (5,000 each)" in two
    assert "ghp_a" not in two
    hub = api.credential_notice(_client("huggingface", [SECRET], tmp_path), "HF_TOKEN")
    assert "a token from $HF_TOKEN: 1,000 API calls per 5 minutes" in hub and SECRET not in hub
    anonymous = api.credential_notice(_client("huggingface", [""], tmp_path), "HF_TOKEN")
    assert "500 API calls per 5 minutes" in anonymous and "export HF_TOKEN=<token>" in anonymous


def test_a_wait_notice_says_how_long_from_when_and_until_when() -> None:
    start = datetime(2026, 12, 7, 23, 30, 5, tzinfo=UTC)
    assert api.wait_notice("github", 3_412, start) == (
        "github: rate limit spent; waiting 3,412 s for its reset, from 23:30:05 until "
        "00:26:57 UTC on 2026-12-08")


def test_collect_off_a_terminal_says_its_credentials_and_its_waits_on_stderr(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "GITHUB_WINDOW", 1)       # an anonymous hour of one second
    paged = Counter(c.repo for c in WORLD if isinstance(c, Commit) and c.platform == "github")
    db = framed_db(tmp_path / "db.duckdb", [("github", paged.most_common(1)[0][0])])
    with served(anonymous_limit=1) as emulator:     # GraphQL, then three pages of commits
        result = RUNNER.invoke(app, ["collect", "--db", str(db), "--raw", str(tmp_path / "raw"),
                                     "--github-url", emulator.url, "--hub-url", emulator.url],
                               env={"GITHUB_TOKEN": "", "HF_TOKEN": SECRET})
    assert result.exit_code == 0, result.output
    assert "github: no token ($GITHUB_TOKEN is empty): 60 requests an hour" in result.stderr
    assert "huggingface" not in result.stderr      # not in the frame: nothing to say
    waits = re.findall(r"github: rate limit spent; waiting [\d,]+ s for its reset, from "
                       r"\d\d:\d\d:\d\d until \d\d:\d\d:\d\d UTC", result.stderr)
    assert waits, result.stderr
    assert SECRET not in result.output


def test_the_demo_off_a_terminal_prints_a_line_per_stage_with_its_count(
        tmp_path: Path) -> None:
    result = RUNNER.invoke(app, ["demo", "--out", str(tmp_path), "--repositories", "8"])
    assert result.exit_code == 0, result.output
    stages = [line.split(":")[0] for line in result.stderr.splitlines()]
    assert stages == ["generate", "serve", "collect GitHub", "collect Hub", "collect forum",
                      "classify", "measure", "figures", "report"], result.stderr
    assert "collect GitHub: 8 repositories (" in result.stderr
    assert "collect forum: 16 topics (" in result.stderr
    assert "serve: 16 repositories (" in result.stderr
    assert re.search(r"figures: \d+ figures \(", result.stderr)
    assert {p.suffix for p in (tmp_path / "figures").iterdir()} == {".svg"}


def test_figure_formats_are_drawn_only_when_asked_for(tmp_path: Path) -> None:
    result = RUNNER.invoke(app, ["demo", "--out", str(tmp_path), "--repositories", "8",
                                 "--figure-formats", "pdf,svg"])
    assert result.exit_code == 0, result.output
    written = {p.suffix for p in (tmp_path / "figures").iterdir()}
    assert written == {".svg", ".pdf"}
    assert "Figures as SVG, PDF in" in (tmp_path / "report.md").read_text()
    bad = RUNNER.invoke(app, ["demo", "--out", str(tmp_path / "b"), "--figure-formats", "tiff"])
    assert bad.exit_code == 2 and "figure format tiff is not one of svg, png, pdf" in bad.output
    assert not (tmp_path / "b").exists()
