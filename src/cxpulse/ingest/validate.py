"""Check rows of text against a canonical table and type them.

:func:`validate_frame` is shared by file imports and the HTTP API: it reads every column with
the parser for its kind, applies the column rules (required, min/max, choices), fills the
defaults a table declares, runs the table's row rules and refuses duplicate keys. It returns
the rows that passed, typed, and one :class:`~cxpulse.errors.Problem` per broken rule.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from cxpulse.errors import Problem
from cxpulse.ingest import rules
from cxpulse.ingest.parse import (
    TEXT,
    Mask,
    Parsed,
    as_text,
    flag,
    parse_bool,
    parse_float,
    parse_int,
    parse_string,
    parse_timestamp,
)
from cxpulse.ingest.report import RowProblem
from cxpulse.schema import Column, Table
from cxpulse.settings import Settings

TYPED_DTYPES: dict[str, str | pd.ArrowDtype] = {
    "string": TEXT,
    "int": "Int64",
    "float": "Float64",
    "bool": "boolean",
    "timestamp": "datetime64[ns]",
}
"""The pandas dtype of each column kind in a validated frame (timestamps are naive UTC)."""

REQUIRED = "required; this cell is empty"

# (rows, column, message): the message is one text, or one text per row of the frame.
_Found = tuple[Mask, str, "str | pd.Series[Any]"]


def parse_column(
    column: Column, text: pd.Series[Any], settings: Settings, date_format: str | None = None
) -> Parsed:
    """Read one column's text as its kind, with the column's own rules checked;
    ``date_format`` reads timestamps with that one format (see ``parse_timestamp``)."""
    if column.kind == "string":
        parsed = parse_string(text, column.choices)
    elif column.kind == "int":
        parsed = parse_int(text)
    elif column.kind == "float":
        parsed = parse_float(text)
    elif column.kind == "bool":
        parsed = parse_bool(text)
    else:
        parsed = parse_timestamp(text, settings.zone, settings.dayfirst, date_format)
    if column.required:
        parsed.failures.append((text.isna().to_numpy(), REQUIRED))
    if column.min is not None:
        parsed.failures.append(
            (flag(parsed.values < column.min), f"must be at least {column.min:g}")
        )
    if column.max is not None:
        parsed.failures.append(
            (flag(parsed.values > column.max), f"must be at most {column.max:g}")
        )
    return parsed


def validate_frame(
    raw: pd.DataFrame,
    table: Table,
    settings: Settings,
    *,
    file_label: str,
    lines: list[int],
    line_word: str = "line",
    notes: list[str] | None = None,
    date_format: str | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Type and check ``raw`` (canonical column names, cells as text or None).

    ``notes``, when given, receives one line per choice made while reading that the user
    should hear of, such as the day/month order assumed for a date column. ``date_format``
    reads every timestamp column with that strftime format (e.g. ``%Y%m%d``).

    Returns the rows without problems, with every column of ``table`` (absent ones empty), in
    the dtypes of :data:`TYPED_DTYPES` and with ``raw``'s index; and the problems, ordered by
    line, where ``lines[i]`` is the line row ``i`` of ``raw`` came from. A row with any
    problem is left out whole.
    """
    if len(lines) != len(raw):
        raise ValueError(f"lines has {len(lines)} numbers for {len(raw)} rows")
    # Work on positions: the caller's index may hold anything, even repeated labels.
    index, raw = raw.index, raw.reset_index(drop=True)
    texts: dict[str, pd.Series[Any]] = {}
    typed: dict[str, pd.Series[Any]] = {}
    found: list[_Found] = []
    for column in table.columns:
        if column.name in raw.columns:
            text = as_text(raw[column.name])
        else:
            text = pd.Series(None, index=raw.index, dtype=TEXT)
        parsed = parse_column(column, text, settings, date_format)
        texts[column.name] = text
        typed[column.name] = parsed.values
        found.extend((mask, column.name, message) for mask, message in parsed.failures)
        if notes is not None:
            notes.extend(f"{column.name}: {note}" for note in parsed.notes)

    frame = pd.DataFrame(typed, index=raw.index)
    fill = rules.DEFAULTS.get(table.name)
    if fill is not None:
        frame = fill(frame)
    for rule in table.rules:
        bad = flag(rules.CHECKS[rule.check](frame))
        detail = rules.DETAILS.get(rule.check)
        if detail is not None and bad.any():
            message: str | pd.Series[Any] = rule.message + " " + detail(frame)
        else:
            message = rule.message
        found.append((bad, rule.column, message))
    found.extend(_duplicate_keys(frame, table.key, np.asarray(lines), line_word))

    problems = _problems(found, texts, table, file_label, lines, line_word)
    rejected = np.zeros(len(raw), dtype=np.bool_)
    for mask, _, _ in found:
        rejected |= mask
    kept = frame[~rejected]
    kept.index = index[~rejected]
    return kept, problems


def _duplicate_keys(
    frame: pd.DataFrame, key: str, lines: np.ndarray[Any, Any], line_word: str
) -> list[_Found]:
    keys = frame[key]
    repeated = flag(keys.duplicated(keep=False) & keys.notna())
    if not repeated.any():
        return []
    where = pd.Series(lines[repeated], index=keys[repeated].to_numpy())
    listed = where.groupby(level=0).agg(lambda ls: ", ".join(map(str, ls)))
    message = pd.Series(index=frame.index, dtype=object)
    message[repeated] = (
        f"the same {key} is on {line_word}s "
        + listed.reindex(keys[repeated].to_numpy()).to_numpy()
        + f"; each row needs its own {key}"
    )
    return [(repeated, key, message)]


def _problems(
    found: list[_Found],
    texts: dict[str, pd.Series[Any]],
    table: Table,
    file_label: str,
    lines: list[int],
    line_word: str,
) -> list[Problem]:
    make = Problem if line_word == "line" else partial(RowProblem, word=line_word)
    order = {name: i for i, name in enumerate(table.names)}
    problems: list[Problem] = []
    for mask, column, message in found:
        rows = np.flatnonzero(mask)
        if not len(rows):
            continue
        values = texts[column].iloc[rows].tolist()
        if isinstance(message, str):
            messages = [message] * len(rows)
        else:
            messages = message.iloc[rows].tolist()
        problems.extend(
            make(file_label, lines[row], column, None if value is pd.NA else value, text)
            for row, value, text in zip(rows, values, messages, strict=True)
        )
    problems.sort(key=lambda p: (p.line, order.get(p.column, -1)))
    return problems
