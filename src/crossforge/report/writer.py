"""The report: reads measures (never the sources) and renders HTML and Markdown with Jinja2.

Published figures from the seed study appear only in the labelled reference table, beside the
user's own numbers; they are never presented as crossforge's results.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import igraph as ig
import pandas as pd
from jinja2 import Environment, PackageLoader
from matplotlib.figure import Figure

from crossforge._version import __version__
from crossforge.content.shares import MIN_HUMAN_VALIDATION
from crossforge.errors import writing_into
from crossforge.measures.networks import NULL_MODEL_STATISTICS
from crossforge.measures.result import MeasureResult
from crossforge.report import figures
from crossforge.report.figures import PLATFORM_LABELS
from crossforge.report.manifest import replace_manifest
from crossforge.report.tables import latex_table, write_tables

SEED_STUDY = (
    "Ye & Zhou 2026, From OSS to Open Source AI (CSCW 2026), as reported in secondary write-ups"
)


@dataclass(frozen=True, slots=True)
class ReferenceFigure:
    """A published headline figure, shown beside the user's result with its source.

    Attributes:
        yours: the same quantity computed on the user's data, or why it is not available.
    """

    finding: str
    published: str
    yours: str
    source: str = SEED_STUDY


#: A finding is withheld (the report says why) where more than this share of a platform's
#: repositories have the value behind it unknown.
MAX_UNKNOWN_SHARE = 0.5
#: Measures that count the commit history as 0 where it was not observed (their n does not
#: show the gap), withheld while most Hub histories are unknown.
_COUNTED_FROM_HISTORY = ("has_external_contribution", "external_contributions",
                         "adaptation_index")
#: Why a Hub repository without commits is a gap: every Hub repository has at least one commit.
HUB_EMPTY_HISTORY = ("on the real Hub every repository has at least one commit; an empty "
                     "history is a collection gap, not a finding")


def unknown_share(summary: dict, platform: str, column: str) -> float | None:
    """The share of ``platform``'s repositories whose ``column`` is unknown (None: no data)."""
    entry = summary.get("platforms", {}).get(platform, {})
    total = entry.get("repositories", 0)
    if not total or column not in entry:
        return None
    return 1 - entry[column]["n"] / total


def withheld(summary: dict, column: str) -> str | None:
    """Why a comparison of ``column`` is not shown as a finding, or None when it may be:
    more than ``MAX_UNKNOWN_SHARE`` of a platform's repositories have it unknown."""
    reasons = []
    hub_gap = (unknown_share(summary, "huggingface", "commits") or 0) > MAX_UNKNOWN_SHARE
    if hub_gap and column in _COUNTED_FROM_HISTORY:
        return (f"not shown as a finding: {column} is counted from the commit history, which is "
                f"unknown for most Hub repositories; {HUB_EMPTY_HISTORY}")
    for platform, entry in sorted(summary.get("platforms", {}).items()):
        share = unknown_share(summary, platform, column)
        if share is not None and share > MAX_UNKNOWN_SHARE:
            total = entry["repositories"]
            reasons.append(f"{share:.0%} of {PLATFORM_LABELS.get(platform, platform)} "
                           f"repositories ({total - entry[column]['n']:,} of {total:,})")
    if not reasons:
        return None
    why = (f"not shown as a finding: {column} is unknown for " + " and ".join(reasons)
           + ", more than half")
    if hub_gap and column in INTENSITY_COLUMNS:
        why += f"; {HUB_EMPTY_HISTORY}"
    return why


def data_quality(repositories: pd.DataFrame, collection: dict) -> list[dict]:
    """The checks that open the report, per platform: what the data behind the findings
    lack. Each check is ``{"key", "check", "cells": {platform: {"count", "n", "share"}}}``.

    Unattributed commits are shown when the measures give ``unattributed_commit_share``
    (count: Σ share × commits over repositories with a known share; n: their commits).
    """
    checks: dict[str, tuple[str, dict[str, dict]]] = {
        "no_commits": ("repositories without any commit stored", {}),
        "owner_type": ("owner type unknown", {}),
        "unattributed": ("commits with no author (unattributed)", {}),
        "truncated": ("repositories cut at a collection cap (`collection_truncations`)", {}),
        "failed": ("repositories whose collection failed (`collection_tasks`)", {}),
        "created_at": ("start unknown (no creation date, no commit)", {}),
        "first_commit": ("start taken from the first commit (no creation date, or the Hub's "
                         "floor)", {}),
    }

    def cell(count: float, n: int) -> dict:
        return {"count": int(round(count)), "n": int(n),
                "share": float(count / n) if n else None}

    for platform, group in repositories.groupby("platform", sort=True):
        n = len(group)
        commits = pd.to_numeric(group.get("commits"), errors="coerce")
        checks["no_commits"][1][platform] = cell(int((commits.fillna(0) == 0).sum()), n)
        for key in ("owner_type", "created_at"):
            if key in group:
                checks[key][1][platform] = cell(int(group[key].isna().sum()), n)
        if "created_from" in group:
            checks["first_commit"][1][platform] = cell(
                int((group["created_from"] == "first_commit").sum()), n)
        if "unattributed_commit_share" in group:
            share = pd.to_numeric(group["unattributed_commit_share"], errors="coerce")
            known = share.notna() & commits.notna()
            checks["unattributed"][1][platform] = cell(
                float((share[known] * commits[known]).sum()), int(commits[known].sum()))
        limits = collection.get(platform, {})
        for key in ("truncated", "failed"):
            checks[key][1][platform] = cell(limits.get(key, 0), n)
    return [{"key": key, "check": label, "cells": cells}
            for key, (label, cells) in checks.items() if cells]


