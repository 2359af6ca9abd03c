import re

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
    assert first["classify"] == "labelled no threads (none stored)"
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
     "unknown key(s) reprot in [analyses]; known: bootstrap, classify, report, "
     "figure_formats, interviews"),
    ("[tokens]", "[token]",
     "unknown key(s) token in the top level; known: study, tokens, collect, analyses, "
     "sources, sample"),
])
def test_study_values_of_a_wrong_type_or_range_are_one_line_errors(tmp_path, old, new, message):
    path = crossforge.init(tmp_path / "study.toml")
    text = path.read_text()
    at = re.search(f"^{re.escape(old)}", text, flags=re.MULTILINE)  # not a commented example
    assert at is not None
    path.write_text(text[:at.start()] + new + text[at.end():])
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


def _collecting_study(tmp_path, url):
    """A study file that samples both platforms from lists and collects them from ``url``."""
    from tests.test_end_to_end_quirks import FRAME

    for platform, repos in FRAME.items():
        (tmp_path / f"{platform}.txt").write_text("\n".join(repos) + "\n")
    path = crossforge.init(tmp_path / "study.toml")
    text = path.read_text()
    start, end = text.index("# Local clones"), text.index("# Tokens")
    text = text[:start] + text[end:]        # no clone: a study of the APIs only
    text = text.replace('github = ["GITHUB_TOKEN"]', 'github = ["GH_ONE", "GH_TWO"]')
    text = text.replace("bootstrap = 1000", "bootstrap = 50")
    text += ('\n[[sample]]\nplatform = "github"\nfrom_list = "github.txt"\n'
             '\n[[sample]]\nplatform = "huggingface"\nfrom_list = "huggingface.txt"\n'
             f'\n[collect]\ngithub_url = "{url}"\nhub_url = "{url}"\nmax_comments = 50\n')
    path.write_text(text)
    return path


def test_a_study_samples_collects_classifies_and_reports_then_skips(tmp_path, monkeypatch):
    from crossforge.emulator import Emulator
    from crossforge.store import Store
    from tests.test_end_to_end_quirks import FRAME, world

    monkeypatch.setenv("GH_TWO", "ghp_second0123456789")
    with Emulator.from_records(world()) as emulator:
        path = _collecting_study(tmp_path, emulator.url)
        first = crossforge.study(path)
        assert list(first) == ["sample:github:main", "sample:huggingface:main", "collect",
                               "classify", "measure-and-report"]
        assert first["sample:huggingface:main"] == "4 repositories in the frame"
        assert first["collect"] == "github: 2 repositories, huggingface: 4 repositories"
        assert first["classify"].startswith("labelled ")
        with Store(tmp_path / "study.duckdb", read_only=True) as store:
            assert sorted(store.read_frame("main")) == sorted(
                (p, r) for p, repos in FRAME.items() for r in repos)
            assert store.query("SELECT count(*) FROM thread_labels").fetchone()[0] > 0
        assert (tmp_path / "study-out" / "report.html").exists()
        assert any((tmp_path / "study-raw").iterdir())      # answers kept beside the store
        assert set(crossforge.study(path).values()) == {"skipped"}
    for file in (tmp_path / "study-raw").rglob("*"):        # the token never reaches disk
        assert not file.is_file() or b"ghp_second" not in file.read_bytes()


def test_a_study_records_a_collection_only_when_nothing_failed(tmp_path, monkeypatch):
    from crossforge import api
    from crossforge.collection.collector import CollectionSummary

    runs = []

    def collect(*args, **kwargs):
        runs.append(kwargs)
        failed = {} if len(runs) > 1 else {"github": {"acme/tool": "HTTP 502"}}
        return CollectionSummary(repositories={"github": 2}, failed=failed)

    monkeypatch.setattr(api, "collect", collect)
    monkeypatch.setattr(api, "sample", lambda **kwargs: api.frames.SampledFrame(
        ["acme/tool", "solo/app"], {}))
    monkeypatch.setattr(api, "_analyse", lambda config: "measured")
    path = _collecting_study(tmp_path, "http://127.0.0.1:9")
    first = api.study(path)
    assert first["collect"] == ("github: 2 repositories; 1 failed (run the study again to "
                                "retry them)")
    second = api.study(path)
    assert second["collect"] == "github: 2 repositories" and len(runs) == 2
    assert api.study(path)["collect"] == "skipped" and len(runs) == 2
    assert runs[0]["github_token_env"] == ["GH_ONE", "GH_TWO"]


def test_tokens_from_several_variables_rotate_and_stay_unknown_when_empty(monkeypatch):
    from crossforge.api import _tokens

    monkeypatch.setenv("GH_ONE", "a1, a2")
    monkeypatch.setenv("GH_TWO", "")
    monkeypatch.setenv("GH_THREE", "b1")
    assert _tokens(["GH_ONE", "GH_TWO", "GH_THREE"], "GITHUB_TOKEN") == ["a1", "a2", "b1"]
    assert _tokens(["GH_TWO"], "GITHUB_TOKEN") == [""]          # anonymous, not an error
    monkeypatch.setenv("GITHUB_TOKEN", "c1")
    assert _tokens(None, "GITHUB_TOKEN") == ["c1"]


@pytest.mark.parametrize(("added", "message"), [
    ('[[sample]]\nfrom_list = "x.txt"\n', "[[sample]] entry 1 lacks 'platform'"),
    ('[[sample]]\nplatform = "github"\nsize = 0\n',
     "sample.size must be an integer >= 1, not 0 ([[sample]] entry 1)"),
    ('[[sample]]\nplatform = "github"\nstrata = ["moon"]\n',
     'sample.strata must be a list of year, popularity, activity, not [\'moon\'] '
     "([[sample]] entry 1)"),
    ('[[sample]]\nplatform = "github"\nsearch = "x"\n[[sample]]\nplatform = "github"\n',
     "two [[sample]] entries draw the same platform into the same frame"),
    ("[sample]\nplatform = 'github'\n",
     "sample must be an array of tables ([[sample]]), not a table"),
    ("[collect]\nmax_threads = -1\n", "collect.max_threads must be an integer >= 1, not -1"),
    ("[collect]\nmax_thread = 5\n", "unknown key(s) max_thread in [collect]"),
])
def test_bad_sample_and_collect_tables_are_one_line_errors(tmp_path, added, message):
    path = crossforge.init(tmp_path / "study.toml")
    path.write_text(path.read_text() + "\n" + added)
    with pytest.raises(ConfigError) as error:
        Study.read(path)
    assert message in str(error.value)


def test_the_templates_commented_sample_and_collect_tables_are_valid(tmp_path):
    path = crossforge.init(tmp_path / "study.toml")
    lines = path.read_text().splitlines()
    example = re.compile(r"# (\[\[?\w+\]\]?|\w+ = .*)")    # a commented table or key
    uncommented = [line[2:] if example.fullmatch(line) else line for line in lines]
    path.write_text("\n".join(uncommented) + "\n")
    study = Study.read(path)
    assert [s["platform"] for s in study.samples] == ["github", "huggingface"]
    assert study.collection == {"max_threads": 2000, "max_profiles": 0,
                                "forum_url": "https://discuss.huggingface.co"}
    assert study.interviews == tmp_path / "interviews"
