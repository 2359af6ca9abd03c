"""Socio-technical factors: file-type shares pooled per platform, size strata fixed a priori
with an unknown-size row, their trend test, and the pipeline computing roles once."""

import json
import math
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from crossforge.measures.pipeline import run_measures
from crossforge.measures.sociotechnical import (
    UNKNOWN_SIZE,
    size_coverage,
    size_strata,
    stratified_by_size,
    touched_shares,
)
from crossforge.records import Provenance
from crossforge.store import Store
from crossforge.worlds import synthetic

B = 10**9


def _models(parameters: list[float | None], improved: list[bool], **columns: list) -> pd.DataFrame:
    n = len(parameters)
    return pd.DataFrame({
        "platform": "huggingface", "repo": [f"m/{i}" for i in range(n)], "kind": "model",
        "parameters": pd.array(parameters, dtype="Int64"), "storage_bytes": np.nan,
        "has_external_contribution": improved,
        "external_commit_share": columns.get("external", [np.nan] * n),
        "external_participant_share": np.nan,
        "derivatives": pd.array(columns.get("derivatives", [None] * n), dtype="Int64"),
        "external_contributions": columns.get("contributions", [0] * n),
        "adaptation_index": np.nan})


def test_strata_are_the_fixed_orders_of_magnitude_and_unknown_sizes_keep_a_row():
    frame = pd.concat([
        _models([5 * 10**7, 10**8, 7 * B, 10 * B, 70 * B, None], [True] * 6),
        pd.DataFrame({"platform": ["huggingface", "github", "github"],
                      "repo": ["datasets/d/x", "g/a", "g/b"], "kind": ["dataset", "code", "code"],
                      "storage_bytes": [np.nan, 999_999, 10**8]})], ignore_index=True)
    got = list(size_strata(frame))
    # a boundary belongs to the stratum above it; a dataset has no parameter count to cut
    assert got[:6] == ["<100M", "100M–1B", "1B–10B", "≥10B", "≥10B", UNKNOWN_SIZE]
    assert isinstance(got[6], float) and math.isnan(got[6])
    assert got[7:] == ["<1 MB", "≥100 MB"]
    coverage = size_coverage(frame)
    assert coverage["huggingface"]["repositories"] == 6            # the dataset is not counted
    assert coverage["huggingface"]["parameters_known"] == 5
    assert coverage["huggingface"]["parameters_median"] == 7 * B
    assert "language_known" not in coverage["huggingface"]


def test_github_language_coverage_counts_unknowns_and_ranks_ties_by_name():
    languages = ["Rust", None, "Go", "Python", "Go", "Rust", "C", None]
    frame = pd.DataFrame({"platform": "github", "repo": [f"g/{i}" for i in range(8)],
                          "kind": "code", "parameters": np.nan, "storage_bytes": np.nan,
                          "language": languages})
    github = size_coverage(frame)["github"]
    assert (github["repositories"], github["language_known"]) == (8, 6)
    assert github["language_top"] == ["Go", "Rust", "C"]


def test_each_stratum_has_n_shares_with_intervals_and_the_trend_is_kendalls_tau():
    # Improvement falls with size: every small model improved, no large one; one model's
    # size is unknown and shows in its own row, with its own figures.
    parameters = [10**7] * 4 + [5 * 10**8] * 4 + [3 * B] * 4 + [20 * B] * 4 + [None] * 2
    improved = [True] * 4 + [True, True, True, False] + [True, False, False, False] \
        + [False] * 4 + [True, False]
    derivatives = [0, 1, 2, 3] * 4 + [None, 5]
    contributions = [1] * 16 + [0, 0]
    strata, trends = stratified_by_size(
        _models(parameters, improved, derivatives=derivatives, contributions=contributions),
        n_bootstrap=200)
    hub = strata[strata["platform"] == "huggingface"].set_index("stratum")
    assert list(hub.index) == ["<100M", "100M–1B", "1B–10B", "≥10B", UNKNOWN_SIZE]
    assert list(hub["repositories"]) == [4, 4, 4, 4, 2]
    assert list(hub["improved_share"]) == [1.0, 0.75, 0.25, 0.0, 0.5]
    small = hub.loc["<100M"]
    assert small.improved_share_n == 4 and small.improved_share_ci_low == 1.0
    # pooled index Σ derivatives ÷ Σ (derivatives + contributions): 6 ÷ (6 + 4)
    assert small.adaptation_index == pytest.approx(0.6)
    assert 0 <= hub.loc["1B–10B"].improved_share_ci_low <= 0.25 \
        <= hub.loc["1B–10B"].improved_share_ci_high <= 1
    # the unknown-size row counts only the model whose derivatives are known
    assert hub.loc[UNKNOWN_SIZE].adaptation_index_n == 1
    trend = trends.set_index(["platform", "quantity"]).loc[("huggingface", "improved_share")]
    expected = stats.kendalltau(np.repeat([0, 1, 2, 3], 4), np.array(improved[:16], float))
    assert trend.tau == pytest.approx(expected.statistic) and trend.tau < -0.7
    assert trend.p_value == pytest.approx(expected.pvalue) and trend.p_value < 0.01
    assert (trend.n, trend.strata) == (16, 4)       # the unknown sizes are not ranked
    # GitHub holds no repository here: its strata are empty, its trends unknown, not 0
    github = strata[strata["platform"] == "github"]
    assert (github["repositories"] == 0).all() and github["improved_share"].isna().all()
    assert math.isnan(trends.set_index(["platform", "quantity"])
                      .loc[("github", "improved_share")].tau)


