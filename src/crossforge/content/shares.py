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

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crossforge.content import classify, quantification
from crossforge.content.classify.stored import ThreadScope, scoped_threads
from crossforge.errors import ConfigError
from crossforge.store import Store

#: Human-labelled threads a platform needs before they replace the model card's
#: cross-validated predictions as the sample that corrects its type shares.
MIN_HUMAN_VALIDATION = 50
#: The two labelled samples that can measure a platform's classifier errors.
HUMAN_VALIDATION = "human labels"
CARD_VALIDATION = "model card cross-validation"


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
    return quantification.simplex_least_squares(observed, matrix)


#: Condition number of the confusion matrix above which a correction is flagged: a 1-point
#: error in the raw shares can then move the corrected shares by more than 10 points.
MAX_CONDITION = 10.0
#: A fit residual this small is the solver's rounding, not a misfit.
RESIDUAL_TOLERANCE = 1e-6
#: A corrected share this close to 0 or 1 while the raw share's interval is not counts as
#: pushed to the boundary: EM approaches the boundary without reaching it exactly.
BOUNDARY = 0.005


#: The quantification method type shares use unless told otherwise: the comparison by
#: simulation (``benchmarks/quantification.py``, ``docs/content.md``) chose it. It needs the
#: classifier's posteriors; without them the default is ``FALLBACK_METHOD``, which needs only
#: the predicted types.
DEFAULT_METHOD = "emq"
FALLBACK_METHOD = "acc"


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
        method: the quantification method (``crossforge.content.quantification.METHODS``);
            ``pcc``, ``pacc`` and ``emq`` read one ``p_<class>`` posterior column per class
            in both frames. ``None``: ``DEFAULT_METHOD`` when both frames carry the
            posteriors, else ``FALLBACK_METHOD`` (column ``method`` says which ran).
    """

    classes: Sequence[str] = ("bug", "usage", "feature", "documentation", "other")
    n_bootstrap: int = 1000
    confidence: float = 0.95
    seed: int = 0
    cluster: str = "repo"
    min_validation: int = MIN_HUMAN_VALIDATION
    method: str | None = None

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
            correction is not to be trusted, empty when it is), method.

        Raises:
            ConfigError: a frame lacks a column the method reads, or the method is unknown.
        """
        classes = list(self.classes)
        method = self.method or self._default(predicted, validation, classes)
        self._check(method, predicted, validation, classes)
        rng = np.random.default_rng(self.seed)
        alpha = (1 - self.confidence) / 2
        k = len(classes)
        rows = []
        for name, threads in predicted.groupby(group, sort=True):
            sample = (validation[validation[group] == name] if group in validation
                      else validation)
            if sample.empty:
                sample = validation
            threads = threads[np.isin(threads[label].astype(str), classes)]
            sample = sample[np.isin(sample["true"].astype(str), classes)
                            & np.isin(sample["predicted"].astype(str), classes)]
            target = self._target(method, threads, label, classes)
            labelled = self._labelled(method, sample, classes)
            observed = quantification.class_shares(target.predicted, k)
            point = quantification.estimate(method, target, labelled, k)
            thread_draw = _resampler(threads, self.cluster)
            sample_draw = _resampler(sample, self.cluster)
            boots = np.empty((self.n_bootstrap, k))
            raw_boots = np.empty((self.n_bootstrap, k))
            residual_boots = np.empty((self.n_bootstrap, k))
            for b in range(self.n_bootstrap):
                t, v = thread_draw(rng), sample_draw(rng)
                resampled, measured = _take(target, t), _take(labelled, v)
                raw_boots[b] = quantification.class_shares(resampled.predicted, k)
                boots[b] = quantification.estimate(method, resampled, measured, k).shares
                residual_boots[b] = (quantification.crisp_matrix(measured, k) @ boots[b]
                                     - raw_boots[b])
            low, high = np.quantile(boots, [alpha, 1 - alpha], axis=0)
            raw_low, raw_high = np.quantile(raw_boots, [alpha, 1 - alpha], axis=0)
            residual_interval = np.quantile(residual_boots, [alpha, 1 - alpha], axis=0)
            condition = float(np.linalg.cond(quantification.crisp_matrix(labelled, k)))
            flags = _flags(observed, point, residual_interval, raw_low, raw_high, condition,
                           len(sample), self.min_validation)
            clusters = (threads[self.cluster].nunique() if self.cluster in threads
                        else len(threads))
            for i, cls in enumerate(classes):
                rows.append({"group": name, "class": cls, "n": len(threads),
                             "clusters": int(clusters), "raw_share": observed[i],
                             "raw_ci_low": raw_low[i], "raw_ci_high": raw_high[i],
                             "adjusted_share": point.shares[i], "ci_low": low[i],
                             "ci_high": high[i], "validation_n": len(sample),
                             "condition_number": condition, "flag": flags[i],
                             "method": method})
        return pd.DataFrame(rows)

    @staticmethod
    def _default(predicted: pd.DataFrame, validation: pd.DataFrame, classes: list[str]) -> str:
        columns = {f"p_{c}" for c in classes}
        return (DEFAULT_METHOD if columns <= set(predicted.columns) & set(validation.columns)
                else FALLBACK_METHOD)

    @staticmethod
    def _check(method: str, predicted: pd.DataFrame, validation: pd.DataFrame,
               classes: list[str]) -> None:
        if method not in quantification.METHODS:
            raise ConfigError(f"unknown quantification method {method}; choose from "
                              f"{', '.join(quantification.METHODS)}")
        needed = {"true", "predicted"}
        posterior_columns = {f"p_{c}" for c in classes}
        if method in quantification.NEEDS_POSTERIORS:
            needed |= posterior_columns
            lacking = sorted(posterior_columns - set(predicted.columns))
            if lacking:
                raise ConfigError(f"method {method} needs posteriors; the classified "
                                  f"threads lack columns: {', '.join(lacking)}")
        missing = needed - set(validation.columns)
        if missing:
            raise ConfigError(f"validation sample lacks columns: {', '.join(sorted(missing))}")

    @staticmethod
    def _posteriors(method: str, frame: pd.DataFrame, classes: list[str]) -> np.ndarray | None:
        if method not in quantification.NEEDS_POSTERIORS:
            return None
        return frame[[f"p_{c}" for c in classes]].to_numpy(dtype=float)

    def _target(self, method: str, threads: pd.DataFrame, label: str,
                classes: list[str]) -> quantification.Sample:
        return quantification.Sample(quantification.indices(threads[label].to_numpy(), classes),
                                     self._posteriors(method, threads, classes))

    def _labelled(self, method: str, sample: pd.DataFrame,
                  classes: list[str]) -> quantification.Labelled:
        weights = (sample["weight"].to_numpy(dtype=float) if "weight" in sample
                   else np.ones(len(sample)))
        return quantification.Labelled(quantification.indices(sample["true"].to_numpy(), classes),
                                       quantification.indices(sample["predicted"].to_numpy(),
                                                              classes),
                                       weights, self._posteriors(method, sample, classes))


