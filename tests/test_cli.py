import json
import subprocess
import sys

import pandas as pd
from typer.testing import CliRunner

from crossforge.cli import app
from tests.conftest import GitBuilder

runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, list(args))


def test_demo_runs_end_to_end_and_is_marked_synthetic(tmp_path):
    result = _run("demo", "--out", str(tmp_path), "--repositories", "40")
    assert result.exit_code == 0, result.output
    html = (tmp_path / "report.html").read_text()
    md = (tmp_path / "report.md").read_text()
    assert "SYNTHETIC DEMO DATA" in html and "SYNTHETIC DEMO DATA" in md
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["synthetic"] is True
    assert summary["platforms"]["github"]["repositories"] == 40
    frame = pd.read_parquet(tmp_path / "repositories.parquet")
    assert {"platform", "repo", "commits", "contributors", "truck_factor"} <= set(frame.columns)
    assert set(frame.platform) == {"github", "huggingface"}
    # the APIs' commit listings name no paths: the demo gives the commits the classes their
    # world records carry, as clones would, so every repository with a commit has shares;
    # the Hub gives a model's storage, and its parameters unless its weights are pickles
    assert (frame["commits_with_paths"] > 0).all() and frame["docs_only_commit_share"].notna().all()
    hub = frame[frame.platform == "huggingface"]
    assert 0 < hub["parameters"].isna().sum() < len(hub) and (hub["storage_bytes"] > 0).all()
    assert frame.loc[frame.platform == "github", "parameters"].isna().all()
    # GitHub serves a primary language (none for a few); the Hub has none
    assert hub["language"].isna().all() and frame["language"].notna().any()
    assert "primary language known for" in md
    assert "Socio-technical factors" in md and "unknown size" in md


def test_import_then_measure(tmp_path, git_builder):
    git_builder.commit("Ann", "ann@example.org", "one")
    git_builder.commit("Bob", "bob@example.org", "two")
    db = str(tmp_path / "s.duckdb")
    for _ in range(2):
        result = _run("import", "git", str(git_builder.path), "--repo", "acme/w",
                      "--platform", "github", "--db", db)
        assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    capped = _run("measure", "--db", db, "--out", str(out), "--memory-limit", "512MiB",
                  "--threads", "1")
    assert capped.exit_code == 0, capped.output
    rows = pd.read_csv(out / "repositories.csv")
    assert rows[["platform", "repo", "commits", "contributors"]].values.tolist() == [
        ["github", "acme/w", 2, 2]]
    # each commit changed f.txt (class other); git gives no size and no parameter count
    assert rows[["commits_with_paths", "weights_commit_share", "docs_only_commit_share"]
                ].values.tolist() == [[2, 0.0, 0.0]]
    assert rows[["parameters", "storage_bytes", "language", "external_code_commit_share"]
                ].isna().all(None)
    assert json.loads((out / "summary.json").read_text())["synthetic"] is False


def _assert_one_line_error(result, needle: str):
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], result.output
    assert "Traceback" not in result.output


def test_import_git_takes_a_directory_of_clones_and_names_the_ones_that_failed(tmp_path):
    clones = tmp_path / "clones"
    for name, remote in [("flask", "https://github.com/pallets/flask.git"),
                         ("requests", "git@github.com:psf/requests.git"), ("local", None)]:
        (clones / name).mkdir(parents=True)
        builder = GitBuilder(clones / name)
        builder.commit("Ann", "ann@example.org", f"{name} one")
        if remote:
            builder.run("remote", "add", "origin", remote)
    db = tmp_path / "s.duckdb"
    result = _run("import", "git", str(clones), "--db", str(db))
    assert result.exit_code == 2, result.output
    assert "imported pallets/flask (github)" in result.output
    assert "imported psf/requests (github)" in result.output
    assert "2 of 3 clones imported" in result.output and "1 failed" in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "local has no remote" in errors[0], result.output
    again = _run("import", "git", str(clones / "flask"), str(clones / "requests"),
                 "--jobs", "1", "--db", str(db))
    assert again.exit_code == 0, again.output
    assert "2 of 2 clones imported" in again.output


def test_import_git_bad_clone_lists_give_one_line_and_exit_2(tmp_path, git_builder):
    git_builder.commit("Ann", "ann@example.org", "one")
    db = tmp_path / "s.duckdb"
    mapping = tmp_path / "map.txt"
    mapping.write_text(f"{git_builder.path} acme/w\n{git_builder.path}\n")
    _assert_one_line_error(_run("import", "git", "--map", str(mapping), "--db", str(db)),
                           "map.txt:2: expected PATH OWNER/NAME")
    _assert_one_line_error(_run("import", "git", str(git_builder.path), str(tmp_path),
                                "--repo", "acme/w", "--platform", "github", "--db", str(db)),
                           "--repo names one clone")
    _assert_one_line_error(_run("import", "git", str(git_builder.path), "--db", str(db)),
                           "has no remote to name it")
    git_builder.run("remote", "add", "origin", "https://huggingface.co/gpt2")
    _assert_one_line_error(_run("import", "git", str(git_builder.path), "--db", str(db)),
                           "does not name OWNER/NAME")
    _assert_one_line_error(_run("import", "git", "--db", str(db)), "no clone given")
    assert not db.exists()


