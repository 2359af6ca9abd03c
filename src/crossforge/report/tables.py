"""LaTeX tables (booktabs) for a paper: every cell, header and caption escaped.

Text in these tables can come from the platforms (thread-type labels, names), so nothing is
written unescaped: :func:`tex` turns LaTeX's special characters into commands and the common
typographic characters crossforge itself prints (–, ×, δ, …) into their LaTeX forms, so the
files compile with pdflatex. pandas' ``Styler.to_latex`` lays the table out.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crossforge._version import __version__

_SPECIAL = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "$": r"\$",
    "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
    "–": "--", "—": "---", "×": r"\ensuremath{\times}", "÷": r"\ensuremath{\div}",
    "δ": r"\ensuremath{\delta}", "≈": r"\ensuremath{\approx}", "≤": r"\ensuremath{\leq}",
    "≥": r"\ensuremath{\geq}", "…": r"\ldots{}", "’": "'", "‘": "`", "“": "``", "”": "''",
}
_TABLE = str.maketrans(_SPECIAL)


def tex(value: object) -> str:
    """Escape any value for a LaTeX table cell or caption (one line, no active characters).

    >>> tex("50% of repo_a & #1 – 3×")
    '50\\\\% of repo\\\\_a \\\\& \\\\#1 -- 3\\\\ensuremath{\\\\times}'
    """
    return " ".join(str(value).split()).translate(_TABLE)


def latex_table(frame: pd.DataFrame, *, caption: str, label: str, column_format: str | None = None,
                synthetic: bool = False) -> str:
    """A booktabs ``table`` of ``frame`` (values already formatted as text), escaped.

    Args:
        caption: plain text; escaped, and marked SYNTHETIC DEMO DATA when ``synthetic``.
        label: the ``\\label`` (letters, digits and ``:-``).
        column_format: e.g. ``"lrr"``; default: first column left, the rest right.
    """
    if synthetic:
        caption = f"{caption} (SYNTHETIC DEMO DATA)"
    styler = (frame.style.format(tex).format_index(tex, axis=1).hide(axis="index"))
    body = styler.to_latex(
        hrules=True, caption=tex(caption), label=label, position_float="centering",
        column_format=column_format or "l" + "r" * (frame.shape[1] - 1))
    header = (f"% Written by crossforge {__version__}; needs \\usepackage{{booktabs}} in the "
              "preamble.\n")
    if synthetic:
        header += "% SYNTHETIC DEMO DATA: generated, not measured on GitHub or the Hub.\n"
    return header + body


def write_tables(folder: Path, tables: dict[str, str]) -> dict[str, Path]:
    """Write ``{name: latex}`` as ``folder/name.tex``; returns the paths by name."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, text in tables.items():
        paths[name] = folder / f"{name}.tex"
        paths[name].write_text(text, encoding="utf-8")
    return paths
