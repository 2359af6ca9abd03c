"""Quantification methods: under a prior shift between the labelled sample and the target,
the adjusted methods recover the target's shares and counting does not."""

import numpy as np
import pandas as pd
import pytest

from crossforge.content.quantification import (
    METHODS,
    Labelled,
    Sample,
    emq,
    estimate,
    soft_matrix,
)
from crossforge.content.shares import TypeShares
from crossforge.errors import ConfigError

CLASSES = ["bug", "usage", "feature"]
SOURCE = np.array([0.5, 0.2, 0.3])
TARGET = np.array([0.2, 0.6, 0.2])
MEANS = np.array([[1.2, 0.0], [0.4, 0.9], [-1.0, -0.6]])


def _posteriors(rng: np.random.Generator, prior: np.ndarray,
                n: int) -> tuple[np.ndarray, np.ndarray]:
    """True classes drawn with ``prior`` and their exact Bayes posteriors under ``SOURCE``
    (a classifier calibrated where it was trained), for unit Gaussians around ``MEANS``."""
    true = rng.choice(3, n, p=prior)
    x = MEANS[true] + rng.normal(0, 1, (n, 2))
    log_likelihood = -0.5 * ((x[:, None, :] - MEANS[None]) ** 2).sum(axis=2)
    joint = np.exp(log_likelihood) * SOURCE
    return true, joint / joint.sum(axis=1, keepdims=True)


def test_adjusted_methods_recover_shifted_shares_and_counting_does_not() -> None:
    rng = np.random.default_rng(3)
    true, posteriors = _posteriors(rng, SOURCE, 20_000)
    labelled = Labelled(true, posteriors.argmax(axis=1), np.ones(len(true)), posteriors)
    _, target_posteriors = _posteriors(rng, TARGET, 20_000)
    target = Sample(target_posteriors.argmax(axis=1), target_posteriors)
    error = {m: np.abs(estimate(m, target, labelled, 3).shares - TARGET).max() for m in METHODS}
    for method in ("acc", "pacc", "emq"):
        assert error[method] < 0.03, (method, error)
    for method in ("cc", "pcc"):
        assert error[method] > 0.08, (method, error)  # pulled towards the training shares


def test_emq_keeps_the_training_prior_when_nothing_shifted() -> None:
    rng = np.random.default_rng(1)
    _, posteriors = _posteriors(rng, SOURCE, 20_000)
    assert emq(posteriors, SOURCE) == pytest.approx(SOURCE, abs=0.02)


def test_the_soft_matrix_averages_posteriors_within_each_true_class() -> None:
    labelled = Labelled(np.array([0, 0, 1]), np.array([0, 1, 1]), np.ones(3),
                        np.array([[0.8, 0.2], [0.4, 0.6], [0.1, 0.9]]))
    assert soft_matrix(labelled, 2) == pytest.approx(np.array([[0.6, 0.1], [0.4, 0.9]]))


def test_type_shares_run_any_method_and_say_what_it_lacks() -> None:
    rng = np.random.default_rng(5)
    names = np.array(CLASSES)
    true, posteriors = _posteriors(rng, SOURCE, 1500)
    validation = pd.DataFrame({"true": names[true], "predicted": names[posteriors.argmax(1)],
                               "repo": [f"gh{i % 15}" for i in range(1500)]})
    _, target_posteriors = _posteriors(rng, TARGET, 1500)
    threads = pd.DataFrame({"platform": "huggingface", "repo": [f"m{i % 30}" for i in range(1500)],
                            "label": names[target_posteriors.argmax(1)]})
    for i, name in enumerate(CLASSES):
        validation[f"p_{name}"] = posteriors[:, i]
        threads[f"p_{name}"] = target_posteriors[:, i]
    result = TypeShares(classes=CLASSES, n_bootstrap=40, seed=0, method="emq").compute(
        threads, validation)
    assert (result["method"] == "emq").all()
    assert ((result["ci_low"] <= TARGET) & (result["ci_high"] >= TARGET)).all()
    assert np.abs(result["raw_share"].to_numpy() - TARGET).max() > 0.1  # counting misses it
    with pytest.raises(ConfigError, match="method pacc needs posteriors; the classified threads "
                                          "lack columns: p_bug"):
        TypeShares(classes=CLASSES, method="pacc").compute(
            threads.drop(columns="p_bug"), validation)
    with pytest.raises(ConfigError, match="unknown quantification method hdy"):
        TypeShares(classes=CLASSES, method="hdy").compute(threads, validation)


def test_emq_leaves_a_type_the_classifier_never_saw_at_its_ruled_share() -> None:
    rng = np.random.default_rng(2)
    _, posteriors = _posteriors(rng, TARGET, 20_000)
    # a fourth type given by a rule to 10% of threads: one-hot posteriors, absent in training
    ruled = rng.random(len(posteriors)) < 0.1
    four = np.hstack([posteriors, np.zeros((len(posteriors), 1))])
    four[ruled] = [0, 0, 0, 1]
    shares = emq(four, np.append(SOURCE, 0.0))
    assert shares[3] == pytest.approx(ruled.mean())
    assert shares.sum() == pytest.approx(1.0)
    assert shares[:3] / shares[:3].sum() == pytest.approx(TARGET, abs=0.03)
