"""Re-collection with ETags: a fresh database collected again from the same raw store gets
``304 Not Modified`` for every unchanged GitHub page and stores the same records."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossforge import api
from crossforge.sources.raw import RawStore
from tests.reliability.helpers import contents, framed_db, served


def test_recollection_with_etags_stores_the_same_records_and_no_new_github_pages(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "etag-test")
    raw = tmp_path / "raw"
    first, again = framed_db(tmp_path / "first.duckdb"), framed_db(tmp_path / "again.duckdb")
    with served() as emulator:
        api.collect(first, raw=raw, github_url=emulator.url, hub_url=emulator.url)
        segments = set(raw.iterdir())
        api.collect(again, raw=raw, github_url=emulator.url, hub_url=emulator.url,
                    conditional=True)
    assert contents(again) == contents(first)
    fresh = {segment.name for segment in set(raw.iterdir()) - segments}
    added = [r for r in RawStore(raw) if r.id.partition("#")[0] in fresh]
    rest_pages = [r for r in added if r.kind.startswith("github.") and r.method == "GET"]
    assert added and not rest_pages  # every GitHub REST page came back 304: nothing stored
