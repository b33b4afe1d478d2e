"""Small tools the presets' ``reshape`` hooks share: a vendor's export turned into the rows the
preset maps, always as text and always keeping each row's line (``RawFile.lines``): nested JSON
flattened, words recoded, durations turned into times, a vendor's extra header rows dropped,
the NPS question found among columns named by their text, scores written with their labels
read, derived columns added.

A derived column's name is in parentheses (``(nps answer)``): no export names a column so, so
it can never take the place of one of the file's own, and ``--map`` still wins over it (the
preset maps it like any other column).

A value a tool cannot read is passed on unchanged, never dropped: the import's checks then
reject it with the file's own line, as they would any bad cell.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa

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


def keep_rows(raw: RawFile, keep: Sequence[bool] | np.ndarray[Any, Any]) -> RawFile:
    """Only the rows where ``keep`` is true, each with its own line (a dropped row drops its
    line)."""
    mask = np.asarray(keep, dtype=bool)
    lines = [line for line, kept in zip(raw.lines, mask, strict=True) if kept]
    return replace(raw, frame=raw.frame[mask].reset_index(drop=True), lines=lines)


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


# -- survey tools' exports: extra header rows, questions named by their text --------------

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


FOLLOW_UP = "(follow-up answer)"


def nps_columns(frame: pd.DataFrame) -> tuple[dict[str, pd.Series], dict[str, str]]:
    """The NPS answer (:data:`NPS_ANSWER`) and its follow-up (:data:`FOLLOW_UP`) of an export
    that names its columns by their question, with the file's column each came from; empty
    when no column reads as the NPS question."""
    added: dict[str, pd.Series] = {}
    origins: dict[str, str] = {}
    nps = find_nps(frame)
    if nps is not None:
        added[NPS_ANSWER] = score_values(frame[nps])
        origins[NPS_ANSWER] = nps
        reason = find_reason(frame, nps)
        if reason is not None:
            added[FOLLOW_UP] = frame[reason]
            origins[FOLLOW_UP] = reason
    return added, origins


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
