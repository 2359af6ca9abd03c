"""The report's files beside the HTML: LaTeX tables, figure files, and the notebook API that
draws the same figures."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

import crossforge
from crossforge.errors import ConfigError, StoreError
from crossforge.records import Repository, Thread
from crossforge.report import figures, write_report
from crossforge.report.tables import latex_table, tex
from crossforge.report.writer import LATEX_TABLES, PULL_TOUCHED_LABELS
from crossforge.store import Store
from crossforge.worlds import synthetic

SCOPE = "issues and discussions (pull requests excluded); bot-authored threads excluded"

HOSTILE = r"bug_&%#$ {x} ~^\ <script>|"


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict[str, Path]:
    return crossforge.demo(tmp_path_factory.mktemp("demo"), repositories_per_platform=30)


def _columns(spec: str) -> int:
    return len(re.sub(r"p\{[^}]*\}", "p", spec))


def check_latex(text: str) -> None:
    """Fail unless ``text`` is a well-formed booktabs table with no active character left."""
    body = "\n".join(line for line in text.splitlines() if not line.startswith("%"))
    stack = []
    for kind, env in re.findall(r"\\(begin|end)\{(\w+)\}", body):
        if kind == "begin":
            stack.append(env)
        else:
            assert stack and stack.pop() == env, f"unbalanced \\end{{{env}}}"
    assert not stack, f"unclosed environments {stack}"
    unescaped = re.sub(r"\\[{}&%$#_]", "", body)
    depth = 0
    for char in unescaped:
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0, "a } closes nothing"
    assert depth == 0, "unbalanced braces"
    plain = re.sub(r"\\[A-Za-z]+", "", unescaped.replace("\\\\", ""))
    assert not set("%$#_^~\\") & set(plain), f"active characters in {plain!r}"
    spec = re.search(r"\\begin\{tabular\}\{(.*)\}\n", body).group(1)
    rows = body.split("\\midrule\n")[1].split("\\bottomrule")[0].strip().splitlines()
    header = body.split("\\toprule\n")[1].split("\\midrule")[0].strip().splitlines()
    for row in header + rows:
        assert row.endswith("\\\\"), row
        cells = re.sub(r"\\&", "", row).count("&") + 1
        assert cells == _columns(spec), f"{cells} cells for {spec}: {row}"
    for rule in ("\\toprule", "\\midrule", "\\bottomrule"):
        assert body.count(rule) == 1


def test_tex_escapes_every_special_character():
    assert tex(HOSTILE) == (r"bug\_\&\%\#\$ \{x\} \textasciitilde{}\textasciicircum{}"
                            r"\textbackslash{} \textless{}script\textgreater{}\textbar{}")
    assert tex("a\n\nb – 3× δ") == r"a b -- 3\ensuremath{\times} \ensuremath{\delta}"


def test_a_hostile_table_is_still_a_well_formed_table():
    frame = pd.DataFrame({"type_&_name": [HOSTILE, "usage"], "share": ["0.5", "–"]})
    text = latex_table(frame, caption=f"Types of {HOSTILE}", label="tab:t", synthetic=True)
    check_latex(text)
    assert r"\caption{Types of bug\_\&" in text and "SYNTHETIC DEMO DATA" in text


def test_demo_report_writes_every_table_well_formed(demo):
    folder = demo["html"].parent / "tables"
    assert sorted(p.stem for p in folder.glob("*.tex")) == sorted(LATEX_TABLES)
    for path in folder.glob("*.tex"):
        text = path.read_text(encoding="utf-8")
        check_latex(text)
        assert "SYNTHETIC DEMO DATA" in text
    statistics = (folder / "statistics.tex").read_text(encoding="utf-8")
    raw = pd.read_parquet(demo["statistics_parquet"]).query("comparison == 'raw'")
    assert statistics.count("\\\\\n") == len(raw) + 1  # a row per measure and the header
    assert r"external\_commit\_share" in statistics
    assert "1,428,792 / 1,440,527" in (folder / "seed_comparison.tex").read_text()


def test_demo_report_writes_and_embeds_its_figures(demo):
    folder = demo["html"].parent / "figures"
    names = {p.stem for p in folder.iterdir()}
    assert {"ecdf_contributors", "survival", "type_shares", "network_github",
            "network_huggingface"} <= names
    for name in names:   # SVG only: PNG and PDF are drawn when asked for
        assert sorted(p.suffix for p in folder.glob(f"{name}.*")) == [".svg"]
        assert (folder / f"{name}.svg").stat().st_size > 1000
        assert figures.SYNTHETIC_MARK in (folder / f"{name}.svg").read_text()
    html = demo["html"].read_text(encoding="utf-8")
    assert html.count("co-contribution network: people as dots") == 2
    assert "Thread types: corrected shares" in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    md = demo["md"].read_text(encoding="utf-8")
    for target in re.findall(r"\]\((figures/[^)]+)\)", md):
        assert (demo["md"].parent / target).is_file(), target


def test_demo_report_shows_knowledge_exchange_by_channel(demo):
    """The demo collects GitHub Discussions: the section gives n per channel beside
    openness, and a repository without a board has its board's measures unknown."""
    world = list(synthetic.generate_world(30, 2026))
    boards = {r.repo for r in world if isinstance(r, Repository) and r.has_discussions}
    discussions = sum(1 for t in world if isinstance(t, Thread)
                      and t.channel == "discussion_board")
    assert boards and discussions, "the demo world needs discussion boards with discussions"
    markdown = demo["md"].read_text(encoding="utf-8")
    section = markdown.split("## Knowledge exchange by channel", 1)[1].split("\n## ", 1)[0]
    assert markdown.index("## Openness") < markdown.index("## Knowledge exchange by channel")
    board = re.search(r"\| GitHub \(OSS\) \| discussion board \| (\d+) \| (\d+) \|", section)
    assert board and (int(board[1]), int(board[2])) == (len(boards), discussions)
    assert re.search(r"\| Hugging Face Hub \(OSM\) \| issue tracker \| 30 \|", section)
    assert "knowledge_accepted_answer_share" in section
    assert "Knowledge exchange by channel" in demo["html"].read_text(encoding="utf-8")
    repositories = pd.read_csv(demo["md"].parent / "repositories.csv").set_index("repo")
    github = repositories[repositories["platform"] == "github"]
    assert github.loc[[r for r in github.index if r not in boards],
                      "discussion_board_threads"].isna().all()
    assert github.loc[sorted(boards), "discussion_board_threads"].notna().all()
    assert repositories.loc[repositories["platform"] == "huggingface",
                            "discussion_board_threads"].isna().all()