def _take(data: quantification.Sample | quantification.Labelled, rows: np.ndarray
          ) -> quantification.Sample | quantification.Labelled:
    """The rows ``rows`` of a sample (a bootstrap resample)."""
    posteriors = None if data.posteriors is None else data.posteriors[rows]
    if isinstance(data, quantification.Labelled):
        return quantification.Labelled(data.true[rows], data.predicted[rows],
                                        data.weights[rows], posteriors)
    return quantification.Sample(data.predicted[rows], posteriors)


def _resampler(frame: pd.DataFrame,
               cluster: str) -> Callable[[np.random.Generator], np.ndarray]:
    """A function drawing row indices of ``frame``: whole clusters with replacement when
    ``frame`` has the ``cluster`` column, single rows otherwise."""
    if cluster not in frame or frame[cluster].isna().all():
        size = len(frame)
        return lambda rng: rng.integers(0, size, size)
    codes, _ = pd.factorize(frame[cluster].astype(str))
    members = [np.flatnonzero(codes == c) for c in range(codes.max() + 1)]
    members = [members[c] for c in _canonical_order(frame, cluster, members)]
    return lambda rng: np.concatenate(
        [members[c] for c in rng.integers(0, len(members), len(members))])


def _canonical_order(frame: pd.DataFrame, cluster: str, members: list[np.ndarray]
                     ) -> list[int]:
    """The clusters ordered by what they hold, not by their names or the order rows came in:
    the same threads give the same intervals whatever their repositories are called (a
    snapshot's pseudonyms) or the order they were read in. Clusters that hold the same rows
    are interchangeable, so ties do not matter."""
    names = {cluster, "platform", "repo", "number"}
    content = frame[[c for c in frame.columns if c not in names]]
    rows = np.array([repr(row) for row in content.itertuples(index=False, name=None)],
                    dtype=object)
    signatures = ["\x1e".join(sorted(rows[m])) for m in members]
    return sorted(range(len(members)), key=signatures.__getitem__)


def _flags(observed: np.ndarray, point: quantification.Estimate,
           residual_interval: np.ndarray, raw_low: np.ndarray, raw_high: np.ndarray,
           condition: float, validation_n: int, min_validation: int) -> list[str]:
    """Per class, why its corrected share is not a finding ("" when nothing is wrong).

    Every method is judged by the crisp confusion matrix *M*: the raw shares ``M q`` it
    implies for the corrected shares ``q`` must match the observed raw shares ``p``, within
    the uncertainty of both (``residual_interval``: the bootstrap interval of ``M q − p``
    per class, each resample with its own *M*, *q* and *p*)."""
    common = []
    if validation_n < min_validation:
        common.append(f"only {validation_n} labelled threads measure the confusion "
                      f"(needs {min_validation})")
    if condition > MAX_CONDITION:
        common.append(f"near-singular confusion matrix (condition number {condition:.0f} > "
                      f"{MAX_CONDITION:.0f})")
    adjusted = point.shares
    low, high = residual_interval
    if np.any((low > RESIDUAL_TOLERANCE) | (high < -RESIDUAL_TOLERANCE)):
        common.append("no mixture of types this confusion matrix describes yields the "
                      "observed raw shares (the 95% interval of the fit residual excludes 0)")
    flags = []
    for i in range(len(observed)):
        own = list(common)
        if (raw_low[i] > BOUNDARY and adjusted[i] <= BOUNDARY) or (
                raw_high[i] < 1 - BOUNDARY and adjusted[i] >= 1 - BOUNDARY):
            own.append(f"correction pushed the share to {round(adjusted[i]):.0f}")
        flags.append("; ".join(own))
    return flags


