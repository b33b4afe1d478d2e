"""Business hours: schedule settings, and durations across weekends, holidays and DST changes.

The property test compares the database computation with a brute force that walks minute by
minute and asks zoneinfo for each minute's local wall-clock time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import ibis
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxpulse import Workspace
from cxpulse.errors import ConfigError
from cxpulse.metrics.businesshours import Schedule, schedule_from, with_business_hours
from cxpulse.opening_hours import parse_holidays, parse_week
from cxpulse.settings import Settings
from tests.conftest import add_rows

PARIS = ZoneInfo("Europe/Paris")
OFFICE = "mon-fri 09:00-18:00"


def utc(local: datetime) -> datetime:
    """Naive UTC of a Paris wall-clock time."""
    return local.replace(tzinfo=PARIS).astimezone(UTC).replace(tzinfo=None)


def test_weekly_schedules_read_in_english_or_french() -> None:
    week = parse_week("mon-fri 09:00-12:30,13:30-18:00; sat 10:00-13:00")
    assert week[0] == ((540, 750), (810, 1080)) and week[5] == ((600, 780),) and week[6] == ()
    assert parse_week("lun-ven 9:00-18:00") == parse_week(OFFICE)
    assert parse_week("fri-mon 00:00-24:00")[6] == ((0, 1440),)  # wraps over the weekend
    assert parse_holidays("2025-12-26, 12-25 05-01") == (
        frozenset({date(2025, 12, 26)}),
        frozenset({(12, 25), (5, 1)}),
    )


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("business_hours", "weekdays 09:00-18:00", "unknown day"),
        ("business_hours", "monday to friday", "not HH:MM-HH:MM"),
        ("business_hours", "mon-fri 18:00-09:00", "open before it closes"),
        ("business_hours", "mon 09:00-12:00,11:00-13:00", "overlap"),
        ("business_hours", "mon-fri", "needs days and hours"),
        ("holidays", "25/12", "YYYY-MM-DD"),
        ("business_timezone", "Paris", "unknown time zone"),
    ],
)
def test_bad_schedules_are_refused_when_set(key: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings().with_value(key, value)


def test_schedule_settings_survive_reopening(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "ws.duckdb"
    with Workspace.init(path, timezone="UTC") as ws:
        ws.set_setting("business_hours", OFFICE)
        ws.set_setting("holidays", "12-25")
        ws.set_setting("business_timezone", "Europe/Paris")
    with Workspace.open(path) as ws:
        schedule = schedule_from(ws.settings)
    assert schedule is not None and schedule.zone == PARIS and (12, 25) in schedule.yearly_off


CASES = [
    # (what, created local, replied local, holidays, business hours, calendar hours)
    # Fri 17:00 CET -> Mon 10:00 CEST: 1 h on Friday, 1 h on Monday; the clocks went forward
    # on Sunday 30 March, so 65 wall-clock hours are 64 real hours.
    ("weekend + spring DST", datetime(2025, 3, 28, 17), datetime(2025, 3, 31, 10), "", 2, 64),
    # Fri 17:00 CEST -> Mon 10:00 CET: the clocks went back on 26 October: 66 real hours.
    ("weekend + autumn DST", datetime(2025, 10, 24, 17), datetime(2025, 10, 27, 10), "", 2, 66),
    # Wed 24 Dec 17:00 -> Fri 26 Dec 10:00 with Christmas off: 1 + 1 h (11 h without it).
    ("holiday", datetime(2025, 12, 24, 17), datetime(2025, 12, 26, 10), "12-25", 2, 41),
    ("no holiday", datetime(2025, 12, 24, 17), datetime(2025, 12, 26, 10), "", 11, 41),
    # created and answered in the same night: no business time at all
    ("night", datetime(2025, 3, 4, 20), datetime(2025, 3, 5, 8), "", 0, 12),
]


@pytest.mark.parametrize(("what", "created", "replied", "holidays", "business", "calendar"), CASES)
def test_business_hours_across_weekends_holidays_and_dst(
    ws: Workspace,
    what: str,
    created: datetime,
    replied: datetime,
    holidays: str,
    business: float,
    calendar: float,
) -> None:
    ws.set_setting("business_hours", OFFICE)
    ws.set_setting("holidays", holidays)
    add_rows(ws, "tickets", [{"created_at": utc(created), "first_reply_at": utc(replied)}])
    got = ws.metric("first_response_time", variant="business_hours").iloc[0]["value"]
    assert got == pytest.approx(business), what
    assert ws.metric("first_response_time").iloc[0]["value"] == pytest.approx(calendar), what


def test_schedule_zone_can_differ_from_the_workspace_zone(ws: Workspace) -> None:
    ws.set_setting("timezone", "UTC")
    ws.set_setting("business_hours", OFFICE)
    ws.set_setting("business_timezone", "Europe/Paris")
    created, replied = utc(datetime(2025, 3, 28, 17)), utc(datetime(2025, 3, 31, 10))
    add_rows(ws, "tickets", [{"created_at": created, "first_reply_at": replied}])
    assert ws.metric("first_response_time", variant="business_hours")["value"].iloc[0] == 2


def test_round_the_clock_schedule_equals_real_elapsed_time_over_dst() -> None:
    """Sat 29 March 12:00 -> Mon 31 March 00:00 local: 12 h + a 23-hour Sunday = 35 h."""
    schedule = Schedule(parse_week("mon-sun 00:00-24:00"), PARIS)
    start, end = utc(datetime(2025, 3, 29, 12)), utc(datetime(2025, 3, 31))
    assert schedule.business_seconds(start, end) == 35 * 3600
    assert (end - start) == timedelta(hours=35)


def test_an_opening_inside_the_skipped_hour_starts_when_the_clock_jumps() -> None:
    """'sun 02:30-05:00' on 30 March 2025: 02:30 never happens; the clock jumps from 02:00 CET
    to 03:00 CEST (01:00 UTC), already past 02:30, and closes at 05:00 CEST (03:00 UTC): 2 h.
    On 26 October 02:30-03:00 happens twice (CEST then CET): 0.5 + 2.5 = 3 h."""
    schedule = Schedule(parse_week("sun 02:30-05:00"), PARIS)
    day = datetime(2025, 3, 30)
    assert schedule.business_seconds(day - timedelta(hours=2), day + timedelta(hours=6)) == 7200
    day = datetime(2025, 10, 26)
    assert schedule.business_seconds(day - timedelta(hours=2), day + timedelta(hours=6)) == 10800


def brute_force(schedule: Schedule, start: datetime, end: datetime) -> float:
    """Business seconds of [start, end) on whole minutes, one minute at a time."""
    total = 0
    minute = start
    while minute < end:
        local = minute.replace(tzinfo=UTC).astimezone(schedule.zone)
        tod = local.hour * 60 + local.minute
        if any(lo <= tod < hi for lo, hi in schedule.spans(local.date())):
            total += 60
        minute += timedelta(minutes=1)
    return float(total)


SCHEDULES = [
    OFFICE,
    "mon-fri 08:00-12:00,13:00-17:30; sat 10:00-13:00",
    "mon-sun 00:00-24:00",
    "sun 01:00-04:00,22:00-24:00; tue 02:30-05:00",  # edges on and inside the clock changes
]
spans = st.tuples(
    st.integers(0, 30 * 24 * 60),  # start: minutes after 15 March (covers 30 March)
    st.integers(0, 4 * 24 * 60),  # duration in minutes, up to 4 days
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.sampled_from(SCHEDULES),
    autumn=st.booleans(),
    rows=st.lists(spans, min_size=1, max_size=12),
)
def test_database_durations_match_a_minute_by_minute_count(
    ws: Workspace, text: str, autumn: bool, rows: list[tuple[int, int]]
) -> None:
    schedule = Schedule(
        parse_week(text), PARIS, frozenset({date(2025, 10, 23)}), frozenset({(3, 20)})
    )
    base = datetime(2025, 10, 12) if autumn else datetime(2025, 3, 15)
    frame = pd.DataFrame(
        {
            "k": range(len(rows)),
            "s": [base + timedelta(minutes=a) for a, _ in rows],
            "e": [base + timedelta(minutes=a + d) for a, d in rows],
        }
    )
    t = ibis.memtable(frame, schema=ibis.schema({"k": "int64", "s": "timestamp", "e": "timestamp"}))
    got = ws.store.con.execute(with_business_hours(t, "s", "e", schedule, out="h").order_by("k"))
    expected = [brute_force(schedule, s, e) / 3600 for s, e in zip(frame.s, frame.e, strict=True)]
    assert list(got["h"]) == pytest.approx(expected)
    assert [
        schedule.business_seconds(s, e) / 3600 for s, e in zip(frame.s, frame.e, strict=True)
    ] == (pytest.approx(expected))
