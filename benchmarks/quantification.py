"""Benchmark: which quantification method corrects type shares best, by simulation.

SYNTHETIC data throughout. A classifier is trained on a "training platform" (GitHub: five
repositories of 300 labelled threads, types distributed as in the NLBSE corpus) and
quantifies a "target platform" (the Hub: 60 repositories of 5–60 threads each, with usage
questions far more common and bug reports rarer). Threads are points in 8 dimensions around
one centre per type; bug reports and usage questions lie close together, as their texts do,
so the classifier confuses them most. Repositories are clusters twice over: each has its own
type mix (a Dirichlet draw around the platform's shares) and its own offset of every thread
(its templates and conventions), so the classifier errs a little differently in each.

The classifier is a logistic regression; its errors are measured as crossforge's shipped
model measures its own: cross-validated predictions grouped by repository on the training
platform (the model card), used to correct the target platform's shares. Every method is
then run by ``TypeShares`` itself (the shipped code, its cluster bootstrap by repository of
both the target's threads and the labelled sample), and scored against the target's true
expected shares:

- mean absolute error of the point estimate, averaged over the five types and the studies,
- coverage of the 95% interval (share of type × study intervals holding the truth),
- mean interval width, and how often the correction was flagged.

Scenarios: ``prior shift`` (the classifier errs on the target as on the training platform,
the assumption every adjusted method makes) and ``prior and error shift`` (on the target
platform the types' centres also move, so the training platform's confusion misdescribes it:
the case of a GitHub-trained classifier on Hub discussions, which no method can fix; the
figures show how far each fails).

Run:  PYTHONPATH=src python3 benchmarks/quantification.py [--studies N] [--bootstrap B]
Writes benchmarks/results/quantification.json.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from result_file import machine_load, write_result
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from crossforge import __version__
from crossforge.content.quantification import METHODS
from crossforge.content.shares import DEFAULT_METHOD, TypeShares

RESULTS = Path(__file__).resolve().parent / "results" / "quantification.json"
CLASSES = ("bug", "usage", "feature", "documentation", "other")
#: Types on the training platform (the NLBSE corpus' bug/feature/question mix, with a little
#: documentation and other) and on the target platform (the Hub: questions dominate).
TRAINING_SHARES = np.array([0.40, 0.20, 0.30, 0.05, 0.05])
TARGET_SHARES = np.array([0.20, 0.45, 0.12, 0.10, 0.13])
DIMENSIONS = 8
TRAINING_REPOSITORIES, TRAINING_PER_REPOSITORY = 5, 300
TARGET_REPOSITORIES = 60
#: Distance of each type's centre from the origin (unit noise per dimension).
CENTRE_DISTANCE = 2.2
#: Dirichlet concentration of a repository's type mix around its platform's shares.
MIX_CONCENTRATION = 8.0
#: Standard deviation of a repository's offset of its threads (conventions).
REPOSITORY_OFFSET = 0.3
#: How far the types' centres move on the target platform in the error-shift scenario.
ERROR_SHIFT = 0.6


def centres() -> np.ndarray:
    """One centre per type, on its own axis; usage questions pulled towards bug reports,
    whose texts they resemble. The same geometry in every study: one classification task,
    about as hard as the shipped model's (``classifier_cross_validated_accuracy``)."""
    out = np.eye(len(CLASSES), DIMENSIONS) * CENTRE_DISTANCE
    out[1] = 0.35 * out[0] + 0.65 * out[1]
    return out