def stored_type_shares(store: Store, *, n_bootstrap: int, seed: int,
                       scope: ThreadScope | None = None) -> pd.DataFrame:
    """Per-platform thread-type shares of the store's classified threads within ``scope``
    (issues and discussions by people, by default), corrected for the labelling model's
    errors measured on human labels or, failing enough of them, on the model card's
    cross-validation (column ``validation`` says which).

    A platform corrected by the model card is estimated by EMQ from the threads' stored
    posteriors and the card's cross-validated ones (the setting the simulation compared);
    one with its own human labels by the adjusted count with its own confusion matrix, which
    measures the classifier's errors there instead of assuming them. Labels stored without
    posteriors, or a model card without them, fall back to the adjusted count (column
    ``method``)."""
    scope = scope or ThreadScope()
    columns = ["group", "class", "n", "clusters", "raw_share", "raw_ci_low", "raw_ci_high",
               "adjusted_share", "ci_low", "ci_high", "validation_n", "condition_number",
               "flag", "method", "validation", "scope", "excluded_pull_requests",
               "excluded_bot_threads"]
    # In key order: the bootstrap draws repositories in the order they first appear, so an
    # unordered read (any order DuckDB's threads finish in) gave other intervals each run.
    labels = store.frame("SELECT platform, repo, number, label, model, probabilities "
                         "FROM thread_labels ORDER BY platform, repo, number, model")
    if labels.empty:     # nothing classified: no need to read every thread's text
        return pd.DataFrame(columns=columns)
    selected = scoped_threads(store, scope)
    labelled = labels.merge(selected.threads[["platform", "repo", "number"]],
                            on=["platform", "repo", "number"])
    if labelled.empty:
        return pd.DataFrame(columns=columns)
    name = labelled["model"].mode().iloc[0]
    model = classify.load_model(None if name == "default" else name)
    predicted_classes = [str(c) for c in model.classes_]
    classes = predicted_classes + classify.ruled_types(model)
    card = pd.DataFrame({"true": model.card_.get("cv_true", []),
                         "predicted": model.card_.get("cv_predicted", [])})
    if len(model.card_.get("cv_repo", [])) == len(card):
        card["repo"] = model.card_["cv_repo"]
    card_posteriors = model.card_.get("cv_probabilities")
    if card_posteriors is not None and len(card_posteriors) == len(card):
        card = _with_posteriors(card, "predicted", [
            dict(zip(model.card_["classes"], row, strict=True)) for row in card_posteriors],
            classes)
    labelled = _with_posteriors(labelled, "label", [
        json.loads(text) if isinstance(text, str) else None
        for text in labelled["probabilities"]], classes)
    platforms = sorted(labelled["platform"].unique())
    validation, sources = _validation_sample(store, name, classes, card, platforms)
    parts = []
    for platform in platforms:
        method = (None if sources[platform] == CARD_VALIDATION else FALLBACK_METHOD)
        parts.append(TypeShares(classes=classes, n_bootstrap=n_bootstrap, seed=seed,
                                method=method).compute(
            labelled[labelled["platform"] == platform],
            validation[validation["platform"] == platform]))
    shares = pd.concat(parts, ignore_index=True)
    return shares.assign(validation=shares["group"].map(sources), scope=scope.describe(),
                         excluded_pull_requests=selected.excluded_pull_requests,
                         excluded_bot_threads=selected.excluded_bot_threads)


def _with_posteriors(frame: pd.DataFrame, label: str, posteriors: list[dict | None],
                     classes: list[str]) -> pd.DataFrame:
    """``frame`` with a ``p_<class>`` column per class when every row has posteriors: the
    model's probabilities, or all on the type a rule gave (documentation, other), which
    the model did not choose; unchanged when a row has none (stored before posteriors were)."""
    if any(row is None for row in posteriors):
        return frame
    values = np.zeros((len(frame), len(classes)))
    for i, (chosen, row) in enumerate(zip(frame[label], posteriors, strict=True)):
        if chosen in row:
            values[i] = [float(row.get(c, 0.0)) for c in classes]
        else:
            values[i, classes.index(chosen)] = 1.0
    return frame.assign(**{f"p_{c}": values[:, j] for j, c in enumerate(classes)})


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
            sources[platform] = HUMAN_VALIDATION
        elif card.empty:
            raise ConfigError(f"model {model} carries no cross-validated predictions and "
                              f"{platform} has {len(own)} human labels (need "
                              f"{MIN_HUMAN_VALIDATION}) to correct type shares with")
        else:
            parts.append(card.assign(platform=platform, weight=1.0))
            sources[platform] = CARD_VALIDATION
    return pd.concat(parts, ignore_index=True), sources
