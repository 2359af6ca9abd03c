import numpy as np
import pandas as pd
import pytest

from crossforge.content.shares import TypeShares, adjusted_shares, confusion
from crossforge.errors import ConfigError

CLASSES = ["bug", "usage", "feature"]
TRUTH = np.array([0.5, 0.3, 0.2])
# P(predicted i | true j): this classifier over-predicts usage for bugs and under-reports bugs.
CONFUSION = np.array([[0.75, 0.2, 0.1], [0.2, 0.7, 0.1], [0.05, 0.1, 0.8]])


def _draw(rng, n):
    true = rng.choice(3, n, p=TRUTH)
    cumulative = CONFUSION.cumsum(axis=0)[:, true]
    predicted = (rng.random(n) > cumulative).sum(axis=0)
    names = np.array(CLASSES)
    return names[true], names[predicted]


def test_adjustment_recovers_shares_from_an_exact_confusion_matrix():
    observed = CONFUSION @ TRUTH
    assert adjusted_shares(observed, CONFUSION) == pytest.approx(TRUTH, abs=1e-6)


def test_confusion_matrix_columns_are_conditional_on_the_true_class():
    matrix = confusion(["bug", "bug", "usage"], ["bug", "usage", "usage"], CLASSES)
    assert matrix[:, 0] == pytest.approx([0.5, 0.5, 0.0])
    assert matrix[:, 2] == pytest.approx([0, 0, 1])  # no 'feature' in the sample: identity


def test_corrected_shares_are_less_biased_and_intervals_cover():
    rng = np.random.default_rng(11)
    raw_error = adjusted_error = 0.0
    covered = np.zeros(3)
    reps = 40
    for rep in range(reps):
        _, predicted = _draw(rng, 3000)
        true, validation_predicted = _draw(rng, 400)
        result = TypeShares(classes=CLASSES, n_bootstrap=200, seed=rep).compute(
            pd.DataFrame({"platform": "huggingface", "label": predicted}),
            pd.DataFrame({"true": true, "predicted": validation_predicted}))
        raw_error += np.abs(result.raw_share.to_numpy() - TRUTH).sum()
        adjusted_error += np.abs(result.adjusted_share.to_numpy() - TRUTH).sum()
        covered += (result.ci_low.to_numpy() <= TRUTH) & (result.ci_high.to_numpy() >= TRUTH)
    assert adjusted_error < raw_error
    assert (covered / reps >= 0.8).all()


def test_validation_sample_must_have_true_and_predicted():
    with pytest.raises(ConfigError, match="lacks columns: predicted"):
        TypeShares().compute(pd.DataFrame({"platform": ["github"], "label": ["bug"]}),
                             pd.DataFrame({"true": ["bug"]}))
