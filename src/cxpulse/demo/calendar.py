"""Time for the demo company: the 24-month window, seasonality profiles and time sampling.

Every timestamp inside the generator is an int64 count of microseconds since 1970-01-01 UTC
(naive), the unit of the ``timestamp[us]`` columns, so arrays turn into Arrow columns without
conversion. ``NULL_TIME`` marks a missing timestamp.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]

SECOND = 1_000_000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR
NULL_TIME = np.iinfo(np.int64).min
_EPOCH = dt.date(1970, 1, 1)

# Hour-of-day weights in UTC. Most customers live in Europe (UTC+1/+2) and a third in North
# America (UTC-5/-8), so the evening peak of the Americas shows up after midnight UTC.
WEB_HOURS = np.array(
    [0.7, 0.55, 0.4, 0.3, 0.25, 0.3, 0.5, 0.9, 1.2, 1.35, 1.4, 1.4,
     1.5, 1.45, 1.35, 1.35, 1.4, 1.55, 1.75, 1.95, 2.0, 1.8, 1.4, 1.0]
)  # fmt: skip
ORDER_HOURS = np.array(
    [0.6, 0.5, 0.35, 0.2, 0.15, 0.2, 0.4, 0.8, 1.1, 1.2, 1.3, 1.4,
     1.6, 1.4, 1.2, 1.2, 1.3, 1.5, 1.8, 2.1, 2.2, 1.9, 1.4, 0.9]
)  # fmt: skip
# Written support (email, social) arrives all day; chat and phone only in opening hours
# (08:00-20:00 and 08:00-18:00 Paris time).
EMAIL_HOURS = np.array(
    [0.4, 0.3, 0.2, 0.15, 0.15, 0.25, 0.6, 1.2, 1.7, 1.9, 1.9, 1.8,
     1.6, 1.7, 1.8, 1.7, 1.6, 1.4, 1.2, 1.1, 1.0, 0.9, 0.7, 0.5]
)  # fmt: skip
CHAT_HOURS = np.array(
    [0.0] * 7 + [1.0, 1.6, 1.9, 1.9, 1.8, 1.5, 1.7, 1.8, 1.7, 1.5, 1.2, 1.0] + [0.0] * 5
)
PHONE_HOURS = np.array([0.0] * 7 + [1.2, 1.9, 2.0, 1.8, 1.4, 1.3, 1.7, 1.8, 1.5, 1.1] + [0.0] * 7)

# Month-of-year factors (January first), averaging about 1 over a year.
ORDER_MONTHS = (0.85, 0.8, 0.9, 0.9, 0.9, 0.85, 0.8, 0.75, 0.95, 1.0, 1.25, 1.85)
SIGNUP_MONTHS = (1.25, 0.95, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 1.05, 1.05, 1.2, 1.55)
WEB_MONTHS = (1.0, 0.95, 0.95, 0.95, 0.9, 0.85, 0.8, 0.8, 1.0, 1.05, 1.25, 1.5)
WEB_WEEKDAYS = (1.05, 1.0, 1.0, 1.0, 0.95, 0.85, 1.0)  # Monday first
ORDER_WEEKDAYS = (1.1, 1.0, 1.0, 1.0, 0.95, 0.9, 1.05)
FLAT_WEEKDAYS = (1.0,) * 7


def date_us(day: dt.date) -> int:
    """Microseconds since the epoch at midnight UTC of ``day``."""
    return (day - _EPOCH).days * DAY


def shift_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (or earlier), clipped to the length of the month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    next_first = dt.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_first - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last_day))


def black_friday(year: int) -> dt.date:
    """The day after the fourth Thursday of November."""
    first = dt.date(year, 11, 1)
    first_thursday = 1 + (3 - first.weekday()) % 7
    return dt.date(year, 11, first_thursday + 21 + 1)


@dataclass(frozen=True)
class Window:
    """The months the demo covers: ``start`` inclusive, ``end`` exclusive."""

    start: dt.date
    end: dt.date

    @property
    def start_us(self) -> int:
        return date_us(self.start)

    @property
    def end_us(self) -> int:
        return date_us(self.end)

    @property
    def n_days(self) -> int:
        return (self.end - self.start).days

    def month_bounds(self) -> I64:
        """Start of every calendar month touched by the window, plus the end (n + 1 values)."""
        bounds = []
        day = self.start.replace(day=1)
        while day < self.end:
            bounds.append(max(date_us(day), self.start_us))
            day = shift_months(day, 1)
        bounds.append(self.end_us)
        return np.array(bounds, dtype=np.int64)

    def month_index(self, t: I64) -> I64:
        """Index of the calendar month each time falls in (0 = first month of the window)."""
        bounds = self.month_bounds()
        return np.searchsorted(bounds, t, side="right").astype(np.int64) - 1

    def day_dates(self) -> npt.NDArray[np.datetime64]:
        return np.arange(
            np.datetime64(self.start, "D"), np.datetime64(self.end, "D"), dtype="datetime64[D]"
        )

    def outage(self) -> tuple[int, int]:
        """The delivery outage planted around one Black Friday: from two weeks before it to the
        end of November. The latest November with a full month before and after it in the
        window is used, so the dip can be compared with its neighbours."""
        for year in range(self.end.year, self.start.year - 1, -1):
            if dt.date(year, 10, 1) >= self.start and dt.date(year + 1, 1, 1) <= self.end:
                friday = black_friday(year)
                return date_us(friday - dt.timedelta(days=14)), date_us(dt.date(year, 12, 1))
        raise ValueError("the window must contain October to December of one year")


def window_for(end: dt.date | None = None, months: int = 24) -> Window:
    """The ``months`` complete months before ``end`` (default: the first day of this month)."""
    if end is None:
        end = dt.datetime.now(dt.UTC).date().replace(day=1)
    return Window(start=shift_months(end, -months), end=end)


def weekday(t: I64) -> I64:
    """Day of the week, Monday = 0 (1970-01-01 was a Thursday)."""
    return (np.floor_divide(t, DAY) + 3) % 7


def month_of_year(t: I64) -> I64:
    """Calendar month, 0 = January."""
    return (
        np.floor_divide(t, DAY).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    ) % 12


def day_weights(
    window: Window,
    *,
    growth: float,
    months: Sequence[float],
    weekdays: Sequence[float] = FLAT_WEEKDAYS,
    peaks: Sequence[tuple[int, int, float]] = (),
) -> F64:
    """Relative volume of each day of the window: a linear growth ramp (the company grows),
    month-of-year and weekday factors, and multiplicative ``peaks`` (start_us, end_us, factor).
    Normalised to sum to 1."""
    days = window.start_us + np.arange(window.n_days, dtype=np.int64) * DAY
    w = 1.0 + growth * np.linspace(0.0, 1.0, window.n_days)
    w = w * np.asarray(months)[month_of_year(days)] * np.asarray(weekdays)[weekday(days)]
    for lo, hi, factor in peaks:
        w = np.where((days >= lo) & (days < hi), w * factor, w)
    return np.asarray(w / w.sum(), dtype=np.float64)


def time_of_day(rng: np.random.Generator, n: int, hours: F64) -> I64:
    """Offsets into a day following the hourly profile ``hours``."""
    hour = rng.choice(24, size=n, p=hours / hours.sum())
    return (hour * HOUR + rng.integers(0, HOUR, size=n)).astype(np.int64)


def sample_times(rng: np.random.Generator, n: int, window: Window, days: F64, hours: F64) -> I64:
    """``n`` times in the window, days drawn from ``days`` weights, hours from ``hours``."""
    day = rng.choice(len(days), size=n, p=days)
    return (window.start_us + day * DAY + time_of_day(rng, n, hours)).astype(np.int64)


def snap_to_hours(rng: np.random.Generator, t: I64, hours: F64) -> I64:
    """Keep each time's date but redraw its time of day from ``hours``."""
    return (np.floor_divide(t, DAY) * DAY + time_of_day(rng, len(t), hours)).astype(np.int64)