def _quality_share(quality: list[dict] | None, key: str, platform: str) -> float | None:
    """The share a data-quality check found on ``platform`` (None: not checked)."""
    for check in quality or []:
        if check["key"] == key and platform in check["cells"]:
            return check["cells"][platform]["share"]
    return None


def _relative(ratio: float, *, fold: bool) -> str:
    """A Hub ÷ GitHub ratio in words that are right both ways: "25.0% fewer in OSM" or
    "25.0% more", "100× lower" or "3× higher"."""
    if ratio == 1:
        return "the same in OSM"
    if fold:
        if ratio == 0:
            return "none in OSM"
        return (f"{1 / ratio:.3g}× lower in OSM" if ratio < 1
                else f"{ratio:.3g}× higher in OSM")
    return (f"{(1 - ratio) * 100:.1f}% fewer in OSM" if ratio < 1
            else f"{(ratio - 1) * 100:.1f}% more in OSM")


def _flag(value: object) -> str:
    """A type share's flag, "" when there is none (or the table predates flags)."""
    return value if isinstance(value, str) else ""


def type_share_notes(type_shares: pd.DataFrame | None) -> list[str]:
    """What the type shares are of, which confusion matrix corrected each platform, and
    every correction not shown as a finding (with its raw share and the reason)."""
    if type_shares is None or type_shares.empty:
        return []
    notes = []
    first = type_shares.iloc[0]
    if "scope" in type_shares:
        notes.append(f"Threads classified: {first.scope} — {int(first.excluded_pull_requests):,} "
                     f"pull requests and {int(first.excluded_bot_threads):,} bot-authored "
                     "threads left out.")
    for platform, rows in type_shares.groupby("group", sort=True):
        name = PLATFORM_LABELS.get(str(platform), str(platform))
        r = rows.iloc[0]
        if r.get("validation") == "human labels":
            notes.append(f"{name}: corrected with the confusion matrix of its own "
                         f"{int(r.validation_n):,} human-labelled threads.")
        elif str(platform) == "github":
            notes.append(f"{name}: corrected with the confusion matrix of the model card's "
                         f"cross-validation on {int(r.validation_n):,} labelled GitHub issues "
                         f"of other projects (fewer than {MIN_HUMAN_VALIDATION} of this "
                         "store's threads carry human labels).")
        else:
            notes.append(f"{name}: corrected with GitHub's confusion matrix (the model card's "
                         f"cross-validation on {int(r.validation_n):,} labelled GitHub issues), "
                         f"because fewer than {MIN_HUMAN_VALIDATION} of its threads carry human "
                         "labels: this assumes the classifier errs on its threads as on GitHub "
                         "issues, which is not validated.")
        for t in rows.to_dict("records"):
            if _flag(t.get("flag")):
                notes.append(f"{name}, {t['class']}: raw share {_format(t['raw_share'])} shown; "
                             f"the corrected share ({_format(t['adjusted_share'])}) is not a "
                             f"finding: {t['flag']}.")
    return notes


