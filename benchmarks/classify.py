"""Benchmark: the thread-type classifier vs a TF-IDF + linear baseline, in one run.

On ``../shared/corpus/issues_labeled_train.csv`` (1,500 GitHub issues, five projects,
bug / feature / question → usage), for crossforge's default configuration and for a plain
baseline (word 1–2-gram TF-IDF of title + body, logistic regression):

- macro-F1 with 5-fold cross-validation **grouped by repository** (a project is never in
  both training and test — how the model meets a new study's repositories),
- macro-F1 with stratified 5-fold cross-validation (projects shared between folds — closer
  to the published held-out split of the same five projects),
- throughput in threads per second of ``predict_proba`` from raw title and body (the
  normalisation included) on 20,000 threads, single process, and with two worker processes.

Run:  python benchmarks/classify.py
Writes benchmarks/results/classify.json.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
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
from crossforge.classify.model import thread_texts

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent.parent / "shared" / "corpus" / "issues_labeled_train.csv"
RESULTS = HERE / "results" / "classify.json"
THROUGHPUT_THREADS = 20_000
PUBLISHED = {"fastText": 0.718, "RoBERTa": 0.792, "SetFit": 0.824, "GPT-4o fine-tuned": 0.857}


def baseline() -> object:
    """Word 1–2-gram TF-IDF of the raw title and body with logistic regression."""
    return make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2),
                         LogisticRegression(C=4.0, max_iter=3000))


def raw_texts(frame: pd.DataFrame) -> np.ndarray:
    return (frame["title"] + " " + frame["body"]).to_numpy(dtype=object)


def cross_validated_f1(frame: pd.DataFrame, kind: str, grouped: bool) -> float:
    labels = frame["label"].to_numpy(dtype=object)
    if grouped:
        splits = GroupKFold(5).split(frame, labels, frame["repo"])
    else:
        splits = StratifiedKFold(5, shuffle=True, random_state=0).split(frame, labels)
    predicted = np.empty(len(labels), dtype=object)
    texts = (np.array(thread_texts(frame), dtype=object) if kind == "crossforge"
             else raw_texts(frame))
    for train_index, test_index in splits:
        model = classify.ThreadClassifier() if kind == "crossforge" else baseline()
        model.fit(texts[train_index], labels[train_index])
        predicted[test_index] = model.predict(texts[test_index])
    return float(f1_score(labels, predicted, average="macro"))


def _default_throughput_chunk(chunk: pd.DataFrame) -> int:
    classify.load_model().predict_proba(chunk)
    return len(chunk)


def throughput(frame: pd.DataFrame, kind: str, workers: int = 1) -> float:
    threads = frame.sample(THROUGHPUT_THREADS, replace=True, random_state=1)[["title", "body"]]
    if kind == "crossforge" and workers > 1:
        size = -(-len(threads) // (workers * 4))
        chunks = [threads.iloc[i:i + size] for i in range(0, len(threads), size)]
        start = time.perf_counter()
        with ProcessPoolExecutor(workers) as pool:
            done = sum(pool.map(_default_throughput_chunk, chunks))
        return done / (time.perf_counter() - start)
    if kind == "crossforge":
        model = classify.load_model()
        start = time.perf_counter()
        model.predict_proba(threads)
    else:
        model = baseline().fit(raw_texts(frame), frame["label"])
        start = time.perf_counter()
        model.predict_proba(raw_texts(threads))
    return len(threads) / (time.perf_counter() - start)


def main() -> None:
    if not CORPUS.exists():
        sys.exit(f"{CORPUS} is absent: this benchmark needs the shared labelled issues")
    frame = classify.read_labelled(CORPUS)
    results: dict[str, object] = {
        "crossforge_version": __version__, "python": platform.python_version(),
        "cpus": os.cpu_count(), "data": f"{len(frame)} issues from {frame['repo'].nunique()} "
                                        "repositories (shared corpus)",
        "published_macro_f1_held_out_same_projects": PUBLISHED, "models": {}}
    for kind in ("crossforge", "baseline"):
        figures = {
            "macro_f1_grouped_by_repository": cross_validated_f1(frame, kind, grouped=True),
            "macro_f1_stratified": cross_validated_f1(frame, kind, grouped=False),
            "threads_per_second_1_process": throughput(frame, kind),
        }
        if kind == "crossforge":
            figures["threads_per_second_2_processes"] = throughput(frame, kind, workers=2)
        results["models"][kind] = {k: round(v, 4 if "f1" in k else 1) for k, v in figures.items()}
        print(kind, json.dumps(results["models"][kind]))
    default, base = results["models"]["crossforge"], results["models"]["baseline"]
    results["ratios_crossforge_over_baseline"] = {
        k: round(default[k] / base[k], 3) for k in base}
    print("ratios", json.dumps(results["ratios_crossforge_over_baseline"]))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
