"""Thread-type shares with honest uncertainty: classify, then correct for the classifier.

A classifier's raw shares are biased whenever it confuses types (classify-and-count). Given
a labelled sample of threads with the classifier's predictions, the confusion matrix
``M[i, j] = P(predicted i | true j)`` is estimated, and the corrected shares ``q`` solve
``M q = p`` for the observed predicted shares ``p`` with ``q`` on the simplex (adjusted
classify-and-count, Forman 2008; Buonaccorsi 2010 for misclassification in proportions).
Percentile intervals come from a cluster bootstrap that resamples whole repositories of
the labelled sample (so ``M`` varies) and of the classified threads (so ``p`` varies):
threads of one repository share its conventions and are not independent. A correction its
confusion matrix cannot support is flagged, not reported as a finding.
``stored_type_shares`` applies this to a store's classified threads within a scope (issues
and discussions by people, by default), choosing the labelled sample per platform. Definitions:
``docs/content.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from crossforge.content import classify
from crossforge.content.classify.stored import ThreadScope, scoped_threads
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


#: Condition number of the confusion matrix above which a correction is flagged: a 1-point
#: error in the raw shares can then move the corrected shares by more than 10 points.
MAX_CONDITION = 10.0


@dataclass
class TypeShares:
    """Per-group shares of thread types, raw and corrected for classifier error.

    Args:
        classes: the taxonomy, in report order.
        n_bootstrap: bootstrap resamples for the intervals.
        confidence: interval level.
        seed: random seed.
        cluster: the column whose values are resampled as clusters (threads of one
            repository are not independent); threads are resampled one by one when a frame
            lacks it.
        min_validation: labelled threads a correction needs before it is reported as one.
    """

    classes: Sequence[str] = ("bug", "usage", "feature", "documentation", "other")
    n_bootstrap: int = 1000
    confidence: float = 0.95
    seed: int = 0
    cluster: str = "repo"
    min_validation: int = MIN_HUMAN_VALIDATION

    def compute(self, predicted: pd.DataFrame, validation: pd.DataFrame, *,
                group: str = "platform", label: str = "label") -> pd.DataFrame:
        """A tidy table: one row per (group, class).

        Args:
            predicted: classified threads with a ``group`` column and a ``label`` column
                (and the ``cluster`` column, usually ``repo``).
            validation: a labelled sample with ``true`` and ``predicted`` columns (and
                ``group``: when present, each group is corrected with its own confusion
                matrix, since a classifier errs differently on GitHub issues and on Hub
                discussions; otherwise one matrix serves all groups; ``weight``: the
                design weights of a stratified sample, 1 when absent; and the ``cluster``
                column, resampled by cluster when present).

        Returns:
            Columns: group, class, n, clusters, raw_share, raw_ci_low, raw_ci_high,
            adjusted_share, ci_low, ci_high, validation_n, condition_number, flag (why the
            correction is not to be trusted, empty when it is).
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
            matrix = confusion(true, pred, classes, weight)
            point = adjusted_shares(observed, matrix)
            thread_draw = _resampler(threads, self.cluster)
            sample_draw = _resampler(sample, self.cluster)
            boots = np.empty((self.n_bootstrap, len(classes)))
            raw_boots = np.empty((self.n_bootstrap, len(classes)))
            for b in range(self.n_bootstrap):
                v = sample_draw(rng)
                raw_boots[b] = _shares(labels[thread_draw(rng)], classes)
                boots[b] = adjusted_shares(raw_boots[b],
                                           confusion(true[v], pred[v], classes, weight[v]))
            low, high = np.quantile(boots, [alpha, 1 - alpha], axis=0)
            raw_low, raw_high = np.quantile(raw_boots, [alpha, 1 - alpha], axis=0)
            condition = float(np.linalg.cond(matrix))
            flags = _flags(observed, point, matrix, raw_low, raw_high, condition, len(sample),
                           self.min_validation)
            clusters = (threads[self.cluster].nunique() if self.cluster in threads
                        else len(threads))
            for i, cls in enumerate(classes):
                rows.append({"group": name, "class": cls, "n": len(labels),
                             "clusters": int(clusters), "raw_share": observed[i],
                             "raw_ci_low": raw_low[i], "raw_ci_high": raw_high[i],
                             "adjusted_share": point[i], "ci_low": low[i], "ci_high": high[i],
                             "validation_n": len(sample), "condition_number": condition,
                             "flag": flags[i]})
        return pd.DataFrame(rows)


def _shares(labels: np.ndarray, classes: list[str]) -> np.ndarray:
    counts = np.array([(labels == c).sum() for c in classes], dtype=float)
    return counts / counts.sum() if counts.sum() else np.full(len(classes), 1 / len(classes))


