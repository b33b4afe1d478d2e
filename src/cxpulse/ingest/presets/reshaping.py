"""Small tools the presets' ``reshape`` hooks share: a vendor's export turned into the rows the
preset maps, always as text and always keeping each row's line (``RawFile.lines``).

A value a tool cannot read is passed on unchanged, never dropped: the import's checks then
reject it with the file's own line, as they would any bad cell.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from cxpulse.errors import ConfigError
from cxpulse.ingest.parse import TEXT, read_float
from cxpulse.ingest.readers import RawFile


def loose(name: str) -> str:
    """A header name with case and spacing ignored (as :class:`Preset` matches them)."""
    return " ".join(str(name).strip().lower().split())


def pick(frame: pd.DataFrame, *names: str) -> pd.Series[Any]:
    """The first of the named columns the frame has (any case or spacing), stripped text
    with None for a blank cell; all None when it has none of them."""
    by_loose = {loose(c): c for c in reversed(list(frame.columns))}
    for name in names:
        found = by_loose.get(loose(name))
        if found is not None:
            cells = [None if pd.isna(v) else v for v in frame[found]]
            return pd.Series(cells, index=frame.index, dtype=object).map(_blank_none)
    return pd.Series([None] * len(frame), index=frame.index, dtype=object)


def coalesce(frame: pd.DataFrame, *names: str) -> pd.Series[Any]:
    """Row by row, the first of the named columns with a value (a conversation's title,
    else its email's subject)."""
    found = [pick(frame, name) for name in names]
    return combine(found, lambda *values: next((v for v in values if v is not None), None))


def _blank_none(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def require(raw: RawFile, preset: str, *names: str, why: str = "reads its rows from") -> None:
    """Refuse a file with none of the named columns (any case or spacing): without the column
    its rows are about, a preset would import nothing, or the wrong rows, and say it
    succeeded. ``why``: what the preset needs the column for."""
    have = {loose(str(c)) for c in raw.frame.columns}
    if not any(loose(n) in have for n in names):
        expected = " or ".join(f'"{n}"' for n in names)
        raise ConfigError(
            f"{raw.label} has no {expected} column, which the {preset} preset {why}: is it "
            f"the export that preset is for?"
        )


def with_columns(
    raw: RawFile, columns: Mapping[str, pd.Series[Any]], used: tuple[str, ...] = ()
) -> RawFile:
    """``raw`` with these columns added or replaced (as text; None stays empty). A column of
    the file the import would match to the same name by itself ("Priority" for
    ``priority``) is replaced too, so the reshaped value is the one imported. The file's
    columns named in ``used`` (any case) were read to make these and are dropped, so the
    import's report lists as ignored only what no column took."""
    frame = raw.frame.drop(
        columns=[c for c in raw.frame.columns if loose(str(c)) in {loose(u) for u in used}]
    )
    for name, values in columns.items():
        same = [c for c in frame.columns if c != name and _by_name(str(c)) == _by_name(name)]
        frame = frame.drop(columns=same)
        frame[name] = pd.Series(list(values), index=frame.index, dtype=object).astype(TEXT)
    return replace(raw, frame=frame)


def _by_name(name: str) -> str:
    return name.strip().lower().replace(" ", "_")  # as the import matches a column by name


def keep_rows(raw: RawFile, keep: np.ndarray[Any, np.dtype[np.bool_]]) -> RawFile:
    """Only the rows where ``keep`` is true, each with its own line."""
    lines = [line for line, kept in zip(raw.lines, keep, strict=True) if kept]
    return replace(raw, frame=raw.frame[keep].reset_index(drop=True), lines=lines)


def flatten_json(raw: RawFile) -> RawFile:
    """Nested JSON objects (a JSON export's ``via``, ``satisfaction_rating``) as dotted
    columns, ``via.channel``, ``satisfaction_rating.score``, at any depth; the nested column
    itself stays. A file with no nested object is returned as it is."""
    added: dict[str, list[str | None]] = {}
    for name in raw.frame.columns:
        values = list(raw.frame[name])
        if not any(isinstance(v, str) and v.startswith("{") for v in values):
            continue
        flat = [_flat(_object(v), str(name)) for v in values]
        for key in dict.fromkeys(k for row in flat for k in row):
            if key not in raw.frame.columns:
                added[key] = [row.get(key) for row in flat]
    if not added:
        return raw
    parents = [str(n) for n in raw.frame.columns if any(k.startswith(f"{n}.") for k in added)]
    # the nested object itself is dropped: its fields are columns of their own now
    return with_columns(raw, {k: pd.Series(v) for k, v in added.items()}, used=tuple(parents))


def _object(value: Any) -> dict[str, Any]:
    if not isinstance(value, str) or not value.startswith("{"):
        return {}
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _flat(obj: dict[str, Any], prefix: str) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for key, value in obj.items():
        name = f"{prefix}.{key}"
        if isinstance(value, dict):
            out.update(_flat(value, name))
        elif isinstance(value, list):
            out[name] = json.dumps(value, ensure_ascii=False)
        elif isinstance(value, bool):
            out[name] = "true" if value else "false"
        else:
            out[name] = None if value is None else str(value)
    return out


def recode(
    values: pd.Series[Any], codes: Mapping[str, str | None], other: str | None = None
) -> pd.Series[Any]:
    """Each value through ``codes`` (their word -> ours, case and spacing ignored); a value
    not listed becomes ``other`` when given, else passes unchanged (the import then says
    what is wrong with it); an empty cell stays empty."""
    table = {loose(k): v for k, v in codes.items()}

    def one(value: Any) -> str | None:
        if value is None:
            return None
        key = loose(value)
        if key in table:
            return table[key]
        return other if other is not None else str(value)

    return values.map(one)


def number(value: Any) -> float | None:
    """A number as the import reads one (``1234.50``, ``-3``, ``49,00``, ``1 234,56``,
    ``1,234.50``: :func:`~cxpulse.ingest.parse.read_float`), else None, as for one beyond a
    float (``1e400``) or not finite: the caller then passes the text on and the import rejects
    it with its line."""
    if value is None:
        return None
    return read_float(str(value))


def combine(
    frame_values: list[pd.Series[Any]], compute: Callable[..., str | None]
) -> pd.Series[Any]:
    """``compute`` over the aligned values of several columns, row by row."""
    index = frame_values[0].index
    rows = zip(*(list(s) for s in frame_values), strict=True)
    return pd.Series([compute(*row) for row in rows], index=index, dtype=object)


def timestamp(value: Any) -> pd.Timestamp | None:
    """An ISO 8601 or spreadsheet-style time (``2025-07-01 08:30:00 +0200``), else None."""
    if value is None:
        return None
    try:
        moment = pd.Timestamp(str(value).strip())
    except (ValueError, TypeError, OverflowError):
        return None
    return None if pd.isna(moment) else moment


def after(start: Any, amount: Any, unit: str) -> str | None:
    """``start`` plus ``amount`` ``unit`` ("minutes", "hours", "seconds") as ISO text: a
    vendor that reports "first reply after 95 minutes" rather than the moment. None when
    either is missing; ``amount`` as given when it is no number (the import rejects it)."""
    if start is None or amount is None:
        return None
    moment = timestamp(start)
    length = number(amount)
    if length is None:
        hours = _hours_minutes(amount) if unit == "hours" else None
        if hours is None:
            return str(amount)
        length = hours
    if moment is None:
        return None  # the row's own start is checked (and reported) by the import
    shifted: pd.Timestamp = moment + timedelta(**{unit: length})
    return shifted.isoformat()


def _hours_minutes(value: Any) -> float | None:
    """``"01:30"`` or ``"01:30:15"`` (how some exports write hours) as hours."""
    parts = str(value).strip().split(":")
    if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
        return None
    h, m, *s = (int(p) for p in parts)
    return h + m / 60 + (s[0] if s else 0) / 3600


def from_epoch(value: Any) -> str | None:
    """Seconds since 1970 (an API's ``created_at``) as ISO UTC text; anything else as given
    (an ISO time passes through; the import rejects what is no time)."""
    if value is None:
        return None
    text = str(value).strip()
    if not text.lstrip("-").isdigit():
        return text
    try:
        moment = pd.Timestamp(int(text), unit="s", tz="UTC")
    except (ValueError, OverflowError):
        return text
    return moment.isoformat()


def without(raw: RawFile, *names: str) -> RawFile:
    """``raw`` without these columns (any case or spacing): a vendor's column the import
    would otherwise match by name to a canonical one that means something else (Shopify's
    ``Source`` is a sales channel, not where the row came from)."""
    drop = {loose(n) for n in names}
    gone = [c for c in raw.frame.columns if loose(str(c)) in drop]
    return replace(raw, frame=raw.frame.drop(columns=gone)) if gone else raw