def test_demo_report_shows_what_pull_requests_touch_beside_the_commits(demo):
    """The pull requests' shares have their own table, each cell with its interval and n
    (repositories; pull requests), counted from the stored pull requests with paths only."""
    folder = demo["md"].parent
    with Store(folder / "demo.duckdb", read_only=True) as store:
        stored = {platform: (with_paths, weights) for platform, with_paths, weights in store.query(
            "SELECT platform, count(touched), count(*) FILTER (WHERE list_contains(touched, "
            "'weights')) FROM threads WHERE kind = 'pull_request' GROUP BY ALL").fetchall()}
    touched = json.loads((folder / "summary.json").read_text())["socio_technical"]["touched"]
    for platform, (with_paths, weights) in stored.items():
        share = touched[platform]["pr_weights_share"]
        assert share["pull_requests"] == with_paths > 0
        assert share["value"] == pytest.approx(weights / with_paths)
        assert "commits" not in share and touched[platform]["weights_commit_share"]["commits"]
    markdown = demo["md"].read_text(encoding="utf-8")
    section = markdown.split("### What a contribution touches", 1)[1].split("\n### ", 1)[0]
    assert section.index("| share of commits |") < section.index("| share of pull requests |")
    assert "Pull requests count through their commits only" not in markdown
    assert "GitHub pull request read through REST" in section
    for key, label in PULL_TOUCHED_LABELS.items():
        row = next(line for line in section.splitlines() if line.startswith(f"| {label} |"))
        cells = [cell.strip() for cell in row.strip("| ").split(" | ")[1:]]
        for platform, cell in zip(("github", "huggingface"), cells, strict=True):
            share = touched[platform][key]
            assert re.fullmatch(r"[\d.]+ \[[\d.]+, [\d.]+\] \(n = [\d,]+; [\d,]+\)", cell), cell
            assert cell.endswith(f"(n = {share['n']:,}; {share['pull_requests']:,})")
    assert "share of pull requests" in demo["html"].read_text(encoding="utf-8")


