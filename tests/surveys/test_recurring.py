"""Recurring relational surveys: every N days per customer and each calendar quarter, at a
local time of day, across the daylight-saving changes of Europe/Paris (the ws fixture's zone)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxpulse import Workspace
from cxpulse.errors import ConfigError
from cxpulse.surveys import run_surveys, survey_from_dict
from cxpulse.surveys.store import add_survey
from cxpulse.surveys.triggers import quarter_due
from tests.conftest import add_rows
from tests.surveys.helpers import write

PARIS = ZoneInfo("Europe/Paris")


def quarterly(month: int, day: int) -> str:
    return f"""
id: quarterly-nps
touchpoint: relationship
trigger: {{every: quarter, month: {month}, day: {day}, at: "09:00"}}
questions:
  - {{id: recommend, type: nps, text: "Would you recommend us?"}}
"""


def people(ws: Workspace, signup: datetime) -> None:
    add_rows(ws, "customers", [{"customer_id": c, "email": f"{c}@x.io", "email_consent": True,
                                "created_at": signup} for c in ("ann", "ben")])  # fmt: skip


def sent_times(ws: Workspace, start: datetime, hours: int, step: timedelta) -> list[datetime]:
    """Run the survey loop every ``step`` for ``hours`` hours; the invitations' UTC times."""
    now = start
    while now < start + timedelta(hours=hours):
        run_surveys(ws, now, send=False)
        now += step
    inv = ws.table("survey_invitations").order_by(["sent_at", "customer_id"]).execute()
    return [t.to_pydatetime() for t in inv.sent_at]


@pytest.mark.parametrize(
    ("month", "day", "start", "expected"),
    [
        # last Sunday of March 2025: clocks go 02:00 -> 03:00; 09:00 CEST is 07:00 UTC
        (3, 30, datetime(2025, 3, 29, 23, 30), datetime(2025, 3, 30, 7, 0)),
        # last Sunday of October 2025: 03:00 -> 02:00; 09:00 CET is 08:00 UTC
        (1, 26, datetime(2025, 10, 25, 23, 30), datetime(2025, 10, 26, 8, 0)),
    ],
)
def test_quarterly_survey_sent_at_nine_local_across_the_clock_change(
    ws: Workspace, tmp_path: Path, month: int, day: int, start: datetime, expected: datetime
) -> None:
    people(ws, datetime(2024, 6, 1))
    add_survey(ws, write(tmp_path, "q", quarterly(month, day)), start)
    # a worker ticking every 30 minutes from before the change (01:00 UTC) to after 09:00
    # local, then a day later: once each, on time
    times = sent_times(ws, start, 10, timedelta(minutes=30))
    times += sent_times(ws, start + timedelta(days=1), 1, timedelta(minutes=30))[len(times) :]
    assert times == [expected, expected]
    assert expected.replace(tzinfo=ZoneInfo("UTC")).astimezone(PARIS).time() == time(9, 0)
    keys = ws.store.table("survey_decisions").trigger_key.execute().tolist()
    label = f"{start.year}Q{(start.month - 1) // 3 + 1}"
    assert sorted(keys) == [f"quarterly-nps:ann:{label}", f"quarterly-nps:ben:{label}"]


def test_every_90_days_at_nine_local_lands_on_the_change_day(ws: Workspace, tmp_path: Path) -> None:
    # signed up on 30 December (local): 90 days later is Sunday 30 March 2025, the change day
    people(ws, datetime(2024, 12, 30, 15, 0))
    text = quarterly(1, 1).replace(
        'trigger: {every: quarter, month: 1, day: 1, at: "09:00"}',
        'trigger: {every: 90 days, at: "09:00"}',
    )
    add_survey(ws, write(tmp_path, "r", text), datetime(2025, 3, 1))
    times = sent_times(ws, datetime(2025, 3, 29, 23, 30), 10, timedelta(minutes=30))
    assert times == [datetime(2025, 3, 30, 7, 0)] * 2
    # the next cycle, 90 local days later (28 June, summer time), at 09:00 local again
    later = sent_times(ws, datetime(2025, 6, 28, 4, 0), 6, timedelta(hours=1))
    assert later[2:] == [datetime(2025, 6, 28, 7, 0)] * 2


def test_quarter_labels_and_errors() -> None:
    at = time(9, 0)
    assert quarter_due(datetime(2025, 1, 1, 7, 59), 1, 1, at, PARIS) == (
        "2024Q4",
        datetime(2024, 10, 1, 7, 0),
    )
    assert quarter_due(datetime(2025, 1, 1, 8, 0), 1, 1, at, PARIS) == (
        "2025Q1",
        datetime(2025, 1, 1, 8, 0),
    )
    # day 31 in the quarter's second month is the month's last day (28 February)
    assert quarter_due(datetime(2025, 3, 1), 2, 31, at, PARIS)[1] == datetime(2025, 2, 28, 8, 0)
    base = {"id": "s", "touchpoint": "t", "questions": [{"id": "q", "type": "nps", "text": "?"}]}
    for trigger, field in (
        ({"every": "quarter", "month": 4}, "month"),
        ({"every": "90 days", "day": 3}, "day"),
        ({"every": "quarter", "at": "9h"}, "at"),
        ({"event": "x", "at": "09:00"}, "at"),
        ({"every": "quarter", "hour": 9}, "hour"),
    ):
        with pytest.raises(ConfigError, match=f"trigger.{field}"):
            survey_from_dict({**base, "trigger": trigger})


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 1, 1)),
    steps=st.lists(st.integers(min_value=1, max_value=60 * 24 * 20), min_size=1, max_size=40),
    month=st.integers(1, 3),
    day=st.integers(1, 31),
)
def test_each_quarter_once_at_nine_local_whatever_the_ticks(
    start: datetime, steps: list[int], month: int, day: int
) -> None:
    """Any sequence of ticks sees each quarter's occurrence at most once as new, always at
    09:00 local, and never one due after the tick."""
    seen: dict[str, datetime] = {}
    now = start
    for minutes in steps:
        now += timedelta(minutes=minutes)
        label, due = quarter_due(now, month, day, time(9, 0), PARIS)
        assert due <= now < due + timedelta(days=93)
        assert seen.setdefault(label, due) == due
        local = due.replace(tzinfo=ZoneInfo("UTC")).astimezone(PARIS)
        assert local.time() == time(9, 0) and (local.month - 1) % 3 + 1 == month
        assert f"{local.year}Q{(local.month - 1) // 3 + 1}" == label
