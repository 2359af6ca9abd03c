from pathlib import Path

import pytest

from crossforge.errors import GitError
from crossforge.sources.git import GitRepository


def _history(builder) -> dict[str, str]:
    """A small history with a merge, a co-authored commit, a bot and a .mailmap."""
    shas = {}
    shas["root"] = builder.commit("Ann Lee", "ann@example.org", "init",
                                  files={"a.py": "1\n2\n3\n", "b.py": "x\n"})
    builder.run("checkout", "-q", "-b", "feature")
    shas["feature"] = builder.commit("Bob Ray", "12345+bobray@users.noreply.github.com",
                                     "feature\n\nCo-authored-by: Cy Tan <cy@example.org>\n"
                                     "Co-authored-by: Ann Lee <ANN@example.org>",
                                     files={"a.py": "1\n2\n3\n4\n5\n"})
    builder.run("checkout", "-q", "main")
    shas["bot"] = builder.commit("dependabot[bot]",
                                 "49699333+dependabot[bot]@users.noreply.github.com", "bump",
                                 files={"req.txt": "x==2\n"})
    builder.clock += 60
    builder.run("merge", "-q", "--no-ff", "feature", "-m", "merge feature",
                env={"GIT_AUTHOR_NAME": "Ann Lee", "GIT_AUTHOR_EMAIL": "ann@example.org",
                     "GIT_COMMITTER_NAME": "Ann Lee", "GIT_COMMITTER_EMAIL": "ann@example.org",
                     "GIT_AUTHOR_DATE": f"{builder.clock} +0000",
                     "GIT_COMMITTER_DATE": f"{builder.clock} +0000"})
    shas["merge"] = builder.run("rev-parse", "HEAD")
    (builder.path / ".mailmap").write_text("Ann Lee <ann@example.org> <ann.lee@old.example>\n")
    builder.run("add", ".mailmap")
    shas["mailmap"] = builder.commit("Ann L.", "ann.lee@old.example", "mailmap")
    return shas


def test_commits_identities_coauthors_merges_and_numstat(git_builder):
    shas = _history(git_builder)
    clone = GitRepository(git_builder.path, "acme/widget", "github")
    commits = {c.sha: c for c in clone.list_commits()}
    assert set(commits) == set(shas.values())
    assert len(commits) == int(git_builder.run("rev-list", "--count", "HEAD"))

    feature = commits[shas["feature"]]
    assert feature.author == "bobray"
    assert feature.co_authors == ("cy@example.org", "ann@example.org")
    assert (feature.files_changed, feature.lines_added, feature.lines_deleted) == (1, 2, 0)
    root = commits[shas["root"]]
    assert (root.files_changed, root.lines_added) == (2, 4)

    merge = commits[shas["merge"]]
    assert merge.is_merge and not feature.is_merge
    # .mailmap folds the old address into Ann's identity.
    assert commits[shas["mailmap"]].author == "ann@example.org"
    assert commits[shas["bot"]].author == "dependabot[bot]"

    accounts = {a.login: a for a in clone.list_accounts()}
    assert accounts["dependabot[bot]"].type == "bot"
    assert accounts["cy@example.org"].type == "user"
    assert set(accounts) == {"ann@example.org", "bobray", "cy@example.org", "dependabot[bot]"}


def test_pull_request_refs_become_threads(git_builder):
    shas = _history(git_builder)
    git_builder.run("update-ref", "refs/pull/7/head", shas["feature"])
    git_builder.run("update-ref", "refs/pr/3", shas["bot"])
    threads = sorted(GitRepository(git_builder.path, "acme/widget", "github")
                     .list_pull_requests(), key=lambda t: t.number)
    assert [(t.number, t.kind, t.author, t.title) for t in threads] == [
        (3, "pull_request", "dependabot[bot]", "bump"),
        (7, "pull_request", "bobray", "feature"),
    ]


def test_hub_clone_uses_hub_noreply_rules(git_builder):
    git_builder.commit("system", "system@users.noreply.huggingface.co", "initial commit")
    git_builder.commit("Nicolas Patry", "Narsil@users.noreply.huggingface.co", "Upload model")
    clone = GitRepository(git_builder.path, "acme/model", "huggingface")
    assert [c.author for c in clone.list_commits()] == ["Narsil", "system"]
    assert {a.login: a.type for a in clone.list_accounts()} == {"Narsil": "user", "system": "bot"}
    assert clone.repository().kind == "model"