def test_hostile_type_labels_reach_the_tables_escaped(demo, tmp_path):
    study = crossforge.open_study(demo["html"].parent / "demo.duckdb", n_bootstrap=20)
    shares = study.type_shares.assign(**{"class": [HOSTILE] + list(
        study.type_shares["class"][1:])})
    result = dataclasses.replace(study.result, evolution={**study.result.evolution,
                                                          "type_shares": shares})
    paths = write_report(tmp_path, result, sources=[])
    text = paths["table_type_shares"].read_text(encoding="utf-8")
    check_latex(text)
    assert r"bug\_\&\%\#\$" in text
    html = paths["html"].read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;" in html


@pytest.mark.skipif(shutil.which("pdflatex") is None,
                    reason="pdflatex is not installed (Debian: texlive-latex-recommended)")
def test_the_tables_compile_with_pdflatex(demo, tmp_path):
    tables = sorted((demo["html"].parent / "tables").glob("*.tex"))
    hostile = tmp_path / "hostile.tex"
    hostile.write_text(latex_table(pd.DataFrame({"type": [HOSTILE]}), caption=HOSTILE,
                                   label="tab:h"), encoding="utf-8")
    document = tmp_path / "paper.tex"
    document.write_text(
        "\\documentclass{article}\n\\usepackage[T1]{fontenc}\n\\usepackage{booktabs}\n"
        "\\begin{document}\n"
        + "".join(f"\\input{{{p.as_posix()}}}\n" for p in [*tables, hostile])
        + "\\end{document}\n", encoding="utf-8")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                          document.name], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]
    assert (tmp_path / "paper.pdf").stat().st_size > 1000


def test_open_study_gives_dataframes_and_the_reports_own_figures(demo, tmp_path):
    db = demo["html"].parent / "demo.duckdb"
    study = crossforge.open_study(db, n_bootstrap=20)
    report_measures = pd.read_parquet(demo["parquet"])
    pd.testing.assert_frame_equal(study.measures.reset_index(drop=True),
                                  report_measures, check_dtype=False)
    assert set(study.statistics["comparison"]) == {"raw", "stratified"}
    assert set(study.networks["network"]) == {"co_contribution", "replies"}
    assert study.networks.set_index(["platform", "network"]).loc[
        ("github", "co_contribution"), "nodes"] == study.graphs["github"][
        "co_contribution"].vcount()
    threads = study.threads
    pull_request = threads["kind"] == "pull_request"
    # the demo classified every issue and discussion, and no pull request
    assert len(threads) and threads.loc[~pull_request, "label"].notna().all()
    assert pull_request.any() and threads.loc[pull_request, "label"].isna().all()
    assert set(threads["platform"]) == {"github", "huggingface"}
    # one implementation: the notebook's figure is byte for byte the report's file
    for name, figure in [("ecdf_contributors", study.plot_ecdf("contributors")),
                         ("network_huggingface", study.plot_network("huggingface"))]:
        mine = figures.save(figure, tmp_path, name, formats=["svg"])[0]
        assert mine.read_bytes() == (demo["html"].parent / "figures" / f"{name}.svg"
                                     ).read_bytes()
    assert figures.SYNTHETIC_MARK in figures.inline_svg(study.plot_survival())
    assert study.plot_type_shares().axes
    assert [name for name, _ in study.figures()][-2:] == ["network_github",
                                                          "network_huggingface"]
    with pytest.raises(KeyError, match="no measure"):
        study.plot_ecdf("stars")


