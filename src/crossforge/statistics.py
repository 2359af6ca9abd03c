"""OSS vs OSM comparisons that hold up: effect sizes, intervals, corrections, strata.

Reads measure outputs (DataFrames), never the store or a source. Definitions and
caveats: ``docs/statistics.md``.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

GROUPS = ("github", "huggingface")


def cliffs_delta(x: np.ndarray, y: np.ndarray) -> float:
    """Cliff's delta, P(X > Y) − P(X < Y), from average ranks in O((n+m) log(n+m)).

    >>> cliffs_delta(np.array([3, 4]), np.array([1, 2]))
    1.0
    """
    n, m = len(x), len(y)
    if n == 0 or m == 0:
        return float("nan")
    ranks = stats.rankdata(np.concatenate([x, y]))
    u_x = ranks[:n].sum() - n * (n + 1) / 2
    return float(2 * u_x / (n * m) - 1)


def median_ci(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    """Distribution-free interval for the median from binomial order statistics."""
    v = np.sort(values[~np.isnan(values)])
    n = len(v)
    if n == 0:
        return float("nan"), float("nan")
    k = int(stats.binom.ppf((1 - confidence) / 2, n, 0.5))
    lower = max(k - 1, 0)
    return float(v[lower]), float(v[min(n - 1 - lower, n - 1)])


def holm(p_values: Sequence[float]) -> np.ndarray:
    """Holm–Bonferroni adjusted p-values (NaN stays NaN and is not counted)."""
    p = np.asarray(p_values, dtype=float)
    adjusted = np.full_like(p, np.nan)
    valid = np.flatnonzero(~np.isnan(p))
    order = valid[np.argsort(p[valid])]
    m, running = len(order), 0.0
    for i, index in enumerate(order):
        running = max(running, min(1.0, (m - i) * p[index]))
        adjusted[index] = running
    return adjusted


def cramers_v(table: np.ndarray) -> float:
    """Cramér's V of a contingency table (no bias correction)."""
    if table.sum() == 0 or min(table.shape) < 2:
        return float("nan")
    chi2 = stats.chi2_contingency(table, correction=False)[0]
    return float(np.sqrt(chi2 / (table.sum() * (min(table.shape) - 1))))


def van_elteren(x_strata: list[np.ndarray], y_strata: list[np.ndarray]) -> float:
    """Two-sided p-value of van Elteren's stratified rank-sum test (tie-corrected)."""
    total = expected = variance = 0.0
    for x, y in zip(x_strata, y_strata, strict=True):
        n, m = len(x), len(y)
        if n == 0 or m == 0:
            continue
        pooled = np.concatenate([x, y])
        big_n = n + m
        ranks = stats.rankdata(pooled)
        _, ties = np.unique(pooled, return_counts=True)
        tie_factor = 1 - (ties**3 - ties).sum() / (big_n**3 - big_n) if big_n > 1 else 0
        total += ranks[:n].sum() / (big_n + 1)
        expected += n / 2
        variance += n * m * tie_factor / (12 * (big_n + 1))
    if variance <= 0:
        return float("nan")
    return float(2 * stats.norm.sf(abs(total - expected) / np.sqrt(variance)))