def threads(rng: np.random.Generator, centre: np.ndarray, shares: np.ndarray,
            sizes: np.ndarray, prefix: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features, true types and repositories of threads in repositories of ``sizes``."""
    features, types, repos = [], [], []
    for r, size in enumerate(sizes):
        mix = rng.dirichlet(shares * MIX_CONCENTRATION)
        kinds = rng.choice(len(CLASSES), size, p=mix)
        offset = rng.normal(0, REPOSITORY_OFFSET, DIMENSIONS)
        features.append(centre[kinds] + offset + rng.normal(0, 1, (size, DIMENSIONS)))
        types.append(kinds)
        repos += [f"{prefix}{r}"] * size
    return np.vstack(features), np.concatenate(types), np.array(repos)


def study(seed: int, error_shift: bool, n_bootstrap: int) -> dict[str, pd.DataFrame]:
    """One simulated study: every method's type shares of the target platform."""
    rng = np.random.default_rng(seed)
    centre = centres()
    x, y, repo = threads(rng, centre, TRAINING_SHARES,
                         np.full(TRAINING_REPOSITORIES, TRAINING_PER_REPOSITORY), "gh")
    cv_posteriors = np.zeros((len(y), len(CLASSES)))
    for train, test in GroupKFold(TRAINING_REPOSITORIES).split(x, y, repo):
        model = LogisticRegression(max_iter=1000).fit(x[train], y[train])
        cv_posteriors[np.ix_(test, model.classes_)] = model.predict_proba(x[test])
    model = LogisticRegression(max_iter=1000).fit(x, y)
    target_centre = (centre + rng.normal(0, ERROR_SHIFT / np.sqrt(DIMENSIONS), centre.shape)
                     if error_shift else centre)
    sizes = rng.integers(5, 61, TARGET_REPOSITORIES)
    tx, _, trepo = threads(rng, target_centre, TARGET_SHARES, sizes, "hub")
    posteriors = model.predict_proba(tx)
    names = np.array(CLASSES)
    target = pd.DataFrame({"platform": "huggingface", "repo": trepo,
                           "label": names[posteriors.argmax(axis=1)]})
    validation = pd.DataFrame({"true": names[y], "repo": repo,
                               "predicted": names[cv_posteriors.argmax(axis=1)]})
    for i, name in enumerate(CLASSES):
        target[f"p_{name}"] = posteriors[:, i]
        validation[f"p_{name}"] = cv_posteriors[:, i]
    return {method: TypeShares(classes=CLASSES, n_bootstrap=n_bootstrap, seed=seed,
                               method=method).compute(target, validation)
            for method in METHODS}


def scores(results: list[pd.DataFrame]) -> dict[str, float]:
    """Error, coverage, width and flags of one method over the studies."""
    frame = pd.concat(results, ignore_index=True)
    truth = np.tile(TARGET_SHARES, len(results))
    point = frame["adjusted_share"].to_numpy()
    covered = (frame["ci_low"].to_numpy() <= truth) & (truth <= frame["ci_high"].to_numpy())
    per_class = {name: round(float(np.abs(point - truth)[frame["class"] == name].mean()), 4)
                 for name in CLASSES}
    return {"mean_absolute_error": round(float(np.abs(point - truth).mean()), 4),
            "coverage_95": round(float(covered.mean()), 3),
            "mean_interval_width": round(float((frame["ci_high"] - frame["ci_low"]).mean()), 4),
            "flagged_share": round(float((frame["flag"] != "").mean()), 3),
            "mean_absolute_error_by_type": per_class}


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=40)
    parser.add_argument("--bootstrap", type=int, default=200)
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    scenarios = {}
    for name, error_shift in (("prior shift", False), ("prior and error shift", True)):
        runs = [study(seed, error_shift, args.bootstrap) for seed in range(args.studies)]
        scenarios[name] = {method: scores([run[method] for run in runs])
                           for method in METHODS}
    accuracy = _training_accuracy()
    result = {
        "benchmark": "quantification methods for type shares (SYNTHETIC simulation)",
        "crossforge": __version__, "python": sys.version.split()[0],
        "machine": platform.machine(),
        "studies_per_scenario": args.studies, "bootstrap_resamples": args.bootstrap,
        "training_platform": {"repositories": TRAINING_REPOSITORIES,
                              "threads": TRAINING_REPOSITORIES * TRAINING_PER_REPOSITORY,
                              "shares": dict(zip(CLASSES, TRAINING_SHARES.tolist(), strict=True))},
        "target_platform": {"repositories": TARGET_REPOSITORIES,
                            "threads_per_repository": "5-60",
                            "shares": dict(zip(CLASSES, TARGET_SHARES.tolist(), strict=True))},
        "classifier_cross_validated_accuracy": accuracy,
        "scenarios": scenarios,
        "default_method": DEFAULT_METHOD,
        "wall_seconds": round(time.perf_counter() - started, 1),
        **machine_load(load_before),
    }
    return write_result(RESULTS, result)


def _training_accuracy() -> float:
    """The classifier's grouped cross-validated accuracy on the training platform (seed 0):
    how hard the simulated task is, to set beside the shipped model's."""
    rng = np.random.default_rng(0)
    centre = centres()
    x, y, repo = threads(rng, centre, TRAINING_SHARES,
                         np.full(TRAINING_REPOSITORIES, TRAINING_PER_REPOSITORY), "gh")
    correct = 0
    for train, test in GroupKFold(TRAINING_REPOSITORIES).split(x, y, repo):
        model = LogisticRegression(max_iter=1000).fit(x[train], y[train])
        correct += int((model.predict(x[test]) == y[test]).sum())
    return round(correct / len(y), 3)


if __name__ == "__main__":
    main()
