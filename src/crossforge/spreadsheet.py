"""Text cells that a spreadsheet would run as a formula, made inert in every CSV crossforge
writes, and given back unchanged when crossforge reads its own CSVs.

Titles, bodies, repository names and card values come from strangers. A cell starting with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to Excel, LibreOffice and
Google Sheets (``=HYPERLINK(…)``, ``+cmd|' /C calc'!A0``): OWASP's advice on CSV injection is
to prefix such a cell with a single quote, which spreadsheets show as text.

The rule, both ways (``docs/reliability.md``, *Spreadsheet formulas*):

- writing: a text cell that starts with any number of ``'`` followed by one of those
  characters gets one more ``'`` in front (``=1+1`` → ``'=1+1``, ``'=1+1`` → ``''=1+1``);
- reading a file crossforge wrote: a text cell that starts with one or more ``'`` followed by
  one of those characters loses one ``'``.

Quoting the already-quoted values too makes the round trip exact: every text comes back as
it was. Only text is touched: numbers (−0.70 in a numeric column) are written as numbers.

``write_csv`` is the writer for pandas frames: besides quoting formulas it puts every text
cell in double quotes when one holds a carriage return, which Python's CSV writer otherwise
leaves bare, so that readers would start a new row there (and the row's first cell could be
a formula).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pandas as pd

#: What a spreadsheet takes as the start of a formula (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_CLASS = "[" + re.escape("".join(FORMULA_STARTS)) + "]"
_WRITTEN = re.compile(f"^'*{_CLASS}")
_QUOTED = re.compile(f"^'+{_CLASS}")
_CARRIAGE_RETURN = re.compile("\r")


def _text_columns(frame: pd.DataFrame) -> list[str]:
    """Columns that may hold text: object and string dtypes (numbers, booleans and dates are
    never formulas and are left alone)."""
    return [c for c in frame.columns
            if frame[c].dtype == object or isinstance(frame[c].dtype, pd.StringDtype)]


def _matches(column: pd.Series, pattern: re.Pattern[str]) -> pd.Series | None:
    """Where a text column's string cells hold ``pattern``; ``None`` when none do (or the
    column holds no strings at all, such as lists or booleans stored as objects)."""
    try:
        found = column.str.contains(pattern, na=False)
    except AttributeError:
        return None
    found = found.fillna(False).astype(bool)
    return found if found.any() else None


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every formula-like text cell quoted, ready to write as CSV.

    The frame is returned as it is (no copy) when no cell needs quoting, so outputs without
    such cells are byte for byte what they were; a copy otherwise. Vectorised per column.
    """
    return _rewrite(frame, _WRITTEN, lambda text: "'" + text)


def restore(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` read from a CSV crossforge wrote, with the quote ``neutralise`` added
    removed again. Apply it only to crossforge's own files: in someone else's CSV a leading
    ``'`` is the author's text."""
    return _rewrite(frame, _QUOTED, lambda text: text.str[1:])


def _rewrite(frame: pd.DataFrame, pattern: re.Pattern[str],
             change: Callable[[pd.Series], pd.Series]) -> pd.DataFrame:
    result = frame
    for column in _text_columns(frame):
        found = _matches(frame[column], pattern)
        if found is None:
            continue
        if result is frame:
            result = frame.copy()
        values = result[column].astype(object)
        values[found] = change(values[found].astype(str))
        result[column] = values.astype(frame[column].dtype)
    return result


def write_csv(frame: pd.DataFrame, target: str | Path | IO[str]) -> None:
    """Write ``frame`` as CSV without its index, formulas quoted (``neutralise``); when a
    text cell holds a carriage return, every text cell is double-quoted so that no reader
    splits the row there. Frames without either are written exactly as ``to_csv`` would."""
    safe = neutralise(frame)
    split = any(_matches(safe[c], _CARRIAGE_RETURN) is not None for c in _text_columns(safe))
    safe.to_csv(target, index=False,
                quoting=csv.QUOTE_NONNUMERIC if split else csv.QUOTE_MINIMAL)
