"""The report says, per platform, how many commits have an unknown author, with the same
figure in HTML and Markdown, and ``repositories.csv`` carries the per-repository share."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

import crossforge
from crossforge.records import Commit, Repository
from crossforge.sources.hub import PARSERS

AT = datetime(2025, 1, 1, tzinfo=UTC)


def test_the_report_shows_each_platforms_unattributed_commits(tmp_path: Path) -> None:
    listing = [{"id": f"{i:040x}", "title": "upload", "message": "upload",
                "authors": [{"user": "alice", "avatar": None}] if i == 0 else [],
                "date": "2025-01-01T00:00:00.000Z"} for i in range(4)]
    records = [
        Repository("huggingface", "alice/model", "model", "alice", "user", AT),
        Repository("huggingface", "alice/empty", "model", "alice", "user", AT),
        *PARSERS["hub.commits"](listing, {"repo": "alice/model"}),
        Repository("github", "acme/code", "code", "acme", "user", AT),
        Commit("github", "acme/code", "g1", "ann@example.org", "Ann", "ann@example.org", AT,
               None, None, None, AT),
    ]
    db = tmp_path / "s.duckdb"
    crossforge.write_records(records, source="test", origin="unit", db=db)
    paths = crossforge.report(db, tmp_path / "out")
    for text in (paths["md"].read_text(), paths["html"].read_text()):
        assert "GitHub (OSS): 0 of 1 commits (0.0%)" in text
        assert "Hugging Face Hub (OSM): 3 of 4 commits (75.0%)" in text
    rows = pd.read_csv(tmp_path / "out" / "repositories.csv").set_index("repo")
    assert rows.loc["alice/model", "unattributed_commit_share"] == 0.75
    assert math.isnan(rows.loc["alice/empty", "unattributed_commit_share"])
    assert rows.loc["acme/code", "contributors"] == 1     # GitHub's e-mail identity is a person
