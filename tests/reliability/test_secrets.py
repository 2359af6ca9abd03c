"""Fake tokens (accepted, rejected, several in turn) never reach a file under the output
directory, the raw store, the database, or the command's stdout and stderr."""

from __future__ import annotations

from pathlib import Path

from crossforge.emulator import Emulator
from tests.reliability.helpers import WORLD, framed_db, occurrences, run_collect

GOOD = ("ghp_SECRETgoodFAKE000000000000000001", "ghp_SECRETgoodFAKE000000000000000002")
HUB = "hf_SECREThubFAKE0000000000000000003"
REJECTED = "ghp_SECRETrevokedFAKE00000000000004"


def test_tokens_appear_nowhere(tmp_path: Path) -> None:
    secrets = (*GOOD, HUB, REJECTED)
    accepted, refused = tmp_path / "accepted", tmp_path / "refused"
    for folder in (accepted, refused):
        folder.mkdir()
        framed_db(folder / "db.duckdb")
    with Emulator.from_records(WORLD, rejected_tokens={REJECTED},
                               faults="500:0.05,429:0.05:1,invalid:0.05,seed=4") as emulator:
        ok = run_collect(accepted, emulator.url, ",".join(GOOD), HUB)
        bad = run_collect(refused, emulator.url, REJECTED, REJECTED)
    assert ok.returncode == 0, ok.stderr
    assert "repositories collected" in ok.stdout
    assert bad.returncode == 2 and "refused the credentials" in bad.stderr
    assert "Traceback" not in bad.stderr + ok.stderr
    assert (accepted / "raw").is_dir() and any((accepted / "raw").iterdir())
    assert occurrences(tmp_path, [ok.stdout, ok.stderr, bad.stdout, bad.stderr], secrets) == 0
    # the scan itself finds a token where one is
    (tmp_path / "planted.txt").write_text(GOOD[0])
    assert occurrences(tmp_path, [], secrets) == 1
