"""When a digest goes out and for which period: calendar boundaries in the workspace's zone.

A digest reports on the period that has just ended, never on the running one: a weekly digest
on the last complete ISO week (Monday to Sunday), sent on its weekday after that week; a
monthly one on the last complete month, sent on the 1st. The worker asks at every tick which
period is due; the outbox's unique key (digest, period, recipient) makes the answer "the same
period again" harmless, so a tick that comes late or twice sends nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from cxpulse.digests.definition import Schedule
from cxpulse.errors import ConfigError
from cxpulse.metrics.periods import Grain, floor_date, label, local_midnight_utc, shift


@dataclass(frozen=True)
class Period:
    grain: str  # week or month
    start: date
    end: date  # its last day (local)

    @property
    def label(self) -> str:
        return label(self.start, "week" if self.grain == "week" else "month")

    @property
    def after(self) -> date:
        """The first day after it: the scorecard's ``as_of`` (complete periods before it)."""
        return self.end + timedelta(days=1)


def containing(day: date, grain: str) -> Period:
    g: Grain = "week" if grain == "week" else "month"
    start = floor_date(day, g)
    return Period(g, start, shift(start, g, 1) - timedelta(days=1))


def last_complete(today: date, grain: str) -> Period:
    """The last period that ended before ``today`` (local)."""
    current = containing(today, grain)
    return containing(current.start - timedelta(days=1), grain)


def parse_period(text: str, grain: str) -> Period:
    """``2025-11`` (a month), ``2025-W47`` (an ISO week) or any day inside the period."""
    try:
        if grain == "week" and "-W" in text:
            year, week = text.split("-W")
            return containing(date.fromisocalendar(int(year), int(week), 1), grain)
        if grain == "month" and len(text) == 7:
            return containing(date.fromisoformat(f"{text}-01"), grain)
        return containing(date.fromisoformat(text), grain)
    except ValueError:
        example = "2025-W47" if grain == "week" else "2025-11"
        raise ConfigError(f"period {text!r}: write it as {example} or a day inside it") from None


def send_day(period: Period, schedule: Schedule) -> date:
    """The local day the digest of ``period`` goes out."""
    day = period.after
    if schedule.every == "week":
        day += timedelta(days=(schedule.weekday - day.weekday()) % 7)
    return day


def due(schedule: Schedule, added_at: datetime, now: datetime, zone: ZoneInfo) -> Period | None:
    """The period whose digest is due at ``now`` (naive UTC), or None.

    The latest complete period whose send day has come; not one whose send day was over
    before the digest was added (a digest added on a Thursday starts the next week rather
    than sending last week's on the spot: `cxpulse digests send` does that by hand)."""
    today = local_today(now, zone)
    period = last_complete(today, schedule.every)
    if today < send_day(period, schedule):
        period = last_complete(period.start, schedule.every)
    over = local_midnight_utc(send_day(period, schedule) + timedelta(days=1), zone)
    return period if added_at < over else None


def local_today(now: datetime, zone: ZoneInfo) -> date:
    return now.replace(tzinfo=UTC).astimezone(zone).date()


def upcoming(schedule: Schedule, today: date) -> Period:
    """The period whose digest goes out next, today or later."""
    period = last_complete(today, schedule.every)
    if send_day(period, schedule) >= today:
        return period
    return containing(period.after, schedule.every)


def chosen(schedule: Schedule, text: str | None, now: datetime, zone: ZoneInfo) -> Period:
    """The period a user names (``--period``), by default the last complete one."""
    if text:
        return parse_period(text, schedule.every)
    return last_complete(local_today(now, zone), schedule.every)
