"""Contacts per interval (30 minutes, an hour...), measured or forecast, as staffing input.

Intervals are local wall-clock time in the workspace's time zone (a team is scheduled in local
time). The forecast of an ISO week (e.g. 2026-W48, Black Friday week) averages the same ISO week
of every earlier year with data, slot by slot (same weekday, same time of day), each year scaled
to the present by the year-on-year growth: the contacts of the last ``growth_weeks`` weeks of
data over the same weeks a year before, raised to the number of years back. Seasonal peaks
(Black Friday, January sales) come from the same weeks of previous years; growth from the recent
trend. The counting runs in Ibis; only per-slot counts come back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis
import pandas as pd

from cxpulse.errors import ConfigError, QueryError
from cxpulse.metrics import periods
from cxpulse.metrics.engine import compute
from cxpulse.metrics.selection import apply_filters

if TYPE_CHECKING:
    from cxpulse.context import Context

DAY_SECONDS = 86_400


def parse_interval(text: str | int) -> int:
    """``'30min'``, ``'15m'``, ``'1h'`` or a number of minutes -> seconds (divides a day)."""
    match = re.fullmatch(r"\s*(\d+)\s*(min|m|h|)\s*", str(text).lower())
    if not match:
        raise ConfigError(f"interval {text!r} should read like 30min, 15min or 1h")
    value, unit = int(match.group(1)), match.group(2)
    seconds = value * (3600 if unit == "h" else 60)
    if seconds <= 0 or DAY_SECONDS % seconds:
        raise ConfigError(f"interval {text!r} must divide a day evenly (15min, 30min, 1h...)")
    return seconds


def parse_iso_week(text: str) -> date:
    """``'2026-W48'`` -> the Monday starting that ISO week."""
    match = re.fullmatch(r"\s*(\d{4})-?W(\d{1,2})\s*", text.upper())
    if not match:
        raise ConfigError(f"week {text!r} should read YYYY-Www, e.g. 2026-W48")
    try:
        return date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        raise ConfigError(f"{text!r}: that year has no such ISO week") from None


def _tickets(ws: Context, filters: dict[str, Any] | None) -> Any:
    t = ws.table("tickets")
    return apply_filters(t, filters or {})


def _counts(ws: Context, days: list[date], seconds: int, filters: dict[str, Any] | None) -> Any:
    """Contacts per (local day, slot of the day) on the given local days (one query)."""
    zone = ws.settings.zone
    t = _tickets(ws, filters)
    bounds = [
        (periods.local_midnight_utc(d, zone), periods.local_midnight_utc(d + timedelta(1), zone))
        for d in days
    ]
    keep = ibis.or_(*[(t.created_at >= lo) & (t.created_at < hi) for lo, hi in _merge(bounds)])
    t = t.filter(keep)
    lo, hi = min(b[0] for b in bounds), max(b[1] for b in bounds)
    local = periods.local_time(t.created_at, periods.offset_spans(zone, lo, hi))
    t = t.mutate(_day=local.date(), _slot=(local.epoch_seconds() % DAY_SECONDS) // seconds)
    out = t.group_by(["_day", "_slot"]).aggregate(contacts=t.count().cast("int64")).execute()
    out["_day"] = pd.to_datetime(out["_day"]).dt.date
    return out


def _merge(bounds: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for lo, hi in sorted(bounds):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged


def _grid(first: date, days: int, seconds: int) -> pd.DataFrame:
    slots = DAY_SECONDS // seconds
    rows = [(first + timedelta(d), s) for d in range(days) for s in range(slots)]
    grid = pd.DataFrame(rows, columns=["_day", "_slot"])
    grid["interval_start"] = [
        datetime(d.year, d.month, d.day) + timedelta(seconds=int(s) * seconds)
        for d, s in zip(grid["_day"], grid["_slot"], strict=True)
    ]
    return grid


def measured_volumes(
    ws: Context,
    start: date | str,
    end: date | str,
    *,
    interval: str | int = "30min",
    filters: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Tickets created per interval of local days ``start``..``end`` (inclusive, zeros kept):
    interval_start (local), contacts."""
    first = periods.parse_day(start, "start")
    last = periods.parse_day(end, "end")
    if first is None or last is None or last < first:
        raise QueryError("give a first and a last day, the last not before the first")
    seconds = parse_interval(interval)
    n_days = (last - first).days + 1
    counts = _counts(ws, [first + timedelta(d) for d in range(n_days)], seconds, filters)
    grid = _grid(first, n_days, seconds).merge(counts, on=["_day", "_slot"], how="left")
    grid["contacts"] = grid["contacts"].fillna(0).astype(float)
    return grid[["interval_start", "contacts"]]


@dataclass
class Forecast:
    volumes: pd.DataFrame
    """interval_start (local, in the forecast week), contacts (expected, may be fractional)."""
    growth: float
    years: list[int]
    notes: list[str] = field(default_factory=list)


