"""Calendar boundaries in the workspace's zone: the period a digest is about, when it goes
out, and never an unfinished period."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxpulse.digests.definition import Schedule
from cxpulse.digests.schedule import (
    Period,
    due,
    last_complete,
    local_today,
    parse_period,
    send_day,
    upcoming,
)
from cxpulse.errors import ConfigError

PARIS = ZoneInfo("Europe/Paris")
MONTHLY = Schedule("month")
MONDAYS = Schedule("week", 0)
WEDNESDAYS = Schedule("week", 2)
LONG_AGO = datetime(2000, 1, 1)


def test_periods_and_their_labels() -> None:
    assert last_complete(date(2026, 11, 2), "month") == Period(
        "month", date(2026, 10, 1), date(2026, 10, 31)
    )
    week = last_complete(date(2026, 11, 4), "week")  # a Wednesday
    assert (week.start, week.end, week.label) == (date(2026, 10, 26), date(2026, 11, 1), "2026-W44")
    assert parse_period("2026-W44", "week") == week
    assert parse_period("2026-10-29", "week") == week
    assert parse_period("2025-11", "month").label == "2025-11"
    with pytest.raises(ConfigError, match="write it as 2025-11"):
        parse_period("November", "month")


def test_a_monthly_digest_goes_out_at_local_midnight_on_the_first() -> None:
    # 1 November 00:00 in Paris is 31 October 23:00 UTC
    assert due(MONTHLY, LONG_AGO, datetime(2026, 10, 31, 22, 59), PARIS) == parse_period(
        "2026-09", "month"
    )
    assert due(MONTHLY, LONG_AGO, datetime(2026, 10, 31, 23, 0), PARIS) == parse_period(
        "2026-10", "month"
    )


def test_a_weekly_digest_goes_out_on_its_weekday_for_the_week_before() -> None:
    monday, tuesday = datetime(2026, 11, 2, 9), datetime(2026, 11, 3, 9)
    assert due(MONDAYS, LONG_AGO, monday, PARIS) == parse_period("2026-W44", "week")
    # on Monday and Tuesday a Wednesday digest still stands on the week before last (sent)
    assert due(WEDNESDAYS, LONG_AGO, tuesday, PARIS) == parse_period("2026-W43", "week")
    assert due(WEDNESDAYS, LONG_AGO, tuesday + timedelta(days=1), PARIS) == parse_period(
        "2026-W44", "week"
    )


def test_a_digest_added_after_its_send_day_waits_for_the_next_period() -> None:
    thursday = datetime(2026, 11, 5, 9)
    assert due(MONDAYS, thursday, thursday, PARIS) is None
    assert due(MONDAYS, thursday, thursday + timedelta(days=4), PARIS) == parse_period(
        "2026-W45", "week"
    )
    # added on the send day itself: that day's digest goes out
    monday = datetime(2026, 11, 2, 15)
    assert due(MONDAYS, monday, monday, PARIS) == parse_period("2026-W44", "week")


def test_upcoming() -> None:
    assert upcoming(MONTHLY, date(2026, 11, 1)).label == "2026-10"
    assert upcoming(MONTHLY, date(2026, 11, 2)).label == "2026-11"
    assert upcoming(WEDNESDAYS, date(2026, 11, 3)).label == "2026-W44"


SCHEDULES = st.one_of(st.just(MONTHLY), st.integers(0, 6).map(lambda d: Schedule("week", d)))
MOMENTS = st.datetimes(datetime(2020, 1, 1), datetime(2030, 12, 31))
ZONES = st.sampled_from(["Europe/Paris", "America/New_York", "Pacific/Auckland", "UTC"])


# no deadline: the machine is shared, and time is not what these test
@settings(deadline=None, max_examples=300)
@given(SCHEDULES, MOMENTS, ZONES)
def test_the_period_due_has_always_ended(schedule: Schedule, now: datetime, zone: str) -> None:
    period = due(schedule, LONG_AGO, now, ZoneInfo(zone))
    assert period is not None
    today = local_today(now, ZoneInfo(zone))
    assert period.end < today <= send_day(period, schedule) + timedelta(days=40)
    assert send_day(period, schedule) <= today
    if schedule.every == "week":
        assert send_day(period, schedule).weekday() == schedule.weekday
        assert period.start.weekday() == 0 and (period.end - period.start).days == 6
    else:
        assert period.start.day == 1 and period.after.day == 1


@settings(deadline=None)
@given(SCHEDULES, MOMENTS, st.integers(1, 60 * 24 * 45))
def test_ticks_move_forward_one_period_at_a_time(
    schedule: Schedule, now: datetime, minutes: int
) -> None:
    """A later tick is due the same period or a later one, never an earlier one (the outbox
    key then makes the same period a no-op)."""
    first = due(schedule, LONG_AGO, now, PARIS)
    later = due(schedule, LONG_AGO, now + timedelta(minutes=minutes), PARIS)
    assert first is not None and later is not None
    assert later.start >= first.start
