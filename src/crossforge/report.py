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

SEED_STUDY = (
    "Ye & Zhou 2026, From OSS to Open Source AI (CSCW 2026), as reported in secondary write-ups"
)


@dataclass(frozen=True, slots=True)
class ReferenceFigure:
    """A published headline figure, shown beside the user's result with its source."""

    finding: str
    published: str
    source: str = SEED_STUDY


PUBLISHED_FIGURES: tuple[ReferenceFigure, ...] = (
    ReferenceFigure("Repositories studied (GitHub / Hub)", "1,428,792 / 1,440,527"),
    ReferenceFigure("Contributors per repository, OSM vs OSS", "about 40% fewer in OSM"),
    ReferenceFigure("Collaboration intensity, OSM vs OSS", "about 100x lower in OSM"),
    ReferenceFigure("Share of OSM contributions by organisations", "49.8%"),
    ReferenceFigure("Bug reports among OSS threads", "42.7%"),
    ReferenceFigure("Usage questions among OSM threads", "40.0%"),
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


def ecdf_svg(frame: pd.DataFrame, column: str, *, width: int = 520, height: int = 260) -> str:
    """An inline SVG ECDF of ``column`` per platform on a log1p x-axis (no scripts, no CDN)."""
    pad = 40
    top = max(float(frame[column].max() or 0), 1.0)
    scale_x = (width - 2 * pad) / math.log1p(top)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'role="img" aria-label="ECDF of {column}">',
             f'<rect x="{pad}" y="{pad // 2}" width="{width - 2 * pad}" '
             f'height="{height - pad - pad // 2}" fill="none" stroke="#999"/>']
    for row, (platform, group) in enumerate(frame.groupby("platform", sort=True)):
        values = sorted(float(v) for v in group[column].dropna())
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
    parts.append(f'<text x="{width // 2}" y="{height - 8}" font-size="12" '
                 f'text-anchor="middle">{column} (log scale)</text></svg>')
    return "".join(parts)


def write_report(
    out: Path,
    repositories: pd.DataFrame,
    summary: dict,
    *,
    synthetic: bool,
    sources: list[dict],
) -> dict[str, Path]:
    """Render ``report.html`` and ``report.md`` into ``out`` from measure outputs.

    Args:
        out: the output directory (created if needed).
        repositories: per-repository measures (``CollaborationIntensity`` output).
        summary: per-platform medians and means (``summarize`` output).
        synthetic: mark every page and figure as synthetic demo data.
        sources: provenance rows (source, origin, fetched_at) to list in the report.
    """
    out.mkdir(parents=True, exist_ok=True)
    platforms = sorted(summary)
    ratio = None
    if {"github", "huggingface"} <= set(platforms):
        gh = summary["github"]["contributors"]["mean"]
        hf = summary["huggingface"]["contributors"]["mean"]
        if gh:
            ratio = 1 - hf / gh
    context = {
        "version": __version__,
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "synthetic": synthetic,
        "platforms": platforms,
        "labels": PLATFORM_LABELS,
        "summary": summary,
        "columns": [c for c in next(iter(summary.values()), {}) if c != "repositories"],
        "fewer_contributors": ratio,
        "references": PUBLISHED_FIGURES,
        "sources": sources,
        "figure_contributors": ecdf_svg(repositories, "contributors") if len(repositories) else "",
        "figure_commits": ecdf_svg(repositories, "commits") if len(repositories) else "",
    }
    paths = {"html": out / "report.html", "md": out / "report.md"}
    for name, path in paths.items():
        template = _environment(html=name == "html").get_template(f"report.{name}.j2")
        path.write_text(template.render(context), encoding="utf-8")
    return paths
