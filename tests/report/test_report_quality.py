"""The report checks its data first: a Data quality section, unknowns never shown as findings,
a seed comparison whose words are right both ways, and Markdown with the HTML's sections."""

import re
from datetime import UTC, datetime

import pandas as pd
import pytest

import crossforge
from crossforge.records import Commit, Derivation, Repository
from crossforge.report.writer import seed_comparison


def _commit(platform: str, repo: str, sha: str, author: str, day: int) -> Commit:
    when = datetime(2024, 1, day, tzinfo=UTC)
    return Commit(platform, repo, sha, author, author, None, when, author, None, None, when)


def _store(tmp_path, hub_histories: int = 3):
    """Four GitHub repositories with 2–3 contributors; four Hub models, the first
    ``hub_histories`` with more contributors than GitHub's, the rest with no commit stored;
    one Hub model of unknown owner type; one fine-tune of ``hf/m1`` (not itself sampled)."""
    records: list = []
    for i in range(4):
        repo = f"gh/r{i}"
        records.append(Repository("github", repo, "code", "gh", "user"))
        records += [_commit("github", repo, f"g{i}{k}", f"dev{k}", k + 1) for k in range(2 + i % 2)]
    for i in range(4):
        repo = f"hf/m{i}"
        records.append(Repository("huggingface", repo, "model", "hf",
                                  None if i == 0 else "organization"))
        if i < hub_histories:
            records += [_commit("huggingface", repo, f"h{i}{k}", f"p{k}", k + 1)
                        for k in range(5)]
    records.append(Derivation("huggingface", "someone/m1-tuned", "hf/m1", "finetune"))
    db = tmp_path / "s.duckdb"
    crossforge.write_records(records, source="test", origin="unit", db=db)
    return db


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict:
    """The report of ``_store()``: three Hub models with a history, one without."""
    tmp = tmp_path_factory.mktemp("quality")
    return crossforge.report(_store(tmp, hub_histories=3), tmp / "r")


def _section(text: str, heading: str) -> str:
    """The text of a Markdown ``## heading`` section."""
    return text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]


def test_seed_comparison_says_more_when_the_hub_has_more_contributors(tmp_path):
    result = crossforge.measure(_store(tmp_path), tmp_path / "m", n_bootstrap=200)
    rows = {r.finding: r for r in seed_comparison(result.summary, result.organisations,
                                                  result.statistics)}
    text = rows["Contributors per repository, OSM vs OSS"].yours
    means = {p: result.summary["platforms"][p]["contributors"]["mean"]
             for p in ("github", "huggingface")}
    more = (means["huggingface"] / means["github"] - 1) * 100
    assert more > 0
    assert re.match(rf"mean contributors per repository \(`contributors`\): {more:.1f}% more "
                    r"in OSM \(95% interval [\d.]+% more in OSM to [\d.]+% more in OSM\)", text)
    assert not re.search(r"[-−]\d", text)  # no negative percentage anywhere
    assert "n = 4 / 3" in text  # the Hub models without history are not in n


def test_every_seed_ratio_has_a_seeded_bootstrap_interval_of_the_runs_resamples(tmp_path,
                                                                                report):
    db = _store(tmp_path)
    first = crossforge.measure(db, tmp_path / "a", n_bootstrap=150, seed=3).statistics
    again = crossforge.measure(db, tmp_path / "b", n_bootstrap=150, seed=3).statistics
    row = first.set_index(["measure", "comparison"]).loc[("contributors", "raw")]
    assert row.ratio_of_means_ci_low <= row.ratio_of_means <= row.ratio_of_means_ci_high
    assert row.ratio_of_means_ci_low < row.ratio_of_means_ci_high
    pd.testing.assert_frame_equal(first, again)
    seed_section = _section(report["md"].read_text(), "Seed comparison: published reference "
                            "figures beside your data")
    assert "intervals: 95% percentile bootstrap, 1,000 resamples" in seed_section
    for quantity in ("`contributors`", "`commits_per_month`", "`participants_per_month`",
                     "`external_commit_share`", "`external_participant_share`",
                     "`derivatives`"):
        assert quantity in seed_section


