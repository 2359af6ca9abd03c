"""Socio-technical factors: what contributions touch per platform, and whether openness and
collaborative improvement fall with a model's size (``docs/statistics.md`` § Socio-technical
factors).

Reads the per-repository table the pipeline built (``repositories.csv``), never the store:
the shares come from ``TouchedFiles``, the sizes from the repositories' records, openness
and innovation from their measures. The size strata are fixed before any data are seen
(``SIZE_SCALES``), so no boundary can be moved to make a trend appear or vanish.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from crossforge.measures.statistics import ratio_estimates
from crossforge.measures.touched import PULL_GROUPS, SHARE_FLAGS
from crossforge.measures.weights import WEIGHT_COLUMN

#: The file-type shares of ``TouchedFiles`` over commits, pooled per platform: each share
#: column with the commit count it is a share of.
TOUCHED_SHARES: tuple[tuple[str, str], ...] = tuple(
    (f"{who}{what}_commit_share", f"{who}commits_with_paths")
    for who in ("", "external_")
    for what in SHARE_FLAGS)
#: The same over pull requests (all, external people's, merged), kept apart from the commits
#: so a merged pull request's commits are never counted twice.
PULL_TOUCHED_SHARES: tuple[tuple[str, str], ...] = tuple(
    (f"{who}pr_{what}_share", f"{who}prs_with_paths")
    for who in PULL_GROUPS
    for what in SHARE_FLAGS)

UNKNOWN_SIZE = "unknown size"
#: How many of GitHub's most common primary languages the coverage names.
LANGUAGE_TOP = 3


@dataclass(frozen=True, slots=True)
class SizeScale:
    """How one platform's repositories are cut by size: the column, the kind of repository
    it applies to, and the lower bounds of every stratum but the first (ascending)."""

    column: str
    kind: str
    bounds: tuple[float, ...]
    labels: tuple[str, ...]
    why: str


#: Strata by order of magnitude, set a priori (``docs/statistics.md`` gives the reasons).
SIZE_SCALES: dict[str, SizeScale] = {
    "huggingface": SizeScale(
        "parameters", "model", (1e8, 1e9, 1e10), ("<100M", "100M–1B", "1B–10B", "≥10B"),
        "parameters by order of magnitude: under 1B runs on a laptop, up to 10B fits one "
        "GPU in 16-bit (10B × 2 bytes = 20 GB), beyond needs several to run and far more "
        "to train"),
    "github": SizeScale(
        "storage_bytes", "code", (1e6, 1e7, 1e8), ("<1 MB", "1–10 MB", "10–100 MB", "≥100 MB"),
        "the git repository's disk usage by order of magnitude (GitHub's diskUsage)"),
}


@dataclass(frozen=True, slots=True)
class StratumQuantity:
    """One figure computed per size stratum: a ratio of sums over the stratum's
    repositories (numerator column ÷ denominator column, or ÷ 1 per repository: a mean)."""

    name: str
    numerator: str
    denominator: str | None
    trend_value: str
    meaning: str


#: Openness and improvement per stratum; ``trend_value`` is the per-repository value the
#: trend test ranks.
STRATUM_QUANTITIES: tuple[StratumQuantity, ...] = (
    StratumQuantity("external_commit_share", "external_commit_share", None,
                    "external_commit_share",
                    "mean over repositories of the external share of human commits"),
    StratumQuantity("external_participant_share", "external_participant_share", None,
                    "external_participant_share",
                    "mean over repositories of the external share of discussion people"),
    StratumQuantity("improved_share", "has_external_contribution", None,
                    "has_external_contribution",
                    "share of repositories improved by an outsider (an external commit or "
                    "merged pull request)"),
    StratumQuantity("adaptation_index", "derivatives", "adapted_or_improved",
                    "adaptation_index",
                    "pooled Σ derivatives ÷ Σ (derivatives + external contributions)"),
)


def touched_shares(repositories: pd.DataFrame, *, n_bootstrap: int = 1000,
                   seed: int = 0) -> dict[str, dict[str, dict]]:
    """Per platform and file-type share: Σ contributions touching ÷ Σ contributions with
    known paths over the repositories with any (n), with its percentile bootstrap interval
    (repositories resampled) and the contributions counted (``commits`` for the commit
    shares, ``pull_requests`` for the pull-request ones). A platform whose repositories
    list no paths has every share unknown (None), never 0."""
    out: dict[str, dict[str, dict]] = {}
    units = [(share, base, "commits") for share, base in TOUCHED_SHARES] + [
        (share, base, "pull_requests") for share, base in PULL_TOUCHED_SHARES]
    used = {"platform", WEIGHT_COLUMN, *(name for unit in units for name in unit[:2])}
    # Only the columns read here: each platform's group is a copy of its rows.
    for platform, group in repositories[[c for c in repositories.columns if c in used]] \
            .groupby("platform", sort=True):
        weights = group.get(WEIGHT_COLUMN)
        shares: dict[str, dict] = {}
        for share, base, unit in units:
            if share not in group or base not in group:
                continue
            counted = pd.to_numeric(group[base], errors="coerce").to_numpy(dtype=float)
            touching = pd.to_numeric(group[share], errors="coerce").to_numpy(dtype=float)
            estimate = ratio_estimates(touching * counted, counted,
                                       key=f"touched:{platform}:{share}",
                                       weights=weights, n_bootstrap=n_bootstrap, seed=seed)
            estimate[unit] = int(np.nansum(np.where(np.isnan(touching), 0, counted)))
            shares[share] = estimate
        out[str(platform)] = shares
    return out


def size_strata(repositories: pd.DataFrame) -> pd.Series:
    """Each repository's size stratum (``SIZE_SCALES``), ``unknown size`` where its size is
    unknown, NaN where its platform and kind are not stratified (Hub datasets and spaces)."""
    strata = pd.Series(np.nan, index=repositories.index, dtype=object)
    for platform, scale in SIZE_SCALES.items():
        rows = (repositories["platform"] == platform) & (repositories["kind"] == scale.kind)
        if not rows.any():
            continue
        values = pd.to_numeric(repositories.loc[rows, scale.column], errors="coerce")
        cut = pd.cut(values, [-math.inf, *scale.bounds, math.inf], right=False,
                     labels=list(scale.labels))
        strata.loc[rows] = cut.astype(object).where(values.notna(), UNKNOWN_SIZE)
    return strata


def size_coverage(repositories: pd.DataFrame) -> dict[str, dict[str, object]]:
    """Per platform: how many of its stratified repositories have a known size, and the
    median size over those (unknown sizes are counted, never taken as 0); on GitHub also
    how many have a known primary language and the most common (``LANGUAGE_TOP``)."""
    out: dict[str, dict[str, object]] = {}
    for platform, scale in SIZE_SCALES.items():
        rows = repositories[(repositories["platform"] == platform)
                            & (repositories["kind"] == scale.kind)]
        if rows.empty:
            continue
        entry: dict[str, object] = {"kind": scale.kind, "repositories": len(rows)}
        for column in ("parameters", "storage_bytes"):
            values = pd.to_numeric(rows[column], errors="coerce").dropna()
            entry[f"{column}_known"] = len(values)
            entry[f"{column}_median"] = float(values.median()) if len(values) else None
        if platform == "github" and "language" in rows:
            languages = rows["language"].dropna()
            entry["language_known"] = len(languages)
            counts = languages.value_counts()
            ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
            entry["language_top"] = [name for name, _ in ranked[:LANGUAGE_TOP]]
        out[platform] = entry
    return out


def stratified_by_size(repositories: pd.DataFrame, *, n_bootstrap: int = 1000,
                       seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The comparison of openness and improvement across size strata.

    Returns ``(strata, trends)``: one row per platform and stratum (in size order, the
    unknown-size row last) with the repositories it holds and each ``STRATUM_QUANTITIES``
    figure, its 95% percentile bootstrap interval (the stratum's repositories resampled)
    and n; and one row per platform and quantity with Kendall's τ-b between the stratum's
    order and the per-repository value over the repositories of known size (the
    Jonckheere–Terpstra trend test), its two-sided p-value and n.
    """
    # Only the columns read here: each cell below is a copy of the rows it selects.
    used = {"platform", "kind", *(scale.column for scale in SIZE_SCALES.values()),
            *(name for quantity in STRATUM_QUANTITIES
              for name in (quantity.numerator, quantity.denominator, quantity.trend_value))}
    frame = repositories[[c for c in repositories.columns if c in used]].assign(
        stratum=size_strata(repositories),
        adapted_or_improved=pd.to_numeric(repositories.get("derivatives"), errors="coerce")
        + pd.to_numeric(repositories.get("external_contributions"), errors="coerce"))
    rows, trends = [], []
    for platform, scale in SIZE_SCALES.items():
        labels = (*scale.labels, UNKNOWN_SIZE)
        for order, label in enumerate(labels):
            cell = frame[(frame["platform"] == platform) & (frame["stratum"] == label)]
            row: dict[str, object] = {
                "platform": platform, "size_by": scale.column, "stratum": label,
                "order": None if label == UNKNOWN_SIZE else order, "repositories": len(cell)}
            for quantity in STRATUM_QUANTITIES:
                row |= _stratum_figure(cell, quantity, f"size:{platform}:{label}",
                                       n_bootstrap=n_bootstrap, seed=seed)
            rows.append(row)
        known = frame[(frame["platform"] == platform) & frame["stratum"].isin(scale.labels)]
        order = known["stratum"].map({label: i for i, label in enumerate(scale.labels)})
        for quantity in STRATUM_QUANTITIES:
            trends.append({"platform": platform, "size_by": scale.column,
                           "quantity": quantity.name,
                           **_trend(order, known.get(quantity.trend_value))})
    return pd.DataFrame(rows), pd.DataFrame(trends)


