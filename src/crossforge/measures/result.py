"""The bundle of measure outputs that ``crossforge.measure`` returns and the report reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd


@dataclass(frozen=True, slots=True)
class MeasureResult:
    """What ``measure`` computed and where it wrote it.

    Attributes:
        repositories: one row per repository: intensity, openness and innovation measures.
        organisations: one row per platform: organisation shares.
        innovation: one row per platform: adaptation vs improvement.
        networks: per platform and network, its summary statistics.
        evolution: beyond the seed study (DataFrames, each written as ``NAME.csv``):
            ``trends`` by creation year, maintenance ``survival`` curves, community
            ``migration`` per upstream repository, Hub–GitHub project ``pairs`` and their
            ``paired_tests``, ``documentation`` section shares and ``datasets``; openness
            and improvement by size stratum (``size_strata``) and their trend tests
            (``size_trends``).
        statistics: the tidy OSS-vs-OSM comparison table.
        summary: what ``summary.json`` holds.
        graphs: per platform, the igraph co-contribution network that ``networks``
            describes, kept for the report's network pictures so it is built once (not
            written to disk); the reply networks, which the report does not draw, are not
            kept (``CollaborationNetworks().graphs`` builds every network).
    """

    repositories: pd.DataFrame
    organisations: pd.DataFrame
    innovation: pd.DataFrame
    networks: dict
    evolution: dict[str, pd.DataFrame]
    statistics: pd.DataFrame
    summary: dict
    paths: dict[str, Path]
    graphs: dict = field(default_factory=dict)