def forecast_week(
    ws: Context,
    week: str,
    *,
    interval: str | int = "30min",
    filters: dict[str, Any] | None = None,
    growth_weeks: int = 52,
) -> Forecast:
    """Contacts per interval of ISO ``week`` from the same week of earlier years (module doc)."""
    monday = parse_iso_week(week)
    seconds = parse_interval(interval)
    iso_week = monday.isocalendar().week
    t = _tickets(ws, filters)
    first_v, last_v = t.aggregate(lo=t.created_at.min(), hi=t.created_at.max()).execute().iloc[0]
    if pd.isna(first_v):
        raise QueryError("no tickets to forecast from (check the filters)")
    first_day, last_day = pd.Timestamp(first_v).date(), pd.Timestamp(last_v).date()
    years: list[int] = []
    days: list[date] = []
    for year in range(monday.isocalendar().year - 1, first_day.year - 1, -1):
        try:
            start = date.fromisocalendar(year, iso_week, 1)
        except ValueError:
            continue  # no week 53 that year
        if start >= first_day and start + timedelta(6) <= last_day:
            years.append(year)
            days += [start + timedelta(d) for d in range(7)]
    if not years:
        raise QueryError(
            f"no complete week {iso_week} in earlier years of data ({first_day} to {last_day}); "
            "measure volumes with --from/--to instead"
        )
    growth, notes = _growth(ws, filters, first_day, last_day, growth_weeks)
    counts = _counts(ws, days, seconds, filters)
    grid = _grid(monday, 7, seconds)
    grid["_dow"] = [d.weekday() for d in grid["_day"]]
    total = pd.Series(0.0, index=grid.index)
    target_year = monday.isocalendar().year
    for year in years:
        start = date.fromisocalendar(year, iso_week, 1)
        mine = counts[counts["_day"].map(lambda d, s=start: 0 <= (d - s).days < 7)].copy()
        mine["_dow"] = [d.weekday() for d in mine["_day"]]
        merged = grid.merge(mine[["_dow", "_slot", "contacts"]], on=["_dow", "_slot"], how="left")
        total += merged["contacts"].fillna(0).to_numpy() * growth ** (target_year - year)
    grid["contacts"] = total / len(years)
    return Forecast(grid[["interval_start", "contacts"]], growth, years, notes)


def _growth(
    ws: Context, filters: dict[str, Any] | None, first: date, last: date, weeks: int
) -> tuple[float, list[str]]:
    """Contacts in the last ``weeks`` weeks of data / the same weeks one year earlier."""
    recent_start = last - timedelta(weeks=weeks) + timedelta(1)
    earlier_start = recent_start - timedelta(weeks=52)
    if earlier_start < first:
        return 1.0, [f"growth 1.0: less than {weeks} + 52 weeks of data"]
    zone = ws.settings.zone
    t = _tickets(ws, filters)

    def count(a: date, b: date) -> int:
        lo = periods.local_midnight_utc(a, zone)
        hi = periods.local_midnight_utc(b + timedelta(1), zone)
        return int(t.filter((t.created_at >= lo) & (t.created_at < hi)).count().execute())

    recent = count(recent_start, last)
    earlier = count(earlier_start, last - timedelta(weeks=52))
    if earlier == 0:
        return 1.0, ["growth 1.0: no contacts a year before the last weeks"]
    growth = recent / earlier
    return growth, [
        f"growth {growth:.3f}: {recent:,} contacts from {recent_start} to {last} against "
        f"{earlier:,} a year before"
    ]


def measured_aht(
    ws: Context,
    start: date | None,
    end: date | None,
    filters: dict[str, Any] | None = None,
) -> tuple[float, int]:
    """Mean handle time in seconds (``average_handle_time``) and the contacts it averages."""
    df = compute(ws, "average_handle_time", by="all", start=start, end=end, filters=filters)
    if df.empty or int(df["n"].iloc[0]) == 0:
        raise QueryError(
            "no handle time recorded on these tickets (talk/hold/wrap or work seconds); "
            "give --aht in seconds"
        )
    return float(df["value"].iloc[0]), int(df["n"].iloc[0])


def read_volumes(path: Path, interval_seconds: int | None = None) -> pd.DataFrame:
    """A CSV of interval_start and contacts (or calls/volume/tickets) per interval; with
    ``interval_seconds``, intervals closer together than that are refused (the traffic would
    be computed over the wrong length)."""
    try:
        df = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read volumes from {path}: {exc}") from None
    names = {c.lower().strip(): c for c in df.columns}
    count = next((names[c] for c in ("contacts", "calls", "volume", "tickets") if c in names), None)
    if "interval_start" not in names or count is None:
        raise ConfigError(
            f"{path} needs the columns interval_start and contacts (or calls); it has "
            f"{', '.join(map(str, df.columns))}"
        )
    out = pd.DataFrame(
        {
            "interval_start": pd.to_datetime(df[names["interval_start"]], errors="coerce"),
            "contacts": pd.to_numeric(df[count], errors="coerce"),
        }
    )
    bad = out[out.isna().any(axis=1) | (out["contacts"] < 0)]
    if not bad.empty:
        line = int(bad.index[0]) + 2  # header is line 1
        raise ConfigError(
            f"{path}, line {line}: interval_start must be a date-time and contacts a number "
            "of at least 0"
        )
    starts = pd.to_datetime(out["interval_start"]).sort_values()
    gaps = starts.diff().dt.total_seconds()
    gaps = gaps[gaps > 0]
    if interval_seconds and len(gaps) and gaps.min() < interval_seconds:
        raise ConfigError(
            f"{path} has intervals {gaps.min() / 60:g} minutes apart, shorter than the "
            f"{interval_seconds / 60:g}-minute --interval; give the file's interval length"
        )
    return out
