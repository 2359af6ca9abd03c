"""The measure suite end to end: every measure and the platform comparison on one store,
written into an output directory (the files ``crossforge.measure`` documents).

The API checks the arguments and opens the store; this module only computes and writes, so
the same run serves the CLI, the report and the notebook.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from crossforge.content.classify.stored import ThreadScope
from crossforge.content.shares import stored_type_shares
from crossforge.defaults import COMPARED_KINDS
from crossforge.errors import ConfigError, first_line, writing_into
from crossforge.measures import (
    COMPARED_MEASURES,
    ActivitySurvival,
    CollaborationIntensity,
    CollaborationNetworks,
    CommunityMigration,
    DatasetProvenance,
    DocumentationCompleteness,
    MeasureResult,
    Openness,
    Organisations,
    ProjectPairs,
    TouchedFiles,
    UserInnovation,
    adaptation_summary,
    dataset_summary,
    dataset_table,
    documentation_summary,
    median_survival,
    paired_comparison,
    paired_sides,
    summarize,
    survival_curves,
    trends_by_year,
)
from crossforge.measures.engine import open_engine
from crossforge.measures.forum import forum_frames
from crossforge.measures.knowledge_exchange import KnowledgeExchange, knowledge_comparison
from crossforge.measures.networks import NullModel, describe_networks
from crossforge.measures.organisations import share_intervals
from crossforge.measures.people import CrossPlatformPeople, people_summary
from crossforge.measures.roles import person_roles_table
from crossforge.measures.sociotechnical import socio_technical_summary
from crossforge.measures.statistics import PlatformComparison, ratio_estimates
from crossforge.measures.weights import WEIGHT_COLUMN, design_weights
from crossforge.spreadsheet import neutralise, write_csv
from crossforge.store import Store

#: Rows per Parquet row group: pyarrow's default for ``write_table``, so the file is the one
#: ``DataFrame.to_parquet`` writes.
_ROW_GROUP = 1024 * 1024
#: What identifies a repository in every per-repository frame.
_KEYS = ["platform", "repo"]
#: Threads beside the summaries: the comparison (itself on two, its bootstraps drawing
#: outside the GIL) and the per-repository files (DuckDB's CSV, Arrow's Parquet).
_WORKERS = 2


def run_measures(store: Store, out: Path, *, synthetic: bool, n_bootstrap: int = 1000,
                 seed: int = 0, engine: str = "duckdb", threads: int | None = None,
                 memory_limit: str | None = None,
                 kinds: Sequence[str] = COMPARED_KINDS,
                 frame: str | None = None,
                 type_share_scope: ThreadScope | None = None) -> MeasureResult:
    """Compute every measure on ``store`` and write them into ``out`` (created if needed).

    Args:
        store: the open store; the measures' SQL runs on ``engine`` over it.
        out: the output directory.
        synthetic: the data come from a generated world; every output file says so.
        n_bootstrap, seed: bootstrap resamples and seed of the intervals.
        engine, threads, memory_limit, kinds, frame: as for ``crossforge.measure``.
        type_share_scope: the threads type shares are about (issues and discussions by
            people, by default).

    Raises:
        ConfigError: ``out`` cannot be created or written (read-only, full, not a folder);
            it is created first, so that shows before the measures run.
    """
    with writing_into(out):
        out.mkdir(parents=True, exist_ok=True)
    with open_engine(store, engine, threads=threads, memory_limit=memory_limit,
                     kinds=tuple(kinds), frame=frame) as sql, ExitStack() as roles:
        # The measures that read the roles share one computation, dropped after the last.
        roles.enter_context(person_roles_table(sql))
        repositories = CollaborationIntensity().compute(sql)
        repositories = _left_join(repositories, Openness().compute(sql))
        repositories = _left_join(repositories, UserInnovation().compute(sql))
        repositories = _left_join(repositories, sql.frame(
            "SELECT platform, repo, popularity, parameters, storage_bytes, language "
            "FROM repositories"))
        repositories = _left_join(repositories, TouchedFiles().compute(sql))
        knowledge = KnowledgeExchange().by_channel(sql, *forum_frames(sql))
        repositories = _left_join(repositories,
                                  KnowledgeExchange.columns(knowledge, repositories))
        documents = DocumentationCompleteness().compute(sql)
        repositories = _left_join(
            repositories, documents[["platform", "repo", "doc_completeness", "doc_words"]])
        pairs, project_links = ProjectPairs().compute(sql), ProjectPairs().links(sql)
        dataset_edges = DatasetProvenance().compute(sql)
        organisations, owners = Organisations().compute_with_repositories(sql)
        people = CrossPlatformPeople().compute(sql)
        roles.close()
        repositories[WEIGHT_COLUMN], designs = design_weights(
            store, repositories[["platform", "repo"]], frame)
        built = CollaborationNetworks().networks(sql)
        networks = describe_networks(built, NullModel(seed=seed))
        # Kept as igraph graphs: the co-contribution networks, which the report draws.
        graphs = {platform: {"co_contribution": nets["co_contribution"].graph()}
                  for platform, nets in built.items()}
        del built
        survival = survival_curves(ActivitySurvival().compute(sql))
        migration = CommunityMigration().compute(sql)
        derivations = sql.frame("SELECT child, parent, relation, relation_source, platform "
                                "FROM derivations ORDER BY ALL")
        collection = _collection_limits(store)
        type_shares = stored_type_shares(store, n_bootstrap=n_bootstrap, seed=seed,
                                         scope=type_share_scope)
    _release_cache(store, memory_limit if engine == "duckdb" else None)
    return _compare_and_write(
        out, synthetic=synthetic, n_bootstrap=n_bootstrap, seed=seed,
        repositories=repositories, knowledge=knowledge, documents=documents, pairs=pairs,
        project_links=project_links, dataset_edges=dataset_edges,
        organisations=organisations, owners=owners, people=people, designs=designs,
        networks=networks, graphs=graphs, survival=survival, migration=migration,
        derivations=derivations, collection=collection, type_shares=type_shares)


def _compare_and_write(out: Path, *, synthetic: bool, n_bootstrap: int, seed: int,
                       repositories: pd.DataFrame, knowledge: pd.DataFrame,
                       documents: pd.DataFrame, pairs: pd.DataFrame,
                       project_links: pd.DataFrame, dataset_edges: pd.DataFrame,
                       organisations: pd.DataFrame, owners: pd.DataFrame,
                       people: pd.DataFrame, designs: dict, networks: dict, graphs: dict,
                       survival: pd.DataFrame, migration: pd.DataFrame,
                       derivations: pd.DataFrame, collection: dict,
                       type_shares: pd.DataFrame) -> MeasureResult:
    """The platform comparison and every summary on the measures' frames, written into
    ``out``. The comparison (whose bootstraps draw outside the GIL) and the writing of the
    per-repository table (DuckDB's CSV, Arrow's Parquet) run on threads of their own beside
    the summaries: each interval has its own generator, so the results do not depend on
    what runs when."""
    # pandas deep-copies ``attrs`` into every frame and column derived from a frame: the
    # people's lists as text indexes cost a pointer copy each, not one per person.
    people.attrs = {name: pd.Index(value, dtype="str")
                    for name, value in people.attrs.items()}
    bootstrap = {"n_bootstrap": n_bootstrap, "seed": seed}
    with ThreadPoolExecutor(_WORKERS) as background:
        comparison = background.submit(
            PlatformComparison(**bootstrap).compute, repositories, COMPARED_MEASURES,
            weights=repositories[WEIGHT_COLUMN])
        tables = background.submit(_write_repositories, out, repositories)
        # The summaries run one after another: side by side, their copies of the table's
        # rows add up (a process killed for memory at full scale).
        socio_technical, size_strata, size_trends = socio_technical_summary(
            repositories, **bootstrap)
        exchange = knowledge_comparison(knowledge, repositories, **bootstrap)
        innovation = adaptation_summary(repositories, **bootstrap)
        organisations = organisations.merge(share_intervals(
            owners, _aligned_weights(owners, repositories), **bootstrap),
            on="platform", how="left")
        migration_shares = _migration_shares(migration, repositories, **bootstrap)
        people_figures = people_summary(people, **bootstrap)
        del owners
        pairs = paired_sides(pairs, repositories)
        evolution = {"trends": trends_by_year(repositories), "survival": survival,
                     "migration": migration, "type_shares": type_shares, "pairs": pairs,
                     "paired_tests": paired_comparison(pairs),
                     "documentation": documentation_summary(documents),
                     "datasets": dataset_table(dataset_edges)}
        platforms = summarize(repositories)
        datasets = dataset_summary(dataset_edges, repositories[["platform", "repo"]])
        evolution |= {"size_strata": size_strata, "size_trends": size_trends, **exchange}
        summary = {
            "synthetic": synthetic,
            "n_bootstrap": n_bootstrap,
            "seed": seed,
            "weights": designs,
            "collection": collection,
            "platforms": platforms,
            "organisations": records_for_json(organisations),
            "innovation": records_for_json(innovation),
            "median_maintenance_days": median_survival(survival),
            "migration_share": {p: m["value"] for p, m in migration_shares.items()},
            "migration": migration_shares,
            "project_links": records_for_json(project_links),
            "complete_pairs": int((pairs["hub_stored"] & pairs["github_stored"]).sum())
            if len(pairs) else 0,
            "datasets": datasets,
            "socio_technical": socio_technical | {
                "strata": records_for_json(evolution["size_strata"]),
                "trends": records_for_json(evolution["size_trends"])},
            "people": people_figures,
        }
        evolution["people_matches"] = people
        statistics = comparison.result()
        paths = {**tables.result(), **_write_outputs(
            out, organisations, innovation, derivations, networks, statistics, summary,
            evolution)}
    return MeasureResult(repositories, organisations, innovation, networks, evolution,
                         statistics, summary, paths, graphs=graphs)


def _left_join(left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
    """``left.merge(right, on=_KEYS, how="left")`` without copying ``left``: ``right``'s
    columns are aligned with ``left``'s rows (missing where it has none, with merge's
    dtypes) and set beside them, so the per-repository table is never held twice. Falls
    back to ``merge`` where the result could differ (clashing columns, repeated or missing
    keys, an index other than 0…n−1)."""
    added = [column for column in right.columns if column not in _KEYS]
    index = left.index
    if (set(added) & set(left.columns) or not isinstance(index, pd.RangeIndex)
            or index.start != 0 or index.step != 1 or right.duplicated(_KEYS).any()
            or left[_KEYS].isna().any(axis=None) or right[_KEYS].isna().any(axis=None)):
        return left.merge(right, on=_KEYS, how="left")
    positions = pd.MultiIndex.from_frame(right[_KEYS]).get_indexer(
        pd.MultiIndex.from_frame(left[_KEYS]))
    aligned = right[added].reset_index(drop=True).reindex(positions)
    aligned.index = index
    if not all(isinstance(side[key].dtype, pd.StringDtype)
               for side in (left, right) for key in _KEYS):
        # merge may give the keys another dtype (text as objects): take them from it
        keys = left[_KEYS].merge(right[_KEYS], on=_KEYS, how="left")
        left = left.assign(**{key: keys[key].set_axis(index) for key in _KEYS})
    return pd.concat([left, aligned], axis=1)


def _release_cache(store: Store, memory_limit: str | None) -> None:
    """Give back the store's cached blocks: every query has run, and the statistics step's
    frames need the memory. Lowering DuckDB's limit evicts them; the limit is then set back
    to ``memory_limit`` (DuckDB's default when None); nothing stays cached until a query
    reads again."""
    try:
        store.query("SET memory_limit = '64MB'")
    except duckdb.Error:
        pass      # blocks still pinned: they stay cached
    finally:
        if memory_limit:
            store.query("SET memory_limit = ?", [memory_limit])
        else:
            store.query("RESET memory_limit")


def _aligned_weights(rows: pd.DataFrame, repositories: pd.DataFrame) -> pd.Series:
    """The design weights of ``rows``' repositories (NaN where none), aligned with ``rows``."""
    keyed = repositories.set_index(["platform", "repo"])[WEIGHT_COLUMN]
    return pd.Series(keyed.reindex(pd.MultiIndex.from_frame(rows[["platform", "repo"]]))
                     .to_numpy(), index=rows.index, dtype="float64")


def _migration_shares(migration: pd.DataFrame, repositories: pd.DataFrame, *,
                      n_bootstrap: int, seed: int) -> dict[str, dict]:
    """Per platform, the pooled migration share Σ migrated ÷ Σ participants over upstream
    repositories with its bootstrap interval and n (upstream repositories), and the
    design-weighted share where the platform's design has weights."""
    weights = _aligned_weights(migration, repositories)
    return {str(platform): ratio_estimates(group["migrated"], group["participants"],
                                           key=f"migration_share:{platform}",
                                           weights=weights.loc[group.index],
                                           n_bootstrap=n_bootstrap, seed=seed)
            for platform, group in migration.groupby("platform", sort=True)}


def _collection_limits(store: Store) -> dict[str, dict[str, int]]:
    """Per platform, repositories the collection cut at a cap and those still failed: the
    measures cover only what was stored, and the report says so."""
    limits: dict[str, dict[str, int]] = {}
    for platform, what, count in store.query(
            "SELECT platform, 'truncated', count(DISTINCT repo) FROM collection_truncations "
            "GROUP BY ALL UNION ALL SELECT platform, 'failed', count(DISTINCT repo) FROM "
            "collection_tasks WHERE state = 'failed' GROUP BY ALL ORDER BY ALL").fetchall():
        limits.setdefault(platform, {})[what] = int(count)
    return limits


def _write_repositories(out: Path, repositories: pd.DataFrame) -> dict[str, Path]:
    """Write the per-repository table as CSV and as Parquet."""
    with writing_into(out):
        paths = {"csv": out / "repositories.csv", "parquet": out / "repositories.parquet"}
        _write_csv(repositories, paths["csv"])
        _write_parquet(repositories, paths["parquet"])
        return paths


def _write_outputs(out: Path, organisations: pd.DataFrame, innovation: pd.DataFrame,
                   derivations: pd.DataFrame, networks: dict, statistics: pd.DataFrame,
                   summary: dict, evolution: dict[str, pd.DataFrame]) -> dict[str, Path]:
    with writing_into(out):
        paths = {"organisations": out / "organisations.csv", "innovation": out / "innovation.csv",
                 "derivations": out / "derivations.csv", "networks": out / "networks.json",
                 "statistics": out / "statistics.json",
                 "statistics_parquet": out / "statistics.parquet", "summary": out / "summary.json"}
        write_csv(organisations, paths["organisations"])
        write_csv(innovation, paths["innovation"])
        write_csv(derivations, paths["derivations"])
        statistics.to_parquet(paths["statistics_parquet"], index=False)
        for name, frame in evolution.items():
            paths[name] = out / f"{name}.csv"
            write_csv(frame, paths[name])
        synthetic_data = summary["synthetic"]
        _write_json(paths["networks"], {"synthetic": synthetic_data, "platforms": networks})
        _write_json(paths["statistics"], {
            "synthetic": synthetic_data,
            "shown": "unweighted: each measured repository counts once; the weighted_* "
                     "columns give design-weighted estimates beside them where weights apply",
            "weights": summary["weights"],
            "comparisons": records_for_json(statistics),
            "knowledge_exchange": records_for_json(evolution["knowledge_exchange_tests"]),
            "socio_technical": summary["socio_technical"],
            "people": summary["people"]})
        _write_json(paths["summary"], summary)
        return paths


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` as CSV with DuckDB's writer: ten times pandas' speed on millions of
    rows (timestamps as ``2025-01-31 12:00:00+00``, booleans as ``true``/``false``). Text
    cells a spreadsheet would run as formulas are quoted first (``crossforge.spreadsheet``)."""
    with duckdb.connect() as con:
        con.register("frame", neutralise(frame))
        # One thread streams the rows in order; two buffer each other's share of the table
        # to keep that order (0.7 GiB more at 860,000 rows, for no less CPU time).
        con.execute("SET TimeZone = 'UTC'; SET threads = 1")
        target = str(path).replace("'", "''")
        try:
            con.execute(f"COPY frame TO '{target}' (HEADER, DELIMITER ',')")
        except duckdb.IOException as exc:
            raise ConfigError(f"cannot write {path}: {first_line(exc)}") from exc


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """``frame.to_parquet(path, index=False)``, byte for byte, converting one row group at a
    time: the whole table as Arrow would double the per-repository table in memory."""
    schema = pa.Schema.from_pandas(frame, preserve_index=False)
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, max(len(frame), 1), _ROW_GROUP):
            writer.write_table(pa.Table.from_pandas(
                frame.iloc[start:start + _ROW_GROUP], schema=schema, preserve_index=False))


def _write_json(path: Path, value: object) -> None:
    path.write_text(json.dumps(value, indent=2) + "\n", encoding="utf-8")


def records_for_json(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """``frame``'s rows as JSON-ready dicts at full precision: pandas' default of 10
    decimals would write a p-value of 2.4e-12 as 0.0."""
    return json.loads(frame.to_json(orient="records", double_precision=15))
