"""The two types the training data cannot teach: ``documentation`` and ``other``.

The shipped models learn from issues labelled bug, feature or question only, so by
themselves they force every thread into one of the three. Two rules, both stated in the
model card, give the taxonomy's other two types without a forced choice:

- **other (abstention).** A thread whose most probable type has a probability below the
  model's abstention threshold is ``other``. The threshold is calibrated on the model's
  cross-validated predictions (grouped by repository, how the model meets new projects):
  the confidence below which the model, at that confidence, is wrong at least as often as
  it is right.
- **documentation (weak supervision).** A thread whose *title* names documentation (docs,
  documentation, document, docstring, readme, tutorial, typo, model card) is
  ``documentation``: the rule behind the maintainers' own ``documentation`` label, which the
  corpus has too few of (8 issues of huggingface/datasets) to train a class on.

Both apply only when the caller does not restrict the classes (``--labels``) or names
the type among them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from sklearn.isotonic import IsotonicRegression

DOCUMENTATION = "documentation"
OTHER = "other"
DOCUMENTATION_TITLE = re.compile(
    r"\b(?:docs?|documentation|documented|document|docstrings?|readme|tutorials?|typos?|"
    r"model card)\b", re.IGNORECASE)


def documentation_titles(titles: Sequence[str | None]) -> np.ndarray:
    """Which titles name documentation (the weak-supervision rule)."""
    return np.array([bool(DOCUMENTATION_TITLE.search(t or "")) for t in titles], dtype=bool)


def abstention_threshold(correct: np.ndarray, confidence: np.ndarray) -> float:
    """The confidence below which the model is wrong at least as often as it is right.

    The accuracy at each confidence is the isotonic (non-decreasing) regression of
    correctness on confidence; the threshold lies halfway between the most confident
    prediction whose fitted accuracy is at most 1/2 and the next one (0 when none is, 1 when
    all are).

    Args:
        correct: whether each cross-validated prediction was right.
        confidence: the probability of each predicted type.
    """
    order = np.argsort(confidence, kind="stable")
    ranked = np.asarray(confidence, dtype=float)[order]
    accuracy = IsotonicRegression(increasing=True).fit_transform(
        ranked, np.asarray(correct, dtype=float)[order])
    mostly_wrong = np.flatnonzero(accuracy <= 0.5)
    if not len(mostly_wrong):
        return 0.0
    last = mostly_wrong[-1]
    if last + 1 == len(order):
        return 1.0
    return float((ranked[last] + ranked[last + 1]) / 2)


def open_set_labels(labels: np.ndarray, confidence: np.ndarray, titles: Sequence[str | None],
                    *, abstain_below: float | None, chosen: Sequence[str]) -> np.ndarray:
    """``labels`` with the two rules applied, each only when its type is in ``chosen``:
    ``other`` below the abstention threshold, then ``documentation`` by title."""
    result = np.asarray(labels, dtype=object).copy()
    if OTHER in chosen and abstain_below is not None:
        result[confidence < abstain_below] = OTHER
    if DOCUMENTATION in chosen:
        result[documentation_titles(titles)] = DOCUMENTATION
    return result
