"""Classifying the store's threads in place (table ``thread_labels``)."""

from __future__ import annotations

from crossforge.content.classify import ChatClassifier, ThreadClassifier, classify_frame
from crossforge.store import Store


def classify_threads(store: Store, classifier: ThreadClassifier | ChatClassifier,
                     model_name: str, labels: list[str] | None = None) -> dict[str, int]:
    """Label every thread of ``store`` with ``classifier``, store each label with its
    probability under ``model_name`` (so type shares find the model's card again), and
    return the threads per label."""
    threads = store.frame("SELECT platform, repo, number, title, body FROM threads")
    result = classify_frame(threads, classifier, labels)
    probability = result.filter(like="p_").max(axis=1) if len(result) else []
    store.write_thread_labels(result.assign(probability=probability), model_name)
    return {str(k): int(v) for k, v in result["label"].value_counts().items()}