def seed_comparison(summary: dict, organisations: pd.DataFrame, statistics: pd.DataFrame,
                    type_shares: pd.DataFrame | None = None,
                    innovation: pd.DataFrame | None = None,
                    quality: list[dict] | None = None) -> list[ReferenceFigure]:
    """The seed study's headline figures beside the same quantities on the user's data.

    Every ratio is Hub ÷ GitHub of means per repository, from ``statistics`` (the raw
    comparison) with its bootstrap interval; each row names the column it compares.
    """
    platforms = summary.get("platforms", {})
    raw = (statistics[statistics["comparison"] == "raw"].set_index("measure")
           if len(statistics) else pd.DataFrame())

    def ratio(column: str, quantity: str, *, fold: bool) -> str:
        why = withheld(summary, column)
        if why:
            return f"{quantity} (`{column}`): {why}"
        if column not in raw.index or not (raw.at[column, "n_github"]
                                           and raw.at[column, "n_huggingface"]):
            return f"{quantity} (`{column}`): needs both platforms"
        r = raw.loc[column]
        if pd.isna(r.ratio_of_means):
            return (f"{quantity} (`{column}`): no ratio, the GitHub mean is 0 "
                    f"(n = {int(r.n_github):,}); Hub mean {_format(r.mean_huggingface)}")
        low, high = r.get("ratio_of_means_ci_low"), r.get("ratio_of_means_ci_high")
        interval = ("" if low is None or pd.isna(low) else
                    f" (95% interval {_relative(low, fold=fold)} to "
                    f"{_relative(high, fold=fold)})")
        weighted = ("" if r.get("weights") in (None, "none")
                    or pd.isna(r.get("weighted_ratio_of_means")) else
                    f"; design-weighted ({r.weights}) Hub ÷ GitHub = "
                    f"{_ci_of(r, 'weighted_ratio_of_means')}")
        return (f"{quantity} (`{column}`): {_relative(r.ratio_of_means, fold=fold)}{interval}; "
                f"Hub ÷ GitHub = {_ci(r.ratio_of_means, low, high)}, "
                f"n = {int(r.n_github):,} / {int(r.n_huggingface):,}{weighted}")

    hub = organisations.set_index("platform").to_dict("index").get("huggingface", {}) if len(
        organisations) else {}
    hub_org = hub.get("organisation_contribution_share")
    org_text = (f"{_percent_ci(hub, 'organisation_contribution_share')} (contributions to "
                "organisation-owned Hub repositories, `organisation_contribution_share`; n = "
                f"{_format(hub.get('known_owner_repositories'))} Hub repositories with a known "
                "owner type)" if hub_org is not None and not pd.isna(hub_org) else "no Hub data")
    if not pd.isna(hub.get("weighted_organisation_contribution_share", float("nan"))):
        org_text += ("; design-weighted "
                     f"{_percent_ci(hub, 'weighted_organisation_contribution_share')}")
    unknown_owner = _quality_share(quality, "owner_type", "huggingface")
    if unknown_owner is not None and unknown_owner > MAX_UNKNOWN_SHARE:
        org_text = (f"not shown as a finding: the owner type is unknown for "
                    f"{unknown_owner:.0%} of Hub repositories")
    counts = " / ".join(f"{platforms.get(p, {}).get('repositories', 0):,}"
                        for p in ("github", "huggingface"))

    def share(platform: str, cls: str) -> str:
        if type_shares is None or type_shares.empty:
            return "not measured in this run (content analysis: crossforge classify)"
        row = type_shares[(type_shares["group"] == platform) & (type_shares["class"] == cls)]
        if row.empty:
            return f"no classified {platform} threads"
        r = row.iloc[0]
        if _flag(r.get("flag")):
            return (f"raw {r.raw_share * 100:.1f}% (n = {r.n:,}); the correction for classifier "
                    f"error is not shown as a finding: {r.flag}")
        return (f"{r.adjusted_share * 100:.1f}% [{r.ci_low * 100:.1f}, {r.ci_high * 100:.1f}] "
                f"corrected for classifier error (raw {r.raw_share * 100:.1f}%, n = {r.n:,}; "
                f"`adjusted_share` of `{cls}` threads, type_shares.csv)")

    pooled = "" if innovation is None or innovation.empty else "; pooled adaptation index " + \
        "(`pooled_adaptation_index`, Σ derivatives ÷ Σ (derivatives + contributions back)): " \
        + ", ".join(f"{PLATFORM_LABELS.get(i.platform, i.platform)} {_pooled_text(i._asdict())}"
                    for i in innovation.itertuples())
    not_in_writeups = "compared in the study; no headline figure in the secondary write-ups"
    return [
        ReferenceFigure("Repositories studied (GitHub / Hub)", "1,428,792 / 1,440,527",
                        f"{counts} (repositories measured, `repositories`)"),
        ReferenceFigure("Contributors per repository, OSM vs OSS", "about 40% fewer in OSM",
                        ratio("contributors", "mean contributors per repository",
                              fold=False)),
        ReferenceFigure("Collaboration intensity, OSM vs OSS", "about 100× lower in OSM",
                        ratio("commits_per_month", "mean commits per month", fold=True)
                        + "; " + ratio("participants_per_month",
                                       "mean participants per month", fold=True)),
        ReferenceFigure("Openness: direct contribution vs knowledge exchange, OSM vs OSS",
                        not_in_writeups,
                        "direct contribution: " + ratio(
                            "external_commit_share", "mean external commit share",
                            fold=False)
                        + "; knowledge exchange: " + ratio(
                            "external_participant_share", "mean external participant share",
                            fold=False)
                        + "; " + ratio("answered_share", "mean share of threads answered",
                                       fold=False)),
        ReferenceFigure("User innovation: adaptive utilisation vs collaborative improvement",
                        f"adaptive utilisation over collaborative improvement ({not_in_writeups})",
                        ratio("derivatives", "mean derivatives per repository", fold=True)
                        + pooled),
        ReferenceFigure("Share of OSM contributions by organisations", "49.8%", org_text),
        ReferenceFigure("Bug reports among OSS threads", "42.7%", share("github", "bug")),
        ReferenceFigure("Usage questions among OSM threads", "40.0%",
                        share("huggingface", "usage")),
    ]


