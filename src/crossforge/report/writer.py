"""The report: reads measures (never the sources) and renders HTML and Markdown with Jinja2.

Published figures from the seed study appear only in the labelled reference table, beside the
user's own numbers; they are never presented as crossforge's results.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import igraph as ig
import pandas as pd
from jinja2 import Environment, PackageLoader
from matplotlib.figure import Figure

from crossforge._version import __version__
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


def seed_comparison(summary: dict, organisations: pd.DataFrame, statistics: pd.DataFrame,
                    type_shares: pd.DataFrame | None = None) -> list[ReferenceFigure]:
    """The seed study's headline figures beside the same quantities on the user's data."""
    platforms = summary.get("platforms", {})

    def mean(platform: str, column: str) -> float | None:
        return platforms.get(platform, {}).get(column, {}).get("mean")

    def ratio(column: str) -> str:
        gh, hf = mean("github", column), mean("huggingface", column)
        if not gh or hf is None:
            return "needs both platforms"
        return f"{hf / gh:.3g}× (mean per repository, Hub ÷ GitHub)"

    gh_c, hf_c = mean("github", "contributors"), mean("huggingface", "contributors")
    fewer = (f"{(1 - hf_c / gh_c) * 100:.1f}% {'fewer' if hf_c <= gh_c else 'more'} in OSM "
             "(mean contributors)" if gh_c and hf_c is not None else "needs both platforms")
    org = organisations.set_index("platform")["organisation_contribution_share"] if len(
        organisations) else pd.Series(dtype=float)
    hub_org = org.get("huggingface")
    org_text = (f"{hub_org * 100:.1f}% (contributions to organisation-owned Hub repositories)"
                if hub_org is not None and not pd.isna(hub_org) else "no Hub data")
    counts = " / ".join(f"{platforms.get(p, {}).get('repositories', 0):,}"
                        for p in ("github", "huggingface"))
    def share(platform: str, cls: str) -> str:
        if type_shares is None or type_shares.empty:
            return "not measured in this run (content analysis: crossforge classify)"
        row = type_shares[(type_shares["group"] == platform) & (type_shares["class"] == cls)]
        if row.empty:
            return f"no classified {platform} threads"
        r = row.iloc[0]
        return (f"{r.adjusted_share * 100:.1f}% [{r.ci_low * 100:.1f}, {r.ci_high * 100:.1f}] "
                f"corrected for classifier error (raw {r.raw_share * 100:.1f}%, n = {r.n:,})")

    return [
        ReferenceFigure("Repositories studied (GitHub / Hub)", "1,428,792 / 1,440,527", counts),
        ReferenceFigure("Contributors per repository, OSM vs OSS", "about 40% fewer in OSM",
                        fewer),
        ReferenceFigure("Collaboration intensity, OSM vs OSS", "about 100× lower in OSM",
                        "commits per month: " + ratio("commits_per_month")
                        + "; participants per month: " + ratio("participants_per_month")),
        ReferenceFigure("Share of OSM contributions by organisations", "49.8%", org_text),
        ReferenceFigure("Bug reports among OSS threads", "42.7%", share("github", "bug")),
        ReferenceFigure("Usage questions among OSM threads", "40.0%",
                        share("huggingface", "usage")),
    ]


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


INTENSITY_COLUMNS = (
    "commits", "contributors", "multi_contributor", "human_commits", "bot_commits",
    "active_months", "commits_per_contributor", "top_contributor_share", "truck_factor",
    "pull_requests", "threads", "comments", "participants", "commits_per_month",
    "contributors_per_month", "participants_per_month",
)
OPENNESS_COLUMNS = (
    "external_commit_share", "external_merged_pr_share", "has_external_contribution",
    "external_thread_share", "external_participant_share", "hours_to_first_response",
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
    for platform, networks in sorted((result.graphs if graphs is None else graphs).items()):
        yield f"network_{figures.slug(platform)}", figures.network_figure(
            networks["co_contribution"], synthetic=synthetic,
            title=f"{PLATFORM_LABELS.get(platform, platform)} co-contribution")


def write_report(out: Path, result: MeasureResult, *, sources: list[dict],
                 graphs: dict[str, dict[str, ig.Graph]] | None = None) -> dict[str, Path]:
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

    Raises:
        ConfigError: ``out`` cannot be created or written (read-only, full, not a folder).
    """
    with writing_into(out):
        return _write_report(out, result, sources=sources, graphs=graphs)