def test_open_study_reads_a_study_file(demo, tmp_path):
    shutil.copy(demo["html"].parent / "demo.duckdb", tmp_path / "copy.duckdb")
    (tmp_path / "study.toml").write_text(
        '[study]\ndatabase = "copy.duckdb"\nseed = 7\n[analyses]\nbootstrap = 25\n')
    study = crossforge.open_study(tmp_path / "study.toml")
    assert (study.db, study.seed, study.n_bootstrap) == (tmp_path / "copy.duckdb", 7, 25)
    assert crossforge.open_study(tmp_path / "study.toml", n_bootstrap=5).n_bootstrap == 5


def test_open_study_rejects_what_is_not_a_study(tmp_path):
    with pytest.raises(StoreError, match="does not exist"):
        crossforge.open_study(tmp_path / "missing.duckdb")
    with pytest.raises(ConfigError):
        crossforge.open_study(tmp_path / "missing.toml")
    (tmp_path / "bad.toml").write_text("[study\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        crossforge.open_study(tmp_path / "bad.toml")


def test_the_demo_report_has_no_unflagged_degenerate_correction(demo) -> None:
    shares = pd.read_csv(demo["html"].parent / "type_shares.csv", keep_default_na=False)
    assert (shares["scope"] == SCOPE).all()
    # EM approaches the boundary without reaching it: within half a point counts
    degenerate = (shares["raw_ci_low"].gt(0.005) & shares["adjusted_share"].le(0.005)) | (
        shares["raw_ci_high"].lt(0.995) & shares["adjusted_share"].ge(0.995))
    assert (shares.loc[degenerate, "flag"] != "").all()
    assert shares.groupby("group")["class"].apply(set).map(len).eq(5).all()  # five classes
    assert set(shares["method"]) <= {"emq", "acc"}
    markdown = demo["md"].read_text(encoding="utf-8")
    assert f"Threads classified: {SCOPE}" in markdown
    assert "Hugging Face Hub (OSM): corrected with GitHub's confusion matrix" in markdown
    for row in shares[shares["flag"] != ""].to_dict("records"):
        assert f"{row['class']}: raw share {row['raw_share']:.3g}" in markdown
    assert markdown.count("flagged: raw share only") == (shares["flag"] != "").sum()


def test_answered_share_is_compared_between_platforms_and_reported(demo) -> None:
    statistics = pd.read_parquet(demo["statistics_parquet"])
    answered = statistics[(statistics["measure"] == "answered_share")
                          & (statistics["comparison"] == "raw")]
    assert len(answered) == 1 and answered.iloc[0]["n_github"] > 0
    markdown = demo["md"].read_text(encoding="utf-8")
    assert "answered_share" in markdown
    assert "mean share of threads answered" in markdown


def test_demo_report_shows_people_on_both_platforms_with_n_and_interval(demo):
    out = demo["html"].parent
    people = json.loads((out / "statistics.json").read_text())["people"]
    share = people["matched_share"]
    assert people["looked_up"] > 0 and share["n"] == people["looked_up"]
    assert share["ci_low"] <= share["value"] <= share["ci_high"]
    assert people["validated"] is False
    matches = pd.read_csv(out / "people_matches.csv")
    counted = matches[matches["rule"].isin(["explicit_link", "handle_corroborated"])]
    assert counted["hub_login"].nunique() >= people["matched"]
    markdown = (out / "report.md").read_text()
    section = markdown.split("### People on both platforms")[1].split("\n## ")[0]
    assert f"{people['matched']} of {share['n']}" in section and "SYNTHETIC" in section
    assert "not validated" in section
    assert "<h3>People on both platforms</h3>" in demo["html"].read_text()


def test_the_demo_report_sets_its_synthetic_interview_themes_beside_the_numbers(demo) -> None:
    markdown = demo["md"].read_text(encoding="utf-8")
    section = markdown[markdown.index("## Interviews"):markdown.index("## Seed comparison")]
    assert "SYNTHETIC coded interviews" in section
    assert "6 interviews, 30 segments, coded by 2 coders" in section
    compute = next(line for line in section.splitlines() if line.startswith("| Compute |"))
    # the demo measured the measure the starter codebook links to compute: a figure, not a gap
    assert "external_merged_pr_share: median GitHub" in compute
    assert "Retraining it would cost more than our whole grant" in compute
    html = demo["html"].read_text(encoding="utf-8")
    assert "<h2>Interviews: themes beside the differences they may explain</h2>" in html