def _pooled_text(row: dict) -> str:
    """A pooled adaptation index with its interval and n, and the weighted one if any."""
    text = (f"{_ci_of(row, 'pooled_adaptation_index')} "
            f"(n = {_format(row.get('derivatives_n'))})")
    weighted = row.get("pooled_adaptation_index_weighted")
    if weighted is not None and not pd.isna(weighted):
        text += f", design-weighted {_ci_of(row, 'pooled_adaptation_index_weighted')}"
    return text


def _percent_ci(row: dict, column: str) -> str:
    """``row[column]`` as a percentage with its ``_ci_low``/``_ci_high`` interval."""
    def percent(value: object) -> str:
        return "–" if value is None or pd.isna(value) else f"{float(value) * 100:.1f}%"  # type: ignore[arg-type]
    return (f"{percent(row.get(column))} [{percent(row.get(f'{column}_ci_low'))}, "
            f"{percent(row.get(f'{column}_ci_high'))}]")


def unattributed_commits(repositories: pd.DataFrame) -> list[dict[str, object]]:
    """Per platform, commits whose author is unknown (the Hub's ``authors: []``) among all
    commits, pooled over repositories, so a reader sees how much of the history has no
    person behind it; ``share`` is None when the platform has no commits."""
    if not {"unattributed_commits", "commits"} <= set(repositories.columns):
        return []
    rows = []
    for platform, group in repositories.groupby("platform", sort=True):
        commits = int(pd.to_numeric(group["commits"], errors="coerce").fillna(0).sum())
        unknown = int(pd.to_numeric(group["unattributed_commits"], errors="coerce")
                      .fillna(0).sum())
        rows.append({"platform": str(platform), "commits": commits, "unattributed": unknown,
                     "share": unknown / commits if commits else None})
    return rows


#: The measures of the report's Summary, by the seed study's question.
SUMMARY_MEASURES = {
    "contributors": "Intensity", "commits_per_month": "Intensity",
    "participants_per_month": "Intensity", "external_commit_share": "Openness",
    "external_thread_share": "Openness", "has_external_contribution": "Openness",
}
INTENSITY_COLUMNS = (
    "commits", "contributors", "multi_contributor", "human_commits", "bot_commits",
    "active_months", "commits_per_contributor", "top_contributor_share", "truck_factor",
    "pull_requests", "threads", "comments", "participants", "commits_per_month",
    "contributors_per_month", "participants_per_month",
)
OPENNESS_COLUMNS = (
    "external_commit_share", "external_merged_pr_share", "has_external_contribution",
    "external_thread_share", "external_participant_share", "hours_to_first_response",
    "answered_share",
)
NETWORK_ROWS = (
    "nodes", "edges", "density", "components", "largest_component_share", "isolate_share",
    "mean_degree", "max_degree", "degree_gini", "clustering_global", "clustering_mean_local",
    "reciprocity", "max_k_core", "core_size", "core_periphery_fit",
    # Observed vs expected: the size-aware baseline and the degree-preserving null model.
    "clustering_random_expectation",
    *(f"{statistic}_{figure}" for statistic in NULL_MODEL_STATISTICS
      for figure in ("null_mean", "null_sd", "z", "ratio")),
    "null_model_sampled", "null_model_edges",
)
_YES_NO = ("multi_contributor", "has_external_contribution")
#: Measures drawn as ECDFs into ``figures/`` (yes/no measures have no distribution to draw).
ECDF_MEASURES = tuple(c for c in (*INTENSITY_COLUMNS, *OPENNESS_COLUMNS, "derivatives",
                                  "tree_size", "external_contributions", "adaptation_index")
                      if c not in _YES_NO)
#: Measures drawn as ECDFs in the HTML report, by section; ``figures/`` has one per measure.
REPORT_ECDFS = {
    "intensity": ("contributors", "commits", "commits_per_month", "participants_per_month"),
    "openness": ("external_commit_share", "hours_to_first_response"),
    "innovation": ("derivatives",),
}


#: How the report names the channels of ``measures.knowledge_exchange``.
CHANNEL_LABELS = {"issue_tracker": "issue tracker", "discussion_board": "discussion board",
                  "forum": "forum", "knowledge": "all channels"}


def knowledge_exchange_context(evolution: dict[str, pd.DataFrame]) -> dict[str, object]:
    """The "Knowledge exchange by channel" section's rows: per platform and channel, and
    the platform comparison's raw rows (empty lists for a run that measured none)."""
    tests = evolution.get("knowledge_exchange_tests")
    raw = tests[tests["comparison"] == "raw"] if tests is not None and len(tests) else None
    return {"knowledge_channels": _records(evolution.get("knowledge_exchange_channels")),
            "knowledge_tests": _records(raw), "channel_labels": CHANNEL_LABELS}


def markdown_cell(value: object) -> str:
    """Make any value safe inside a Markdown table cell: no HTML, no cell breaks."""
    text = " ".join(str(value).split())
    for raw, safe in (("<", "&lt;"), (">", "&gt;"), ("|", "\\|")):
        text = text.replace(raw, safe)
    return text