def test_import_git_loads_neither_pandas_nor_the_api(tmp_path, git_builder):
    """The whole process of a small import is mostly imports: pandas alone took 0.3 s."""
    git_builder.commit("Ann", "ann@example.org", "one")
    code = ("import sys\nfrom crossforge.cli import app\ntry:\n"
            f"    app(['import', 'git', {str(git_builder.path)!r}, '--repo', 'acme/w', "
            f"'--platform', 'github', '--db', {str(tmp_path / 's.duckdb')!r}])\n"
            "except SystemExit:\n    pass\n"
            "print(sorted(m for m in ('pandas', 'pyarrow', 'httpx', 'crossforge.collection') "
            "if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert "imported acme/w" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout


def test_bad_input_gives_one_line_and_exit_2(tmp_path, git_builder):
    git_builder.commit("Ann", "ann@example.org", "one")
    db = tmp_path / "s.duckdb"
    ok = _run("import", "git", str(git_builder.path), "--repo", "acme/w", "--platform", "github",
              "--db", str(db))
    assert ok.exit_code == 0
    before = db.read_bytes()
    _assert_one_line_error(_run("import", "git", str(tmp_path), "--repo", "acme/w",
                                "--platform", "github", "--db", str(db)), "not a git repository")
    _assert_one_line_error(_run("import", "git", str(git_builder.path), "--repo", "not-an-id",
                                "--platform", "github", "--db", str(db)), "malformed repository")
    _assert_one_line_error(_run("import", "git", str(git_builder.path), "--repo", "acme/w",
                                "--platform", "gitlab", "--db", str(db)), "unknown platform")
    assert db.read_bytes() == before
    broken = tmp_path / "broken.duckdb"
    broken.write_text("garbage")
    _assert_one_line_error(_run("measure", "--db", str(broken), "--out", str(tmp_path / "o")),
                           "cannot open database")
    _assert_one_line_error(_run("measure", "--db", str(tmp_path / "none.duckdb"),
                                "--out", str(tmp_path / "o")), "does not exist")
    _assert_one_line_error(_run("measure", "--db", str(db), "--out", str(tmp_path / "o"),
                                "--memory-limit", "lots"), "is not a size such as 4GB")


def test_interviews_code_is_a_subcommand(tmp_path):
    from tests.content.test_interviews import CODEBOOK, SEGMENTS

    (tmp_path / "codebook.yaml").write_text(CODEBOOK)
    (tmp_path / "segments.csv").write_text(SEGMENTS)
    result = _run("interviews", "code", str(tmp_path / "codebook.yaml"),
                  str(tmp_path / "segments.csv"), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    themes = pd.read_csv(tmp_path / "out" / "interview_themes.csv").set_index("name")
    assert themes.loc["Adaptation", "interviews"] == 2
    old_form = _run("interviews", str(tmp_path / "codebook.yaml"), str(tmp_path / "segments.csv"))
    assert old_form.exit_code != 0


def test_interviews_draw_warns_and_keeps_handles_in_the_contact_file(tmp_path):
    from crossforge.store import Store
    from tests.content.test_interviewees import PROVENANCE, RECORDS

    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        store.write(PROVENANCE, RECORDS)
    out = tmp_path / "interviews"
    result = _run("interviews", "sample", "--db", str(db), "--out", str(out), "--seed", "3",
                  "--platform", "github,huggingface")
    assert result.exit_code == 0, result.output
    assert "PERSONAL DATA" in result.output
    contacts = (out / "contacts.csv").read_text()
    assert contacts.startswith("# PERSONAL DATA")
    listed = pd.read_csv(out / "interviewees.csv")
    assert list(listed.columns) == ["pseudonym", "platform", "role", "stratum"]
    assert len(listed) == 11 and "fay" in contacts and "fay" not in listed.to_csv()
    # ``draw``, the command's old name, still works
    bad = _run("interviews", "draw", "--db", str(db), "--out", str(out), "--role", "boss")
    assert bad.exit_code != 0 and "unknown role" in bad.output and "Traceback" not in bad.output


def test_interviews_guide_writes_then_refuses_to_overwrite(tmp_path):
    result = _run("interviews", "guide", "--out", str(tmp_path / "g"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "g" / "interview_guide.md").exists()
    again = _run("interviews", "guide", "--out", str(tmp_path / "g"))
    assert again.exit_code != 0 and "not overwriting" in again.output


def test_interviews_import_then_code(tmp_path):
    from tests.content.test_interviews import TAGUETTE_ANA, TAGUETTE_BOB

    (tmp_path / "ana.csv").write_text(TAGUETTE_ANA)
    (tmp_path / "bob.csv").write_text(TAGUETTE_BOB)
    assert _run("interviews", "codebook", "--out", str(tmp_path)).exit_code == 0
    codebook = str(tmp_path / "codebook.yaml")
    result = _run("interviews", "import", str(tmp_path / "ana.csv"), str(tmp_path / "bob.csv"),
                  "--coders", "ana,bob", "--out", str(tmp_path / "segments.csv"),
                  "--codebook", codebook)
    assert result.exit_code == 0, result.output
    assert "9 segment rows" in result.output
    coded = _run("interviews", "code", codebook, str(tmp_path / "segments.csv"),
                 "--out", str(tmp_path / "out"))
    assert coded.exit_code == 0, coded.output
    agreement = pd.read_csv(tmp_path / "out" / "interview_agreement.csv").set_index("code")
    assert agreement.loc["compute-cost", "cohen_kappa"] == 0.5
    (tmp_path / "odd.csv").write_text("id,document,tag,content\n1,p-1,made-up,x\n")
    bad = _run("interviews", "import", str(tmp_path / "odd.csv"), "--coders", "ana",
               "--codebook", codebook, "--out", str(tmp_path / "s2.csv"))
    assert bad.exit_code != 0 and "made-up" in bad.output and "Traceback" not in bad.output


def test_interviews_codebook_then_report_beside_the_measured_statistics(tmp_path):
    import json

    from tests.content.test_interviews import HAND_INTERVIEWEES, HAND_SEGMENTS

    assert _run("interviews", "codebook", "--out", str(tmp_path)).exit_code == 0
    assert not (tmp_path / "interview_guide.md").exists()
    (tmp_path / "segments.csv").write_text(HAND_SEGMENTS)
    (tmp_path / "interviewees.csv").write_text(HAND_INTERVIEWEES)
    (tmp_path / "statistics.json").write_text(json.dumps({"synthetic": True, "comparisons": [
        {"measure": "adaptation_index", "comparison": "raw", "n_github": 30, "n_huggingface": 30,
         "median_github": 0.1, "median_huggingface": 0.9, "effect": "cliffs_delta",
         "effect_value": -0.7, "effect_ci_low": -0.8, "effect_ci_high": -0.55}]}))
    result = _run("interviews", "report", str(tmp_path / "codebook.yaml"),
                  str(tmp_path / "segments.csv"),
                  "--statistics", str(tmp_path / "statistics.json"),
                  "--interviewees", str(tmp_path / "interviewees.csv"),
                  "--out", str(tmp_path / "o"))
    assert result.exit_code == 0, result.output
    markdown = (tmp_path / "o" / "interviews.md").read_text()
    blackbox = next(line for line in markdown.splitlines() if line.startswith("| Black-box"))
    assert "adaptation_index: median GitHub 0.1, Hub 0.9; Cliff's delta -0.7 [-0.8, -0.55]" \
        in blackbox
    assert "external_commit_share: not compared in this run" in blackbox
    assert "SYNTHETIC" in markdown  # the statistics came from a synthetic world
    codebook = (tmp_path / "codebook.yaml").read_text()
    (tmp_path / "typo.yaml").write_text(codebook.replace("[adaptation_index,", "[adaption_index,"))
    _run("interviews", "report", str(tmp_path / "typo.yaml"), str(tmp_path / "segments.csv"),
         "--out", str(tmp_path / "t"))
    assert "adaption_index: not a measure crossforge compares" in (
        tmp_path / "t" / "interviews.md").read_text()
    assert "We cannot retrain it." in (tmp_path / "o" / "interviews.html").read_text()
    bad = _run("interviews", "report", str(tmp_path / "codebook.yaml"),
               str(tmp_path / "segments.csv"), "--statistics", str(tmp_path / "segments.csv"))
    assert bad.exit_code != 0 and "not a statistics.json" in bad.output
    assert "Traceback" not in bad.output


def test_interviews_bad_input_is_one_line(tmp_path):
    missing = tmp_path / "none.csv"
    for args, phrase in (
            (["import", str(missing), "--coders", "ana"], f"export {missing} does not exist"),
            (["import", str(missing), str(missing), "--coders", "ana"], "one distinct coder"),
            (["draw", "--db", str(tmp_path / "none.duckdb")], "does not exist"),
            (["draw", "--db", str(tmp_path / "none.duckdb"), "--platform", "gitlab"],
             "unknown platform")):
        result = _run("interviews", *args)
        assert result.exit_code != 0 and phrase in result.output, result.output
        assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
