import pytest

import crossforge
from crossforge.errors import ConfigError
from crossforge.study import Study


def _study_file(tmp_path, git_builder, bootstrap=200):
    git_builder.commit("Ann", "ann@example.org", "one")
    git_builder.commit("Bob", "12+bob@users.noreply.github.com", "two")
    text = (tmp_path / "study.toml").read_text() if (tmp_path / "study.toml").exists() else None
    if text is None:
        crossforge.init(tmp_path / "study.toml")
        text = (tmp_path / "study.toml").read_text()
    text = text.replace('path = "clones/requests"', f'path = "{git_builder.path}"')
    text = text.replace('repo = "psf/requests"', 'repo = "acme/widget"')
    text = text.replace("bootstrap = 1000", f"bootstrap = {bootstrap}")
    text = text.replace("bootstrap = 200", f"bootstrap = {bootstrap}")
    (tmp_path / "study.toml").write_text(text)
    return tmp_path / "study.toml"


def test_template_is_a_valid_study(tmp_path):
    study = Study.read(crossforge.init(tmp_path / "study.toml"))
    assert study.database == tmp_path / "study.duckdb"
    assert study.git_sources[0]["repo"] == "psf/requests"
    with pytest.raises(ConfigError, match="not overwriting"):
        crossforge.init(tmp_path / "study.toml")


def test_study_runs_then_skips_then_redoes_what_changed(tmp_path, git_builder):
    path = _study_file(tmp_path, git_builder)
    first = crossforge.study(path)
    assert first["import-git:acme/widget"] == "1 repositories, 2 commits, 2 accounts"
    assert (tmp_path / "study-out" / "report.html").exists()
    assert set(crossforge.study(path).values()) == {"skipped"}
    _study_file(tmp_path, git_builder, bootstrap=300)
    third = crossforge.study(path)
    assert third["import-git:acme/widget"] == "skipped"
    assert third["measure-and-report"].startswith("report")


def test_bad_study_files(tmp_path):
    (tmp_path / "bad.toml").write_text("[study\nname=")
    with pytest.raises(ConfigError, match="not valid TOML"):
        Study.read(tmp_path / "bad.toml")
    (tmp_path / "empty.toml").write_text("[analyses]\nbootstrap = 10\n")
    with pytest.raises(ConfigError, match="lacks 'study'"):
        Study.read(tmp_path / "empty.toml")
    with pytest.raises(ConfigError, match="does not exist"):
        Study.read(tmp_path / "missing.toml")
