"""Read the text of a column's cells as typed values, the whole column at once.

Each parser takes a column of text (pandas Arrow strings, stripped, null where the cell was
empty) and returns the typed column plus the rows it could not read and why. The work runs in
Arrow's compute kernels through the pandas ``str`` accessor, never row by row in Python: a
million-row column takes well under a second.

What is accepted, because real exports look like this:

* numbers: ``4.5``, ``4,5``, ``1 234,56`` (space, no-break space or narrow no-break space
  between groups of three digits), ``1.234,56``, ``1,234.56``, ``-3``, ``1e3``. A lone comma is
  a decimal comma (``1,234`` is 1.234), as in French exports.
* whole numbers: as numbers, but the value must be whole: ``4`` and ``4,0`` are 4, ``4,5`` is
  refused rather than rounded.
* booleans: true/false, yes/no, oui/non, vrai/faux, 1/0, in any case.
* timestamps: ``2025-12-31``, ``2025-12-31 14:05``, ``2025-12-31T14:05:00.123``,
  ``31/12/2025``, ``31/12/2025 14:05`` (also with ``.`` or ``-`` between the date fields), and
  any of the year-first forms with an offset: ``...+01:00``, ``...+0100``, ``...Z``. A value
  with an offset is converted to UTC. A value without one is local time in the workspace's
  time zone: a time that does not exist (clocks jumping forward) is moved forward by the gap,
  an ambiguous one (clocks going back) is read as its first occurrence. The result is a naive
  UTC timestamp with microsecond precision, which is what the store keeps.
* day/month order of ``dd/mm/yyyy`` dates is decided per column: a first field above 12 proves
  day-first, a second field above 12 proves month-first; proof of both is an error, no proof
  falls back to the ``dayfirst`` setting.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from cxpulse.errors import ConfigError

TEXT = pd.ArrowDtype(pa.string())

Mask = npt.NDArray[np.bool_]

NUMBER_EXPECTED = "not a number; expected e.g. 4.5, 4,5 or 1 234,56"
WHOLE_EXPECTED = "not a whole number; expected e.g. 4 or 1 234 (4,0 is read as 4, 4,5 is refused)"
INT_TOO_LARGE = (
    "too large for this column: whole numbers go from -9,223,372,036,854,775,808 to "
    "9,223,372,036,854,775,807"
)
FLOAT_TOO_LARGE = "too large for this column: numbers go up to about 1.8e308"
BOOL_EXPECTED = (
    "not a yes/no value; expected one of true, false, yes, no, oui, non, vrai, faux, 1, 0"
)
DATE_EXPECTED = (
    "not a date; expected e.g. 2025-12-31 14:05, 31/12/2025 14:05, 31/12/2025 "
    "or 2025-12-31T14:05:00+01:00"
)
DAY_MONTH_CLASH = (
    "day/month order unclear: this column has day-first dates (such as {day!r}) and "
    "month-first dates (such as {month!r}); write all dates in one order, or as 2025-12-31"
)

_SPACES = "[ \u00a0\u202f]"
_SPACED_THOUSANDS = rf"[+-]?\d{{1,3}}(?:{_SPACES}\d{{3}})+(?:[.,]\d*)?"
_DOT_THOUSANDS = r"[+-]?\d{1,3}(?:\.\d{3})+,\d*"
_COMMA_THOUSANDS = r"[+-]?\d{1,3}(?:,\d{3})+\.\d*"
_PLAIN_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_SPACE_RE = re.compile(_SPACES)
_SPACED_RE = re.compile(_SPACED_THOUSANDS)
_DOT_RE = re.compile(_DOT_THOUSANDS)
_COMMA_RE = re.compile(_COMMA_THOUSANDS)
_PLAIN_RE = re.compile(_PLAIN_NUMBER)
_WHOLE = r"[+-]?\d+(?:\.0*)?"

_TIME = (
    r"(?:[T ]+(?P<hour>\d{1,2}):(?P<minute>\d{2})"
    r"(?::(?P<second>\d{2})(?:[.,](?P<frac>\d{1,9}))?)?)?"
)
_YEAR_FIRST = (
    r"^(?P<year>\d{4})[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})"
    + _TIME
    + r"\s*(?P<tz>[Zz]|UTC|[+-]\d{2}(?::?\d{2})?)?$"
)
_DAY_OR_MONTH_FIRST = (
    r"^(?P<first>\d{1,2})[-/.](?P<second_field>\d{1,2})[-/.](?P<year>\d{4})" + _TIME + "$"
)

_TRUE = ("true", "yes", "oui", "vrai", "1", "y", "o", "t")
_FALSE = ("false", "no", "non", "faux", "0", "n", "f")


@dataclass
class Parsed:
    """A typed column and, for each rule it broke, the rows that broke it."""

    values: pd.Series[Any]
    failures: list[tuple[Mask, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Choices made while reading that the user should hear of (the day/month order)."""


