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
a formula). It writes the bytes ``DataFrame.to_csv`` writes, a block of rows at a time with
Arrow's string kernels where every column is text, a number or a boolean (pandas' per-cell
Python writer takes minutes on the millions of rows of a paper-scale run).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

#: What a spreadsheet takes as the start of a formula (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_CLASS = "[" + re.escape("".join(FORMULA_STARTS)) + "]"
_WRITTEN = re.compile(f"^'*{_CLASS}")
_QUOTED = re.compile(f"^'+{_CLASS}")
_CARRIAGE_RETURN = re.compile("\r")
#: What makes Python's CSV writer (``QUOTE_MINIMAL``, ``\n`` ending rows) quote a cell.
_NEEDS_QUOTES = '[",\n]'
#: Rows formatted at once by the fast writer: bounded memory whatever the frame's length.
_BLOCK_ROWS = 100_000


def _text_columns(frame: pd.DataFrame) -> list[str]:
    """Columns that may hold text: object and string dtypes (numbers, booleans and dates are
    never formulas and are left alone)."""
    return [c for c in frame.columns
            if frame[c].dtype == object or isinstance(frame[c].dtype, pd.StringDtype)]


def _matches(column: pd.Series, pattern: re.Pattern[str]) -> pd.Series | None:
    """Where a text column's string cells hold ``pattern``; ``None`` when none do (or the
    column holds no strings at all, such as lists or booleans stored as objects)."""
    if column.dtype.kind == "O" and pd.api.types.infer_dtype(column, skipna=True) == "string":
        column = column.astype("str")     # text: matched by Arrow's kernel, not per cell
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
    if not split and _write_fast(safe, target):
        return
    safe.to_csv(target, index=False,
                quoting=csv.QUOTE_NONNUMERIC if split else csv.QUOTE_MINIMAL)


def _write_fast(frame: pd.DataFrame, target: str | Path | IO[str]) -> bool:
    """Write ``frame`` as ``to_csv(index=False)`` does (``QUOTE_MINIMAL``, missing values
    empty), formatting each block of rows column by column; False, writing nothing, when a
    column is of a kind this does not format (dates, categories, objects other than text)
    or the frame has a single column (whose empty cells Python's writer quotes)."""
    if len(frame.columns) < 2 or not all(isinstance(c, str) for c in frame.columns) \
            or not all(_formattable(frame[c]) for c in frame.columns):
        return False
    header = ",".join(_quoted_header(c) for c in frame.columns) + "\n"
    handle: IO[str] | IO[bytes]
    if isinstance(target, (str, Path)):
        with open(target, "wb") as handle:
            handle.write(header.encode("utf-8"))
            for block in _blocks(frame):
                handle.write(block)
    else:
        target.write(header)
        for block in _blocks(frame):
            target.write(bytes(block).decode("utf-8"))
    return True


def _formattable(column: pd.Series) -> bool:
    """A column whose CSV cells ``_cells`` writes as pandas would."""
    dtype = column.dtype
    if isinstance(dtype, pd.StringDtype):
        return True
    if isinstance(column.array, pd.arrays.IntegerArray | pd.arrays.BooleanArray):
        return True
    if isinstance(dtype, np.dtype):
        if dtype.kind in "biuf":
            return True
        if dtype.kind == "O":
            return pd.api.types.infer_dtype(column, skipna=True) in ("string", "empty")
    return False


def _quoted_header(name: str) -> str:
    return f'"{name.replace(chr(34), chr(34) * 2)}"' if re.search(_NEEDS_QUOTES, name) \
        else name


def _blocks(frame: pd.DataFrame) -> Iterator[memoryview]:
    """The frame's rows as UTF-8 CSV lines, ``_BLOCK_ROWS`` at a time."""
    for start in range(0, len(frame), _BLOCK_ROWS):
        block = frame.iloc[start:start + _BLOCK_ROWS]
        cells = [_cells(block[c]) for c in block.columns]
        lines = pc.binary_join_element_wise(*cells, ",")
        lines = pc.binary_join_element_wise(lines, "", "\n").cast(pa.large_string())
        if isinstance(lines, pa.ChunkedArray):    # text columns held in chunks by pandas
            lines = lines.combine_chunks()
        offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)
        first, last = offsets[lines.offset], offsets[lines.offset + len(lines)]
        yield memoryview(lines.buffers()[2])[first:last]


def _floats(values: np.ndarray) -> pa.Array:
    """64-bit floats as numpy's ``astype(str)`` writes them (the shortest text that reads back the
    same; ``1.0``, ``1e-05``, ``1e+16``), missing ones empty. Arrow's cast finds the same
    shortest digits but lays out whole numbers (``1``) and some large ones (``1e+12``)
    otherwise: whole numbers below 2**53 are written from their integers, Arrow's text is
    kept where it is positional and numpy's is, and numpy formats the rest."""
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(values)
        magnitude = np.abs(values)
        whole = finite & (np.trunc(values) == values) & (magnitude < 2.0**53)
        positional = finite & ~whole & (magnitude >= 1e-4) & (magnitude < 1e16)
    text = pa.array(values).cast(pa.string())
    positional &= ~pc.match_substring(text, "e").to_numpy(zero_copy_only=False)
    integers = pa.array(np.where(whole, values, 0).astype(np.int64)).cast(pa.string())
    integers = pc.if_else(pa.array(whole & (values == 0) & np.signbit(values)), "-0",
                          integers)
    text = pc.if_else(pa.array(whole), pc.binary_join_element_wise(integers, ".0", ""), text)
    rest = np.flatnonzero(~(whole | positional | np.isnan(values)))
    if len(rest):
        cells = text.to_numpy(zero_copy_only=False).astype(object)
        cells[rest] = values[rest].astype(str)
        text = pa.array(cells, type=pa.string())
    return pc.if_else(pa.array(np.isnan(values)), "", text)


def _cells(column: pd.Series) -> pa.Array:
    """One column's CSV cells as Arrow text, missing values empty: the text of pandas'
    ``to_csv`` (numpy's shortest repr for floats, ``True``/``False``, digits), quoted where
    Python's CSV writer quotes."""
    dtype = column.dtype
    if dtype == np.float64:
        return _floats(column.to_numpy())
    if isinstance(dtype, np.dtype) and dtype.kind == "f":    # numpy's own layout per width
        values = column.to_numpy()
        return pc.if_else(pa.array(np.isnan(values)), "", pa.array(values.astype(str)))
    if isinstance(dtype, np.dtype) and dtype.kind == "b":
        return pc.if_else(pa.array(column.to_numpy()), "True", "False")
    if dtype.kind in "iub":     # numpy integers, or pandas' nullable integers and booleans
        values = pa.array(column, from_pandas=True)
        text = (pc.if_else(values, "True", "False") if dtype.kind == "b"
                else values.cast(pa.string()))
        return pc.fill_null(text, "")
    text = pc.fill_null(pa.array(column, type=pa.string(), from_pandas=True), "")
    quote = pc.match_substring_regex(text, _NEEDS_QUOTES)
    if not pc.any(quote).as_py():
        return text
    escaped = pc.binary_join_element_wise(
        '"', pc.replace_substring(text, '"', '""'), '"', "")
    return pc.if_else(quote, escaped, text)
