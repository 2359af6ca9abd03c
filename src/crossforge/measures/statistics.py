"""OSS vs OSM comparisons that hold up: effect sizes, intervals, corrections, strata.

Reads measure outputs (DataFrames), never the store or a source. Definitions and
caveats: ``docs/statistics.md``.
"""

from __future__ import annotations

import math
import os
import zlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

GROUPS = ("github", "huggingface")
#: Threads comparing measures side by side (the suite's goal is set on 2 cores).
_WORKERS = min(2, os.cpu_count() or 1)


def cliffs_delta(x: np.ndarray, y: np.ndarray) -> float:
    """Cliff's delta, P(X > Y) − P(X < Y), from average ranks in O((n+m) log(n+m)).

    >>> cliffs_delta(np.array([3, 4]), np.array([1, 2]))
    1.0
    """
    n, m = len(x), len(y)
    if n == 0 or m == 0:
        return float("nan")
    return _delta_from_ranks(*_ranked(x, y))


def _delta_from_u(u_x: float, n: int, m: int) -> float:
    """Cliff's delta from the Mann–Whitney U of ``x`` (pairs won, ties counting half)."""
    return float(2 * u_x / (n * m) - 1)


def _delta_from_ranks(n: int, m: int, rank_sum: float, tie_factor: float = 1.0) -> float:
    """Cliff's delta from ``_ranked``'s figures (``x``'s U is its rank sum − n(n+1)/2)."""
    return _delta_from_u(rank_sum - n * (n + 1) / 2, n, m)


def _ranked(x: np.ndarray, y: np.ndarray) -> tuple[int, int, float, float]:
    """(n, m, sum of ``x``'s average ranks among ``x`` and ``y`` pooled, the pooled sample's
    tie correction factor 1 − Σ(t³ − t)/(N³ − N)), from one sort (``np.unique``)."""
    pooled = np.concatenate([x, y])
    big_n = len(pooled)
    _, inverse, ties = np.unique(pooled, return_inverse=True, return_counts=True)
    average_rank = np.cumsum(ties) - (ties - 1) / 2.0
    tie_factor = 1 - float((ties.astype(float)**3 - ties).sum()) / (big_n**3 - big_n) \
        if big_n > 1 else 0.0
    return len(x), len(y), float(average_rank[inverse[:len(x)]].sum()), tie_factor


def median_ci(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    """Distribution-free interval for the median from binomial order statistics."""
    v = values[~np.isnan(values)]
    n = len(v)
    if n == 0:
        return float("nan"), float("nan")
    k = int(stats.binom.ppf((1 - confidence) / 2, n, 0.5))
    lower = max(k - 1, 0)
    upper = min(n - 1 - lower, n - 1)
    v = np.partition(v, [lower, upper])     # the two order statistics, without a full sort
    return float(v[lower]), float(v[upper])


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
    return _van_elteren([_ranked(x, y) for x, y in zip(x_strata, y_strata, strict=True)
                         if len(x) and len(y)])


def _van_elteren(strata: list[tuple[int, int, float, float]]) -> float:
    """van Elteren's p-value from each stratum's ``_ranked`` figures."""
    total = expected = variance = 0.0
    for n, m, rank_sum, tie_factor in strata:
        big_n = n + m
        total += rank_sum / (big_n + 1)
        expected += n / 2
        variance += n * m * tie_factor / (12 * (big_n + 1))
    if variance <= 0:
        return float("nan")
    return float(2 * stats.norm.sf(abs(total - expected) / np.sqrt(variance)))


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """The smallest value whose cumulative weight reaches half the total weight (the lower
    weighted median; with equal weights, the lower of the two middle values).

    >>> weighted_median(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 10.0]))
    3.0
    """
    if not len(values):
        return float("nan")
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, cumulative[-1] / 2)])


