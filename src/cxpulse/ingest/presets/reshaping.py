"""What several presets' ``reshape`` steps share: dropping a vendor's extra header rows,
finding the NPS question among columns named by their text, reading scores written with
their labels, and adding derived columns, always keeping each row's line number.

A derived column's name is in parentheses (``(nps answer)``): no export names a column so, so
it can never take the place of one of the file's own, and ``--map`` still wins over it (the
preset maps it like any other column).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa

from cxpulse.ingest.parse import TEXT
from cxpulse.ingest.readers import RawFile

NPS_ANSWER = "(nps answer)"
"""The derived column holding the answer to the NPS question, found by :func:`find_nps`."""
NPS = {
    "question_type": "nps",
    "scale_min": "0",
    "scale_max": "10",
    "polarity": "high_is_good",
    "question_id": "recommend",
}
"""The constants of an NPS answer (``question_id`` as cxpulse's own NPS surveys name it)."""
RECOMMEND = re.compile(r"recommend|net promoter|\bnps\b", re.IGNORECASE)
"""How an NPS question reads, in the column named by its text."""
REASON = re.compile(r"reason|\bwhy\b|comment|feedback|improve|tell us|anything else", re.IGNORECASE)
"""How the open follow-up question of an NPS survey reads."""
_LABELLED = re.compile(
    r"^\s*(\d{1,2})\s*(?:[-–:(]\s*[^\d\s-].*)?$|^.*[^\W\d_].*[-–:(]\s*(\d{1,2})\s*\)?\s*$"
)
"""``10 - Extremely likely``, ``Extremely likely - 10``, ``10 (Extremely likely)``; the label
must hold a letter, so ``-1`` or ``1-5`` are not read as scores."""


def text(values: Sequence[object] | pd.Series[Any], index: pd.Index | None = None) -> pd.Series:
    """Values as a text column (None stays null, anything else its ``str``)."""
    items = [None if v is None or (isinstance(v, float) and v != v) else str(v) for v in values]
    return pd.Series(pa.array(items, type=pa.string()), dtype=TEXT, index=index)


def with_frame(raw: RawFile, frame: pd.DataFrame, lines: Sequence[int] | None = None) -> RawFile:
    """``raw`` with another frame (and, when rows were dropped or added, their lines)."""
    kept = list(raw.lines) if lines is None else list(lines)
    return replace(raw, frame=frame.reset_index(drop=True), lines=kept)


def keep_rows(raw: RawFile, keep: Sequence[bool] | np.ndarray[Any, Any]) -> RawFile:
    """Only the rows where ``keep`` is true: a dropped row drops its line."""
    mask = np.asarray(keep, dtype=bool)
    lines = [line for line, kept in zip(raw.lines, mask, strict=True) if kept]
    return with_frame(raw, raw.frame[mask], lines)


def header_rows(raw: RawFile, count: int) -> tuple[list[list[str | None]], RawFile]:
    """The first ``count`` rows read as data, which a vendor writes as more header lines
    (question text, sub-headers), and the file without them. Rows whose cells are all
    blank were dropped by the reader already, so a blank extra header row is simply absent."""
    rows: list[list[str | None]] = []
    for i in range(min(count, len(raw.frame))):
        rows.append([None if pd.isna(v) else str(v) for v in raw.frame.iloc[i].tolist()])
    keep = np.ones(len(raw.frame), dtype=bool)
    keep[: len(rows)] = False
    return rows, keep_rows(raw, keep)


def blank(column: pd.Series) -> np.ndarray[Any, Any]:
    """Where a text column is null or only spaces."""
    return np.asarray(column.isna() | (column.fillna("").str.strip() == ""), dtype=bool)


def score_values(column: pd.Series) -> pd.Series:
    """Scores as numbers where they were written with their label (``10 - Extremely
    likely``); a value that is neither is kept as it is, so the import rejects it with its
    line."""

    def one(value: object) -> str | None:
        if value is None or pd.isna(value):  # type: ignore[call-overload]
            return None
        found = _LABELLED.match(str(value))
        if found is None:
            return str(value)
        return found.group(1) or found.group(2)

    return text([one(v) for v in column], column.index)


def _is_nps_scale(column: pd.Series) -> bool:
    values = column[~blank(column)].str.strip()
    if values.empty or not values.str.fullmatch(r"\d{1,2}").all():
        return False
    numbers = values.astype(int)
    # 1-5 or 1-7 ratings never reach 8; a 0-10 question reaches it in any real sample
    return bool(numbers.max() <= 10 and numbers.max() >= 8)


def find_nps(frame: pd.DataFrame, names: Sequence[str] | None = None) -> str | None:
    """The column answering the NPS question: the first named like one ("How likely are you
    to recommend..."), else the only one holding 0-10 whole numbers. ``names``: the
    question text of each column when the header holds ids (Qualtrics' second header row).
    None when no column or several qualify: ``--map THEIR_COLUMN=score`` says which."""
    columns = [str(c) for c in frame.columns]
    labels = list(names) if names is not None else columns
    for column, label in zip(columns, labels, strict=True):
        if RECOMMEND.search(label or "") and not REASON.search(label or ""):
            return column
    scaled = [c for c in columns if _is_nps_scale(frame[c])]
    return scaled[0] if len(scaled) == 1 else None


def find_reason(frame: pd.DataFrame, after: str, names: Sequence[str] | None = None) -> str | None:
    """The open follow-up question: the first column after the NPS one whose text reads like
    "What is the main reason for your score?"."""
    columns = [str(c) for c in frame.columns]
    labels = list(names) if names is not None else columns
    start = columns.index(after) + 1 if after in columns else 0
    for column, label in zip(columns[start:], labels[start:], strict=True):
        if REASON.search(label or ""):
            return column
    return None


def add_columns(
    raw: RawFile, columns: dict[str, pd.Series], origins: dict[str, str] | None = None
) -> RawFile:
    """``raw`` with derived columns added (or replaced); ``origins``: derived column -> the
    file's column it was read from, named in errors instead of the derived name."""
    frame = raw.frame.copy()
    for name, values in columns.items():
        frame[name] = text(list(values), frame.index)
    return replace(with_frame(raw, frame), origins={**raw.origins, **(origins or {})})


def map_values(
    column: pd.Series, convert: Callable[[str], str | None], *, keep_unknown: bool = True
) -> pd.Series:
    """Each non-blank value through ``convert``; where it returns None the value is kept
    (``keep_unknown``) so the import can reject it with its line, or blanked."""
    out: list[str | None] = []
    for value in column:
        if value is None or pd.isna(value) or not str(value).strip():
            out.append(None)
            continue
        converted = convert(str(value).strip())
        out.append(converted if converted is not None or not keep_unknown else str(value))
    return text(out, column.index)


def unix_seconds(value: str) -> str | None:
    """A Unix timestamp (seconds, as an API writes it) as an ISO UTC timestamp."""
    if not re.fullmatch(r"\d{9,11}(\.\d+)?", value):
        return None
    return datetime.fromtimestamp(float(value), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def unix_micros(value: object) -> str | None:
    """Microseconds since the epoch (GA4's event_timestamp) as an ISO UTC timestamp."""
    if value is None or not re.fullmatch(r"\d{1,19}", str(value)):
        return None
    micros = int(str(value))
    stamp = datetime.fromtimestamp(micros // 1_000_000, tz=UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S") + f".{micros % 1_000_000:06d}Z"


def zoned(value: str, zone: ZoneInfo) -> str | None:
    """A local ``YYYY-MM-DD HH:MM:SS`` time in ``zone`` as ISO with its UTC offset."""
    try:
        local = datetime.fromisoformat(value.replace(" ", "T", 1))
    except ValueError:
        return None
    if local.tzinfo is not None:
        return local.isoformat()
    return local.replace(tzinfo=zone).isoformat()
