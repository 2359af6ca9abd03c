"""Fake tokens (accepted, rejected, several in turn) never reach a file under the output
directory, the raw store, the database, or the command's stdout and stderr."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

from crossforge.emulator import Emulator
from tests.reliability.helpers import WORLD, framed_db

SRC = Path(__file__).resolve().parents[2] / "src"
GOOD = ("ghp_SECRETgoodFAKE000000000000000001", "ghp_SECRETgoodFAKE000000000000000002")
HUB = "hf_SECREThubFAKE0000000000000000003"
REJECTED = "ghp_SECRETrevokedFAKE00000000000004"


def run_collect(folder: Path, url: str, github: str, hub: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "crossforge", "collect", "--db", str(folder / "db.duckdb"),
         "--raw", str(folder / "raw"), "--github-url", url, "--hub-url", url],
        cwd=folder, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(SRC), "GITHUB_TOKEN": github, "HF_TOKEN": hub})


def occurrences(folder: Path, outputs: list[str], secrets: tuple[str, ...]) -> int:
    found = 0
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if path.suffix == ".gz":
                data = gzip.decompress(data)
            found += sum(data.count(secret.encode()) for secret in secrets)
    return found + sum(text.count(secret) for text in outputs for secret in secrets)


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
