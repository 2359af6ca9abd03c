"""The report: reads measures (never the sources) and renders HTML and Markdown with Jinja2.

Published figures from the seed study appear only in the labelled reference table, beside the
user's own numbers; they are never presented as crossforge's results.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from jinja2 import Environment, PackageLoader

from crossforge import __version__
from crossforge.measures.result import MeasureResult

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
)
PLATFORM_LABELS = {"github": "GitHub (OSS)", "huggingface": "Hugging Face Hub (OSM)"}
_COLORS = {"github": "#1f6feb", "huggingface": "#d97706"}


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
        loader=PackageLoader("crossforge", "templates"),
        autoescape=html,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cell"] = markdown_cell
    return env


def ecdf_svg(frame: pd.DataFrame, column: str, *, synthetic: bool = False, width: int = 520,
             height: int = 260) -> str:
    """An inline SVG ECDF of ``column`` per platform on a log1p x-axis (no scripts, no CDN)."""
    pad = 40
    top = max(float(pd.to_numeric(frame[column], errors="coerce").max() or 0), 1.0)
    scale_x = (width - 2 * pad) / math.log1p(top)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'role="img" aria-label="ECDF of {column}">',
             f'<rect x="{pad}" y="{pad // 2}" width="{width - 2 * pad}" '
             f'height="{height - pad - pad // 2}" fill="none" stroke="#999"/>']
    for row, (platform, group) in enumerate(frame.groupby("platform", sort=True)):
        values = sorted(float(v) for v in pd.to_numeric(group[column], errors="coerce").dropna())
        if not values:
            continue
        points = []
        for i, value in enumerate(values, 1):
            x = pad + math.log1p(value) * scale_x
            y = height - pad - (i / len(values)) * (height - pad - pad // 2)
            points.append(f"{x:.1f},{y:.1f}")
        color = _COLORS.get(str(platform), "#444")
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" '
                     f'points="{" ".join(points)}"/>')
        parts.append(f'<text x="{pad + 8}" y="{pad + 4 + 16 * row}" fill="{color}" '
                     f'font-size="12">{PLATFORM_LABELS.get(str(platform), platform)}</text>')
    if synthetic:
        parts.append(f'<text x="{width - pad}" y="{pad + 4}" fill="#b45309" font-size="13" '
                     'font-weight="bold" text-anchor="end">SYNTHETIC</text>')
    parts.append(f'<text x="{width // 2}" y="{height - 8}" font-size="12" '
                 f'text-anchor="middle">{column} (log scale)</text></svg>')
    return "".join(parts)


def survival_svg(curves: pd.DataFrame, *, synthetic: bool = False, width: int = 520,
                 height: int = 260) -> str:
    """Kaplan–Meier steps per platform: share of repositories still maintained by day."""
    pad = 40
    top = max(float(curves["days"].max()) if len(curves) else 1.0, 1.0)
    plot_h = height - pad - pad // 2
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             'role="img" aria-label="maintenance survival">',
             f'<rect x="{pad}" y="{pad // 2}" width="{width - 2 * pad}" height="{plot_h}" '
             'fill="none" stroke="#999"/>']
    for row, (platform, group) in enumerate(curves.groupby("platform", sort=True)):
        x0, y0 = pad, pad // 2
        points = [f"{x0},{y0}"]
        for days, survival in zip(group["days"], group["survival"], strict=True):
            x = pad + days / top * (width - 2 * pad)
            y = pad // 2 + (1 - survival) * plot_h
            points += [f"{x:.1f},{points[-1].split(',')[1]}", f"{x:.1f},{y:.1f}"]
        color = _COLORS.get(str(platform), "#444")
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" '
                     f'points="{" ".join(points)}"/>')
        parts.append(f'<text x="{width - pad - 8}" y="{pad + 4 + 16 * row}" fill="{color}" '
                     f'font-size="12" text-anchor="end">'
                     f'{PLATFORM_LABELS.get(str(platform), platform)}</text>')
    if synthetic:
        parts.append(f'<text x="{pad + 8}" y="{height - pad - 8}" fill="#b45309" '
                     'font-size="13" font-weight="bold">SYNTHETIC</text>')
    parts.append(f'<text x="{width // 2}" y="{height - 8}" font-size="12" '
                 'text-anchor="middle">days since release</text></svg>')
    return "".join(parts)


def write_report(out: Path, result: MeasureResult, *, sources: list[dict]) -> dict[str, Path]:
    """Render ``report.html`` and ``report.md`` into ``out`` from measure outputs.

    Args:
        out: the output directory (created if needed).
        result: what ``crossforge.measure`` computed; ``summary["synthetic"]`` marks every
            page and figure as synthetic.
        sources: provenance rows (source, origin, fetched_at, tool_version).
    """
    out.mkdir(parents=True, exist_ok=True)
    summary, statistics = result.summary, result.statistics
    synthetic = bool(summary.get("synthetic"))
    platforms = sorted(summary.get("platforms", {}))
    stats_rows = statistics.to_dict("records") if len(statistics) else []
    context = {
        "version": __version__,
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "synthetic": synthetic,
        "platforms": platforms,
        "labels": PLATFORM_LABELS,
        "summary": summary["platforms"],
        "summary_all": summary,
        "sections": {
            "intensity": [c for c in INTENSITY_COLUMNS if _has(summary, c)],
            "openness": [c for c in OPENNESS_COLUMNS if _has(summary, c)],
        },
        "organisations": result.organisations.to_dict("records"),
        "innovation": result.innovation.to_dict("records"),
        "networks": result.networks,
        "trends": result.evolution["trends"].to_dict("records"),
        "trend_columns": [c for c in result.evolution["trends"].columns
                          if c not in ("platform", "year")],
        "survival_figure": survival_svg(result.evolution["survival"], synthetic=synthetic),
        "network_rows": NETWORK_ROWS,
        "statistics": [r for r in stats_rows if r["comparison"] == "raw"],
        "stratified": {r["measure"]: r for r in stats_rows if r["comparison"] == "stratified"},
        "references": seed_comparison(summary, result.organisations, statistics,
                                      result.evolution.get("type_shares")),
        "type_shares": result.evolution["type_shares"].to_dict("records"),
        "sources": sources,
        "figures": {
            column: ecdf_svg(result.repositories, column, synthetic=synthetic)
            for column in ("contributors", "commits", "participants_per_month", "derivatives")
            if column in result.repositories and len(result.repositories)
        },
        "fmt": _format,
    }
    paths = {"html": out / "report.html", "md": out / "report.md"}
    for name, path in paths.items():
        template = _environment(html=name == "html").get_template(f"report.{name}.j2")
        path.write_text(template.render(context), encoding="utf-8")
    return paths


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
