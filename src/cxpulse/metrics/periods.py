"""Calendar periods in the workspace's time zone, as portable Ibis expressions.

Timestamps are stored in UTC. A period (a day, an ISO week, a month...) is a calendar bucket of
local time, so a row is first shifted by its zone's UTC offset, then truncated. Ibis has no
portable "convert to zone" operation, so the shift is a CASE over the zone's offset changes in
the queried range (two a year in Europe): exact, and it runs on any backend.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

import ibis

from cxpulse.errors import QueryError

Grain = Literal["day", "week", "month", "quarter", "year", "all"]
GRAINS: tuple[str, ...] = ("day", "week", "month", "quarter", "year", "all")
_TRUNC = {"day": "D", "week": "W", "month": "M", "quarter": "Q", "year": "Y"}


def check_grain(by: str) -> Grain:
    if by not in GRAINS:
        raise QueryError(f"unknown period {by!r}; use one of: {', '.join(GRAINS)}")
    return by  # type: ignore[return-value]


@dataclass(frozen=True)
class OffsetSpan:
    """From ``start_utc`` on (until the next span), local time = UTC + ``offset``."""

    start_utc: datetime
    offset: timedelta


def offset_spans(zone: ZoneInfo, lo: datetime, hi: datetime) -> list[OffsetSpan]:
    """The zone's UTC offsets between two naive-UTC instants, with the instants they change."""

    def offset_at(t: datetime) -> timedelta:
        off = t.replace(tzinfo=UTC).astimezone(zone).utcoffset()
        return off if off is not None else timedelta(0)

    lo = lo - timedelta(days=1)
    spans = [OffsetSpan(lo, offset_at(lo))]
    day = lo
    while day < hi + timedelta(days=1):
        nxt = day + timedelta(days=1)
        if offset_at(nxt) != spans[-1].offset:
            # bisect to the second inside the day where the offset changed
            a, b = day, nxt
            while b - a > timedelta(seconds=1):
                mid = a + (b - a) / 2
                if offset_at(mid) == spans[-1].offset:
                    a = mid
                else:
                    b = mid
            b = b.replace(microsecond=0)
            spans.append(OffsetSpan(b, offset_at(b)))
        day = nxt
    return spans


def local_time(ts: Any, spans: list[OffsetSpan]) -> Any:
    """Ibis expression of local wall-clock time for a naive-UTC timestamp column."""
    if len(spans) == 1:
        off = spans[0].offset
        return ts if off == timedelta(0) else ts + ibis.interval(seconds=int(off.total_seconds()))
    branches = [
        (ts < spans[i + 1].start_utc, ts + ibis.interval(seconds=int(s.offset.total_seconds())))
        for i, s in enumerate(spans[:-1])
    ]
    last = spans[-1].offset
    return ibis.cases(*branches, else_=ts + ibis.interval(seconds=int(last.total_seconds())))


def period_start(local: Any, by: Grain) -> Any:
    if by == "all":
        return ibis.literal(date(1970, 1, 1)).cast("date")
    return local.truncate(_TRUNC[by]).cast("date")


def floor_date(d: date, by: Grain) -> date:
    """The first day of the period containing ``d`` (weeks start on Monday, ISO 8601)."""
    if by == "day":
        return d
    if by == "week":
        return d - timedelta(days=d.weekday())
    if by == "month":
        return d.replace(day=1)
    if by == "quarter":
        return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)
    if by == "year":
        return date(d.year, 1, 1)
    return date(1970, 1, 1)


def shift(d: date, by: Grain, n: int) -> date:
    """The start of the period ``n`` periods after the one starting at ``d``."""
    if by == "day":
        return d + timedelta(days=n)
    if by == "week":
        return d + timedelta(weeks=n)
    months = {"month": 1, "quarter": 3, "year": 12}.get(by)
    if months is None:
        return d
    index = d.year * 12 + d.month - 1 + n * months
    return date(index // 12, index % 12 + 1, 1)


def label(d: date, by: Grain) -> str:
    if by == "day":
        return d.isoformat()
    if by == "week":
        iso = d.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    if by == "month":
        return f"{d.year}-{d.month:02d}"
    if by == "quarter":
        return f"{d.year}-Q{(d.month - 1) // 3 + 1}"
    if by == "year":
        return str(d.year)
    return "all"


# the days the engine's timestamps (pandas, nanoseconds: 1677-09-21 to 2262-04-11) hold, with
# a margin for the periods around a day; a day outside holds no data anyway
FIRST_DAY, LAST_DAY = date(1678, 1, 1), date(2261, 12, 31)


def check_in_range(day: date, what: str) -> date:
    """``day``, or a one-line error when it is outside :data:`FIRST_DAY`..:data:`LAST_DAY`
    (a fuzzed year 1235 or 9999 otherwise overflowed deep in pandas)."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise QueryError(
            f"{what} {day.isoformat()} is outside the days cxpulse reads "
            f"({FIRST_DAY.year} to {LAST_DAY.year})"
        )
    return day


def parse_day(value: date | datetime | str | None, what: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        # ISO only: 03/04/2025 means different days to different readers
        return date.fromisoformat(str(value))
    except ValueError:
        raise QueryError(
            f"{what} {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2025-01-31"
        ) from None


def local_midnight_utc(d: date, zone: ZoneInfo) -> datetime:
    """The naive-UTC instant at which local day ``d`` begins."""
    return datetime(d.year, d.month, d.day, tzinfo=zone).astimezone(UTC).replace(tzinfo=None)