def test_file_type_shares_pool_commits_over_repositories_and_stay_unknown_without_paths():
    frame = pd.DataFrame({
        "platform": ["huggingface", "huggingface", "huggingface", "github"],
        "repo": ["a/1", "a/2", "a/3", "g/1"],
        "commits_with_paths": [10, 30, 0, 0],
        "weights_commit_share": [0.5, 0.1, np.nan, np.nan],
        "docs_only_commit_share": [0.2, 0.6, np.nan, np.nan],
        "external_commits_with_paths": [0, 4, 0, 0],
        "external_docs_only_commit_share": [np.nan, 0.75, np.nan, np.nan]})
    shares = touched_shares(frame, n_bootstrap=100)
    weights = shares["huggingface"]["weights_commit_share"]
    assert weights["value"] == pytest.approx((5 + 3) / 40) and weights["n"] == 2
    assert weights["commits"] == 40
    assert weights["ci_low"] <= weights["value"] <= weights["ci_high"]
    assert shares["huggingface"]["docs_only_commit_share"]["value"] == pytest.approx(20 / 40)
    external = shares["huggingface"]["external_docs_only_commit_share"]
    assert (external["value"], external["n"], external["commits"]) == (0.75, 1, 4)
    assert shares["github"]["weights_commit_share"]["value"] is None
    assert shares["github"]["weights_commit_share"]["n"] == 0


def test_pull_request_shares_pool_apart_from_commits_and_count_pull_requests():
    frame = pd.DataFrame({
        "platform": ["huggingface", "huggingface", "huggingface"],
        "repo": ["a/1", "a/2", "a/3"],
        "commits_with_paths": [5, 0, 0],
        "weights_commit_share": [1.0, np.nan, np.nan],
        "prs_with_paths": [4, 6, 0],
        "pr_weights_share": [0.25, 0.5, np.nan],
        "external_prs_with_paths": [2, 0, 0],
        "external_pr_docs_only_share": [1.0, np.nan, np.nan],
        "merged_prs_with_paths": [0, 3, 0],
        "merged_pr_weights_share": [np.nan, 1 / 3, np.nan]})
    hub = touched_shares(frame, n_bootstrap=100)["huggingface"]
    pulls = hub["pr_weights_share"]
    # (1 + 3) of 10 pull requests in two repositories: the commits do not enter
    assert pulls["value"] == pytest.approx(4 / 10)
    assert (pulls["n"], pulls["pull_requests"]) == (2, 10) and "commits" not in pulls
    assert pulls["ci_low"] <= pulls["value"] <= pulls["ci_high"]
    assert (hub["weights_commit_share"]["value"], hub["weights_commit_share"]["commits"]) \
        == (1.0, 5)
    external = hub["external_pr_docs_only_share"]
    assert (external["value"], external["n"], external["pull_requests"]) == (1.0, 1, 2)
    merged = hub["merged_pr_weights_share"]
    assert merged["value"] == pytest.approx(1 / 3) and merged["n"] == 1


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    """A SYNTHETIC world written into a store directly (its commits carry what they touch),
    measured once, with every temporary table the measures create recorded."""
    folder = tmp_path_factory.mktemp("socio")
    created: list[str] = []
    world = list(synthetic.generate_world(20, 11))
    with Store(folder / "s.duckdb") as store:
        store.write(Provenance("synthetic", "test", datetime(2026, 1, 1, tzinfo=UTC), "0"),
                    world)
        original = store.temp_table

        def recording(name, sql, params=None):
            created.append(name)
            return original(name, sql, params)

        store.temp_table = recording
        result = run_measures(store, folder / "out", synthetic=True, n_bootstrap=100)
    return result, created, folder / "out"


def test_the_pipeline_computes_person_roles_once(measured):
    _, created, _ = measured
    assert created.count("person_roles") == 1


def test_statistics_compare_file_type_shares_and_carry_the_size_strata(measured):
    result, _, out = measured
    raw = result.statistics[result.statistics["comparison"] == "raw"].set_index("measure")
    row = raw.loc["docs_only_commit_share"]
    assert row.n_github == 20 and row.n_huggingface == 20
    assert row.effect == "cliffs_delta" and row.effect_ci_low <= row.effect_value
    written = json.loads((out / "statistics.json").read_text())["socio_technical"]
    assert {r["stratum"] for r in written["strata"]} >= {"≥10B", "≥100 MB", UNKNOWN_SIZE}
    assert sum(r["repositories"] for r in written["strata"]
               if r["platform"] == "huggingface") == 20        # no model is dropped
    assert written["touched"]["huggingface"]["weights_commit_share"]["n"] == 20
    # every synthetic pull request lists its paths, so every repository with one is counted
    pulls = raw.loc["external_pr_docs_only_share"]
    assert pulls.n_github > 0 and pulls.n_huggingface > 0
    with_pulls = result.repositories.groupby("platform")["prs_with_paths"].apply(
        lambda counts: int((counts > 0).sum()))
    hub = written["touched"]["huggingface"]["pr_weights_share"]
    assert hub["n"] == with_pulls["huggingface"] > 0
    assert hub["pull_requests"] == result.repositories.query(
        "platform == 'huggingface'")["prs_with_paths"].sum()
    assert pd.read_csv(out / "size_strata.csv")["repositories"].sum() == 40


def test_json_results_keep_small_p_values() -> None:
    """statistics.json once wrote a Holm p of 2.4e-12 as 0.0 (pandas' 10 decimals)."""
    from crossforge.measures.pipeline import records_for_json

    rows = records_for_json(pd.DataFrame({"measure": ["pr_weights_share"],
                                          "p_holm": [2.4e-12], "effect": [float("nan")]}))
    assert rows == [{"measure": "pr_weights_share", "p_holm": 2.4e-12, "effect": None}]
