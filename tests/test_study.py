import pytest
from typer.testing import CliRunner

import crossforge
from crossforge.cli import app
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


@pytest.mark.parametrize(("old", "new", "message"), [
    ("report = true", 'report = "no"', 'analyses.report must be true or false, not "no"'),
    ('database = "study.duckdb"', "database = 42",
     "study.database must be a non-empty string, not 42"),
    ('output = "study-out"', 'output = ["a"]',
     "study.output must be a non-empty string, not ['a']"),
    ("bootstrap = 1000", "bootstrap = -3", "analyses.bootstrap must be an integer >= 1, not -3"),
    ("bootstrap = 1000", "bootstrap = true",
     "analyses.bootstrap must be an integer >= 1, not true"),
    ("bootstrap = 1000", "bootstrap = 1e400",
     "analyses.bootstrap must be an integer >= 1, not inf"),
    ("seed = 2026", "seed = 1.5", "study.seed must be an integer >= 0, not 1.5"),
    ('huggingface = "HF_TOKEN"', "huggingface = 7",
     "tokens.huggingface must be an environment variable's name or a list of them, not 7"),
    ('platform = "github"', 'platform = "gitlab"',
     'sources.git.platform must be one of github, huggingface, not "gitlab" '
     "([[sources.git]] entry 1)"),
    ('repo = "psf/requests"', 'repo = "psf/requests/extra"',
     'sources.git.repo must be a repository id, OWNER/NAME, not "psf/requests/extra" '
     "([[sources.git]] entry 1)"),
    ('path = "clones/requests"', "", "[[sources.git]] entry 1 lacks 'path'"),
    ("report = true", "report = true\nreprot = false",
     "unknown key(s) reprot in [analyses]; known: bootstrap, report"),
    ("[tokens]", "[token]",
     "unknown key(s) token in the top level; known: study, tokens, analyses, sources"),
])
def test_study_values_of_a_wrong_type_or_range_are_one_line_errors(tmp_path, old, new, message):
    path = crossforge.init(tmp_path / "study.toml")
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(ConfigError) as error:
        Study.read(path)
    assert str(error.value) == f"study file {path}: {message}"


def test_a_wrong_study_value_is_refused_before_any_file_is_written(tmp_path):
    path = crossforge.init(tmp_path / "study.toml")
    path.write_text(path.read_text().replace('database = "study.duckdb"', "database = 42"))
    result = CliRunner().invoke(app, ["study", str(path)])
    assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
    assert "study.database must be a non-empty string, not 42" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["study.toml"]  # no file named 42
