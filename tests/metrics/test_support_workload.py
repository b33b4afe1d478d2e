"""Contacts per interval for staffing: measured, forecast from the same weeks, or from a file."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from cxpulse import Workspace
from cxpulse.errors import ConfigError, QueryError
from cxpulse.metrics.workload import (
    forecast_week,
    measured_aht,
    measured_volumes,
    parse_interval,
    parse_iso_week,
    read_volumes,
)
from tests.conftest import add_rows

PARIS = ZoneInfo("Europe/Paris")


def at(local: datetime, n: int = 1, **extra: object) -> list[dict[str, object]]:
    """``n`` tickets created at a Paris wall-clock time."""
    when = local.replace(tzinfo=PARIS).astimezone(UTC).replace(tzinfo=None)
    return [{"created_at": when, **extra} for _ in range(n)]


def test_intervals_and_weeks_are_parsed() -> None:
    assert [parse_interval(x) for x in ("30min", "15m", "1h", 60)] == [1800, 900, 3600, 3600]
    with pytest.raises(ConfigError, match="divide a day"):
        parse_interval("7min")
    assert parse_iso_week("2026-W48") == date(2026, 11, 23)
    with pytest.raises(ConfigError, match="no such ISO week"):
        parse_iso_week("2025-W53")


def test_measured_volumes_count_local_intervals_and_keep_empty_ones(ws: Workspace) -> None:
    """Tickets at 09:10 and 09:20 share the 09:00 slot; 09:40 is in 09:30; the Sunday of the
    spring DST change is counted in local time too."""
    rows = at(datetime(2025, 3, 28, 9, 10)) + at(datetime(2025, 3, 28, 9, 20))
    rows += at(datetime(2025, 3, 28, 9, 40), channel="phone") + at(datetime(2025, 3, 30, 10, 5))
    add_rows(ws, "tickets", rows)
    df = measured_volumes(ws, "2025-03-28", "2025-03-30").set_index("interval_start")
    assert len(df) == 3 * 48 and df.contacts.sum() == 4
    assert df.loc[datetime(2025, 3, 28, 9), "contacts"] == 2
    assert df.loc[datetime(2025, 3, 28, 9, 30), "contacts"] == 1
    assert df.loc[datetime(2025, 3, 30, 10), "contacts"] == 1
    phone = measured_volumes(
        ws, "2025-03-28", "2025-03-28", interval="1h", filters={"channel": "phone"}
    )
    assert len(phone) == 24 and phone.contacts.sum() == 1


def test_forecast_averages_the_same_week_of_earlier_years(ws: Workspace) -> None:
    """Monday 10:00 of ISO week 48: 3 contacts in 2024, 5 in 2025. Without two years of
    history the growth is 1: forecast (3 + 5) / 2 = 4."""
    add_rows(
        ws, "tickets", at(datetime(2024, 11, 25, 10, 5), 3) + at(datetime(2025, 11, 24, 10, 5), 5)
    )
    add_rows(ws, "tickets", at(datetime(2025, 11, 30, 23)))  # the week of 2025 is complete
    f = forecast_week(ws, "2026-W48")
    assert f.years == [2025, 2024] and f.growth == 1 and "growth 1.0" in f.notes[0]
    df = f.volumes.set_index("interval_start")
    assert len(df) == 7 * 48 and df.loc[datetime(2026, 11, 23, 10), "contacts"] == 4


def test_forecast_scales_each_year_by_the_growth(ws: Workspace) -> None:
    """Growth over the last 4 weeks of data (1-28 Dec 2025: 6 contacts) against the same weeks
    a year before (2-29 Dec 2024: 3 contacts) = 2. Monday 10:00 of week 48:
    (5 x 2 + 3 x 2^2) / 2 = 11."""
    rows = at(datetime(2024, 11, 25, 10, 5), 3) + at(datetime(2025, 11, 24, 10, 5), 5)
    rows += at(datetime(2024, 12, 10, 15), 3) + at(datetime(2025, 12, 10, 15), 5)
    rows += at(datetime(2025, 12, 28, 15))
    add_rows(ws, "tickets", rows)
    f = forecast_week(ws, "2026-W48", growth_weeks=4)
    assert f.growth == 2
    assert f.volumes.set_index("interval_start").loc[datetime(2026, 11, 23, 10), "contacts"] == 11


def test_forecast_needs_an_earlier_complete_week(ws: Workspace) -> None:
    add_rows(ws, "tickets", at(datetime(2025, 11, 24, 10)))
    with pytest.raises(QueryError, match="no complete week 48"):
        forecast_week(ws, "2026-W48")


def test_measured_aht_and_volume_files(ws: Workspace, tmp_path: Path) -> None:
    add_rows(
        ws,
        "tickets",
        at(datetime(2025, 3, 3, 10), talk_seconds=200.0, wrap_seconds=100.0)
        + at(datetime(2025, 3, 3, 11), work_seconds=500.0),
    )
    assert measured_aht(ws, None, None) == (400.0, 2)
    path = tmp_path / "calls.csv"
    path.write_text("interval_start,calls\n2025-03-03 09:00,12\n2025-03-03 09:30,7\n")
    df = read_volumes(path)
    assert list(df.contacts) == [12, 7] and df.interval_start.iloc[1] == datetime(2025, 3, 3, 9, 30)
    assert len(read_volumes(path, 1800)) == 2
    with pytest.raises(ConfigError, match="30 minutes apart, shorter than the 60-minute"):
        read_volumes(path, 3600)
    path.write_text("interval_start,calls\n2025-03-03 09:00,12\nsoon,7\n")
    with pytest.raises(ConfigError, match="line 3"):
        read_volumes(path)
    path.write_text("when,calls\n")
    with pytest.raises(ConfigError, match="needs the columns"):
        read_volumes(path)


def test_empty_days_are_refused(ws: Workspace) -> None:
    with pytest.raises(QueryError, match="last not before the first"):
        measured_volumes(ws, "2025-03-02", "2025-03-01")
