"""Zero- or few-shot labelling by any OpenAI-compatible chat endpoint (e.g. a local server).

Selected with ``--model chat``; configured by environment variables so that a key never sits
on a command line: ``CROSSFORGE_CHAT_URL`` (the API base, default
``http://127.0.0.1:8000/v1``), ``CROSSFORGE_CHAT_MODEL`` (the model name the server expects)
and, if the server wants one, ``CROSSFORGE_CHAT_KEY``. Each thread is one
``POST {base}/chat/completions`` at temperature 0; the reply's first type name is the label
(probability 1). A reply naming no type gets equal probabilities, so it is visible, not
guessed. Such a model has no cross-validated predictions: type shares corrected for its
errors need a labelled sample (``crossforge classify evaluate``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

import httpx
import numpy as np
import pandas as pd

from crossforge.content.classify.model import thread_texts
from crossforge.errors import ConfigError

DEFAULT_URL = "http://127.0.0.1:8000/v1"
DEFINITIONS = {
    "bug": "something does not work as it should (errors, crashes, wrong output)",
    "usage": "a question on how to use or run it, install it, or what it allows "
             "(including license and hardware questions)",
    "feature": "a request for something new: a feature, option, format, weights or support",
    "documentation": "a problem with or request for documentation, model card or README",
    "other": "anything else (thanks, announcements, spam, discussion)",
}


class ChatClassifier:
    """Label threads by asking a chat model; ``examples`` (title+body text, label) make it
    few-shot."""

    def __init__(self, url: str = DEFAULT_URL, model: str = "default", *, key: str | None = None,
                 classes: Sequence[str] = tuple(DEFINITIONS),
                 examples: Sequence[tuple[str, str]] = (), timeout: float = 60.0) -> None:
        self.url = url.rstrip("/")
        self.model = model
        self.classes_ = np.array(list(classes), dtype=object)
        self.examples = list(examples)
        self.card_: dict = {}
        self._client = httpx.Client(
            timeout=timeout, headers={"Authorization": f"Bearer {key}"} if key else {})

    @classmethod
    def from_environment(cls) -> ChatClassifier:
        """The endpoint named by ``CROSSFORGE_CHAT_URL``, ``_MODEL`` and ``_KEY``."""
        return cls(os.environ.get("CROSSFORGE_CHAT_URL", DEFAULT_URL),
                   os.environ.get("CROSSFORGE_CHAT_MODEL", "default"),
                   key=os.environ.get("CROSSFORGE_CHAT_KEY") or None)

    def _messages(self, text: str) -> list[dict[str, str]]:
        types = "\n".join(f"- {c}: {DEFINITIONS.get(c, c)}" for c in self.classes_)
        system = ("You label GitHub issues and Hugging Face Hub discussions by type. "
                  f"Types:\n{types}\nAnswer with the type name only.")
        messages = [{"role": "system", "content": system}]
        for example, label in self.examples:
            messages += [{"role": "user", "content": example},
                         {"role": "assistant", "content": label}]
        return messages + [{"role": "user", "content": text}]

    def _ask(self, text: str) -> str:
        try:
            response = self._client.post(f"{self.url}/chat/completions", json={
                "model": self.model, "temperature": 0, "max_tokens": 5,
                "messages": self._messages(text)})
            response.raise_for_status()
            return str(response.json()["choices"][0]["message"]["content"])
        except httpx.HTTPStatusError as exc:
            raise ConfigError(f"chat endpoint {self.url} answered "
                              f"{exc.response.status_code}") from None
        except httpx.HTTPError as exc:
            raise ConfigError(f"chat endpoint {self.url} unreachable: "
                              f"{type(exc).__name__}") from None
        except (ValueError, KeyError, IndexError, TypeError):
            raise ConfigError(f"chat endpoint {self.url} gave no chat completion") from None

    def predict_proba(self, X: pd.DataFrame | Sequence[str]) -> np.ndarray:
        """One-hot rows for the type each reply names first; equal rows when it names none."""
        texts = thread_texts(X) if isinstance(X, pd.DataFrame) else list(X)
        names = re.compile(r"\b(" + "|".join(map(re.escape, self.classes_)) + r")\b",
                           re.IGNORECASE)
        rows = np.full((len(texts), len(self.classes_)), 1 / len(self.classes_))
        index = {str(c): i for i, c in enumerate(self.classes_)}
        for row, text in enumerate(texts):
            found = names.search(self._ask(text[:4000]))
            if found:
                rows[row] = 0.0
                rows[row, index[found.group(1).lower()]] = 1.0
        return rows

    def predict(self, X: pd.DataFrame | Sequence[str]) -> np.ndarray:
        """The type each reply names."""
        return self.classes_[self.predict_proba(X).argmax(axis=1)]
