"""Thread-type shares with honest uncertainty: classify, then correct for the classifier.

A classifier's raw shares are biased whenever it confuses types (classify-and-count). Given
a labelled sample of threads with the classifier's predictions, the confusion matrix
``M[i, j] = P(predicted i | true j)`` is estimated, and the corrected shares ``q`` solve
``M q = p`` for the observed predicted shares ``p`` with ``q`` on the simplex (adjusted
classify-and-count, Forman 2008; Buonaccorsi 2010 for misclassification in proportions).
Percentile intervals come from a bootstrap that resamples the labelled sample (so ``M``
varies) and the classified threads (so ``p`` varies). ``stored_type_shares`` applies this to
a store's classified threads, choosing the labelled sample per platform. Definitions:
``docs/content.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from crossforge.content import classify
from crossforge.errors import ConfigError
from crossforge.store import Store

#: Human-labelled threads a platform needs before they replace the model card's
#: cross-validated predictions as the sample that corrects its type shares.
MIN_HUMAN_VALIDATION = 50


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


def stored_type_shares(store: Store, *, n_bootstrap: int, seed: int) -> pd.DataFrame:
    """Per-platform thread-type shares of the store's classified threads, corrected for the
    labelling model's errors measured on human labels or, failing enough of them, on the
    model card's cross-validation (column ``validation`` says which)."""
    labelled = store.frame("SELECT t.platform, l.label, l.model FROM thread_labels l "
                           "JOIN threads t USING (platform, repo, number)")
    columns = ["group", "class", "n", "raw_share", "adjusted_share", "ci_low", "ci_high",
               "validation_n", "validation"]
    if labelled.empty:
        return pd.DataFrame(columns=columns)
    name = labelled["model"].mode().iloc[0]
    model = classify.load_model(None if name == "default" else name)
    classes = [str(c) for c in model.classes_]
    card = pd.DataFrame({"true": model.card_.get("cv_true", []),
                         "predicted": model.card_.get("cv_predicted", [])})
    validation, sources = _validation_sample(store, name, classes, card,
                                             sorted(labelled["platform"].unique()))
    shares = TypeShares(classes=classes, n_bootstrap=n_bootstrap,
                        seed=seed).compute(labelled, validation)
    return shares.assign(validation=shares["group"].map(sources))


def _validation_sample(store: Store, model: str, classes: list[str], card: pd.DataFrame,
                       platforms: list[str]) -> tuple[pd.DataFrame, dict[str, str]]:
    """Per platform, the labelled sample that measures the model's errors: the store's
    human labels against the model's predictions on the same threads when the platform has
    at least ``MIN_HUMAN_VALIDATION`` of them, else the model card's cross-validation."""
    human = store.frame("SELECT h.platform, h.label AS true, l.label AS predicted, h.weight "
                        "FROM human_labels h JOIN thread_labels l "
                        "USING (platform, repo, number) WHERE l.model = ?", [model])
    human = human[human["true"].isin(classes)]
    parts, sources = [], {}
    for platform in platforms:
        own = human[human["platform"] == platform]
        if len(own) >= MIN_HUMAN_VALIDATION:
            parts.append(own)
            sources[platform] = "human labels"
        elif card.empty:
            raise ConfigError(f"model {model} carries no cross-validated predictions and "
                              f"{platform} has {len(own)} human labels (need "
                              f"{MIN_HUMAN_VALIDATION}) to correct type shares with")
        else:
            parts.append(card.assign(platform=platform, weight=1.0))
            sources[platform] = "model card cross-validation"
    return pd.concat(parts, ignore_index=True), sources
