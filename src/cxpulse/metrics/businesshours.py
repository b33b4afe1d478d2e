"""Business hours: a weekly schedule with holidays in a time zone, and durations measured in it.

The schedule is three settings (``business_hours``, ``holidays``, ``business_timezone``).
Durations are computed in the database. Python expands the schedule into a small table with one
row per local day (about 365 a year): the business seconds elapsed before that day and the day's
opening spans as UTC instants, computed with zoneinfo so daylight-saving changes are exact. Each
instant joins its local day (an equality join), so a duration is the difference of two
"business seconds so far" values: portable Ibis, no zone arithmetic in SQL beyond the CASE that
:mod:`periods` already uses."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from cxpulse.errors import ConfigError
from cxpulse.opening_hours import (  # parsed below the settings, which check them
    EXAMPLE,
    Span,
    parse_schedule,
)

if TYPE_CHECKING:
    from cxpulse.settings import Settings


@dataclass(frozen=True)
class Schedule:
    """Opening spans per weekday (Monday first), days off, and the zone they are read in."""

    week: tuple[tuple[Span, ...], ...]
    zone: ZoneInfo
    days_off: frozenset[date] = frozenset()
    yearly_off: frozenset[tuple[int, int]] = frozenset()  # (month, day) off every year

    def is_day_off(self, day: date) -> bool:
        return day in self.days_off or (day.month, day.day) in self.yearly_off

    def spans(self, day: date) -> tuple[Span, ...]:
        return () if self.is_day_off(day) else self.week[day.weekday()]

    def intervals(self, first: date, last: date) -> Iterator[tuple[datetime, datetime]]:
        """Business intervals of local days ``first``..``last`` as naive-UTC instants.

        Business time is every instant whose local wall-clock time lies in an opening span. A
        span is mapped to UTC once per UTC-offset segment of the zone, so a span over a clock
        change is split exactly (a skipped hour never counts, a repeated hour counts twice).
        """
        from cxpulse.metrics.periods import offset_spans

        lo = datetime(first.year, first.month, first.day) - timedelta(days=1)
        hi = datetime(last.year, last.month, last.day) + timedelta(days=2)
        changes = offset_spans(self.zone, lo, hi)
        ends = [c.start_utc for c in changes[1:]] + [datetime.max]
        segments = [(c.start_utc, end, c.offset) for c, end in zip(changes, ends, strict=True)]
        day = first
        while day <= last:
            midnight = datetime(day.year, day.month, day.day)
            for open_min, close_min in self.spans(day):
                wall_lo = midnight + timedelta(minutes=open_min)
                wall_hi = midnight + timedelta(minutes=close_min)
                for seg_lo, seg_hi, offset in segments:
                    start, end = max(wall_lo - offset, seg_lo), min(wall_hi - offset, seg_hi)
                    if start < end:
                        yield start, end
            day += timedelta(days=1)

    def business_seconds(self, start: datetime, end: datetime) -> float:
        """Seconds of ``[start, end)`` (naive UTC) inside business hours; plain Python."""
        if end <= start:
            return 0.0
        first = start.replace(tzinfo=UTC).astimezone(self.zone).date() - timedelta(days=1)
        last = end.replace(tzinfo=UTC).astimezone(self.zone).date() + timedelta(days=1)
        total = 0.0
        for lo, hi in self.intervals(first, last):
            total += max((min(end, hi) - max(start, lo)).total_seconds(), 0.0)
        return total


def schedule_from(settings: Settings) -> Schedule | None:
    """The configured schedule, or None when ``business_hours`` is empty; checks all three."""
    zone_name = settings.business_timezone or settings.timezone
    week, zone, days, yearly = parse_schedule(settings.business_hours, settings.holidays, zone_name)
    return None if week is None else Schedule(week, zone, days, yearly)


def require_schedule(settings: Any) -> Schedule:
    """The schedule, or a ConfigError saying how to configure one."""
    schedule = schedule_from(settings) if settings is not None else None
    if schedule is None:
        raise ConfigError(
            "business-hours durations need a support schedule: cxpulse config set "
            f"business_hours '{EXAMPLE}' (optionally holidays '2025-12-25, 05-01' and "
            "business_timezone Europe/Paris); or use a calendar-hours variant"
        )
    return schedule


# -- in the database --------------------------------------------------------------------------
def day_frame(schedule: Schedule, first: date, last: date) -> tuple[Any, int]:
    """One row per local day ``first``..``last``: ``_day``, ``_cum`` (business seconds before
    that day, counted from ``first``) and, for each opening span j, ``_o{j}`` (its opening, UTC
    epoch seconds) and ``_l{j}`` (its length in seconds; 0 when the day has fewer spans)."""
    import pandas as pd

    per_day: dict[date, list[tuple[datetime, datetime]]] = {}
    for lo, hi in schedule.intervals(first, last):
        # the local day an interval belongs to: that of its first instant
        day = lo.replace(tzinfo=UTC).astimezone(schedule.zone).date()
        per_day.setdefault(day, []).append((lo, hi))
    width = max([1, *(len(v) for v in per_day.values())])
    rows: list[dict[str, Any]] = []
    cum = 0.0
    day = first
    while day <= last:
        row: dict[str, Any] = {"_day": day, "_cum": cum}
        spans = per_day.get(day, [])
        for j in range(width):
            lo, hi = spans[j] if j < len(spans) else (datetime(1970, 1, 1), datetime(1970, 1, 1))
            row[f"_o{j}"] = lo.replace(tzinfo=UTC).timestamp()
            row[f"_l{j}"] = (hi - lo).total_seconds()
            cum += row[f"_l{j}"]
        rows.append(row)
        day += timedelta(days=1)
    return pd.DataFrame(rows), width


def with_business_hours(t: Any, start: str, end: str, schedule: Schedule, *, out: str) -> Any:
    """``t`` keeping rows with both instants, plus ``out``: business hours between them.

    B(x), the business seconds before instant x, is the ``_cum`` of x's local day plus the
    elapsed part of that day's spans; the duration is B(end) - B(start). Each instant finds its
    day by an equality join on the local date (the zone shift is a portable CASE, as for
    periods). Measured on the 496k demo tickets (DuckDB): 0.17 s, against 1.2 s for a range
    join of each ticket with every business interval it overlaps (same result) and 0.21 s for
    an ASOF join, which Ibis cannot run on Spark. Runs one small query to size the calendar.
    """
    import ibis
    import pandas as pd

    from cxpulse.metrics import periods, portable

    t = t.filter(t[start].notnull() & t[end].notnull())
    bounds = t.aggregate(lo=t[start].min(), hi=t[end].max()).execute()
    lo_v, hi_v = bounds["lo"].iloc[0], bounds["hi"].iloc[0]
    if pd.isna(lo_v) or pd.isna(hi_v):
        return t.mutate(**{out: ibis.literal(None, type="float64")})
    lo, hi = pd.Timestamp(lo_v).to_pydatetime(), pd.Timestamp(hi_v).to_pydatetime()
    hi = max(lo, hi)  # an end before its start (bad data) must not empty the calendar
    first = lo.replace(tzinfo=UTC).astimezone(schedule.zone).date() - timedelta(days=1)
    last = hi.replace(tzinfo=UTC).astimezone(schedule.zone).date() + timedelta(days=1)
    frame, width = day_frame(schedule, first, last)
    offsets = periods.offset_spans(schedule.zone, lo, hi)
    helper: list[str] = []
    for tag, col in (("s", start), ("e", end)):
        days = ibis.memtable(frame).rename({f"{c}_{tag}": c for c in frame.columns})
        t = t.mutate(**{f"_local_{tag}": periods.local_time(t[col], offsets).date()})
        t = t.left_join(days, t[f"_local_{tag}"] == days[f"_day_{tag}"])
        now = portable.epoch_seconds(t[col])
        before = t[f"_cum_{tag}"]
        for j in range(width):
            elapsed = ibis.greatest(now - t[f"_o{j}_{tag}"], 0.0)
            before = before + ibis.least(elapsed, t[f"_l{j}_{tag}"])
        t = t.mutate(**{f"_b_{tag}": before})
        helper += [f"{c}_{tag}" for c in frame.columns] + [f"_local_{tag}", f"_b_{tag}"]
    hours = ibis.greatest(t._b_e - t._b_s, 0.0) / 3600.0
    return t.mutate(**{out: hours}).drop(*helper)
