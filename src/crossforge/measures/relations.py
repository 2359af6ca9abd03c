"""Validation of relation inference against the Hub's own relation tags."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.metrics import cohen_kappa_score

from crossforge.records import RELATIONS
from crossforge.sources.hub_metadata import _RELATION_TAG, base_models, infer_relation, read_entries


def validate_relation_inference(path: str | Path) -> dict:
    """Hide each model's ``base_model:<relation>:`` tags, infer the relation from card data
    and the repository's own evidence, and compare with the hidden tags.

    Only models whose card data names a parent take part (inference needs a parent). An
    explicit ``base_model_relation`` in card data is evidence and is used as such.

    Returns:
        ``n``, ``accuracy``, ``cohen_kappa`` (None when the tags hold a single class), the
        confusion matrix (rows: tag, columns: inferred), and per-relation precision/recall.
    """
    pairs: list[tuple[str, str]] = []
    for entry in read_entries(path):
        hidden = {m.group(1) for t in entry.tags if (m := _RELATION_TAG.match(t))}
        parents = base_models(entry)
        if len(hidden) != 1 or not parents:
            continue
        declared = entry.card.get("base_model_relation")
        inferred = declared if declared in RELATIONS else infer_relation(entry, parents)
        pairs.append((next(iter(hidden)), inferred))
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
