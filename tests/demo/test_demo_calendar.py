"""Calendar arithmetic of the generator: the window, Black Friday, billing anniversaries."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxpulse.demo.calendar import (
    DAY,
    HOUR,
    add_months,
    black_friday,
    date_us,
    next_anniversary,
    shift_months,
    weekday,
    window_for,
)


def us(y: int, m: int, d: int, h: int = 0) -> int:
    return date_us(dt.date(y, m, d)) + h * HOUR


def test_window_is_the_24_months_before_end() -> None:
    w = window_for(dt.date(2026, 1, 1))
    assert (w.start, w.end) == (dt.date(2024, 1, 1), dt.date(2026, 1, 1))
    assert len(w.month_bounds()) == 25
    assert w.month_index(np.array([us(2024, 1, 1), us(2025, 12, 31, 23)])).tolist() == [0, 23]


def test_default_window_ends_on_the_first_of_this_month() -> None:
    w = window_for()
    today = dt.datetime.now(dt.UTC).date()
    assert w.end == today.replace(day=1) and w.start == shift_months(w.end, -24)


@pytest.mark.parametrize(
    ("year", "day"), [(2023, 24), (2024, 29), (2025, 28), (2026, 27), (2027, 26)]
)
def test_black_friday(year: int, day: int) -> None:
    assert black_friday(year) == dt.date(year, 11, day)


def test_outage_uses_the_latest_november_with_months_around_it() -> None:
    lo, hi = window_for(dt.date(2026, 1, 1)).outage()
    assert (lo, hi) == (us(2025, 11, 14), us(2025, 12, 1))
    lo, _ = window_for(dt.date(2025, 12, 1)).outage()  # Nov 2025 has no December after it
    assert lo == us(2024, 11, 15)


def test_add_months_keeps_the_day_and_clips_to_the_28th() -> None:
    t = np.array([us(2024, 1, 15, 10), us(2024, 1, 31, 10)])
    assert add_months(t, 1).tolist() == [us(2024, 2, 15, 10), us(2024, 2, 28, 10)]
    assert add_months(t, np.array([12, -1])).tolist() == [us(2025, 1, 15, 10), us(2023, 12, 28, 10)]


@given(
    st.integers(min_value=us(2022, 1, 1), max_value=us(2026, 1, 1)),
    st.integers(min_value=0, max_value=400 * DAY),
)
def test_next_anniversary_is_the_first_monthly_date_after(start: int, later: int) -> None:
    s = np.array([start], dtype=np.int64)
    after = s + later
    nxt = next_anniversary(s, after)[0]
    assert nxt > after[0] and nxt - after[0] <= 31 * DAY
    months = round((nxt - start) / (30.44 * DAY))
    assert add_months(s, months)[0] == nxt


def test_weekday_is_monday_zero() -> None:
    assert weekday(np.array([us(2025, 12, 1), us(2025, 12, 7, 23)])).tolist() == [0, 6]