def _resampled_ratios(numerator: np.ndarray, denominator: np.ndarray, n_bootstrap: int,
                      rng: np.random.Generator, max_n: int) -> np.ndarray:
    """Σ numerator ÷ Σ denominator over ``n_bootstrap`` resamples of the units (with
    replacement; a random subsample of ``max_n`` units first when there are more): index
    draws in chunks of at most 4M, so memory and time stay bounded at any scale."""
    if len(numerator) > max_n:
        keep = rng.choice(len(numerator), max_n, replace=False)
        numerator, denominator = numerator[keep], denominator[keep]
    n = len(numerator)
    out = np.empty(n_bootstrap)
    chunk = max(1, 4_000_000 // max(n, 1))
    for start in range(0, n_bootstrap, chunk):
        size = min(chunk, n_bootstrap - start)
        drawn = rng.integers(0, n, size=(size, n))
        with np.errstate(invalid="ignore", divide="ignore"):
            totals = denominator[drawn].sum(axis=1)
            out[start:start + size] = np.where(totals > 0, numerator[drawn].sum(axis=1)
                                               / np.where(totals > 0, totals, 1.0), np.nan)
    return out


def percentile_interval(estimates: np.ndarray, confidence: float = 0.95
                        ) -> tuple[float, float]:
    """Percentile interval of bootstrap estimates (NaN resamples left out)."""
    estimates = estimates[~np.isnan(estimates)]
    if not len(estimates):
        return float("nan"), float("nan")
    alpha = (1 - confidence) / 2
    return float(np.quantile(estimates, alpha)), float(np.quantile(estimates, 1 - alpha))


def ratio_estimate(numerator: Sequence[float] | np.ndarray,
                   denominator: Sequence[float] | np.ndarray, *, key: str,
                   weights: Sequence[float] | np.ndarray | None = None,
                   n_bootstrap: int = 1000, seed: int = 0, confidence: float = 0.95,
                   max_bootstrap_n: int = 5_000) -> dict[str, float | int | None]:
    """A pooled share Σ w·numerator ÷ Σ w·denominator over units (repositories) with its
    percentile bootstrap interval (units resampled; ``docs/statistics.md`` § Pooled shares).

    Units whose numerator or denominator is unknown are left out; ``n`` counts the rest.
    ``key`` names the quantity: with ``seed`` it seeds the generator, so each interval is
    reproducible and independent of what else was computed. Unknown (None) when no unit
    has a positive denominator.
    """
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    w = np.ones_like(num) if weights is None else np.asarray(weights, dtype=float)
    known = ~(np.isnan(num) | np.isnan(den) | np.isnan(w))
    num, den = num[known] * w[known], den[known] * w[known]
    result: dict[str, float | int | None] = {"value": None, "ci_low": None, "ci_high": None,
                                             "n": int(known.sum())}
    if not len(den) or den.sum() <= 0:
        return result
    # Units in a canonical order (by their values), so the interval does not depend on the
    # order the store returned them in, which pseudonymised names change.
    order = np.lexsort((den, num))
    num, den = num[order], den[order]
    rng = np.random.default_rng([seed, zlib.crc32(key.encode())])
    low, high = percentile_interval(
        _resampled_ratios(num, den, n_bootstrap, rng, max_bootstrap_n), confidence)
    result.update(value=float(num.sum() / den.sum()), ci_low=_or_none(low),
                  ci_high=_or_none(high))
    return result


def ratio_estimates(numerator: Sequence[float] | np.ndarray,
                    denominator: Sequence[float] | np.ndarray, *, key: str,
                    weights: Sequence[float] | np.ndarray | None = None,
                    n_bootstrap: int = 1000, seed: int = 0) -> dict[str, float | int | None]:
    """``ratio_estimate`` unweighted (``value``, ``ci_low``, ``ci_high``, ``n``) and, when
    every unit has a design weight, design-weighted (``weighted_value``,
    ``weighted_ci_low``, ``weighted_ci_high``; None otherwise)."""
    out = ratio_estimate(numerator, denominator, key=key, n_bootstrap=n_bootstrap, seed=seed)
    weighted: dict[str, float | int | None] = dict.fromkeys(("value", "ci_low", "ci_high"))
    design = None if weights is None else np.asarray(weights, dtype=float)
    if design is not None and len(design) and not np.isnan(design).any():
        weighted = ratio_estimate(numerator, denominator, weights=design, key=f"weighted {key}",
                                  n_bootstrap=n_bootstrap, seed=seed)
    return out | {f"weighted_{k}": weighted[k] for k in ("value", "ci_low", "ci_high")}


def _or_none(value: float) -> float | None:
    return None if math.isnan(value) else value


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

    def compute(self, repositories: pd.DataFrame, measures: Sequence[str],
                weights: pd.Series | None = None) -> pd.DataFrame:
        """A tidy table: one row per (measure, comparison) with tests, effects and intervals.

        ``repositories`` needs ``platform`` and the ``measures`` columns; ``age_months`` and
        ``popularity`` (when present) define the strata of the stratified comparison.
        Boolean measures are compared as proportions (chi-square, Cramér's V), the rest
        with Mann–Whitney U and Cliff's delta. Holm's correction runs across each family
        (all raw tests; all stratified tests).

        ``weights`` (design weights aligned with ``repositories``, NaN on a platform whose
        design has none) adds weighted means, medians and ratio of means beside the
        unweighted ones in each raw row, and ``weights`` names the platforms weighted; the
        tests stay unweighted (``docs/statistics.md`` § Design weights).
        """
        strata = self._strata(repositories)
        # Row positions of each platform, and of each platform in each stratum, found once:
        # every measure then takes its values by position instead of splitting the frame.
        platform = repositories["platform"].to_numpy()
        groups = tuple(np.flatnonzero(platform == g) for g in GROUPS)
        cells = self._cells(platform, strata) if strata is not None else None
        weight_values = (None if weights is None
                         else weights.to_numpy(dtype=float, na_value=np.nan))

        def compare(measure: str) -> list[dict]:
            # One generator per measure: a measure's intervals do not depend on which
            # other measures were compared, in what order or on which thread.
            rng = np.random.default_rng([self.seed, zlib.crc32(measure.encode())])
            column = repositories[measure]
            binary = (column.dtype == bool or str(column.dtype) == "boolean") and bool(
                column.dropna().isin([True, False, 0, 1]).all())
            values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float,
                                                                      na_value=np.nan)
            rows = [self._raw(values, groups, measure, binary, rng)]
            if weights is not None:
                rows[0].update(self._weighted(values, weight_values, groups, measure, rows[0]))
            if cells is not None:
                rows.append(self._stratified(values, cells, measure, binary, rng))
            return rows

        # The bootstraps' draws release the GIL, so measures run side by side on threads.
        with ThreadPoolExecutor(_WORKERS) as pool:
            rows = [row for measure_rows in pool.map(
                compare, [m for m in measures if m in repositories]) for row in measure_rows]
        table = pd.DataFrame(rows)
        if table.empty:
            return table
        table["p_holm"] = np.nan
        for _, family in table.groupby("comparison"):
            table.loc[family.index, "p_holm"] = holm(family["p_value"].to_numpy())
        return table

    @staticmethod
    def _cells(platform: np.ndarray, strata: pd.Series) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each stratum's (GitHub, Hub) row positions, strata in sorted order."""
        codes, labels = pd.factorize(strata, sort=True)
        return [tuple(np.flatnonzero((codes == code) & (platform == g)) for g in GROUPS)
                for code in range(len(labels))]

    @staticmethod
    def _present(values: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """The measure's values at ``positions``, missing ones left out."""
        taken = values[positions]
        return taken[~np.isnan(taken)]

    def _raw(self, values: np.ndarray, groups: tuple[np.ndarray, np.ndarray], measure: str,
             binary: bool, rng: np.random.Generator) -> dict:
        x, y = (self._present(values, positions) for positions in groups)
        row = self._describe(measure, "raw", x, y)
        if not (len(x) and len(y)):
            return row
        row["ratio_of_means_ci_low"], row["ratio_of_means_ci_high"] = self._ratio_interval(
            x, y, measure)
        if binary:
            row.update(self._proportions(x, y, rng))
            return row
        result = stats.mannwhitneyu(x, y, alternative="two-sided")
        # scipy's statistic is x's U, so Cliff's delta needs no second ranking.
        row.update(test="mann-whitney-u", statistic=float(result.statistic),
                   p_value=float(result.pvalue), effect="cliffs_delta",
                   effect_value=_delta_from_u(float(result.statistic), len(x), len(y)))
        row["effect_ci_low"], row["effect_ci_high"] = self._interval(
            self._bootstrap_deltas(x, y, rng))
        return row

    def _weighted(self, values: np.ndarray, weights: np.ndarray,
                  groups: tuple[np.ndarray, np.ndarray], measure: str,
                  unweighted: dict) -> dict:
        """Design-weighted means, medians and ratio of means (with a percentile bootstrap
        interval, repositories resampled within each platform). A platform without design
        weights counts each repository once, as its design does: its figures are those of
        ``unweighted`` (the raw row)."""
        row: dict[str, object] = {"weights": "none", "weighted_ratio_of_means": np.nan,
                                  "weighted_ratio_of_means_ci_low": np.nan,
                                  "weighted_ratio_of_means_ci_high": np.nan}
        for group in GROUPS:
            row[f"weighted_mean_{group}"] = row[f"weighted_median_{group}"] = np.nan
        weighted = [bool(len(positions)) and not np.isnan(weights[positions]).any()
                    for positions in groups]
        if not any(weighted):
            return row
        sides = []
        for positions, applied in zip(groups, weighted, strict=True):
            v = values[positions]
            known = ~np.isnan(v)
            sides.append((v[known], weights[positions][known] if applied
                          else np.ones(int(known.sum()))))
        row["weights"] = "design: " + ", ".join(
            g for g, applied in zip(GROUPS, weighted, strict=True) if applied)
        for group, (v, w), applied in zip(GROUPS, sides, weighted, strict=True):
            if len(v):   # without weights, the unweighted mean and median of the row
                row[f"weighted_mean_{group}"] = (float(np.dot(v, w) / w.sum()) if applied
                                                 else unweighted[f"mean_{group}"])
                row[f"weighted_median_{group}"] = (weighted_median(v, w) if applied
                                                   else unweighted[f"median_{group}"])
        (x, wx), (y, wy) = sides
        if not (len(x) and len(y)) or not row[f"weighted_mean_{GROUPS[0]}"]:
            return row
        row["weighted_ratio_of_means"] = (row[f"weighted_mean_{GROUPS[1]}"]  # type: ignore[operator]
                                          / row[f"weighted_mean_{GROUPS[0]}"])
        rng = np.random.default_rng([self.seed, zlib.crc32(measure.encode()), 2])
        mean_x, mean_y = (_resampled_ratios(v * w, w, self.n_bootstrap, rng,
                                            self.max_bootstrap_n) for v, w in ((x, wx), (y, wy)))
        with np.errstate(invalid="ignore", divide="ignore"):
            ratios = np.where(mean_x > 0, mean_y / np.where(mean_x > 0, mean_x, 1.0), np.nan)
        row["weighted_ratio_of_means_ci_low"], row["weighted_ratio_of_means_ci_high"] = (
            self._interval(ratios))
        return row

    def _stratified(self, values: np.ndarray, strata: list[tuple[np.ndarray, np.ndarray]],
                    measure: str, binary: bool, rng: np.random.Generator) -> dict:
        cells = [tuple(self._present(values, positions) for positions in cell)
                 for cell in strata]
        # Only cells holding both platforms compare anything; n and medians describe them.
        cells = [(x, y) for x, y in cells if len(x) and len(y)]
        row = self._describe(measure, "stratified", *(
            np.concatenate([c[i] for c in cells]) if cells else np.array([]) for i in (0, 1)))
        row["strata"] = len(cells)
        if not cells:
            return row
        row["test"] = "van-elteren"
        # Each stratum is ranked once, for the test and (below) for its Cliff's delta.
        ranked = [_ranked(x, y) for x, y in cells]
        row["p_value"] = _van_elteren(ranked)
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
            point = [_delta_from_ranks(*stratum) for stratum in ranked]
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
        row["ratio_of_means_ci_low"] = row["ratio_of_means_ci_high"] = np.nan
        return row

    def _ratio_interval(self, x: np.ndarray, y: np.ndarray, measure: str) -> tuple[float, float]:
        """Percentile interval of mean(Hub) ÷ mean(GitHub), resampling repositories within
        each platform. Its own generator, so the effect intervals stay as they were."""
        rng = np.random.default_rng([self.seed, zlib.crc32(measure.encode()), 1])
        mean_x, mean_y = (self._bootstrap_means(v, rng) for v in (x, y))
        with np.errstate(invalid="ignore", divide="ignore"):
            ratios = np.where(mean_x > 0, mean_y / np.where(mean_x > 0, mean_x, 1.0), np.nan)
        return self._interval(ratios)

    def _bootstrap_means(self, values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Means of ``n_bootstrap`` resamples: multinomial counts over the distinct values
        (as in ``_bootstrap_deltas``), on at most ``max_bootstrap_n`` values."""
        values = self._cap(values, rng)
        distinct, counts = np.unique(values, return_counts=True)
        out = np.empty(self.n_bootstrap)
        chunk = max(1, 4_000_000 // max(len(distinct), 1))
        for start in range(0, self.n_bootstrap, chunk):
            size = min(chunk, self.n_bootstrap - start)
            drawn = rng.multinomial(len(values), counts / len(values), size=size)
            out[start:start + size] = drawn @ distinct / len(values)
        return out

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
        support_x, support_y = _support(px), _support(py)
        out = np.empty(self.n_bootstrap)
        chunk = max(1, 4_000_000 // max(len(values), 1))
        for start in range(0, self.n_bootstrap, chunk):
            size = min(chunk, self.n_bootstrap - start)
            cx = _multinomial(rng, len(x), px, support_x, size) / len(x)
            cy = _multinomial(rng, len(y), py, support_y, size) / len(y)
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
        return percentile_interval(estimates, self.confidence)

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


def _support(p: np.ndarray) -> np.ndarray:
    """Positions of ``p``'s non-zero probabilities, and its last position whatever it holds."""
    keep = p > 0
    keep[-1:] = True
    return np.flatnonzero(keep)


def _multinomial(rng: np.random.Generator, n: int, p: np.ndarray, support: np.ndarray,
                 size: int) -> np.ndarray:
    """``rng.multinomial(n, p, size)``, drawn over ``support`` (``_support(p)``) only.

    The same counts and the same generator state after: numpy draws a category's binomial
    from p ÷ (what is left), a zero probability draws nothing and leaves that unchanged, and
    the last category takes the rest without a draw, so leaving out the zeros before the
    last one changes no draw. Half the categories of a Cliff's delta resample are the other
    group's values, with probability zero.
    """
    if len(support) == len(p):
        return rng.multinomial(n, p, size=size)
    counts = np.zeros((size, len(p)), dtype=np.int64)
    counts[:, support] = rng.multinomial(n, p[support], size=size)
    return counts


def _phi(successes_x: np.ndarray, n: int, successes_y: np.ndarray, m: int) -> np.ndarray:
    """|phi| (= Cramér's V) of 2×2 tables given successes per group, vectorised."""
    a, b = successes_x, n - successes_x
    c, d = successes_y, m - successes_y
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.abs(a * d - b * c) / np.sqrt((a + b) * (c + d) * (a + c) * (b + d))
