import json

import pandas as pd
from typer.testing import CliRunner

from crossforge.cli import app

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
    assert json.loads((out / "summary.json").read_text())["synthetic"] is False


def _assert_one_line_error(result, needle: str):
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], result.output
    assert "Traceback" not in result.output


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
