"""What commits touch: shares per repository, for everyone and for external people."""

import math
import subprocess
from pathlib import Path

import pytest

from crossforge.clones import import_git
from crossforge.file_classes import classify_path
from crossforge.measures import TouchedFiles
from crossforge.records import Account, Commit, Membership, Repository, Thread
from crossforge.store import Store
from tests.measures.conftest import PROV, T0

ROOT = Path(__file__).resolve().parents[2]


def _commit(repo, sha, author, touched, platform="huggingface", merge=False):
    return Commit(platform, repo, sha, author, author, None, T0, author, author, None, T0,
                  is_merge=merge, touched=touched)


@pytest.fixture
def touched_store(tmp_path):
    records = [
        # A Hub model of organisation "lab" whose roster is {alice}: bob and carol are outsiders.
        Repository("huggingface", "lab/model", "model", "lab", "organization"),
        Membership("huggingface", "lab", "alice"),
        *(Account("huggingface", login, "user") for login in ("alice", "bob", "carol")),
        Account("huggingface", "librarian-bot", "bot"),
        _commit("lab/model", "c1", "alice", ("weights", "configuration", "documentation")),
        _commit("lab/model", "c2", "bob", ("documentation",)),
        _commit("lab/model", "c3", "bob", ("documentation",)),
        _commit("lab/model", "c4", "carol", ("weights",)),
        _commit("lab/model", "c5", "librarian-bot", ("documentation",)),
        _commit("lab/model", "c6", "alice", (), merge=True),
        # Collected from the API: its commits list no paths.
        Repository("github", "org/code", "code", "org", "user"),
        _commit("org/code", "g1", "dan", None, "github"),
    ]
    with Store(tmp_path / "s.duckdb") as store:
        store.write(PROV, records)
        yield store


def test_shares_of_commits_and_of_external_commits(touched_store):
    row = TouchedFiles().compute(touched_store).set_index("repo").loc["lab/model"]
    # five non-merge commits: alice's upload, bob's two card edits, carol's weights, the bot's
    assert row.commits_with_paths == 5
    assert row.weights_commit_share == pytest.approx(2 / 5)
    assert row.configuration_commit_share == pytest.approx(1 / 5)
    assert row.code_commit_share == 0.0
    assert row.docs_only_commit_share == pytest.approx(3 / 5)
    # external humans: bob twice, carol once (the bot is no person)
    assert row.external_commits_with_paths == 3
    assert row.external_weights_commit_share == pytest.approx(1 / 3)
    assert row.external_docs_only_commit_share == pytest.approx(2 / 3)
    assert row.external_configuration_commit_share == 0.0


def test_a_repository_without_paths_has_unknown_shares_not_zero(touched_store):
    row = TouchedFiles().compute(touched_store).set_index("repo").loc["org/code"]
    assert row.commits_with_paths == 0 and row.external_commits_with_paths == 0
    assert math.isnan(row.weights_commit_share) and math.isnan(row.docs_only_commit_share)
    assert math.isnan(row.external_code_commit_share)


def _pull(repo, number, author, state, touched, kind="pull_request", platform="huggingface"):
    merged = T0 if state == "merged" else None
    return Thread(platform, repo, number, kind, "t", "b", author, "unknown", state, T0, merged,
                  merged, touched=touched)


@pytest.fixture
def pulls_store(tmp_path):
    records = [
        # The Hub model of organisation "lab" (roster {alice}): bob and carol are outsiders.
        Repository("huggingface", "lab/model", "model", "lab", "organization"),
        Membership("huggingface", "lab", "alice"),
        *(Account("huggingface", login, "user") for login in ("alice", "bob", "carol")),
        Account("huggingface", "librarian-bot", "bot"),
        _pull("lab/model", 1, "alice", "merged", ("weights", "configuration")),
        _pull("lab/model", 2, "bob", "merged", ("documentation",)),
        _pull("lab/model", 3, "bob", "open", ("documentation",)),
        _pull("lab/model", 4, "carol", "closed", ("weights",)),
        _pull("lab/model", 5, "carol", "merged", ("weights", "documentation")),
        _pull("lab/model", 6, "librarian-bot", "merged", ("documentation",)),
        # no diff in its details: unknown, so left out, not "touching nothing"
        _pull("lab/model", 7, "bob", "merged", None),
        _pull("lab/model", 8, "bob", "open", None, kind="discussion"),
        # a commit of a pull request's author is counted with the commits only
        _commit("lab/model", "c1", "bob", ("code",)),
        # Collected through REST: its pull requests list no paths.
        Repository("github", "org/code", "code", "org", "user"),
        _pull("org/code", 1, "dan", "merged", None, platform="github"),
    ]
    with Store(tmp_path / "p.duckdb") as store:
        store.write(PROV, records)
        yield store


