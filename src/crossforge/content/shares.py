"""Thread-type shares with honest uncertainty: classify, then correct for the classifier.

A classifier's raw shares are biased whenever it confuses types (classify-and-count). Given
a labelled sample of threads with the classifier's predictions, the confusion matrix
``M[i, j] = P(predicted i | true j)`` is estimated, and the corrected shares ``q`` solve
``M q = p`` for the observed predicted shares ``p`` with ``q`` on the simplex (adjusted
classify-and-count, Forman 2008; Buonaccorsi 2010 for misclassification in proportions).
Percentile intervals come from a bootstrap that resamples the labelled sample (so ``M``
varies) and the classified threads (so ``p`` varies). Definitions: ``docs/content.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from crossforge.errors import ConfigError


def confusion(true: Sequence[str], predicted: Sequence[str], classes: Sequence[str],
              weights: Sequence[float] | None = None) -> np.ndarray:
    """Column-normalised confusion matrix: ``M[i, j] = P(predicted i | true j)``.

    ``weights`` are design weights of a stratified labelled sample (inverse inclusion
    probabilities), so strata drawn more often do not distort ``M``. A class absent from
    ``true`` gets an identity column (no information: trust the label).
    """
    index = {c: i for i, c in enumerate(classes)}
    counts = np.zeros((len(classes), len(classes)))
    weights = np.ones(len(true)) if weights is None else weights
    for t, p, w in zip(true, predicted, weights, strict=True):
        if t in index and p in index:
            counts[index[p], index[t]] += w
    totals = counts.sum(axis=0)
    matrix = np.where(totals > 0, counts / np.where(totals > 0, totals, 1), 0.0)
    for j in np.flatnonzero(totals == 0):
        matrix[j, j] = 1.0
    return matrix


def adjusted_shares(observed: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Shares ``q`` on the simplex minimising ``||M q − p||²`` (adjusted classify-and-count)."""
    k = len(observed)
    result = minimize(
        lambda q: float(np.sum((matrix @ q - observed) ** 2)),
        x0=np.full(k, 1 / k),
        jac=lambda q: 2 * matrix.T @ (matrix @ q - observed),
        bounds=[(0.0, 1.0)] * k,
        constraints=[{"type": "eq", "fun": lambda q: q.sum() - 1, "jac": lambda q: np.ones(k)}],
        method="SLSQP",
        options={"ftol": 1e-12, "maxiter": 200},
    )
    q = np.where(result.x < 1e-9, 0.0, result.x)  # solver noise below the tolerance is zero
    return q / q.sum()


@dataclass
class TypeShares:
    """Per-group shares of thread types, raw and corrected for classifier error.

    Args:
        classes: the taxonomy, in report order.
        n_bootstrap: bootstrap resamples for the intervals.
        confidence: interval level.
        seed: random seed.
    """

    classes: Sequence[str] = ("bug", "usage", "feature", "documentation", "other")
    n_bootstrap: int = 1000
    confidence: float = 0.95
    seed: int = 0

    def compute(self, predicted: pd.DataFrame, validation: pd.DataFrame, *,
                group: str = "platform", label: str = "label") -> pd.DataFrame:
        """A tidy table: one row per (group, class).

        Args:
            predicted: classified threads with a ``group`` column and a ``label`` column.
            validation: a labelled sample with ``true`` and ``predicted`` columns (and
                ``group``: when present, each group is corrected with its own confusion
                matrix, since a classifier errs differently on GitHub issues and on Hub
                discussions; otherwise one matrix serves all groups; and ``weight``: the
                design weights of a stratified sample, 1 when absent).

        Returns:
            Columns: group, class, n, raw_share, adjusted_share, ci_low, ci_high,
            validation_n.
        """
        missing = {"true", "predicted"} - set(validation.columns)
        if missing:
            raise ConfigError(f"validation sample lacks columns: {', '.join(sorted(missing))}")
        classes = list(self.classes)
        rng = np.random.default_rng(self.seed)
        alpha = (1 - self.confidence) / 2
        rows = []
        for name, threads in predicted.groupby(group, sort=True):
            sample = (validation[validation[group] == name] if group in validation
                      else validation)
            if sample.empty:
                sample = validation
            labels = threads[label].to_numpy()
            observed = _shares(labels, classes)
            true, pred = sample["true"].to_numpy(), sample["predicted"].to_numpy()
            weight = (sample["weight"].to_numpy(dtype=float) if "weight" in sample
                      else np.ones(len(sample)))
            point = adjusted_shares(observed, confusion(true, pred, classes, weight))
            boots = np.empty((self.n_bootstrap, len(classes)))
            for b in range(self.n_bootstrap):
                v = rng.integers(0, len(sample), len(sample))
                counts = rng.multinomial(len(labels), observed)
                boots[b] = adjusted_shares(counts / len(labels),
                                           confusion(true[v], pred[v], classes, weight[v]))
            low, high = np.quantile(boots, [alpha, 1 - alpha], axis=0)
            for i, cls in enumerate(classes):
                rows.append({"group": name, "class": cls, "n": len(labels),
                             "raw_share": observed[i], "adjusted_share": point[i],
                             "ci_low": low[i], "ci_high": high[i],
                             "validation_n": len(sample)})
        return pd.DataFrame(rows)


def _shares(labels: np.ndarray, classes: list[str]) -> np.ndarray:
    counts = np.array([(labels == c).sum() for c in classes], dtype=float)
    return counts / counts.sum() if counts.sum() else np.full(len(classes), 1 / len(classes))
