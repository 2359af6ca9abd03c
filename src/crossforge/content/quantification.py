"""Quantification: estimating class shares of a target set from a classifier's outputs.

A classifier trained where types are distributed one way (GitHub issues) misestimates the
shares of a platform where they are distributed another way (Hub discussions) when it simply
counts its predictions. The established remedies (Forman 2008; Saerens, Latinne and Decaestecker
2002; Bella et al. 2010; Moreo, Esuli and Sebastiani's QuaPy, whose definitions these follow)
each take the target's predictions or posteriors and a labelled sample that measures the
classifier's behaviour:

- ``cc``: classify and count, the share of predictions;
- ``pcc``: probabilistic classify and count, the mean posterior;
- ``acc``: adjusted classify and count, ``M q = p`` solved on the simplex with
  ``M[i, j] = P(predicted i | true j)`` from the labelled sample;
- ``pacc``: the same with posteriors: ``M[i, j]`` the mean posterior of class ``i`` over the
  labelled sample's class ``j``, ``p`` the target's mean posterior;
- ``emq``: the EM of Saerens et al. (SLD), re-weighting the target's posteriors from the
  labelled sample's prior until the shares they imply stop moving.

Why one is shipped as the default: ``docs/content.md`` (the comparison by simulation in
``benchmarks/quantification.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

#: The methods, in the order the comparison reports them.
METHODS: tuple[str, ...] = ("cc", "pcc", "acc", "pacc", "emq")
#: Methods that need each thread's posterior for every class, not only its predicted type.
NEEDS_POSTERIORS = frozenset({"pcc", "pacc", "emq"})
#: EM stops when no share moves by more than this, or after ``EM_ITERATIONS`` rounds.
EM_TOLERANCE = 1e-6
EM_ITERATIONS = 1000


@dataclass(frozen=True, slots=True)
class Sample:
    """What a method reads of a set of threads: the classes as indices into the taxonomy,
    and the posteriors (rows summing to one) when the classifier gives them."""

    predicted: np.ndarray
    posteriors: np.ndarray | None = None


@dataclass(frozen=True, slots=True)
class Labelled:
    """The labelled sample that measures the classifier: true and predicted class indices,
    design weights, and posteriors when known."""

    true: np.ndarray
    predicted: np.ndarray
    weights: np.ndarray
    posteriors: np.ndarray | None = None


@dataclass(frozen=True, slots=True)
class Estimate:
    """A method's shares, and the system it inverted (``matrix @ shares ≈ observed``) when it
    inverts one: the flags judge the correction by them."""

    shares: np.ndarray
    observed: np.ndarray
    matrix: np.ndarray | None


def simplex_least_squares(observed: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Shares ``q`` on the simplex minimising ``||M q − p||²``."""
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


def crisp_matrix(labelled: Labelled, k: int) -> np.ndarray:
    """``M[i, j] = P(predicted i | true j)``, weighted; a class absent from the sample gets
    an identity column (no information: trust the prediction)."""
    counts = np.zeros((k, k))
    np.add.at(counts, (labelled.predicted, labelled.true), labelled.weights)
    return _normalised_columns(counts)


def soft_matrix(labelled: Labelled, k: int) -> np.ndarray:
    """``M[i, j]`` = the weighted mean posterior of class ``i`` over true class ``j``."""
    posteriors = _posteriors(labelled.posteriors)
    sums = np.zeros((k, k))
    for j in range(k):
        members = labelled.true == j
        sums[:, j] = (posteriors[members] * labelled.weights[members, None]).sum(axis=0)
    return _normalised_columns(sums)


def _normalised_columns(sums: np.ndarray) -> np.ndarray:
    totals = sums.sum(axis=0)
    matrix = np.divide(sums, totals, out=np.zeros_like(sums), where=totals > 0)
    for j in np.flatnonzero(totals == 0):
        matrix[j, j] = 1.0
    return matrix


def class_shares(indices: np.ndarray, k: int, weights: np.ndarray | None = None) -> np.ndarray:
    """Shares of the class indices (uniform for an empty set: nothing is known)."""
    counts = np.bincount(indices, weights=weights, minlength=k).astype(float)
    return counts / counts.sum() if counts.sum() else np.full(k, 1 / k)


def emq(posteriors: np.ndarray, training_prior: np.ndarray) -> np.ndarray:
    """The SLD expectation maximisation: shares whose re-weighted posteriors average to
    themselves, starting from the prior the posteriors were calibrated under.

    A class the training prior lacks (a type the classifier never saw, which crossforge's
    rules assign) cannot be re-weighted: its share stays its mean posterior, and EM divides
    the rest of the mass among the others, each thread weighted by its mass on them.
    """
    adjustable = training_prior > 0
    shares = np.zeros(len(training_prior))
    shares[~adjustable] = posteriors[:, ~adjustable].mean(axis=0) if len(posteriors) else 0.0
    mass = posteriors[:, adjustable].sum(axis=1)
    if not mass.sum():
        return shares if shares.sum() else training_prior.copy()
    within = posteriors[mass > 0][:, adjustable] / mass[mass > 0, None]
    weight = mass[mass > 0] / mass.sum()
    prior = training_prior[adjustable] / training_prior[adjustable].sum()
    current = prior.copy()
    for _ in range(EM_ITERATIONS):
        weighted = within * (current / prior)
        weighted /= np.clip(weighted.sum(axis=1, keepdims=True), 1e-300, None)
        updated = weight @ weighted
        converged = np.max(np.abs(updated - current)) < EM_TOLERANCE
        current = updated
        if converged:
            break
    shares[adjustable] = current * mass.mean()
    return shares


def estimate(method: str, target: Sample, labelled: Labelled, k: int) -> Estimate:
    """The shares of ``target``'s ``k`` classes by ``method`` (one of ``METHODS``)."""
    if method == "cc":
        return Estimate(class_shares(target.predicted, k), class_shares(target.predicted, k),
                        None)
    if method == "acc":
        observed, matrix = class_shares(target.predicted, k), crisp_matrix(labelled, k)
        return Estimate(simplex_least_squares(observed, matrix), observed, matrix)
    posteriors = _posteriors(target.posteriors)
    observed = posteriors.mean(axis=0) if len(posteriors) else np.full(k, 1 / k)
    if method == "pcc":
        return Estimate(observed, observed, None)
    if method == "pacc":
        matrix = soft_matrix(labelled, k)
        return Estimate(simplex_least_squares(observed, matrix), observed, matrix)
    if method == "emq":
        prior = class_shares(labelled.true, k, labelled.weights)
        return Estimate(emq(posteriors, prior), observed, None)
    raise ValueError(f"unknown quantification method {method}")


def _posteriors(posteriors: np.ndarray | None) -> np.ndarray:
    if posteriors is None:
        raise ValueError("this method needs posteriors")
    return posteriors


def indices(labels: Sequence[str] | np.ndarray, classes: Sequence[str]) -> np.ndarray:
    """Class names as indices into ``classes``; names outside them become -1."""
    index = {c: i for i, c in enumerate(classes)}
    return np.array([index.get(str(label), -1) for label in labels], dtype=int)
