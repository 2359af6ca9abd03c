"""``collect --shard I/N`` splits a frame deterministically; ``merge`` of the N shard stores
equals one run over the whole frame, raw stores and provenance included."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from crossforge import api
from crossforge.cli import app
from crossforge.errors import ConfigError
from crossforge.store import Store
from crossforge.store.shards import parse_shard, select, shard_of
from tests.reliability.helpers import FRAME, contents, duplicates, framed_db, served

RUNNER = CliRunner()


def test_shards_cover_the_frame_once_and_do_not_depend_on_order() -> None:
    parts = [select(FRAME, (i, 3)) for i in (1, 2, 3)]
    assert sorted(sum(parts, [])) == sorted(FRAME)
    assert all(parts)  # 12 repositories: every one of 3 shards gets some
    assert select(list(reversed(FRAME)), (2, 3)) == list(reversed(parts[1]))
    assert shard_of("github", "psf/requests", 4) == shard_of("github", "psf/requests", 4)


@pytest.mark.parametrize("text", ["0/3", "4/3", "a/b", "3", "1/0"])
def test_bad_shards_are_refused(text: str) -> None:
    with pytest.raises(ConfigError, match="shard"):
        parse_shard(text)


def test_merged_shards_equal_one_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "shard-test")
    monkeypatch.setenv("HF_TOKEN", "shard-test")
    with served() as emulator:
        whole = framed_db(tmp_path / "whole.duckdb")
        api.collect(whole, raw=tmp_path / "whole-raw", github_url=emulator.url,
                    hub_url=emulator.url)
        for i in (1, 2, 3):
            result = RUNNER.invoke(app, [
                "collect", "--shard", f"{i}/3", "--db",
                str(framed_db(tmp_path / f"shard{i}.duckdb")), "--raw",
                str(tmp_path / f"raw{i}"), "--github-url", emulator.url, "--hub-url",
                emulator.url])
            assert result.exit_code == 0, result.output
    merged = tmp_path / "merged.duckdb"
    result = RUNNER.invoke(app, [
        "merge", *(str(tmp_path / f"shard{i}.duckdb") for i in (1, 2, 3)), "--db",
        str(merged), *sum((["--raw-from", str(tmp_path / f"raw{i}")] for i in (1, 2, 3)), []),
        "--raw", str(tmp_path / "merged-raw")])
    assert result.exit_code == 0, result.output
    assert contents(merged) == contents(whole) and duplicates(merged) == 0
    with Store(merged, read_only=True) as store:
        tasks = store.query("SELECT count(*) FROM collection_tasks WHERE state = 'partial'"
                            ).fetchone()
        orphans = store.query("SELECT count(*) FROM commits c LEFT JOIN provenance p ON "
                              "c.provenance_id = p.id WHERE p.id IS NULL").fetchone()
    assert tasks == (0,) and orphans == (0,)
    rebuilt = tmp_path / "rebuilt.duckdb"
    api.rebuild(tmp_path / "merged-raw", rebuilt)
    assert contents(rebuilt) == contents(merged)
    again = RUNNER.invoke(app, ["merge", str(tmp_path / "shard1.duckdb"), "--db", str(merged)])
    assert again.exit_code == 2 and "exists" in again.output
