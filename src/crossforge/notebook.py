"""A study opened in a notebook: its data as DataFrames and the report's figures.

``crossforge.open_study`` takes a study database or a ``study.toml`` and gives the measures,
the statistics, the threads and the networks as pandas DataFrames, and plotting helpers that
return matplotlib figures. The helpers call the functions in ``crossforge.report.figures`` that draw
the report, so a figure made here is the report's figure.

Example:
    >>> import crossforge
    >>> study = crossforge.open_study("crossforge-demo/demo.duckdb")    # doctest: +SKIP
    >>> study.measures.groupby("platform")["contributors"].median()     # doctest: +SKIP
    >>> study.statistics.query("comparison == 'raw'")[["measure", "effect_value", "p_holm"]]
    ... # doctest: +SKIP
    >>> study.plot_ecdf("commits_per_month").savefig("commits.pdf")     # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path

import igraph as ig
import pandas as pd
from matplotlib.figure import Figure

from crossforge.api import measure
from crossforge.errors import StoreError
from crossforge.measures import CollaborationNetworks, MeasureResult
from crossforge.report import PLATFORM_LABELS, figures, report_figures
from crossforge.store import Store
from crossforge.study import Study

_THREADS_SQL = """
SELECT t.* EXCLUDE (provenance_id), l.label, l.probability AS label_probability
FROM threads t LEFT JOIN thread_labels l USING (platform, repo, number)
ORDER BY t.platform, t.repo, t.number
"""


class OpenStudy:
    """One study's data, computed on first use and kept for the session.

    Measures and statistics are computed from the store (read-only) the way
    ``crossforge.measure`` computes them, with the study's bootstrap settings; nothing is
    written next to the database.

    Attributes:
        db: the study database.
        n_bootstrap, seed: the bootstrap settings of the statistics.
    """

    def __init__(self, db: str | Path, *, n_bootstrap: int = 1000, seed: int = 0) -> None:
        self.db = Path(db)
        if not self.db.is_file():
            raise StoreError(f"study database {self.db} does not exist")
        self.n_bootstrap = n_bootstrap
        self.seed = seed

    def __repr__(self) -> str:
        return f"OpenStudy({str(self.db)!r}, n_bootstrap={self.n_bootstrap}, seed={self.seed})"

    @cached_property
    def result(self) -> MeasureResult:
        """Everything ``crossforge.measure`` computes (its files go to a temporary folder)."""
        with tempfile.TemporaryDirectory(prefix="crossforge-notebook-") as out:
            result = measure(self.db, out, n_bootstrap=self.n_bootstrap, seed=self.seed)
        return dataclasses.replace(result, paths={})

    @property
    def synthetic(self) -> bool:
        """True for demo data: figures then carry the SYNTHETIC DEMO DATA mark."""
        return bool(self.result.summary.get("synthetic"))

    @property
    def measures(self) -> pd.DataFrame:
        """One row per repository, every measure (``docs/measures.md``)."""
        return self.result.repositories

    @property
    def statistics(self) -> pd.DataFrame:
        """GitHub vs Hub per measure, raw and stratified (``docs/statistics.md``)."""
        return self.result.statistics

    @property
    def organisations(self) -> pd.DataFrame:
        """Per platform: repositories and contributions under organisations."""
        return self.result.organisations

    @property
    def type_shares(self) -> pd.DataFrame:
        """Thread types per platform, raw and corrected, with 95% intervals."""
        return self.result.evolution["type_shares"]

    @property
    def survival(self) -> pd.DataFrame:
        """Kaplan–Meier maintenance curves per platform."""
        return self.result.evolution["survival"]

    @cached_property
    def threads(self) -> pd.DataFrame:
        """Every issue, pull request and discussion, with its type label when classified (pull
        requests and bot threads are not, unless ``classify --include`` asked for them)."""
        with Store(self.db, read_only=True) as store:
            return store.frame(_THREADS_SQL)

    @cached_property
    def graphs(self) -> dict[str, dict[str, ig.Graph]]:
        """``{platform: {"co_contribution": Graph, "replies": Graph}}`` (igraph, bots out),
        built from the store: a measured study keeps only the co-contribution graphs that
        the report draws."""
        with Store(self.db, read_only=True) as store:
            return CollaborationNetworks().graphs(store)

    @property
    def networks(self) -> pd.DataFrame:
        """One row per platform and network, one column per network statistic."""
        return pd.DataFrame([{"platform": platform, "network": name, **stats}
                             for platform, nets in sorted(self.result.networks.items())
                             for name, stats in nets.items()])

    def plot_ecdf(self, measure: str) -> Figure:
        """The report's ECDF of one measure per platform (symmetric log scale).

        >>> study.plot_ecdf("contributors")          # doctest: +SKIP
        """
        if measure not in self.measures:
            raise KeyError(f"no measure {measure!r}; see study.measures.columns")
        return figures.ecdf_figure(self.measures, measure, synthetic=self.synthetic)

    def plot_survival(self) -> Figure:
        """The report's maintenance survival curves with 95% bands."""
        return figures.survival_figure(self.survival, synthetic=self.synthetic)

    def plot_type_shares(self) -> Figure:
        """The report's thread-type shares (corrected, with intervals; raw as dots)."""
        return figures.type_shares_figure(self.type_shares, synthetic=self.synthetic)

    def plot_network(self, platform: str, network: str = "co_contribution") -> Figure:
        """The report's picture of one platform's network (``co_contribution`` or
        ``replies``); people are anonymous dots."""
        kept = self.result.graphs if "result" in self.__dict__ else {}
        graph = kept.get(platform, {}).get(network)    # measured: the graph it kept
        if graph is None:
            graph = self.graphs[platform][network]
        title = f"{PLATFORM_LABELS.get(platform, platform)} {network.replace('_', '-')}"
        return figures.network_figure(graph, title=title, synthetic=self.synthetic)

    def figures(self) -> Iterator[tuple[str, Figure]]:
        """Every figure of the report, as (file name, figure), in the report's order."""
        return report_figures(self.result)


def open_study(path: str | Path, *, n_bootstrap: int | None = None,
               seed: int | None = None) -> OpenStudy:
    """Open a study for analysis: a study database (``.duckdb``) or a ``study.toml``.

    With a ``study.toml`` the database and the bootstrap settings come from the file;
    ``n_bootstrap`` and ``seed`` override them (fewer resamples are quicker to explore).

    Example:
        >>> import crossforge
        >>> study = crossforge.open_study("study.toml")               # doctest: +SKIP
        >>> study.measures.head()                                      # doctest: +SKIP
        >>> study.threads.label.value_counts()                         # doctest: +SKIP
        >>> study.networks.set_index(["platform", "network"])["density"]  # doctest: +SKIP
        >>> study.plot_network("huggingface")                          # doctest: +SKIP

    Raises:
        ConfigError: a ``study.toml`` that is missing or malformed.
        StoreError: the database does not exist or cannot be read.
    """
    path = Path(path)
    if path.suffix == ".toml":
        config = Study.read(path)
        return OpenStudy(config.database,
                         n_bootstrap=config.bootstrap if n_bootstrap is None else n_bootstrap,
                         seed=config.seed if seed is None else seed)
    return OpenStudy(path, n_bootstrap=1000 if n_bootstrap is None else n_bootstrap,
                     seed=0 if seed is None else seed)
