from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from crossforge.measures import statistics
from crossforge.measures.statistics import (
    PlatformComparison,
    _multinomial,
    _support,
    cliffs_delta,
    cramers_v,
    holm,
    median_ci,
    van_elteren,
)


def _brute_delta(x, y):
    return np.sign(np.subtract.outer(x, y)).mean()


def test_cliffs_delta_matches_pairwise_definition_with_ties():
    rng = np.random.default_rng(1)
    x, y = rng.integers(0, 6, 80).astype(float), rng.integers(0, 4, 50).astype(float)
    assert cliffs_delta(x, y) == pytest.approx(_brute_delta(x, y))
    assert cliffs_delta(np.array([1.0]), np.array([1.0])) == 0.0


def test_median_ci_covers_the_true_median_about_95_percent():
    rng = np.random.default_rng(2)
    hits = 0
    for _ in range(400):
        low, high = median_ci(rng.exponential(1.0, 60))
        hits += low <= np.log(2) <= high
    assert 0.92 <= hits / 400 <= 0.99


def test_holm_matches_hand_computation():
    adjusted = holm([0.01, 0.04, 0.03, np.nan])
    assert adjusted[:3] == pytest.approx([0.03, 0.06, 0.06])
    assert np.isnan(adjusted[3])


def test_cramers_v_of_perfect_association_is_one():
    assert cramers_v(np.array([[10, 0], [0, 10]])) == pytest.approx(1.0)
    assert cramers_v(np.array([[5, 5], [5, 5]])) == pytest.approx(0.0)


def test_van_elteren_with_one_stratum_is_the_rank_sum_test():
    rng = np.random.default_rng(3)
    x, y = rng.normal(0.3, 1, 70), rng.normal(0, 1, 90)
    expected = stats.mannwhitneyu(x, y, use_continuity=False, method="asymptotic").pvalue
    assert van_elteren([x], [y]) == pytest.approx(expected, rel=1e-6)


def _frame(rng, shift):
    n = 300
    frame = pd.DataFrame({
        "platform": ["github"] * n + ["huggingface"] * n,
        "age_months": np.concatenate([rng.uniform(1, 100, n), rng.uniform(1, 40, n)]),
        "popularity": rng.integers(0, 50, 2 * n),
    })
    frame["contributors"] = np.concatenate([rng.poisson(3 + shift, n), rng.poisson(3, n)])
    frame["multi"] = frame["contributors"] > 2
    return frame


def test_comparison_finds_a_real_difference_and_not_a_null_one():
    rng = np.random.default_rng(4)
    comparison = PlatformComparison(n_bootstrap=400, seed=1)
    real = comparison.compute(_frame(rng, 2), ["contributors", "multi"]).set_index(
        ["measure", "comparison"])
    raw = real.loc[("contributors", "raw")]
    assert raw.effect == "cliffs_delta" and raw.p_holm < 1e-6
    assert raw.effect_ci_low < raw.effect_value < raw.effect_ci_high and raw.effect_ci_low > 0
    assert real.loc[("multi", "raw")].effect == "cramers_v"
    stratified = real.loc[("contributors", "stratified")]
    # Hub ages stop at 40 months, so the oldest age tercile has no Hub repository: those
    # cells cannot compare anything and are left out of the stratified comparison.
    assert 1 <= stratified.strata < 9
    assert stratified.n_github < raw.n_github and stratified.n_huggingface == raw.n_huggingface
    assert stratified.effect_ci_low > 0
    null = comparison.compute(_frame(rng, 0), ["contributors"]).set_index("comparison")
    assert null.loc["raw"].effect_ci_low < 0 < null.loc["raw"].effect_ci_high


def test_bootstrap_interval_matches_naive_resampling():
    rng = np.random.default_rng(5)
    x, y = rng.poisson(4, 120).astype(float), rng.poisson(3, 90).astype(float)
    fast = PlatformComparison(n_bootstrap=2000, seed=0)._bootstrap_deltas(x, y, rng)
    naive = [cliffs_delta(rng.choice(x, len(x)), rng.choice(y, len(y))) for _ in range(2000)]
    assert np.quantile(fast, [0.025, 0.975]) == pytest.approx(
        np.quantile(naive, [0.025, 0.975]), abs=0.03)


@pytest.mark.parametrize("last_is_zero", [True, False])
def test_multinomial_over_the_support_draws_what_numpy_draws(last_is_zero):
    # A Cliff's delta resample of one group over the values of both: most categories are
    # the other group's values, with probability zero, among them (or not) the last one.
    rng = np.random.default_rng(8)
    x, y = rng.poisson(4, 500).astype(float), rng.poisson(9, 400) + 0.5
    values = np.unique(np.concatenate([x, y]))
    n, group = (len(x), x) if last_is_zero else (len(y), y)
    p = np.bincount(np.searchsorted(values, group), minlength=len(values)) / n
    assert (p[-1] == 0) == last_is_zero and (p == 0).sum() >= 10
    reference, fast = np.random.default_rng(3), np.random.default_rng(3)
    expected = reference.multinomial(n, p, size=250)
    drawn = _multinomial(fast, n, p, _support(p), 250)
    assert np.array_equal(drawn, expected)
    assert fast.random(5).tolist() == reference.random(5).tolist()   # the same stream after


def test_comparison_on_threads_equals_one_at_a_time(monkeypatch):
    rng = np.random.default_rng(6)
    frame = _frame(rng, 1)
    frame["stars"] = np.where(rng.random(len(frame)) < 0.1, np.nan,
                              np.floor(rng.lognormal(1, 2, len(frame))))
    measures = ["contributors", "multi", "stars"]
    comparison = PlatformComparison(n_bootstrap=300, max_bootstrap_n=200, seed=2)
    monkeypatch.setattr(statistics, "_WORKERS", 1)
    one_at_a_time = comparison.compute(frame, measures)
    monkeypatch.setattr(statistics, "_WORKERS", 3)
    pd.testing.assert_frame_equal(comparison.compute(frame, measures), one_at_a_time)
    assert one_at_a_time.measure.tolist() == [m for m in measures for _ in range(2)]


def test_parquet_written_by_row_group_is_pandas_file(tmp_path: Path) -> None:
    """Past one row group (pyarrow's 1,048,576 rows) the file is still byte for byte the one
    ``to_parquet`` writes, text and nullable columns included."""
    from crossforge.measures.pipeline import _ROW_GROUP, _write_parquet

    n = _ROW_GROUP + 1_000
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({
        "platform": np.where(rng.random(n) < 0.5, "github", "huggingface"),
        "repo": pd.array([f"o{i % 977}/r{i}" for i in range(n)], dtype="str"),
        "commits": rng.integers(0, 10**6, n),
        "share": np.where(rng.random(n) < 0.1, np.nan, rng.random(n)),
        "known": pd.array(np.where(rng.random(n) < 0.3, None, rng.integers(0, 5, n)),
                          dtype="Int64")})
    frame.to_parquet(tmp_path / "pandas.parquet", index=False)
    _write_parquet(frame, tmp_path / "groups.parquet")
    pandas_file = (tmp_path / "pandas.parquet").read_bytes()
    assert (tmp_path / "groups.parquet").read_bytes() == pandas_file
    frame.iloc[:0].to_parquet(tmp_path / "empty-pandas.parquet", index=False)
    _write_parquet(frame.iloc[:0], tmp_path / "empty.parquet")
    empty = (tmp_path / "empty-pandas.parquet").read_bytes()
    assert (tmp_path / "empty.parquet").read_bytes() == empty