@dataclass
class PlatformComparison:
    """Compare GitHub (OSS) with the Hub (OSM) on every per-repository measure.

    Args:
        n_bootstrap: bootstrap resamples for effect-size intervals.
        confidence: level of every interval.
        max_bootstrap_n: per-group cap on the sample the bootstrap resamples (a random
            subsample when larger), which keeps paper-scale runs fast; the interval is then
            conservative (wider than with all data).
        strata: quantile bins per stratification variable (repository age, popularity).
        seed: random seed for bootstrap and subsampling.

    Example:
        >>> PlatformComparison(n_bootstrap=200).compute(repos, ["contributors"])  # doctest: +SKIP
    """

    n_bootstrap: int = 1000
    confidence: float = 0.95
    max_bootstrap_n: int = 5_000
    strata: int = 3
    seed: int = 0

    def compute(self, repositories: pd.DataFrame, measures: Sequence[str]) -> pd.DataFrame:
        """A tidy table: one row per (measure, comparison) with tests, effects and intervals.

        ``repositories`` needs ``platform`` and the ``measures`` columns; ``age_months`` and
        ``popularity`` (when present) define the strata of the stratified comparison.
        Boolean measures are compared as proportions (chi-square, Cramér's V), the rest
        with Mann–Whitney U and Cliff's delta. Holm's correction runs across each family
        (all raw tests; all stratified tests).
        """
        strata = self._strata(repositories)
        rows = []
        for measure in measures:
            if measure not in repositories:
                continue
            # One generator per measure: a measure's intervals do not depend on which
            # other measures were compared, or in what order.
            rng = np.random.default_rng([self.seed, zlib.crc32(measure.encode())])
            column = repositories[measure]
            binary = column.dropna().isin([True, False, 0, 1]).all() and (
                column.dtype == bool or str(column.dtype) == "boolean")
            rows.append(self._raw(repositories, measure, binary, rng))
            if strata is not None:
                rows.append(self._stratified(repositories, measure, binary, strata, rng))
        table = pd.DataFrame(rows)
        if table.empty:
            return table
        table["p_holm"] = np.nan
        for _, family in table.groupby("comparison"):
            table.loc[family.index, "p_holm"] = holm(family["p_value"].to_numpy())
        return table

    def _values(self, frame: pd.DataFrame, measure: str, group: str) -> np.ndarray:
        values = pd.to_numeric(frame.loc[frame.platform == group, measure], errors="coerce")
        return values.dropna().to_numpy(dtype=float)

    def _raw(self, frame: pd.DataFrame, measure: str, binary: bool,
             rng: np.random.Generator) -> dict:
        x, y = (self._values(frame, measure, g) for g in GROUPS)
        row = self._describe(measure, "raw", x, y)
        if not (len(x) and len(y)):
            return row
        if binary:
            row.update(self._proportions(x, y, rng))
            return row
        result = stats.mannwhitneyu(x, y, alternative="two-sided")
        row.update(test="mann-whitney-u", statistic=float(result.statistic),
                   p_value=float(result.pvalue), effect="cliffs_delta",
                   effect_value=cliffs_delta(x, y))
        row["effect_ci_low"], row["effect_ci_high"] = self._interval(
            self._bootstrap_deltas(x, y, rng))
        return row

    def _stratified(self, frame: pd.DataFrame, measure: str, binary: bool,
                    strata: pd.Series, rng: np.random.Generator) -> dict:
        cells = [(self._values(cell, measure, GROUPS[0]), self._values(cell, measure, GROUPS[1]))
                 for _, cell in frame.groupby(strata, observed=True)]
        # Only cells holding both platforms compare anything; n and medians describe them.
        cells = [(x, y) for x, y in cells if len(x) and len(y)]
        row = self._describe(measure, "stratified", *(
            np.concatenate([c[i] for c in cells]) if cells else np.array([]) for i in (0, 1)))
        row["strata"] = len(cells)
        if not cells:
            return row
        row["test"] = "van-elteren"
        row["p_value"] = van_elteren([x for x, _ in cells], [y for _, y in cells])
        if binary:
            # Mantel–Haenszel-style weights n·m/(n+m); risk difference OSM − OSS.
            weights = np.array([len(x) * len(y) / (len(x) + len(y)) for x, y in cells])
            point = [y.mean() - x.mean() for x, y in cells]
            boots = [self._bootstrap_proportions(x, y, rng) for x, y in cells]
            samples = [py - px for px, py in boots]
            row["effect"] = "stratified_risk_difference"
        else:
            # Each stratum weighted by its number of OSS–OSM pairs.
            weights = np.array([len(x) * len(y) for x, y in cells], dtype=float)
            point = [cliffs_delta(x, y) for x, y in cells]
            # The cap holds for the comparison as a whole: each stratum is subsampled in
            # proportion to its size, so strata cost no more than one raw comparison.
            size_x, size_y = (sum(len(c[i]) for c in cells) for i in (0, 1))
            samples = [self._bootstrap_deltas(x, y, rng, share_x=len(x) / size_x,
                                              share_y=len(y) / size_y) for x, y in cells]
            row["effect"] = "stratified_cliffs_delta"
        weights = weights / weights.sum()
        row["effect_value"] = float(np.dot(weights, point))
        row["effect_ci_low"], row["effect_ci_high"] = self._interval(
            np.tensordot(weights, np.vstack(samples), axes=1))
        return row

    def _describe(self, measure: str, comparison: str, x: np.ndarray, y: np.ndarray) -> dict:
        row: dict[str, object] = {"measure": measure, "comparison": comparison,
                                  "test": None, "statistic": np.nan, "p_value": np.nan,
                                  "effect": None, "effect_value": np.nan,
                                  "effect_ci_low": np.nan, "effect_ci_high": np.nan}
        for group, values in zip(GROUPS, (x, y), strict=True):
            low, high = median_ci(values, self.confidence)
            row[f"n_{group}"] = len(values)
            row[f"median_{group}"] = float(np.median(values)) if len(values) else np.nan
            row[f"median_{group}_ci_low"], row[f"median_{group}_ci_high"] = low, high
            row[f"mean_{group}"] = float(values.mean()) if len(values) else np.nan
        mean_x, mean_y = row[f"mean_{GROUPS[0]}"], row[f"mean_{GROUPS[1]}"]
        row["ratio_of_means"] = mean_y / mean_x if mean_x else np.nan  # type: ignore[operator]
        return row

    def _proportions(self, x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> dict:
        table = np.array([[x.sum(), len(x) - x.sum()], [y.sum(), len(y) - y.sum()]])
        row: dict[str, object] = {"test": "chi-square", "effect": "cramers_v"}
        if (table.sum(axis=0) == 0).any():
            return row
        chi2, p, _, _ = stats.chi2_contingency(table, correction=False)
        px, py = self._bootstrap_proportions(x, y, rng)
        row.update(statistic=float(chi2), p_value=float(p), effect_value=cramers_v(table))
        row["effect_ci_low"], row["effect_ci_high"] = self._interval(
            _phi(px * len(x), len(x), py * len(y), len(y)))
        return row

    def _bootstrap_deltas(self, x: np.ndarray, y: np.ndarray, rng: np.random.Generator,
                          share_x: float = 1.0, share_y: float = 1.0) -> np.ndarray:
        """Cliff's delta of ``n_bootstrap`` resamples, without re-ranking each one.

        A resample of ``x`` is a multinomial draw over its distinct values, so
        P(X > Y) − P(X < Y) follows from value counts and cumulative sums: O(B·k) for k
        distinct values instead of O(B·n log n).
        """
        x, y = self._cap(x, rng, share_x), self._cap(y, rng, share_y)
        values = np.unique(np.concatenate([x, y]))
        px = np.bincount(np.searchsorted(values, x), minlength=len(values)) / len(x)
        py = np.bincount(np.searchsorted(values, y), minlength=len(values)) / len(y)
        out = np.empty(self.n_bootstrap)
        chunk = max(1, 4_000_000 // max(len(values), 1))
        for start in range(0, self.n_bootstrap, chunk):
            size = min(chunk, self.n_bootstrap - start)
            cx = rng.multinomial(len(x), px, size=size) / len(x)
            cy = rng.multinomial(len(y), py, size=size) / len(y)
            below = np.cumsum(cy, axis=1) - cy          # share of y strictly below each value
            above = 1.0 - below - cy                     # share of y strictly above
            out[start:start + size] = (cx * (below - above)).sum(axis=1)
        return out

    def _bootstrap_proportions(self, x: np.ndarray, y: np.ndarray,
                               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Resampled proportions of ``x`` and ``y`` (binomial draws)."""
        return (rng.binomial(len(x), x.mean(), self.n_bootstrap) / len(x),
                rng.binomial(len(y), y.mean(), self.n_bootstrap) / len(y))

    def _interval(self, estimates: np.ndarray) -> tuple[float, float]:
        """Percentile interval of bootstrap estimates."""
        estimates = estimates[~np.isnan(estimates)]
        if not len(estimates):
            return float("nan"), float("nan")
        alpha = (1 - self.confidence) / 2
        return float(np.quantile(estimates, alpha)), float(np.quantile(estimates, 1 - alpha))

    def _cap(self, values: np.ndarray, rng: np.random.Generator,
             share: float = 1.0) -> np.ndarray:
        """``values``, or a random subsample of ``share`` × ``max_bootstrap_n`` of them."""
        cap = max(1, math.ceil(self.max_bootstrap_n * share))
        if len(values) <= cap:
            return values
        return rng.choice(values, cap, replace=False)

    def _strata(self, frame: pd.DataFrame) -> pd.Series | None:
        keys = []
        for column in ("age_months", "popularity"):
            if column in frame and frame[column].notna().sum() > self.strata:
                # Bins on the values themselves: tied values share a stratum, so the
                # result does not depend on row order.
                values = pd.to_numeric(frame[column], errors="coerce")
                keys.append(pd.qcut(values, self.strata, labels=False, duplicates="drop")
                            .astype("Int64").astype(str))
        if not keys:
            return None
        label = keys[0]
        for key in keys[1:]:
            label = label + "/" + key
        return label


def _phi(successes_x: np.ndarray, n: int, successes_y: np.ndarray, m: int) -> np.ndarray:
    """|phi| (= Cramér's V) of 2×2 tables given successes per group, vectorised."""
    a, b = successes_x, n - successes_x
    c, d = successes_y, m - successes_y
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.abs(a * d - b * c) / np.sqrt((a + b) * (c + d) * (a + c) * (b + d))
