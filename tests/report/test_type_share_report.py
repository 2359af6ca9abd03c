"""The report's type-share section: what the shares are of, which confusion matrix corrected
each platform (in the text), flagged corrections shown as raw shares (the demo report's own
checks are in ``test_report_outputs.py``, which builds the demo once)."""

from __future__ import annotations

import pandas as pd

from crossforge.report import figures
from crossforge.report.writer import seed_comparison, type_share_notes

SCOPE = "issues and discussions (pull requests excluded); bot-authored threads excluded"


def _shares(flag: str = "") -> pd.DataFrame:
    """Type shares as ``measure`` writes them, GitHub's usage correction flagged with ``flag``."""
    rows = []
    for group, validation, n in (("github", "model card cross-validation", 1500),
                                 ("huggingface", "model card cross-validation", 1500)):
        for cls, raw, adjusted in (("bug", 0.55, 0.9), ("usage", 0.2, 0.0),
                                   ("feature", 0.25, 0.1)):
            rows.append({"group": group, "class": cls, "n": 200, "clusters": 20,
                         "raw_share": raw, "raw_ci_low": raw - 0.05, "raw_ci_high": raw + 0.05,
                         "adjusted_share": adjusted, "ci_low": adjusted, "ci_high": adjusted,
                         "validation_n": n, "condition_number": 3.0,
                         "flag": flag if group == "github" and cls == "usage" else "",
                         "validation": validation, "scope": SCOPE,
                         "excluded_pull_requests": 40, "excluded_bot_threads": 7})
    return pd.DataFrame(rows)


def test_the_notes_say_what_was_classified_and_how_the_hub_was_corrected() -> None:
    notes = type_share_notes(_shares("correction pushed the share to 0"))
    assert notes[0] == (f"Threads classified: {SCOPE} — 40 pull requests and 7 bot-authored "
                        "threads left out.")
    hub = next(n for n in notes if n.startswith("Hugging Face Hub (OSM)"))
    assert "corrected with GitHub's confusion matrix" in hub and "fewer than 50" in hub
    flagged = [n for n in notes if "not a finding" in n]
    assert flagged == ["GitHub (OSS), usage: raw share 0.2 shown; the corrected share (0) is not a "
                       "finding: correction pushed the share to 0."]


def test_a_flagged_correction_is_not_a_headline_figure() -> None:
    figures = seed_comparison({"platforms": {}}, pd.DataFrame(), pd.DataFrame(),
                              _shares("correction pushed the share to 0"))
    usage_hub = figures[-1].yours
    bug_github = figures[-2].yours
    assert bug_github.startswith("90.0% [90.0, 90.0] corrected")  # not flagged: shown
    flagged = seed_comparison({"platforms": {}}, pd.DataFrame(), pd.DataFrame(),
                              _shares("near-singular").assign(flag="near-singular"))
    assert flagged[-2].yours.startswith("raw 55.0% (n = 200); the correction")
    assert "near-singular" in flagged[-2].yours
    assert "corrected for classifier error" in usage_hub


def test_the_figure_draws_no_bar_for_a_flagged_correction() -> None:
    shares = _shares("correction pushed the share to 0").assign(adjusted_share=0.3)
    bars = [p for p in figures.type_shares_figure(shares).axes[0].patches
            if p.get_height() > 0]
    assert len(bars) == len(shares) - 1  # GitHub's usage is flagged: its raw dot only
