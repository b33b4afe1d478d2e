"""Read a sheet of an Excel (.xlsx, .xlsm, .xlsb, .xls) or OpenDocument (.ods) workbook into
rows of text, with the sheet's own row numbers as line numbers.

python-calamine reads the workbook (see pyproject.toml for why). Cells keep the type Excel gave
them, so they are written out as the text a CSV export would hold: a date cell as
``2025-12-31 14:05:00`` (never ambiguous, whatever the day/month setting), a whole number as
``3`` (Excel stores every number as a float), true/false for booleans.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyarrow as pa

from cxpulse.errors import ConfigError, ImportRejected
from cxpulse.ingest.parse import TEXT

SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")


def cell_text(value: object) -> str | None:
    """One cell as text; None for an empty cell."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        # 2**53: beyond it a float no longer holds every whole number exactly
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip() or None


def read_sheet(path: Path, sheet: str | None) -> tuple[list[list[str | None]], list[int], str]:
    """The rows of ``sheet`` (default: the first) as text, the 1-based row number of each and
    the sheet's name; rows with no value are left out."""
    from python_calamine import CalamineError, load_workbook

    try:
        book = load_workbook(str(path))
    except (CalamineError, OSError, ValueError) as exc:
        raise ImportRejected(f"{path.name} is not a readable workbook ({exc}).") from exc
    names = list(book.sheet_names)
    if not names:
        raise ImportRejected(f"{path.name} has no sheets.")
    if sheet is None:
        sheet = names[0]
    elif sheet not in names:
        raise ConfigError(f"{path.name} has no sheet {sheet!r}; its sheets are: {', '.join(names)}")
    cells = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    rows: list[list[str | None]] = []
    lines: list[int] = []
    for number, row in enumerate(cells, start=1):
        texts = [cell_text(v) for v in row]
        if any(t is not None for t in texts):
            rows.append(texts)
            lines.append(number)
    return rows, lines, sheet


def text_frame(rows: list[list[str | None]], names: list[str]) -> pd.DataFrame:
    """Rows of text as a frame of Arrow text columns named ``names`` (short rows padded)."""
    width = len(names)
    columns = {
        name: pd.Series(
            pa.array([r[i] if i < len(r) else None for r in rows], type=pa.string()), dtype=TEXT
        )
        for i, name in enumerate(names)
    }
    frame = pd.DataFrame(columns, index=pd.RangeIndex(len(rows)))
    assert frame.shape[1] == width
    return frame
