"""Allocating a sample across strata: shared by the sampling designs (``collection``) and
the labelling samples (``content``), which must not import each other."""

from __future__ import annotations

import random


def largest_remainder(sizes: dict[str, int], total: int, rng: random.Random) -> dict[str, int]:
    """Proportional allocation rounded by largest remainder (ties broken with the seed).

    Each stratum gets the integer part of its share of ``total``; the units left go to the
    largest fractional parts, so the allocation sums to ``total`` and stays reproducible.
    """
    population = sum(sizes.values())
    shares = {k: total * n / population for k, n in sizes.items()} if population else {}
    allocated = {k: int(s) for k, s in shares.items()}
    order = sorted(shares, key=lambda k: (-(shares[k] - allocated[k]), rng.random()))
    for key in order[:total - sum(allocated.values())]:
        allocated[key] += 1
    return {k: allocated.get(k, 0) for k in sizes}
