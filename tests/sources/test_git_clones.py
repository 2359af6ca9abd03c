"""Many clones: naming a clone from its remote URL or a mapping file, finding the clones a
directory holds, and importing them together with the failures kept apart."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crossforge import clones as clones_module
from crossforge.clones import _read, import_clones
from crossforge.errors import ConfigError
from crossforge.sources.git import find_clones, read_clone_map, repo_from_remote
from crossforge.store import Store
from tests.conftest import GitBuilder


@pytest.mark.parametrize(("url", "expected"), [
    ("https://github.com/psf/requests.git", ("github", "psf/requests")),
    ("https://github.com/psf/requests/", ("github", "psf/requests")),
    ("git@github.com:psf/requests.git", ("github", "psf/requests")),
    ("ssh://git@github.com:22/psf/requests.git", ("github", "psf/requests")),
    ("https://huggingface.co/google-bert/bert-base-uncased", ("huggingface",
                                                               "google-bert/bert-base-uncased")),
    ("https://hf.co/Qwen/Qwen2.5-7B", ("huggingface", "Qwen/Qwen2.5-7B")),
    ("https://git.example.org/team/tool.git", (None, "team/tool")),
])
def test_remote_urls_name_owner_and_name(url, expected):
    assert repo_from_remote(url) == expected


@pytest.mark.parametrize(("url", "needle"), [
    ("https://huggingface.co/gpt2", "does not name OWNER/NAME"),
    ("https://huggingface.co/datasets/HuggingFaceFW/fineweb", "is a Hub dataset"),
    ("https://github.com/psf/requests/tree/main", "does not name OWNER/NAME"),
    ("/srv/git/requests.git", "does not name OWNER/NAME"),
    ("file:///srv/git/psf/requests.git", "does not name OWNER/NAME"),
])
def test_remote_urls_without_owner_and_name_are_config_errors(url, needle):
    with pytest.raises(ConfigError, match=needle):
        repo_from_remote(url)


def test_a_remote_urls_credentials_never_reach_the_message():
    with pytest.raises(ConfigError) as raised:
        repo_from_remote("https://x-access-token:ghs_SECRET123@github.com/psf")
    assert "ghs_SECRET123" not in str(raised.value) and "github.com/psf" in str(raised.value)


def test_clone_map_resolves_paths_against_its_file_and_names_the_first_bad_line(tmp_path):
    mapping = tmp_path / "clones.txt"
    mapping.write_text("# clone  repository\n\nrequests psf/requests\n"
                       "my clones/flask\tpallets/flask\n")
    assert read_clone_map(mapping) == {(tmp_path / "requests").resolve(): "psf/requests",
                                       (tmp_path / "my clones/flask").resolve(): "pallets/flask"}
    mapping.write_text("requests psf/requests\nflask\nnumpy numpy/numpy\n")
    with pytest.raises(ConfigError, match=r"clones.txt:2: expected PATH OWNER/NAME"):
        read_clone_map(mapping)
    mapping.write_text("requests not-a-repo\n")
    with pytest.raises(ConfigError, match=r"clones.txt:1: expected PATH OWNER/NAME"):
        read_clone_map(mapping)


def _clone(root: Path, name: str, remote: str | None, commits: int = 2) -> GitBuilder:
    path = root / name
    path.mkdir(parents=True)
    builder = GitBuilder(path)
    for n in range(commits):
        builder.commit(f"Dev {n}", f"dev{n}@example.org", f"{name} change {n}",
                       files={"a.py": f"{n}\n", "b.py": f"{n}\n{n}\n"})
    if remote is not None:
        builder.run("remote", "add", "origin", remote)
    return builder


def test_find_clones_lists_work_trees_and_bare_clones_only(tmp_path):
    _clone(tmp_path, "a", None)
    work = _clone(tmp_path, "b", None)
    work.run("clone", "-q", "--bare", str(work.path), str(tmp_path / "c.git"))
    (tmp_path / "notes").mkdir()
    (tmp_path / "README").write_text("not a clone")
    assert [p.name for p in find_clones(tmp_path)] == ["a", "b", "c.git"]


@pytest.mark.parametrize("jobs", [1, 2])
def test_many_clones_import_together_and_a_bad_clone_loses_no_other(tmp_path, jobs):
    clones = tmp_path / "clones"
    _clone(clones, "requests", "git@github.com:psf/requests.git", commits=3)
    _clone(clones, "bert", "https://huggingface.co/google-bert/bert-base-uncased")
    _clone(clones, "orphan", None)
    _clone(clones, "dataset", "https://huggingface.co/datasets/a/b")
    db = tmp_path / "s.duckdb"
    summary = import_clones([clones, tmp_path / "nowhere"], db=db, jobs=jobs)
    assert [(c.repo, c.platform, n["commits"]) for c, n in summary.imported] == [
        ("google-bert/bert-base-uncased", "huggingface", 2), ("psf/requests", "github", 3)]
    failed = dict(summary.failed)
    assert set(failed) == {str(tmp_path / "nowhere"), str((clones / "orphan").resolve()),
                           str((clones / "dataset").resolve())}
    assert "no remote" in failed[str((clones / "orphan").resolve())]
    assert "is a Hub dataset" in failed[str((clones / "dataset").resolve())]
    assert "not a git clone" in failed[str(tmp_path / "nowhere")]
    with Store(db, read_only=True) as store:
        assert store.query("SELECT platform, repo, count(*) FROM commits GROUP BY ALL "
                           "ORDER BY repo").fetchall() == [
            ("huggingface", "google-bert/bert-base-uncased", 2), ("github", "psf/requests", 3)]


def test_a_mapping_names_clones_and_a_mapped_path_that_is_no_clone_fails_alone(tmp_path):
    _clone(tmp_path, "one", None)
    _clone(tmp_path, "two", "https://github.com/acme/two")
    mapping = tmp_path / "map.txt"
    mapping.write_text("one acme/one\nmissing acme/missing\n")
    db = tmp_path / "s.duckdb"
    summary = import_clones([tmp_path / "two"], mapping=mapping, platform="github", db=db,
                            jobs=2)
    assert sorted(c.repo for c, _ in summary.imported) == ["acme/one", "acme/two"]
    assert [path for path, _ in summary.failed] == [str((tmp_path / "missing").resolve())]
    with Store(db, read_only=True) as store:
        assert store.counts()["commits"] == 4


def _dying_reader(clone):
    """A worker that dies on one clone, as one killed for its memory would."""
    if clone.repo == "acme/dies":
        os._exit(9)
    return _read(clone)


def test_a_worker_that_dies_fails_its_clone_not_the_import(tmp_path, monkeypatch):
    monkeypatch.setattr(clones_module, "_read", _dying_reader)  # forked workers inherit it
    _clone(tmp_path, "dies", "https://github.com/acme/dies")
    _clone(tmp_path, "lives", "https://github.com/acme/lives")
    summary = import_clones([tmp_path], db=tmp_path / "s.duckdb", jobs=2)
    failed = dict(summary.failed)
    assert "worker reading" in failed[str((tmp_path / "dies").resolve())]
    assert summary.total == 2
    with Store(tmp_path / "s.duckdb", read_only=True) as store:
        assert store.counts()["commits"] == 2 * len(summary.imported)


def test_a_mapped_clone_takes_its_platform_from_its_remote_or_asks_for_it(tmp_path):
    _clone(tmp_path, "hub", "https://huggingface.co/acme/old-name")
    _clone(tmp_path, "bare", None)
    mapping = tmp_path / "map.txt"
    mapping.write_text("hub acme/new-name\nbare acme/bare\nmissing acme/missing\n")
    summary = import_clones(mapping=mapping, db=tmp_path / "s.duckdb", jobs=1)
    assert [(c.repo, c.platform) for c, _ in summary.imported] == [
        ("acme/new-name", "huggingface")]
    failed = {Path(path).name: reason for path, reason in summary.failed}
    assert "pass --platform" in failed["bare"]
    assert "does not exist" in failed["missing"]
