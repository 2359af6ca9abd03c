"""The forum's options on ``crossforge collect``: bad input is one line before any work, and
a forum collected with the frame is reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossforge.emulator import Emulator
from crossforge.records import Repository
from crossforge.store import Store
from crossforge.worlds import synthetic
from tests.reliability.helpers import WORLD, contents, framed_db
from tests.reliability.test_bad_input import collect_cli, one_line_error

FRAME = [(r.platform, r.repo) for r in WORLD if isinstance(r, Repository)][:4]


@pytest.mark.parametrize(("options", "phrase"), [
    (["--forum-url", "discuss.huggingface.co"], "is not an http(s) URL"),
    (["--forum-url", "https://forum.example", "--forum-since", "2024-13-40"],
     "--forum-since '2024-13-40' is not a date"),
    (["--forum-url", "https://forum.example", "--forum-max-topics", "0"],
     "--forum-max-topics must be at least 1"),
    (["--forum-url", "https://forum.example", "--forum-sample", "50", "--forum-since",
      "2024-01-01"], "--forum-sample draws from the whole forum"),
])
def test_bad_forum_options_are_one_line_before_anything_is_asked(
        tmp_path: Path, options: list[str], phrase: str) -> None:
    db = framed_db(tmp_path / "db.duckdb", FRAME)
    before = contents(db)
    result = collect_cli(db, "http://127.0.0.1:9", *options)
    one_line_error(result, phrase)
    assert contents(db) == before


def test_the_forum_is_collected_with_the_frame_and_reported(tmp_path: Path) -> None:
    forum = list(synthetic.generate_forum(WORLD, 3, topics=25))
    db = framed_db(tmp_path / "db.duckdb", FRAME)
    with Emulator.from_records([*WORLD, *forum], forum_limit=10**6) as emulator:
        result = collect_cli(db, emulator.url, "--forum-url", emulator.url,
                             "--forum-name", "forum.test")
        unknown = collect_cli(db, emulator.url, "--forum-url", emulator.url,
                              "--forum-category", "Cooking")
        elsewhere = collect_cli(db, emulator.url, "--forum-url", f"{emulator.url}/api")
    assert result.exit_code == 0, result.output
    assert "forum forum.test: 25 topics from 4 categories, 4 pages this run" in " ".join(
        result.output.split())
    with Store(db, read_only=True) as store:
        assert store.query("SELECT count(*) FROM forum_topics WHERE forum = 'forum.test'"
                           ).fetchone()[0] == 25
    one_line_error(unknown, "has no category named Cooking")
    one_line_error(elsewhere, "has no /categories.json (answered 404)",
                   "is it a Discourse forum's base URL?")