def skip_weekend(t: I64) -> I64:
    """Move Saturday and Sunday times to Monday, same time of day (closed at weekends)."""
    wd = weekday(t)
    return np.where(wd >= 5, t + (7 - wd) * DAY, t).astype(np.int64)


def add_months(t: I64, k: I64 | int) -> I64:
    """Shift times by whole calendar months; the day of the month is clipped to the 28th so
    every month has it (a billing anniversary never skips a month)."""
    day = np.floor_divide(t, DAY)
    tod = t - day * DAY
    dates = day.astype("datetime64[D]")
    month = dates.astype("datetime64[M]")
    dom = (dates - month.astype("datetime64[D]")).astype(np.int64)
    shifted = (month + np.asarray(k, dtype=np.int64)).astype("datetime64[D]").astype(np.int64)
    out: I64 = ((shifted + np.minimum(dom, 27)) * DAY + tod).astype(np.int64)
    return out


def next_anniversary(start: I64, after: I64) -> I64:
    """First monthly anniversary of ``start`` strictly after ``after``."""
    m_start = np.floor_divide(start, DAY).astype("datetime64[D]").astype("datetime64[M]")
    m_after = np.floor_divide(after, DAY).astype("datetime64[D]").astype("datetime64[M]")
    k = np.maximum((m_after - m_start).astype(np.int64), 0)
    out = add_months(start, k)
    for _ in range(2):  # the clipped day can land one month short; two steps always suffice
        k = np.where(out <= after, k + 1, k)
        out = add_months(start, k)
    return out
