"""Agreement between human coders: Cohen's kappa and Krippendorff's alpha (nominal).

Shared by the labelling workflow (thread types) and interview coding. Uses scikit-learn's
``cohen_kappa_score`` and the ``krippendorff`` package rather than hand-written formulas.
"""

from __future__ import annotations

from dataclasses import dataclass

import krippendorff
import numpy as np
import pandas as pd
from sklearn.metrics import cohen_kappa_score

from crossforge.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Agreement:
    """Agreement on one set of units.

    Attributes:
        units: units coded by at least two coders.
        coders: coders involved.
        percent: share of units on which every coder who coded it agrees.
        cohen_kappa: mean pairwise Cohen's kappa over coder pairs (``None`` if undefined).
        krippendorff_alpha: nominal alpha over all coders, missing codes allowed.
    """

    units: int
    coders: int
    percent: float | None
    cohen_kappa: float | None
    krippendorff_alpha: float | None


def agreement(labels: pd.DataFrame, *, unit: str = "unit", coder: str = "coder",
              value: str = "label") -> Agreement:
    """Agreement of ``labels`` (one row per unit and coder).

    Raises:
        ConfigError: fewer than two coders, or a coder labelled one unit twice.
    """
    if labels.duplicated([unit, coder]).any():
        raise ConfigError("a coder labelled the same unit more than once")
    wide = labels.pivot(index=unit, columns=coder, values=value)
    if wide.shape[1] < 2:
        raise ConfigError("agreement needs labels from at least two coders")
    wide = wide[wide.notna().sum(axis=1) >= 2]
    if wide.empty:
        return Agreement(0, int(labels[coder].nunique()), None, None, None)
    agree = wide.apply(lambda row: row.dropna().nunique() == 1, axis=1)
    kappas = []
    columns = list(wide.columns)
    for i, first in enumerate(columns):
        for second in columns[i + 1:]:
            both = wide[[first, second]].dropna()
            if len(both) and both.stack().nunique() > 1:
                kappas.append(cohen_kappa_score(both[first].astype(str),
                                                both[second].astype(str)))
    categories = {v: i for i, v in enumerate(sorted(map(str, pd.unique(wide.stack()))))}
    matrix = wide.T.apply(lambda col: col.map(lambda v: categories.get(str(v), np.nan)
                                              if pd.notna(v) else np.nan))
    alpha = None
    if len(categories) > 1:
        alpha = float(krippendorff.alpha(reliability_data=matrix.to_numpy(dtype=float),
                                         level_of_measurement="nominal"))
    return Agreement(
        units=int(len(wide)), coders=int(wide.shape[1]), percent=float(agree.mean()),
        cohen_kappa=float(np.mean(kappas)) if kappas else None, krippendorff_alpha=alpha,
    )


def disagreements(labels: pd.DataFrame, *, unit: str = "unit", coder: str = "coder",
                  value: str = "label") -> pd.DataFrame:
    """Units whose coders disagree, one row per unit with each coder's label."""
    wide = labels.pivot(index=unit, columns=coder, values=value)
    mask = wide.apply(lambda row: row.dropna().nunique() > 1, axis=1)
    return wide[mask].reset_index()