def test_data_quality_opens_the_report_with_counts_shares_and_n(report):
    md, html = report["md"].read_text(), report["html"].read_text()
    headings = re.findall(r"^## (.+)$", md, flags=re.M)
    assert headings[0] == "Data quality"
    assert re.findall(r"<h2>(.+?)</h2>", html)[0] == "Data quality"
    quality = _section(md, "Data quality")
    assert "| repositories without any commit stored | 0 / 4 (0) | 1 / 4 (0.25) |" in quality
    assert "| owner type unknown | 0 / 4 (0) | 1 / 4 (0.25) |" in quality
    # No repository has a creation date: each starts at its first commit, and the Hub model
    # without any commit has no start at all (docs/measures.md, When a repository starts).
    assert "| start unknown (no creation date, no commit) | 0 / 4 (0) | 1 / 4 (0.25) |" in quality
    assert ("| start taken from the first commit (no creation date, or the Hub's floor) "
            "| 4 / 4 (1) | 3 / 4 (0.75) |") in quality
    assert "collection_truncations" in quality and "collection_tasks" in quality


def test_a_hub_model_without_history_is_unknown_not_zero_contributors(tmp_path):
    result = crossforge.measure(_store(tmp_path, hub_histories=3), tmp_path / "m",
                                n_bootstrap=50)
    row = result.repositories.set_index("repo").loc["hf/m3"]
    assert pd.isna(row.contributors) and pd.isna(row.commits_per_month)
    assert result.summary["platforms"]["huggingface"]["contributors"]["n"] == 3


def test_a_finding_with_mostly_unknown_data_is_not_shown_and_says_why(tmp_path):
    # One Hub model of four has a history: contributors are unknown for 75% of the Hub.
    paths = crossforge.report(_store(tmp_path, hub_histories=1), tmp_path / "r")
    md, html = paths["md"].read_text(), paths["html"].read_text()
    summary = _section(md, "Summary")
    row = next(line for line in summary.splitlines() if line.startswith("| Intensity | "
                                                                         "contributors |"))
    assert ("not shown as a finding: contributors is unknown for 75% of Hugging Face Hub (OSM) "
            "repositories (3 of 4), more than half") in row
    assert "an empty history is a collection gap, not a finding" in row
    assert "Cliff" not in row and "(n = " not in row
    assert "not shown as a finding: contributors is unknown" in html
    seed = _section(md, "Seed comparison: published reference figures beside your data")
    assert "`contributors`): not shown as a finding" in seed


def test_summary_does_not_say_derivations_are_missing_when_they_are_there(report):
    for text in (report["md"].read_text(), report["html"].read_text()):
        assert "appear once" not in text
        assert "User innovation (derivatives and derivation trees) is below." in text


@pytest.mark.parametrize("kind", ["md", "html"])
def test_intensity_and_openness_tables_give_n_per_measure(report, kind):
    text = report[kind].read_text()
    if kind == "md":
        intensity = _section(text, "Collaboration intensity")
        header = next(line for line in intensity.splitlines() if line.startswith("| measure"))
        assert header.count("| n |") == 2
        row = next(line for line in intensity.splitlines()
                   if line.startswith("| contributors |"))
        assert row.rstrip(" |").endswith("| 3")  # Hub: 3 of 4 models with a history
    else:
        assert "<th>mean</th><th>n</th>" in text


def test_markdown_report_has_every_section_of_the_html(report):
    html_sections = re.findall(r"<h2>(.+?)</h2>", report["html"].read_text())
    md_sections = re.findall(r"^## (.+)$", report["md"].read_text(), flags=re.M)
    assert [h.replace("&amp;", "&") for h in html_sections] == md_sections
    assert "Summary" in md_sections