def _stratum_figure(cell: pd.DataFrame, quantity: StratumQuantity, key: str, *,
                    n_bootstrap: int, seed: int) -> dict[str, object]:
    """One quantity of one stratum: value, interval and n (None where nothing is known)."""
    name = quantity.name
    if quantity.numerator not in cell:
        return {name: None, f"{name}_ci_low": None, f"{name}_ci_high": None, f"{name}_n": 0}
    numerator = _numbers(cell[quantity.numerator])
    denominator = (np.ones(len(cell)) if quantity.denominator is None
                   else _numbers(cell[quantity.denominator]))
    estimate = ratio_estimates(numerator, denominator, key=f"{key}:{name}",
                               n_bootstrap=n_bootstrap, seed=seed)
    return {name: estimate["value"], f"{name}_ci_low": estimate["ci_low"],
            f"{name}_ci_high": estimate["ci_high"], f"{name}_n": estimate["n"]}


def _numbers(column: pd.Series) -> np.ndarray:
    """A column as floats, booleans as 0/1 and unknown values as NaN."""
    return pd.to_numeric(column.astype(object).where(column.notna(), np.nan),
                         errors="coerce").to_numpy(dtype=float)


def _trend(order: pd.Series, values: pd.Series | None) -> dict[str, object]:
    """Kendall's τ-b of stratum order against value, over repositories with a value; unknown
    (None) with fewer than two strata or three repositories holding one."""
    result: dict[str, object] = {"test": "kendall-tau-b", "tau": None, "p_value": None,
                                 "n": 0, "strata": 0}
    if values is None:
        return result
    y = _numbers(values)
    x = order.to_numpy(dtype=float)
    known = ~(np.isnan(x) | np.isnan(y))
    x, y = x[known], y[known]
    result.update(n=int(len(x)), strata=int(len(np.unique(x))))
    if len(x) < 3 or len(np.unique(x)) < 2 or len(np.unique(y)) < 2:
        return result
    tau, p_value = stats.kendalltau(x, y, variant="b")
    result.update(tau=float(tau), p_value=float(p_value))
    return result


def socio_technical_summary(repositories: pd.DataFrame, *, n_bootstrap: int = 1000,
                            seed: int = 0) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """Everything the report's "Socio-technical factors" section shows, as
    ``(summary, strata, trends)``: ``summary`` holds the pooled file-type shares, the size
    coverage and the strata's definitions (JSON-ready)."""
    strata, trends = stratified_by_size(repositories, n_bootstrap=n_bootstrap, seed=seed)
    summary = {
        "touched": touched_shares(repositories, n_bootstrap=n_bootstrap, seed=seed),
        "size_coverage": size_coverage(repositories),
        "size_scales": {platform: {"column": s.column, "kind": s.kind,
                                   "bounds": list(s.bounds), "labels": list(s.labels),
                                   "why": s.why}
                        for platform, s in SIZE_SCALES.items()},
    }
    return summary, strata, trends