def _write_report(out: Path, result: MeasureResult, *, sources: list[dict],
                  graphs: dict[str, dict[str, ig.Graph]] | None) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    summary, statistics = result.summary, result.statistics
    synthetic = bool(summary.get("synthetic"))
    platforms = sorted(summary.get("platforms", {}))
    stats_rows = statistics.to_dict("records") if len(statistics) else []
    references = seed_comparison(summary, result.organisations, statistics,
                                 result.evolution.get("type_shares"))
    sections = {"intensity": [c for c in INTENSITY_COLUMNS if _has(summary, c)],
                "openness": [c for c in OPENNESS_COLUMNS if _has(summary, c)]}
    inline = {name for names in REPORT_ECDFS.values() for name in names}
    svgs: dict[str, str] = {}
    paths: dict[str, Path] = {}
    for name, figure in report_figures(result, graphs):
        written = figures.save(figure, out / "figures", name)
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
        "stratified": {r["measure"]: r for r in stats_rows if r["comparison"] == "stratified"},
        "references": references,
        "type_shares": result.evolution["type_shares"].to_dict("records"),
        "paired_tests": _records(result.evolution.get("paired_tests")),
        "documentation": _records(result.evolution.get("documentation")),
        "sources": sources,
        "svgs": svgs,
        "ecdfs": {section: [c for c in names if f"ecdf_{c}" in svgs]
                  for section, names in REPORT_ECDFS.items()},
        "figure_files": sorted({p.stem for p in paths.values()}),
        "table_files": sorted(LATEX_TABLES),
        "fmt": _format,
    }
    tables = latex_tables(result, sections, references, synthetic=synthetic)
    paths |= {f"table_{k}": v for k, v in write_tables(out / "tables", tables).items()}
    for name in ("html", "md"):
        paths[name] = out / f"report.{name}"
        template = _environment(html=name == "html").get_template(f"report.{name}.j2")
        paths[name].write_text(template.render(context), encoding="utf-8")
    paths["manifest"], _ = replace_manifest(out, [*paths.values(), *result.paths.values()])
    return paths


#: The LaTeX tables written into ``tables/``, by file name, with what each holds.
LATEX_TABLES = {
    "statistics": "GitHub vs Hub per measure: medians with CIs, ratio of means, effect with "
                  "CI, Holm-corrected p",
    "statistics_stratified": "the same comparison within age × popularity strata",
    "intensity": "per-platform medians and means of the collaboration-intensity measures",
    "openness": "per-platform medians and means of the openness measures",
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
            for stat in ("median", "mean"):
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
                           "Collaboration intensity per repository: medians and means"),
        "openness": table(medians(sections["openness"]), "openness",
                          "Openness per repository: medians and means"),
        "organisations": table(
            pd.DataFrame({"platform": organisations.get("platform", pd.Series(dtype=str))
                          .map(lambda p: PLATFORM_LABELS.get(p, p)),
                          "repositories": organisations.get("repositories",
                                                            pd.Series(dtype=int)).map(_format),
                          **{title: organisations.get(column, pd.Series(dtype=float))
                             .map(_format) for column, title in org_columns.items()}}),
            "organisations", "Organisations: shares of repositories and contributions"),
        "type_shares": table(
            pd.DataFrame({"platform": shares.get("group", pd.Series(dtype=str))
                          .map(lambda p: PLATFORM_LABELS.get(p, p)),
                          "type": shares.get("class", pd.Series(dtype=str)).astype(str),
                          "threads": shares.get("n", pd.Series(dtype=int)).map(_format),
                          "raw share": shares.get("raw_share", pd.Series(dtype=float))
                          .map(_format),
                          "corrected share [95% CI]": [
                              _ci(r.adjusted_share, r.ci_low, r.ci_high)
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
