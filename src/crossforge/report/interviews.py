"""The interviews' joint display: each theme beside the platform differences it may explain.

The same section stands alone (``crossforge interviews report``: ``interviews.md``,
``interviews.html``) and joins the study report when the study has coded segments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from crossforge._version import __version__
from crossforge.content import interviews
from crossforge.errors import writing_into
from crossforge.measures import COMPARED_MEASURES
from crossforge.report.figures import PLATFORM_LABELS
from crossforge.report.writer import _environment, _format

#: What an effect column's name means, for the display's text.
EFFECT_NAMES = {"cliffs_delta": "Cliff's delta", "cramers_v": "Cramér's V"}


@dataclass(frozen=True, slots=True)
class CodedInterviews:
    """Where a study's interview coding lives: the codebook, the coded segments, and
    optionally ``interviewees.csv`` (``pseudonym, platform, …``) to count themes per group."""

    codebook: Path
    segments: Path
    interviewees: Path | None = None
    synthetic: bool = False


def interview_context(coded: CodedInterviews, statistics: pd.DataFrame | None,
                      group: str = "platform") -> dict:
    """What the templates show of the coded interviews: counts, per-theme rows with their
    texts, and agreement per code."""
    codes = interviews.read_codebook(coded.codebook)
    segments = interviews.read_segments(coded.segments, codes)
    groups = interviews.read_groups(coded.interviewees, group) if coded.interviewees else None
    display = interviews.joint_display(segments, codes, interviews.theme_measures(coded.codebook),
                                       statistics, groups)
    for theme in display:
        theme["groups_text"] = "; ".join(
            f"{PLATFORM_LABELS.get(g, g)}: segments {v['segments']}, interviews {v['interviews']}"
            for g, v in theme["by_group"].items()) or "–"
        theme["differences_text"] = [_difference(d) for d in theme["differences"]] or [
            "– (the codebook names no measure)"]
        theme["quotes_text"] = [f"“{q['quote']}” ({q['interview']})" for q in theme["quotes"]]
    return {"synthetic": coded.synthetic, "themes": display,
            "coded_interviews": segments["interview"].nunique(),
            "coded_segments": len(segments[["interview", "segment"]].drop_duplicates()),
            "coders": segments["coder"].nunique(), "codes": len(codes),
            "agreement": interviews.code_agreement(segments, codes).to_dict("records")}


def write_interview_report(out: Path, context: dict) -> dict[str, Path]:
    """Write ``interviews.md`` and ``interviews.html`` into ``out``."""
    paths = {"md": out / "interviews.md", "html": out / "interviews.html"}
    values = {"interviews": context, "fmt": _format, "version": __version__,
              "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}
    with writing_into(out):
        out.mkdir(parents=True, exist_ok=True)
        for name, path in paths.items():
            template = _environment(html=name == "html").get_template(
                f"interview_report.{name}.j2")
            path.write_text(template.render(values), encoding="utf-8")
    return paths


def _difference(d: dict) -> str:
    """One measure's comparison in words; unknown stays unknown."""
    if d["measure"] not in COMPARED_MEASURES:
        return f"{d['measure']}: not a measure crossforge compares (check the codebook)"
    if not d["measured"]:
        return f"{d['measure']}: not compared in this run"
    effect = EFFECT_NAMES.get(str(d.get("effect")), str(d.get("effect") or "effect"))
    return (f"{d['measure']}: median GitHub {_format(d['median_github'])}, Hub "
            f"{_format(d['median_huggingface'])}; {effect} {_format(d['effect_value'])} "
            f"[{_format(d['effect_ci_low'])}, {_format(d['effect_ci_high'])}] "
            f"(n = {_format(d['n_github'])} / {_format(d['n_huggingface'])})")