def flag(column: pd.Series[Any]) -> Mask:
    """A nullable boolean column as a plain numpy mask; null counts as False."""
    return np.asarray(column.fillna(False).to_numpy(dtype=bool), dtype=np.bool_)


def stringify(value: object) -> str | None:
    """The text of one value from a typed source (JSON, an API body), as a file would hold it."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return None if value != value else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)


def as_text(column: pd.Series[Any]) -> pd.Series[Any]:
    """Any column of strings/None as stripped Arrow text, null where the cell is blank."""
    if column.dtype != TEXT:
        try:
            array = pa.array(column, type=pa.string(), from_pandas=True)
        except (pa.ArrowTypeError, pa.ArrowInvalid):
            # Python objects of mixed types (an API body): fall back to one value at a time.
            array = pa.array([stringify(v) for v in column.tolist()], type=pa.string())
        column = pd.Series(array, index=column.index, dtype=TEXT)
    stripped = column.str.strip()
    return stripped.where(stripped.str.len() > 0)


def parse_string(text: pd.Series[Any], choices: tuple[str, ...] | None = None) -> Parsed:
    if not choices:
        return Parsed(text)
    # Exports often capitalise codes ("NPS", "Email"): match choices regardless of case.
    lowered = text.str.lower()
    canonical = {c.lower(): c for c in choices}
    known = flag(lowered.isin(list(canonical)))
    if all(c == c.lower() for c in choices):
        spelled = lowered
    else:
        spelled = lowered.map(canonical).astype(TEXT)
    values = text.where(~known, spelled)
    bad = text.notna().to_numpy() & ~known
    return Parsed(values, [(bad, "must be one of: " + ", ".join(choices))])


def _number_text(text: pd.Series[Any]) -> pd.Series[Any]:
    """Rewrite the locale forms of numbers as plain ``1234.56`` text (others left as they are)."""
    if flag(text.str.contains(_SPACES, regex=True)).any():
        spaced = flag(text.str.fullmatch(_SPACED_THOUSANDS))
        text = text.where(~spaced, text.str.replace(_SPACES, "", regex=True))
    if flag(text.str.contains(",", regex=False)).any():
        dot_groups = flag(text.str.fullmatch(_DOT_THOUSANDS))
        text = text.where(~dot_groups, text.str.replace(".", "", regex=False))
        comma_groups = flag(text.str.fullmatch(_COMMA_THOUSANDS))
        text = text.where(~comma_groups, text.str.replace(",", "", regex=False))
        text = text.str.replace(",", ".", regex=False)
    return text


def read_float(value: str) -> float | None:
    """One cell read as :func:`parse_float` reads a column (``4,5``, ``1 234,56``,
    ``1,234.50``), None when it is no number or beyond a float (``1e400``): for code that
    reads a value at a time (the presets' reshapes), without a second number rule. The
    steps are :func:`_number_text`'s, cell by cell (a property test holds them equal)."""
    text = value.strip()
    if _SPACE_RE.search(text) and _SPACED_RE.fullmatch(text):
        text = _SPACE_RE.sub("", text)
    if "," in text:
        if _DOT_RE.fullmatch(text):
            text = text.replace(".", "")
        if _COMMA_RE.fullmatch(text):
            text = text.replace(",", "")
        text = text.replace(",", ".")
    if not _PLAIN_RE.fullmatch(text):
        return None
    number = float(text)
    return number if math.isfinite(number) else None


def parse_float(text: pd.Series[Any]) -> Parsed:
    plain = _number_text(text)
    ok = flag(plain.str.fullmatch(_PLAIN_NUMBER))
    values = pd.Series(np.nan, index=text.index, dtype="Float64")
    if ok.any():
        values[ok] = plain[ok].astype("float64").to_numpy()
    # 1e400 reads as infinity, which no sum or mean survives: the store's DOUBLE stops there
    huge = ok & flag(values.abs() == np.inf)
    values[huge] = np.nan
    bad = text.notna().to_numpy() & ~ok
    return Parsed(values, [(bad, NUMBER_EXPECTED), (huge, FLOAT_TOO_LARGE)])


_INT64_DIGITS = {"+": "9223372036854775807", "-": "9223372036854775808"}


def _beyond_int64(digits: pd.Series[Any]) -> Mask:
    """Whole-number text outside the store's BIGINT, compared as text (no overflow)."""
    negative = flag(digits.str.startswith("-"))
    magnitude = digits.str.lstrip("+-").str.lstrip("0")
    length = magnitude.str.len().to_numpy(dtype=np.int64, na_value=0)
    limit = pd.Series(
        np.where(negative, _INT64_DIGITS["-"], _INT64_DIGITS["+"]), index=digits.index, dtype=TEXT
    )
    # same length: the lexical order of digit strings is their numeric order
    return np.asarray((length > 19) | ((length == 19) & flag(magnitude > limit)), dtype=np.bool_)


def parse_int(text: pd.Series[Any]) -> Parsed:
    plain = _number_text(text)
    whole = flag(plain.str.fullmatch(_WHOLE))
    values = pd.Series(pd.NA, index=text.index, dtype="Int64")
    huge = np.zeros(len(text), dtype=np.bool_)
    if whole.any():
        digits = plain[whole].str.replace(r"\.0*$", "", regex=True)
        huge[whole] = _beyond_int64(digits)
        fits = whole & ~huge
        values[fits] = (
            digits[~huge[whole]].astype(pd.ArrowDtype(pa.int64())).to_numpy(dtype=np.int64)
        )
    bad = text.notna().to_numpy() & ~whole
    return Parsed(values, [(bad, WHOLE_EXPECTED), (huge, INT_TOO_LARGE)])


def parse_bool(text: pd.Series[Any]) -> Parsed:
    lowered = text.str.lower()
    true = flag(lowered.isin(list(_TRUE)))
    false = flag(lowered.isin(list(_FALSE)))
    values = pd.Series(pd.NA, index=text.index, dtype="boolean")
    values[true] = True
    values[false] = False
    bad = text.notna().to_numpy() & ~(true | false)
    return Parsed(values, [(bad, BOOL_EXPECTED)])


def _group(parts: pd.DataFrame, name: str) -> pd.Series[Any]:
    """One extracted group; Arrow gives "" for an optional group that did not match."""
    column = parts[name]
    return column.where(column.str.len() > 0)


def _ints(parts: pd.DataFrame, name: str, default: int = 0) -> npt.NDArray[np.int64]:
    column = _group(parts, name)
    return np.asarray(
        column.astype(pd.ArrowDtype(pa.int64())).to_numpy(dtype=np.int64, na_value=default),
        dtype=np.int64,
    )


def _assemble(parts: pd.DataFrame, year: str, month: str, day: str) -> pd.Series[Any]:
    """Naive datetimes from extracted text parts; NaT where the date does not exist."""
    frac = _group(parts, "frac").str.pad(9, side="right", fillchar="0")
    fields = pd.DataFrame(
        {
            "year": _ints(parts, year),
            "month": _ints(parts, month),
            "day": _ints(parts, day),
            "hour": _ints(parts, "hour"),
            "minute": _ints(parts, "minute"),
            "second": _ints(parts, "second"),
            "ns": _ints(pd.DataFrame({"frac": frac}), "frac"),
        },
        index=parts.index,
    )
    # Out-of-range hours are not caught by to_datetime's assembly (it adds them as a delta).
    valid = (fields["hour"] < 24) & (fields["minute"] < 60) & (fields["second"] < 60)
    stamps = pd.to_datetime(fields, errors="coerce")
    return stamps.where(valid)


def _offset_minutes(tz: pd.Series[Any]) -> npt.NDArray[np.int64]:
    digits = tz.str.replace(":", "", regex=False)
    numeric = flag(digits.str.fullmatch(r"[+-]\d{2}(?:\d{2})?"))
    minutes = np.zeros(len(tz), dtype=np.int64)
    if numeric.any():
        sign_hhmm = digits[numeric].str.pad(5, side="right", fillchar="0")
        hours = sign_hhmm.str.slice(1, 3).astype(pd.ArrowDtype(pa.int64())).to_numpy(dtype=np.int64)
        mins = sign_hhmm.str.slice(3, 5).astype(pd.ArrowDtype(pa.int64())).to_numpy(dtype=np.int64)
        sign = np.where(sign_hhmm.str.slice(0, 1).to_numpy() == "-", -1, 1)
        minutes[numeric] = sign * (hours * 60 + mins)
    return minutes


# pandas resolves a zone name with pytz, fast but without transitions after 2037; a ZoneInfo
# is right for every year but about 70 times slower. Use each where it is right.
_PYTZ_UNTIL = pd.Timestamp("2037-01-01")


def _local_to_utc(stamps: pd.Series[Any], zone: ZoneInfo) -> pd.Series[Any]:
    if zone.key == "UTC":
        return stamps
    utc = pd.Series(pd.NaT, index=stamps.index, dtype="datetime64[ns]")
    late = (stamps >= _PYTZ_UNTIL).to_numpy()
    for rows, tz in ((~late, zone.key), (late, zone)):
        if not rows.any():
            continue
        index = pd.DatetimeIndex(stamps[rows])
        local = index.tz_localize(
            tz,
            # True marks the daylight-saving reading of an ambiguous time: its first occurrence.
            ambiguous=np.ones(len(index), dtype=bool),
            nonexistent="shift_forward",
        )
        utc[rows] = local.tz_convert("UTC").tz_localize(None).to_numpy()
    return utc


def parse_timestamp(
    text: pd.Series[Any], zone: ZoneInfo, dayfirst: bool, fmt: str | None = None
) -> Parsed:
    """``fmt`` (strftime codes, e.g. ``%Y%m%d``) reads every value with that one format
    instead of recognising the forms listed above."""
    if fmt is not None:
        return _parse_with_format(text, zone, fmt)
    values = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    failures: list[tuple[Mask, str]] = []
    notes: list[str] = []
    present = text.notna().to_numpy()
    read = np.zeros(len(text), dtype=np.bool_)

    iso = text.str.extract(_YEAR_FIRST)
    iso_rows = flag(_group(iso, "year").notna())
    if iso_rows.any():
        parts = iso[iso_rows]
        stamps = _assemble(parts, "year", "month", "day")
        tz = _group(parts, "tz")
        has_offset = flag(tz.notna())
        utc = stamps.copy()
        if has_offset.any():
            shift = pd.to_timedelta(_offset_minutes(tz[has_offset]), unit="m")
            utc[has_offset] = stamps[has_offset] - shift
        if (~has_offset).any():
            utc[~has_offset] = _local_to_utc(stamps[~has_offset], zone)
        values[iso_rows] = utc.to_numpy()
        read[iso_rows] = True

    rest = present & ~iso_rows
    if rest.any():
        positions = np.flatnonzero(rest)
        slash = text.iloc[positions].str.extract(_DAY_OR_MONTH_FIRST)
        matched = flag(_group(slash, "year").notna())
        slash, rows = slash[matched], positions[matched]
        if len(slash):
            first = _ints(slash, "first")
            second = _ints(slash, "second_field")
            proves_day = (first > 12) & (second <= 12)
            proves_month = (second > 12) & (first <= 12)
            if proves_day.any() and proves_month.any():
                message = DAY_MONTH_CLASH.format(
                    day=text.iloc[rows[proves_day][0]], month=text.iloc[rows[proves_month][0]]
                )
                clash = np.zeros(len(text), dtype=np.bool_)
                clash[rows] = True
                failures.append((clash, message))
                read[rows] = True
            else:
                day_first = bool(proves_day.any()) or (not proves_month.any() and dayfirst)
                order = ("second_field", "first") if day_first else ("first", "second_field")
                stamps = _assemble(slash, "year", *order)
                values.iloc[rows] = _local_to_utc(stamps, zone).to_numpy()
                read[rows] = True
                proof = proves_day if day_first else proves_month
                if proof.any():
                    day = (first if day_first else second)[proof][0]
                    notes.append(_order_note(day_first, text.iloc[rows[proof][0]], int(day)))
                else:
                    notes.append(_order_note(day_first, text.iloc[rows[0]]))

    # Assembly turns impossible dates (31/02/2025) into NaT: those are not dates either.
    unreadable = present & (~read | (values.isna().to_numpy() & read))
    for mask, _ in failures:
        unreadable &= ~mask
    failures.insert(0, (unreadable, DATE_EXPECTED))
    # The store keeps microseconds; dropping the rest now keeps re-imports exactly unchanged.
    return Parsed(values.dt.floor("us"), failures, notes)


def _parse_with_format(text: pd.Series[Any], zone: ZoneInfo, fmt: str) -> Parsed:
    present = text.notna().to_numpy()
    try:
        stamps = pd.to_datetime(text.astype(object), format=fmt, errors="coerce", utc="%z" in fmt)
    except ValueError as exc:  # a format pandas cannot use at all
        raise ConfigError(f"--date-format {fmt!r} is not a date format ({exc})") from exc
    if "%z" in fmt:  # an offset in every value: UTC already
        values = pd.Series(stamps.dt.tz_localize(None), index=text.index, dtype="datetime64[ns]")
    else:
        values = _local_to_utc(pd.Series(stamps, index=text.index, dtype="datetime64[ns]"), zone)
    bad = present & values.isna().to_numpy()
    return Parsed(values.dt.floor("us"), [(bad, f"not a date in the format {fmt}")])


def _order_note(day_first: bool, example: str, day: int | None = None) -> str:
    """How dd/mm/yyyy-style dates were read and why, for the import summary; ``day`` is the
    number above 12 that proved the order, if one did."""
    order = "day first (31/12/2025)" if day_first else "month first (12/31/2025)"
    if day is not None:
        field = "first" if day_first else "second"
        return (
            f"dates read {order}: the file shows it ({example!r} has {day} in the {field} "
            "field, which cannot be a month)"
        )
    other = "false" if day_first else "true"
    return (
        f"dates such as {example!r} read {order} from the dayfirst setting (no date here has "
        f"a day above 12 to prove the order); if that is wrong, run `cxpulse config set "
        f"dayfirst {other}` and import again"
    )