def test_empty_repository_yields_no_commits(git_builder):
    assert list(GitRepository(git_builder.path, "acme/empty", "github").list_commits()) == []


def test_not_a_repository_is_a_git_error(tmp_path: Path):
    with pytest.raises(GitError, match="not a git repository"):
        GitRepository(tmp_path, "acme/none", "github")
    with pytest.raises(GitError, match="does not exist"):
        GitRepository(tmp_path / "missing", "acme/none", "github")


def test_commit_naming_nobody_has_an_unknown_author_not_a_shared_one(git_builder):
    """Two commits with neither a name nor an e-mail (git refuses to make them, imported
    histories hold them) each have an unknown author, and nobody's account is made of them."""
    git_builder.commit("Ann Lee", "ann@example.org", "init", files={"a.py": "1\n"})
    for subject in ("imported one", "imported two"):
        tree = git_builder.run("rev-parse", "HEAD^{tree}")
        parent = git_builder.run("rev-parse", "HEAD")
        git_builder.clock += 60
        raw = (f"tree {tree}\nparent {parent}\nauthor  <> {git_builder.clock} +0000\n"
               f"committer  <> {git_builder.clock} +0000\n\n{subject}\n")
        (git_builder.path.parent / "commit.raw").write_text(raw)
        sha = git_builder.run("hash-object", "-t", "commit", "-w", "--literally",
                              str(git_builder.path.parent / "commit.raw"))
        git_builder.run("update-ref", "HEAD", sha)
    clone = GitRepository(git_builder.path, "acme/widget", "github")
    authors = {c.subject: c.author for c in clone.list_commits()}
    assert authors == {"init": "ann@example.org", "imported one": None, "imported two": None}
    assert {a.login for a in clone.list_accounts()} == {"ann@example.org"}


def test_reading_started_early_yields_what_list_records_yields(git_builder):
    """``reading`` starts git log before the store opens; the records must not change."""
    _history(git_builder)
    clone = GitRepository(git_builder.path, "acme/widget", "github")
    with clone.reading() as records:
        early = list(records)
    assert early == list(GitRepository(git_builder.path, "acme/widget", "github")
                         .list_records())
    with clone.reading() as unread:  # left without reading: git log is ended, not leaked
        pass
    assert unread is not None


def test_changed_paths_become_the_classes_each_commit_touches(git_builder):
    """A model-like history: the classes per commit match ``git log --name-only`` read here."""
    (git_builder.path / "docs").mkdir()
    git_builder.commit("Ann Lee", "ann@example.org", "upload",
                       files={"model.safetensors": "w1", "config.json": "{}",
                              "README.md": "# card\n"})
    git_builder.commit("Bob Ray", "bob@example.org", "fix card", files={"README.md": "# c\n"})
    git_builder.commit("Bob Ray", "bob@example.org", "docs",
                       files={"docs/usage.md": "use\n", "docs/conf.py": "x = 1\n"})
    git_builder.commit("Cy Tan", "cy@example.org", "retrain",
                       files={"model.safetensors": "w2", "train.py": "fit()\n"})
    git_builder.commit("Cy Tan", "cy@example.org", "notes", files={"notes.txt": "n\n"})
    clone = GitRepository(git_builder.path, "acme/bert", "huggingface")
    touched = {c.subject: c.touched for c in clone.list_commits()}
    assert touched == {
        "upload": ("weights", "configuration", "documentation"),
        "fix card": ("documentation",),
        "docs": ("documentation",),
        "retrain": ("weights", "code"),
        "notes": ("other",),
    }
    names = git_builder.run("log", "--name-only", "--format=%s", "-1", "HEAD~1").split()
    assert names[0] == "retrain" and sorted(names[1:]) == ["model.safetensors", "train.py"]


def test_a_path_git_quotes_is_classified_by_its_name(git_builder):
    """git quotes a name holding a double quote even with ``core.quotepath=off``."""
    git_builder.commit("Ann Lee", "ann@example.org", "quoted", files={'the "card".md': "x\n"})
    [commit] = GitRepository(git_builder.path, "acme/m", "huggingface").list_commits()
    assert commit.touched == ("documentation",)
