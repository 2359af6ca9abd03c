"""A population's repositories, and what each sampling method knows about them.

A filter or a stratum may only use a field its method knows at sampling time (``KNOWN``):
the frames, the designs and every population method share this vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

FIELDS = ("created_at", "popularity", "activity", "is_fork", "is_archived", "is_mirror")


@dataclass(frozen=True, slots=True)
class Candidate:
    """One repository of a population, with what its method told about it.

    Attributes:
        popularity: GitHub stars or Hub likes.
        activity: GH Archive events (work, not stars or forks) or Hub downloads (30 days).
    """

    repo: str
    created_at: datetime | None = None
    popularity: int | None = None
    activity: int | None = None
    is_fork: bool | None = None
    is_archived: bool | None = None
    is_mirror: bool | None = None


#: The fields each method knows at sampling time (what the filters and strata may use).
KNOWN: dict[str, frozenset[str]] = {
    "list": frozenset(),
    "hub-listing": frozenset({"created_at", "popularity", "activity"}),
    "github-random-ids": frozenset({"is_fork"}),
    "github-search": frozenset({"created_at", "popularity", "is_fork", "is_archived",
                                "is_mirror"}),
    "gharchive": frozenset({"activity"}),
    # an earlier frame with its collected metadata: GitHub has no activity count there,
    # the Hub no forks, mirrors or archiving
    "github-frame": frozenset(FIELDS) - {"activity"},
    "huggingface-frame": frozenset({"created_at", "popularity", "activity"}),
}