def _resampler(frame: pd.DataFrame,
               cluster: str) -> Callable[[np.random.Generator], np.ndarray]:
    """A function drawing row indices of ``frame``: whole clusters with replacement when
    ``frame`` has the ``cluster`` column, single rows otherwise."""
    if cluster not in frame or frame[cluster].isna().all():
        size = len(frame)
        return lambda rng: rng.integers(0, size, size)
    codes, _ = pd.factorize(frame[cluster].astype(str))
    members = [np.flatnonzero(codes == c) for c in range(codes.max() + 1)]
    return lambda rng: np.concatenate(
        [members[c] for c in rng.integers(0, len(members), len(members))])


def _flags(observed: np.ndarray, adjusted: np.ndarray, matrix: np.ndarray,
           raw_low: np.ndarray, raw_high: np.ndarray, condition: float, validation_n: int,
           min_validation: int) -> list[str]:
    """Per class, why its corrected share is not a finding ("" when nothing is wrong)."""
    common = []
    if validation_n < min_validation:
        common.append(f"only {validation_n} labelled threads measure the confusion "
                      f"(needs {min_validation})")
    if condition > MAX_CONDITION:
        common.append(f"near-singular confusion matrix (condition number {condition:.0f} > "
                      f"{MAX_CONDITION:.0f})")
    residual = np.abs(matrix @ adjusted - observed)
    half_width = (raw_high - raw_low) / 2
    if np.any(residual > np.maximum(half_width, 1e-9)):
        common.append("no mixture of types this confusion matrix describes yields the "
                      "observed raw shares (fit residual beyond the raw shares' interval)")
    flags = []
    for i in range(len(observed)):
        own = list(common)
        if 0 < observed[i] < 1 and adjusted[i] in (0.0, 1.0):
            own.append(f"correction pushed the share to {adjusted[i]:.0f}")
        flags.append("; ".join(own))
    return flags


def stored_type_shares(store: Store, *, n_bootstrap: int, seed: int,
                       scope: ThreadScope | None = None) -> pd.DataFrame:
    """Per-platform thread-type shares of the store's classified threads within ``scope``
    (issues and discussions by people, by default), corrected for the labelling model's
    errors measured on human labels or, failing enough of them, on the model card's
    cross-validation (column ``validation`` says which)."""
    scope = scope or ThreadScope()
    columns = ["group", "class", "n", "clusters", "raw_share", "raw_ci_low", "raw_ci_high",
               "adjusted_share", "ci_low", "ci_high", "validation_n", "condition_number",
               "flag", "validation", "scope", "excluded_pull_requests",
               "excluded_bot_threads"]
    # In key order: the bootstrap draws repositories in the order they first appear, so an
    # unordered read (any order DuckDB's threads finish in) gave other intervals each run.
    labels = store.frame("SELECT platform, repo, number, label, model FROM thread_labels "
                         "ORDER BY platform, repo, number, model")
    if labels.empty:     # nothing classified: no need to read every thread's text
        return pd.DataFrame(columns=columns)
    selected = scoped_threads(store, scope)
    labelled = labels.merge(selected.threads[["platform", "repo", "number"]],
                            on=["platform", "repo", "number"])
    if labelled.empty:
        return pd.DataFrame(columns=columns)
    name = labelled["model"].mode().iloc[0]
    model = classify.load_model(None if name == "default" else name)
    classes = [str(c) for c in model.classes_] + classify.ruled_types(model)
    card = pd.DataFrame({"true": model.card_.get("cv_true", []),
                         "predicted": model.card_.get("cv_predicted", [])})
    if len(model.card_.get("cv_repo", [])) == len(card):
        card["repo"] = model.card_["cv_repo"]
    validation, sources = _validation_sample(store, name, classes, card,
                                             sorted(labelled["platform"].unique()))
    shares = TypeShares(classes=classes, n_bootstrap=n_bootstrap,
                        seed=seed).compute(labelled, validation)
    return shares.assign(validation=shares["group"].map(sources), scope=scope.describe(),
                         excluded_pull_requests=selected.excluded_pull_requests,
                         excluded_bot_threads=selected.excluded_bot_threads)


def _validation_sample(store: Store, model: str, classes: list[str], card: pd.DataFrame,
                       platforms: list[str]) -> tuple[pd.DataFrame, dict[str, str]]:
    """Per platform, the labelled sample that measures the model's errors: the store's
    human labels against the model's predictions on the same threads when the platform has
    at least ``MIN_HUMAN_VALIDATION`` of them, else the model card's cross-validation."""
    human = store.frame("SELECT h.platform, h.repo, h.label AS true, l.label AS predicted, "
                        "h.weight "
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
