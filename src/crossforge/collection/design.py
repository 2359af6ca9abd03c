"""Sampling designs: a seeded simple random sample, or a stratified one (creation year,
popularity or activity bins; proportional or equal allocation) whose stratum sizes are
stored so estimates can be weighted."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from crossforge.allocation import largest_remainder
from crossforge.collection.candidates import KNOWN, Candidate
from crossforge.errors import ConfigError


def _log_bin(value: int | None) -> str:
    """``0``, ``1-9``, ``10-99``, … (popularity and activity are heavy-tailed)."""
    if value is None:
        return "unknown"
    if value <= 0:
        return "0"
    low = 10 ** int(math.log10(value))
    return f"{low}-{low * 10 - 1}"


STRATA: dict[str, tuple[str, Callable[[Candidate], str]]] = {
    "year": ("created_at", lambda c: str(c.created_at.astimezone(UTC).year)
             if c.created_at else "unknown"),
    "popularity": ("popularity", lambda c: _log_bin(c.popularity)),
    "activity": ("activity", lambda c: _log_bin(c.activity)),
}
ALLOCATIONS = ("proportional", "equal")


@dataclass(frozen=True)
class Design:
    """How many to draw and how: simple random (no strata) or stratified."""

    size: int | None = None
    seed: int = 0
    strata: tuple[str, ...] = ()
    allocation: str = "proportional"

    def check(self, method: str) -> None:
        for name in self.strata:
            if name not in STRATA:
                raise ConfigError(f"--strata {name!r}: choose from {', '.join(STRATA)}")
            if STRATA[name][0] not in KNOWN[method]:
                raise ConfigError(f"--strata {name}: a {method} frame does not know "
                                  f"{STRATA[name][0]} at sampling time")
        if self.allocation not in ALLOCATIONS:
            raise ConfigError(f"--allocation {self.allocation!r}: choose proportional or equal")
        if self.size is not None and self.size < 0:
            raise ConfigError("--size must not be negative")


def simple_random(population: list[str], size: int | None, seed: int) -> list[str]:
    """``size`` repositories drawn without replacement (all, shuffled, when size is None)."""
    chosen = sorted(population)
    random.Random(seed).shuffle(chosen)
    return chosen if size is None else chosen[:size]


def stratum_of(candidate: Candidate, design: Design) -> str | None:
    """The stratum a candidate is drawn from (None in an unstratified design)."""
    if not design.strata:
        return None
    return "|".join(f"{name}={STRATA[name][1](candidate)}" for name in design.strata)


def draw(population: Iterable[Candidate], design: Design) -> tuple[list[str], dict[str, Any]]:
    """The drawn repositories and what to store about the draw.

    Stratified draws sample each stratum with its own seeded generator (so a stratum's draw
    does not depend on the others) and store every stratum's population ``N`` and draw ``n``:
    a repository of stratum h stands for ``N_h / n_h`` repositories of the population.
    """
    candidates = {c.repo: c for c in population}
    if not design.strata:
        return simple_random(list(candidates), design.size, design.seed), {"design": "simple"}
    groups: dict[str, list[str]] = {}
    for repo in sorted(candidates):
        groups.setdefault(str(stratum_of(candidates[repo], design)), []).append(repo)
    keys = sorted(groups)
    sizes = {k: len(groups[k]) for k in keys}
    total = min(design.size if design.size is not None else len(candidates), len(candidates))
    rng = random.Random(design.seed)
    if design.allocation == "proportional":
        allocated = largest_remainder(sizes, total, rng)
    else:
        allocated = _equal(sizes, total, rng)
    chosen: list[str] = []
    for key in keys:
        chosen += random.Random(f"{design.seed}:{key}").sample(groups[key], allocated[key])
    rng.shuffle(chosen)  # collection order is random, so a partial collection is a sample too
    return chosen, {"design": "stratified", "strata": list(design.strata),
                    "allocation": design.allocation,
                    "strata_sizes": {k: {"N": sizes[k], "n": allocated[k]} for k in keys}}


def _equal(sizes: dict[str, int], total: int, rng: random.Random) -> dict[str, int]:
    """The same number from every stratum; what a small stratum cannot give goes to others."""
    allocated = dict.fromkeys(sizes, 0)
    remaining = total
    while remaining > 0:
        open_strata = [k for k in sorted(sizes) if allocated[k] < sizes[k]]
        rng.shuffle(open_strata)
        share, extra = divmod(remaining, len(open_strata))
        for index, key in enumerate(open_strata):
            give = min(sizes[key] - allocated[key], share + (index < extra))
            allocated[key] += give
            remaining -= give
    return allocated