def _environment(*, html: bool) -> Environment:
    # HTML escapes everything (titles and logins are hostile until proven otherwise);
    # Markdown escapes data explicitly through the ``cell`` filter.
    env = Environment(
        loader=PackageLoader("crossforge.report", "templates"),
        autoescape=html,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cell"] = markdown_cell
    return env


def report_figures(result: MeasureResult, graphs: dict[str, dict[str, ig.Graph]] | None = None
                   ) -> Iterator[tuple[str, Figure]]:
    """Every figure of the report as (file name, matplotlib figure), drawn one at a time.

    ECDFs of every non-yes/no measure, maintenance survival, thread-type shares and each
    platform's co-contribution network, from ``graphs`` (``CollaborationNetworks().graphs``)
    or else from those ``measure`` built (``result.graphs``).
    """
    synthetic = bool(result.summary.get("synthetic"))
    repositories = result.repositories
    for column in ECDF_MEASURES:
        if column in repositories and pd.to_numeric(repositories[column],
                                                    errors="coerce").notna().any():
            yield f"ecdf_{column}", figures.ecdf_figure(repositories, column,
                                                        synthetic=synthetic)
    survival = result.evolution.get("survival")
    if survival is not None and len(survival):
        yield "survival", figures.survival_figure(survival, synthetic=synthetic)
    shares = result.evolution.get("type_shares")
    if shares is not None and len(shares):
        yield "type_shares", figures.type_shares_figure(shares, synthetic=synthetic)
    strata = result.evolution.get("size_strata")
    if strata is not None and len(strata) and strata["repositories"].sum() > 0:
        yield "size_strata", figures.size_strata_figure(strata, synthetic=synthetic)
    for platform, networks in sorted((result.graphs if graphs is None else graphs).items()):
        yield f"network_{figures.slug(platform)}", figures.network_figure(
            networks["co_contribution"], synthetic=synthetic,
            title=f"{PLATFORM_LABELS.get(platform, platform)} co-contribution")


def write_report(out: Path, result: MeasureResult, *, sources: list[dict],
                 graphs: dict[str, dict[str, ig.Graph]] | None = None,
                 figure_formats: Sequence[str] = figures.REPORT_FORMATS,
                 on_file: Callable[[str, int], None] | None = None,
                 interviews: dict | None = None) -> dict[str, Path]:
    """Render ``report.html``, ``report.md``, ``tables/*.tex`` and ``figures/*`` into ``out``,
    and record them in ``crossforge-files.json``: what an earlier report wrote there and this
    one did not is removed (``crossforge.report.manifest``).

    Args:
        out: the output directory (created if needed).
        result: what ``crossforge.measure`` computed; ``summary["synthetic"]`` marks every
            page, table and figure as synthetic.
        sources: provenance rows (source, origin, fetched_at, tool_version).
        graphs: the collaboration networks for the network pictures (default: those in
            ``result.graphs``, which ``measure`` built).
        figure_formats: the figure files' formats besides SVG, which is always written
            (``figures.report_formats``).
        on_file: told ``("figures", n)`` after each figure's files, then ``("report", n)``
            after each table, page and the manifest (progress displays).
        interviews: the coded interviews' section (``report.interviews.interview_context``),
            shown when the study has coded segments.

    Raises:
        ConfigError: ``out`` cannot be created or written (read-only, full, not a folder).
    """
    with writing_into(out):
        return _write_report(out, result, sources=sources, graphs=graphs,
                             formats=figures.report_formats(figure_formats),
                             on_file=on_file or (lambda stage, done: None),
                             interviews=interviews)


def _write_report(out: Path, result: MeasureResult, *, sources: list[dict],
                  graphs: dict[str, dict[str, ig.Graph]] | None, formats: tuple[str, ...],
                  on_file: Callable[[str, int], None],
                  interviews: dict | None = None) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    summary, statistics = result.summary, result.statistics
    synthetic = bool(summary.get("synthetic"))
    platforms = sorted(summary.get("platforms", {}))
    stats_rows = statistics.to_dict("records") if len(statistics) else []
    quality = data_quality(result.repositories, summary.get("collection", {}))
    references = seed_comparison(summary, result.organisations, statistics,
                                 result.evolution.get("type_shares"), result.innovation,
                                 quality)
    sections = {"intensity": [c for c in INTENSITY_COLUMNS if _has(summary, c)],
                "openness": [c for c in OPENNESS_COLUMNS if _has(summary, c)]}
    inline = {name for names in REPORT_ECDFS.values() for name in names}
    svgs: dict[str, str] = {}
    paths: dict[str, Path] = {}
    with figures.FigureWriter(out / "figures", formats) as figure_files:
        for drawn, (name, figure) in enumerate(report_figures(result, graphs), 1):
            written = figure_files.save(figure, name)
            on_file("figures", drawn)
            paths |= {f"figure_{name}_{p.suffix[1:]}": p for p in written}
            if not name.startswith("ecdf_") or name.removeprefix("ecdf_") in inline:
                svg = next(p for p in written if p.suffix == ".svg")
                svgs[name] = figures.inline_svg(svg.read_text(encoding="utf-8"))
    context = {
        "version": __version__,
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "synthetic": synthetic,
        "platforms": platforms,
        "labels": PLATFORM_LABELS,
        "summary": summary["platforms"],
        "summary_all": summary,
        "quality": quality,
        "max_unknown_share": MAX_UNKNOWN_SHARE,
        "summary_measures": SUMMARY_MEASURES,
        "summary_rows": [r for r in stats_rows if r["comparison"] == "raw"
                         and r["measure"] in SUMMARY_MEASURES],
        "withheld": {m: why for m in SUMMARY_MEASURES if (why := withheld(summary, m))},
        "owner_unknown": {p: share for p in platforms
                          if (share := _quality_share(quality, "owner_type", p)) is not None
                          and share > MAX_UNKNOWN_SHARE},
        "has_derivatives": any(
            column in frame and pd.to_numeric(frame[column], errors="coerce").fillna(0).sum() > 0
            for frame, column in ((result.innovation, "derivatives"),
                                  (result.repositories, "derivatives_in_store"))),
        "sections": sections,
        "unattributed": unattributed_commits(result.repositories),
        "organisations": result.organisations.to_dict("records"),
        "innovation": result.innovation.to_dict("records"),
        "networks": result.networks,
        "null_model": next((n for nets in result.networks.values() for n in nets.values()
                            if "null_model_graphs" in n), None),
        "trends": result.evolution["trends"].to_dict("records"),
        "trend_columns": [c for c in result.evolution["trends"].columns
                          if c not in ("platform", "year")],
        "network_rows": NETWORK_ROWS,
        "statistics": [r for r in stats_rows if r["comparison"] == "raw"],
        "weights": summary.get("weights", {}),
        "weighted_rows": [r for r in stats_rows if r["comparison"] == "raw"
                          and r.get("weights") not in (None, "none")
                          and any(_known(r.get(f"weighted_mean_{p}")) for p in platforms)],
        "stratified": {r["measure"]: r for r in stats_rows if r["comparison"] == "stratified"},
        "references": references,
        "socio": socio_technical(summary),
        "type_shares": [r | {"flag": _flag(r.get("flag"))}
                        for r in result.evolution["type_shares"].to_dict("records")],
        "type_share_notes": type_share_notes(result.evolution.get("type_shares")),
        "paired_tests": _records(result.evolution.get("paired_tests")),
        **knowledge_exchange_context(result.evolution),
        "documentation": _records(result.evolution.get("documentation")),
        "sources": sources,
        "interviews": interviews,
        "svgs": svgs,
        "ecdfs": {section: [c for c in names if f"ecdf_{c}" in svgs]
                  for section, names in REPORT_ECDFS.items()},
        "figure_files": sorted({p.stem for p in paths.values()}),
        "figure_formats": formats,
        "table_files": sorted(LATEX_TABLES),
        "fmt": _format,
        "ci": _ci_of,
        "known": _known,
        "migration": summary.get("migration") or {
            p: {"value": v, "ci_low": None, "ci_high": None, "n": None, "weighted_value": None}
            for p, v in summary.get("migration_share", {}).items()},
    }
    tables = latex_tables(result, sections, references, synthetic=synthetic)
    written_tables = write_tables(out / "tables", tables)
    paths |= {f"table_{k}": v for k, v in written_tables.items()}
    done = len(written_tables)
    on_file("report", done)
    for name in ("html", "md"):
        paths[name] = out / f"report.{name}"
        template = _environment(html=name == "html").get_template(f"report.{name}.j2")
        paths[name].write_text(template.render(context), encoding="utf-8")
        done += 1
        on_file("report", done)
    paths["manifest"], _ = replace_manifest(out, [*paths.values(), *result.paths.values()])
    return paths


#: The commit shares of the socio-technical section, in their table's order.
TOUCHED_LABELS = {
    "weights_commit_share": "commits touching weights",
    "code_commit_share": "commits touching code",
    "configuration_commit_share": "commits touching model configuration or tokenizer",
    "docs_only_commit_share": "commits touching only documentation",
    "external_weights_commit_share": "external people's commits touching weights",
    "external_code_commit_share": "external people's commits touching code",
    "external_configuration_commit_share": "external people's commits touching configuration",
    "external_docs_only_commit_share": "external people's commits touching only documentation",
}
#: The same over pull requests, in their own table: commits and pull requests are never added.
PULL_TOUCHED_LABELS = {
    "pr_weights_share": "pull requests touching weights",
    "pr_code_share": "pull requests touching code",
    "pr_configuration_share": "pull requests touching model configuration or tokenizer",
    "pr_docs_only_share": "pull requests touching only documentation",
    "external_pr_weights_share": "external people's pull requests touching weights",
    "external_pr_code_share": "external people's pull requests touching code",
    "external_pr_configuration_share": "external people's pull requests touching configuration",
    "external_pr_docs_only_share":
        "external people's pull requests touching only documentation",
    "merged_pr_weights_share": "merged pull requests touching weights",
    "merged_pr_code_share": "merged pull requests touching code",
    "merged_pr_configuration_share": "merged pull requests touching configuration",
    "merged_pr_docs_only_share": "merged pull requests touching only documentation",
}
#: The socio-technical section's file-type tables: what each counts, the key of its count in
#: a pooled share, and its rows' labels.
TOUCHED_TABLES = (("commits", "commits", TOUCHED_LABELS),
                  ("pull requests", "pull_requests", PULL_TOUCHED_LABELS))
#: The per-stratum figures of the size comparison, in its table's order.
STRATUM_LABELS = {"external_commit_share": "external commit share (mean)",
                  "external_participant_share": "external participant share (mean)",
                  "improved_share": "improved by an outsider (share)",
                  "adaptation_index": "adaptation index (pooled)"}


def socio_technical(summary: dict) -> dict | None:
    """What the "Socio-technical factors" section shows (``summary["socio_technical"]``,
    ``docs/statistics.md``), or None for a summary written before it existed."""
    socio = summary.get("socio_technical")
    if not socio:
        return None
    touched = socio.get("touched", {})
    tables = [{"of": of, "unit": unit,
               "rows": [{"label": label, "cells": {p: shares.get(share) for p, shares
                                                   in touched.items()}}
                        for share, label in labels.items()],
               "known": any((shares.get(share) or {}).get("n") for shares in touched.values()
                            for share in labels)}
              for of, unit, labels in TOUCHED_TABLES]
    return {
        "touched": tables,
        "paths_known": any(table["known"] for table in tables),
        "coverage": socio.get("size_coverage", {}),
        "scales": socio.get("size_scales", {}),
        "strata": socio.get("strata", []),
        "trends": socio.get("trends", []),
        "quantities": STRATUM_LABELS,
        "trend_labels": {q: label.split(" (")[0] for q, label in STRATUM_LABELS.items()},
        "magnitude": _magnitude,
    }


def _magnitude(value: object, unit: str = "") -> str:
    """A parameter count or a size in bytes as readers write them: 7.0B, 3.8 GB."""
    if not _known(value) or isinstance(value, str):
        return "–"
    number = float(value)  # type: ignore[arg-type]
    names = (("T", "TB"), ("B", "GB"), ("M", "MB"), ("k", "kB"))
    for power, (count, size) in zip((12, 9, 6, 3), names, strict=True):
        if abs(number) >= 10**power:
            return f"{number / 10**power:.1f}{' ' + size if unit == 'bytes' else count}"
    return f"{number:.0f}{' B' if unit == 'bytes' else ''}"


#: The LaTeX tables written into ``tables/``, by file name, with what each holds.
LATEX_TABLES = {
    "statistics": "GitHub vs Hub per measure: medians with CIs, ratio of means, effect with "
                  "CI, Holm-corrected p",
    "statistics_stratified": "the same comparison within age × popularity strata",
    "intensity": "per-platform medians, means and n of the collaboration-intensity measures",
    "openness": "per-platform medians, means and n of the openness measures",
    "organisations": "repositories and contributions under organisations",
    "type_shares": "thread types per platform, raw and corrected shares with 95% intervals "
                   "and the labelled sample each correction used",
    "networks": "co-contribution and reply network statistics per platform",
    "seed_comparison": "the seed study's published figures beside this run's",
}


def latex_tables(result: MeasureResult, sections: dict[str, list[str]],
                 references: list[ReferenceFigure], *, synthetic: bool) -> dict[str, str]:
    """The report's tables as booktabs LaTeX, by file name (see ``LATEX_TABLES``)."""
    summary, platforms = result.summary["platforms"], sorted(result.summary["platforms"])
    label = {p: PLATFORM_LABELS.get(p, p) for p in platforms}

    def table(frame: pd.DataFrame, name: str, caption: str, fmt: str | None = None) -> str:
        return latex_table(frame, caption=caption, label=f"tab:crossforge-{name}",
                           column_format=fmt, synthetic=synthetic)

    def comparison(rows: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({
            "measure": rows["measure"],
            "test": rows["test"].map(_format),
            "GitHub median [95% CI]": [_ci(r.median_github, r.median_github_ci_low,
                                           r.median_github_ci_high) for r in rows.itertuples()],
            "Hub median [95% CI]": [_ci(r.median_huggingface, r.median_huggingface_ci_low,
                                        r.median_huggingface_ci_high)
                                    for r in rows.itertuples()],
            "Hub ÷ GitHub (means)": rows["ratio_of_means"].map(_format),
            "effect [95% CI]": [
                " ".join([str(r.effect or ""), _ci(r.effect_value, r.effect_ci_low,
                                                   r.effect_ci_high)]).strip()
                for r in rows.itertuples()],
            "p (Holm)": rows["p_holm"].map(_format),
        })

    def medians(columns: list[str]) -> pd.DataFrame:
        frame = pd.DataFrame({"measure": columns})
        for p in platforms:
            for stat in ("median", "mean", "n"):
                frame[f"{label[p]} {stat}"] = [_format(summary[p].get(c, {}).get(stat))
                                               for c in columns]
        return frame

    stats = result.statistics
    raw = stats[stats["comparison"] == "raw"] if len(stats) else stats
    stratified = stats[stats["comparison"] == "stratified"] if len(stats) else stats
    organisations = result.organisations
    shares = result.evolution.get("type_shares", pd.DataFrame())
    network_frame = pd.DataFrame({"statistic": NETWORK_ROWS})
    for p, nets in sorted(result.networks.items()):
        for kind in ("co_contribution", "replies"):
            network_frame[f"{PLATFORM_LABELS.get(p, p)} {kind.replace('_', '-')}"] = [
                _format(nets.get(kind, {}).get(row)) for row in NETWORK_ROWS]
    org_columns = {"organisation_repository_share": "owned by organisations",
                   "organisation_contribution_share": "contributions to them",
                   "organisation_member_contribution_share": "by their members",
                   "organisation_commit_share": "commits to them"}
    return {
        "statistics": table(comparison(raw), "statistics",
                            "GitHub (OSS) vs Hugging Face Hub (OSM): Mann-Whitney U with "
                            "Cliff's δ or chi-square with Cramér's V; 95% intervals",
                            "llllrlr"),
        "statistics_stratified": table(
            comparison(stratified), "statistics-stratified",
            "GitHub vs Hub within terciles of age × popularity (van Elteren)", "llllrlr"),
        "intensity": table(medians(sections["intensity"]), "intensity",
                           "Collaboration intensity per repository: medians, means and n "
                           "(repositories with a known value)"),
        "openness": table(medians(sections["openness"]), "openness",
                          "Openness per repository: medians, means and n (repositories with a "
                          "known value)"),
        "organisations": table(
            pd.DataFrame({"platform": organisations.get("platform", pd.Series(dtype=str))
                          .map(lambda p: PLATFORM_LABELS.get(p, p)),
                          "repositories": organisations.get("repositories",
                                                            pd.Series(dtype=int)).map(_format),
                          "n (owner type known)": organisations.get(
                              "known_owner_repositories", pd.Series(dtype=float)).map(_format),
                          **{title: [_ci_of(r, column) if f"{column}_ci_low" in r else
                                     _format(r.get(column))
                                     for r in organisations.to_dict("records")]
                             for column, title in org_columns.items()}}),
            "organisations", "Organisations: shares of repositories and contributions, with "
            "95% bootstrap intervals (repositories with a known owner type resampled)"),
        "type_shares": table(
            pd.DataFrame({"platform": shares.get("group", pd.Series(dtype=str))
                          .map(lambda p: PLATFORM_LABELS.get(p, p)),
                          "type": shares.get("class", pd.Series(dtype=str)).astype(str),
                          "threads": shares.get("n", pd.Series(dtype=int)).map(_format),
                          "raw share": shares.get("raw_share", pd.Series(dtype=float))
                          .map(_format),
                          "corrected share [95% CI]": [
                              "flagged: raw share only" if _flag(getattr(r, "flag", ""))
                              else _ci(r.adjusted_share, r.ci_low, r.ci_high)
                              for r in shares.itertuples()] if len(shares) else [],
                          "corrected with": [
                              f"{r.validation} (n = {_format(r.validation_n)})"
                              for r in shares.itertuples()] if len(shares) else []}),
            "type-shares", "Thread types: raw shares and shares corrected for the "
            "classifier's errors measured on the sample named, with 95% bootstrap intervals",
            "llrrrl"),
        "networks": table(network_frame, "networks",
                          "Collaboration networks (bots excluded)"),
        "seed_comparison": table(
            pd.DataFrame({"finding": [r.finding for r in references],
                          "published": [r.published for r in references],
                          "this run": [r.yours for r in references]}),
            "seed-comparison",
            f"Published reference figures ({SEED_STUDY}) beside this run's results; the "
            "published column is not a result of this run",
            "p{0.26\\linewidth}p{0.2\\linewidth}p{0.46\\linewidth}"),
    }


def _records(frame: pd.DataFrame | None) -> list[dict]:
    return [] if frame is None else frame.to_dict("records")


def _ci(value: object, low: object, high: object) -> str:
    return f"{_format(value)} [{_format(low)}, {_format(high)}]"


def _ci_of(row: dict | pd.Series, column: str) -> str:
    """``row[column]`` with its ``_ci_low``/``_ci_high`` interval."""
    return _ci(row.get(column), row.get(f"{column}_ci_low"), row.get(f"{column}_ci_high"))


def _known(value: object) -> bool:
    """Whether a template value is a number or text, not missing (None, NaN, undefined)."""
    return isinstance(value, (int, float, str)) and not (isinstance(value, float)
                                                          and math.isnan(value))


def _has(summary: dict, column: str) -> bool:
    return any(column in entry for entry in summary["platforms"].values())


def _format(value: object, digits: int = 3) -> str:
    """Numbers for tables: significant digits, p-values in scientific notation, – for none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value != 0 and abs(value) < 10 ** -digits:
            return f"{value:.1e}"
        return f"{value:,.{digits}g}" if abs(value) >= 1000 else f"{value:.{digits}g}"
    return str(value)
