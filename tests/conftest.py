"""Shared fixtures: small git repositories built on the fly, and the shared real corpus."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPUS = SHARED / "corpus"
REPLAY = SHARED / "tools" / "replay-history"


class GitBuilder:
    """Builds a repository commit by commit with fixed identities and dates (stable SHAs)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.clock = 1_600_000_000
        self.run("init", "-q", "-b", "main")

    def run(self, *args: str, env: dict[str, str] | None = None) -> str:
        return subprocess.run(
            ["git", "-C", str(self.path), *args], check=True, capture_output=True, text=True,
            env={**os.environ, **(env or {})},
        ).stdout.strip()

    def commit(self, name: str, email: str, message: str, *, files: dict[str, str] | None = None,
               committer: tuple[str, str] | None = None) -> str:
        for file, content in (files or {"f.txt": message}).items():
            (self.path / file).write_text(content)
            self.run("add", file)
        self.clock += 3600
        cname, cemail = committer or (name, email)
        env = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email,
               "GIT_AUTHOR_DATE": f"{self.clock} +0000", "GIT_COMMITTER_NAME": cname,
               "GIT_COMMITTER_EMAIL": cemail, "GIT_COMMITTER_DATE": f"{self.clock} +0000"}
        self.run("commit", "-q", "--allow-empty", "-m", message, env=env)
        return self.run("rev-parse", "HEAD")


@pytest.fixture
def git_builder(tmp_path: Path) -> GitBuilder:
    repo = tmp_path / "repo"
    repo.mkdir()
    return GitBuilder(repo)


def replay(repo: str, dest: Path) -> Path:
    """Rebuild a real history from the shared corpus, or skip when the corpus is absent."""
    if not (REPLAY.exists() and (CORPUS / "git_commits.csv.gz").exists()):
        pytest.skip("../shared/corpus is absent: real-history tests need it")
    subprocess.run([str(REPLAY), repo, str(dest)], check=True, capture_output=True)
    return dest
