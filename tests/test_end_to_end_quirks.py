"""Issue 15's done-when check: a small world with the platforms' quirks, served by the
emulator, sampled from lists, collected and reported through the command line, and the
outputs read back as a researcher would read them.

The world (SYNTHETIC, written here) holds: a Hub model created before the Hub's creation-date
floor, with children the Hub counts but the frame does not sample and a librarian-bot pull
request; two user-owned models sharing one unlinked e-mail (``authors: []`` on the Hub); a
sampled model with no visible history; on GitHub a deleted user (``ghost``), a mannequin, an
unlinked e-mail, a commit naming nobody, and a repository whose fork count, stars and owner
type the world did not observe; and repositories outside the frame.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crossforge.cli import app
from crossforge.emulator import Emulator
from crossforge.records import (
    Account,
    Comment,
    Commit,
    Derivation,
    Membership,
    Repository,
    Thread,
)
from crossforge.store import Store
from crossforge.worlds.files import write_world

RUNNER = CliRunner()
EARLY = datetime(2021, 5, 1, tzinfo=UTC)  # before the Hub's floor, 2022-03-02T23:29:04Z
LATER = datetime(2023, 6, 1, tzinfo=UTC)
UNLINKED = "sam@example.org"  # an e-mail no Hub account links
FRAME = {"github": ["acme/tool", "solo/app"],
         "huggingface": ["lab/base", "fan1/ft1", "fan2/ft3", "quiet/empty"]}


def _commit(platform: str, repo: str, author: str | None, n: int, when: datetime) -> Commit:
    email = author if author and "@" in author else None
    sha = hashlib.sha1(f"{repo}:{n}".encode()).hexdigest()
    return Commit(platform, repo, sha, author,  # type: ignore[arg-type]
                  None if author is None else author.split("@")[0], email,
                  when + timedelta(hours=n), author, None, email, when + timedelta(hours=n),
                  subject=f"change {n}")


def world() -> list[object]:
    hub = [
        Repository("huggingface", "lab/base", "model", "lab", "organization", EARLY,
                   popularity=5, downloads=100, children_count=12),
        Repository("huggingface", "fan1/ft1", "model", "fan1", "user", LATER,
                   popularity=1, downloads=3),
        Repository("huggingface", "fan2/ft3", "model", "fan2", "user", LATER,
                   popularity=0, downloads=1),
        Repository("huggingface", "quiet/empty", "model", "quiet", "user", LATER,
                   popularity=0, downloads=0),
        Repository("huggingface", "fans/unsampled", "model", "fans", "user", LATER),
        Derivation("huggingface", "fan1/ft1", "lab/base", "finetune", "tag"),
        Derivation("huggingface", "fans/unsampled", "lab/base", "quantized", "tag"),
        Account("huggingface", "lab", "organization"), Membership("huggingface", "lab", "dev"),
        Account("huggingface", "librarian-bot", "bot"),
        _commit("huggingface", "lab/base", "dev", 1, EARLY + timedelta(days=3)),
        _commit("huggingface", "lab/base", "dev", 2, EARLY + timedelta(days=3)),
        _commit("huggingface", "fan1/ft1", "fan1", 1, LATER),
        _commit("huggingface", "fan1/ft1", UNLINKED, 2, LATER),
        _commit("huggingface", "fan2/ft3", "fan2", 1, LATER),
        _commit("huggingface", "fan2/ft3", UNLINKED, 2, LATER),
        _commit("huggingface", "fans/unsampled", "fan9", 1, LATER),
        Thread("huggingface", "lab/base", 1, "pull_request",
               "Librarian Bot: Add base_model information to model", "", "librarian-bot",
               state="open", created_at=LATER),
    ]
    github = [
        Repository("github", "acme/tool", "code", "acme", "organization", LATER, LATER,
                   popularity=40, forks=7),
        Repository("github", "solo/app", "code", "solo", None, LATER, LATER),
        Repository("github", "other/extra", "code", "other", "user", LATER, LATER, 1, 1),
        Account("github", "acme", "organization"), Membership("github", "acme", "alice"),
        Account("github", "octo-imported", "mannequin"),
        _commit("github", "acme/tool", "alice", 1, LATER),
        _commit("github", "acme/tool", "bob", 2, LATER),
        _commit("github", "acme/tool", "pat@example.org", 3, LATER),
        _commit("github", "acme/tool", None, 4, LATER),
        _commit("github", "solo/app", "solo", 1, LATER),
        _commit("github", "other/extra", "alice", 1, LATER),
        Thread("github", "acme/tool", 1, "issue", "Imported", "from another forge",
               "octo-imported", state="open", created_at=LATER),
        Thread("github", "acme/tool", 2, "issue", "Gone", "by a deleted account", "ghost",
               state="open", created_at=LATER),
        Comment("github", "acme/tool", 1, "1", "ghost", LATER + timedelta(hours=1), "me too"),
        Comment("github", "acme/tool", 2, "2", "alice", LATER + timedelta(hours=2), "thanks"),
    ]
    return hub + github


def _run(*args: str) -> str:
    result = RUNNER.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("quirks")
    world_file, db, raw, out = (tmp / "world.jsonl", str(tmp / "q.duckdb"), str(tmp / "raw"),
                                tmp / "out")
    records = world()
    write_world(world_file, records)
    with pytest.MonkeyPatch.context() as env, Emulator.from_records(records) as emulator:
        env.setenv("GITHUB_TOKEN", "ghp_quirks0123456789")
        for platform, repos in FRAME.items():
            listing = tmp / f"{platform}.txt"
            listing.write_text("\n".join(repos) + "\n")
            _run("sample", platform, "--from-list", str(listing), "--db", db, "--raw", raw)
        _run("collect", "--db", db, "--raw", raw, "--github-url", emulator.url,
             "--hub-url", emulator.url)
    _run("world", "mark-unobserved", str(world_file), "--db", db)
    _run("report", "--db", db, "--out", str(out))
    return out


def _rows(out: Path) -> dict[str, dict[str, str]]:
    with (out / "repositories.csv").open() as handle:
        return {row["repo"]: row for row in csv.DictReader(handle)}


def test_only_the_frames_repositories_are_measured(study: Path) -> None:
    assert sorted(_rows(study)) == sorted(r for repos in FRAME.values() for r in repos)


def test_derivatives_are_the_platforms_counts(study: Path) -> None:
    rows = _rows(study)
    assert rows["lab/base"]["derivatives"] == "12"  # the Hub's childrenModelCount
    assert rows["acme/tool"]["derivatives"] == "7"  # GitHub's forks_count
    assert rows["solo/app"]["derivatives"] == ""  # forks the world did not observe
    assert rows["solo/app"]["owner_type"] == ""  # served as a user, not observed


def test_a_repository_starts_no_later_than_its_first_commit(study: Path) -> None:
    for repo, row in _rows(study).items():
        if row["first_commit_at"]:
            assert row["created_at"] <= row["first_commit_at"], repo
    assert _rows(study)["lab/base"]["created_at"].startswith("2021-05-04")


def test_unattributed_commits_are_nobody(study: Path) -> None:
    rows = _rows(study)
    assert rows["fan1/ft1"]["external_commit_share"] == "0.0"  # not 0.5: nobody external
    assert rows["fan1/ft1"]["contributors"] == "1"
    assert float(rows["fan1/ft1"]["unattributed_commit_share"]) == 0.5
    hub = json.loads((study / "networks.json").read_text())["platforms"]["huggingface"]
    network = hub["co_contribution"]
    assert network["edges"] == 0 and network["components"] == network["nodes"] == 3


def test_a_model_with_no_visible_history_is_unknown_not_zero(study: Path) -> None:
    row = _rows(study)["quiet/empty"]
    assert row["contributors"] == "" and row["commits"] in ("", "0")


def test_stand_in_accounts_are_no_one_mannequins_and_bots_as_they_are(study: Path) -> None:
    rows = _rows(study)
    # alice, bob, pat@example.org and the mannequin; not ghost, not the commit naming nobody
    assert rows["acme/tool"]["participants"] == "4"
    assert rows["lab/base"]["participants"] == "1"  # dev; not librarian-bot
    with Store(study.parent / "q.duckdb", read_only=True) as store:
        types = dict(store.query("SELECT login, type FROM accounts").fetchall())
        authors = store.query("SELECT number, author FROM threads WHERE repo = 'acme/tool' "
                              "ORDER BY number").fetchall()
    assert "ghost" not in types and types["octo-imported"] == "mannequin"
    assert types["librarian-bot"] == "bot" and authors == [(1, "octo-imported"), (2, None)]


def test_the_report_checks_its_data_and_words_the_seed_comparison_both_ways(
        study: Path) -> None:
    text = (study / "report.md").read_text()
    assert "## Data quality" in text
    seed = text[text.index("## Seed comparison"):]
    seed = seed[:seed.index("\n## ", 1)]
    assert not re.search(r"[-−]\s?\d[\d.,]*\s?%", seed), seed


def test_marking_unobserved_values_of_a_missing_world_or_store_is_one_line(
        tmp_path: Path) -> None:
    world_file = tmp_path / "world.jsonl"
    write_world(world_file, world())
    for args in ([str(tmp_path / "none.jsonl"), "--db", str(world_file)],
                 [str(world_file), "--db", str(tmp_path / "none.duckdb")]):
        result = RUNNER.invoke(app, ["world", "mark-unobserved", *args])
        assert result.exit_code != 0 and "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1, result.output