def test_shares_of_pull_requests_by_everyone_external_people_and_merged(pulls_store):
    row = TouchedFiles().compute(pulls_store).set_index("repo").loc["lab/model"]
    # six pull requests with paths (#7 has none, #8 is a discussion); the bot's counts here
    assert row.prs_with_paths == 6
    assert row.pr_weights_share == pytest.approx(3 / 6)           # #1, #4, #5
    assert row.pr_configuration_share == pytest.approx(1 / 6)     # #1
    assert row.pr_code_share == 0.0
    assert row.pr_docs_only_share == pytest.approx(3 / 6)         # #2, #3, #6 (not #5)
    # external humans: bob's #2 and #3, carol's #4 and #5 (the bot is no person)
    assert row.external_prs_with_paths == 4
    assert row.external_pr_weights_share == pytest.approx(2 / 4)
    assert row.external_pr_docs_only_share == pytest.approx(2 / 4)
    assert row.external_pr_configuration_share == 0.0
    # merged: #1, #2, #5, #6 (carol's closed #4 and bob's open #3 are not)
    assert row.merged_prs_with_paths == 4
    assert row.merged_pr_weights_share == pytest.approx(2 / 4)
    assert row.merged_pr_configuration_share == pytest.approx(1 / 4)
    assert row.merged_pr_docs_only_share == pytest.approx(2 / 4)
    # the commits stay their own rows: one commit, bob's code, and no pull request in them
    assert row.commits_with_paths == 1 and row.code_commit_share == 1.0


def test_a_repository_whose_pull_requests_list_no_paths_has_unknown_shares(pulls_store):
    row = TouchedFiles().compute(pulls_store).set_index("repo").loc["org/code"]
    assert (row.prs_with_paths, row.external_prs_with_paths, row.merged_prs_with_paths) \
        == (0, 0, 0)
    for share in ("pr_weights_share", "pr_docs_only_share", "external_pr_code_share",
                  "merged_pr_configuration_share"):
        assert math.isnan(row[share]), share


def _counted_from_numstat(clone: Path) -> dict[str, float]:
    """The shares counted straight from ``git log --numstat``, without crossforge's parser."""
    log = subprocess.run(["git", "-C", str(clone), "-c", "core.quotepath=off", "log",
                          "--numstat", "--no-renames", "--format=@%P"],
                         capture_output=True, text=True, check=True).stdout
    commits: list[set[str] | None] = []
    for line in log.splitlines():
        if line.startswith("@"):
            commits.append(None if " " in line else set())
        elif line.strip() and commits[-1] is not None:
            commits[-1].add(classify_path(line.split("\t", 2)[2]))
    counted = [c for c in commits if c is not None]
    return {"commits_with_paths": len(counted),
            "weights_commit_share": sum("weights" in c for c in counted) / len(counted),
            "code_commit_share": sum("code" in c for c in counted) / len(counted),
            "configuration_commit_share":
                sum("configuration" in c for c in counted) / len(counted),
            "docs_only_commit_share": sum(c == {"documentation"} for c in counted) / len(counted)}


def _measured(clone: Path, repo: str, platform: str, db: Path) -> dict[str, float]:
    import_git(clone, repo=repo, platform=platform, db=db)
    with Store(db) as store:
        row = TouchedFiles().compute(store).set_index("repo").loc[repo]
    return {key: row[key] for key in ("commits_with_paths", "weights_commit_share",
                                      "code_commit_share", "configuration_commit_share",
                                      "docs_only_commit_share")}


def test_shares_of_a_model_clone_match_a_count_from_git_log(git_builder, tmp_path):
    git_builder.commit("Ann Lee", "ann@example.org", "upload",
                       files={"model.safetensors": "w1", "config.json": "{}",
                              "tokenizer.json": "{}", "README.md": "# card\n"})
    git_builder.commit("Bob Ray", "bob@example.org", "card", files={"README.md": "# c\n"})
    git_builder.commit("Cy Tan", "cy@example.org", "retrain",
                       files={"model.safetensors": "w2", "train.py": "fit()\n"})
    git_builder.commit("Bob Ray", "bob@example.org", "typo", files={"README.md": "# d\n"})
    measured = _measured(git_builder.path, "ann/model", "huggingface", tmp_path / "m.duckdb")
    assert measured == pytest.approx(_counted_from_numstat(git_builder.path))
    assert measured == pytest.approx({"commits_with_paths": 4, "weights_commit_share": 0.5,
                                      "code_commit_share": 0.25,
                                      "configuration_commit_share": 0.25,
                                      "docs_only_commit_share": 0.5})


def test_shares_of_crossforges_own_history_match_a_count_from_git_log(tmp_path):
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    measured = _measured(ROOT, "crossforge/crossforge", "github", tmp_path / "own.duckdb")
    assert measured == pytest.approx(_counted_from_numstat(ROOT))
    assert measured["commits_with_paths"] > 0


def test_classes_written_afterwards_fill_only_commits_without_paths(touched_store):
    written = touched_store.write_touched([
        ("github", "org/code", "g1", ["code"]),                  # no paths yet: filled
        ("huggingface", "lab/model", "c2", ["weights"]),         # paths known: kept
        ("github", "org/code", "missing", ["code"])])            # not stored: passed over
    assert written == 1
    rows = TouchedFiles().compute(touched_store).set_index("repo")
    assert rows.loc["org/code"].commits_with_paths == 1
    assert rows.loc["org/code"].code_commit_share == 1.0
    assert rows.loc["lab/model"].docs_only_commit_share == pytest.approx(3 / 5)
