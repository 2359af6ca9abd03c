"""Validation of relation inference against the Hub's own relation tags."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np
from sklearn.metrics import cohen_kappa_score

from crossforge.records import RELATIONS


def validate_relation_inference(checks: Iterable[tuple[str, str]]) -> dict:
    """Compare the relations inferred with each model's ``base_model:<relation>:`` tags
    hidden against those tags.

    Args:
        checks: one ``(tagged, inferred)`` pair per model whose card data names a parent, as
            ``sources.hub_metadata.hidden_tag_check`` reads them from a dump (the measure
            reads no source itself).

    Returns:
        ``n``, ``accuracy``, ``cohen_kappa`` (None when the tags hold a single class), the
        confusion matrix (rows: tag, columns: inferred), and per-relation precision/recall.
    """
    pairs = list(checks)
    labels = [r for r in RELATIONS if r != "fork"]
    counts = Counter(pairs)
    matrix = {t: {p: counts.get((t, p), 0) for p in labels} for t in labels}
    n = len(pairs)
    truth = np.array([t for t, _ in pairs])
    guess = np.array([p for _, p in pairs])
    per_relation = {}
    for r in labels:
        predicted, actual = int((guess == r).sum()), int((truth == r).sum())
        hit = int(((guess == r) & (truth == r)).sum())
        per_relation[r] = {"tagged": actual, "inferred": predicted,
                           "precision": hit / predicted if predicted else None,
                           "recall": hit / actual if actual else None}
    kappa = (float(cohen_kappa_score(truth, guess)) if n and len(set(truth)) > 1 else None)
    return {"n": n, "accuracy": float((truth == guess).mean()) if n else None,
            "cohen_kappa": kappa, "confusion": matrix, "per_relation": per_relation}
