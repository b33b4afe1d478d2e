"""Which surveys are due for which customers at ``now``: event, attribute and recurring triggers.

Reads the canonical tables with Ibis (tickets.solved_at and orders.delivered_at give the
built-in events; ``survey_events`` holds any other named event) and returns
:class:`~cxpulse.surveys.fatigue.Candidate` rows for the fatigue budget to decide.
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import ibis

from cxpulse.store.migrations import SURVEY_EVENTS_TABLE
from cxpulse.surveys.definition import Survey
from cxpulse.surveys.fatigue import Candidate
from cxpulse.surveys.spec import BUILTIN_EVENTS

if TYPE_CHECKING:
    from cxpulse.workspace import Workspace


@dataclass(frozen=True)
class Recipient:
    customer_id: str
    language: str | None
    email: str | None


def audience(ws: Workspace, survey: Survey) -> Any:
    """The customers table filtered by the survey's audience (an Ibis expression)."""
    c = ws.table("customers")
    a = survey.audience
    if a.segments:
        c = c.filter(c.segment.isin(a.segments))
    if a.plans:
        c = c.filter(c.plan.isin(a.plans))
    if a.languages:
        c = c.filter(c.language.lower().isin([x.lower() for x in a.languages]))
    if a.email_consent:
        # an empty consent is not a yes
        c = c.filter(c.email_consent.fill_null(False))
    else:
        c = c.filter(c.email_consent.fill_null(True))  # an unsubscribe is always honoured
    if survey.channel == "email":
        c = c.filter(c.email.notnull())  # an email survey needs an address
    return c


def _events(ws: Workspace, name: str) -> Any:
    """(customer_id, ref, at) of each occurrence of an event."""
    if name in BUILTIN_EVENTS:
        table, column = BUILTIN_EVENTS[name]
        t = ws.table(table)
        key = "ticket_id" if table == "tickets" else "order_id"
        return t.filter(t[column].notnull() & t.customer_id.notnull()).select(
            customer_id=t.customer_id, ref=t[key], at=t[column]
        )
    e = ws.store.table(SURVEY_EVENTS_TABLE)
    return e.filter(e.name == name).select(
        customer_id=e.customer_id, ref=e.event_id, at=e.occurred_at
    )


def candidates(ws: Workspace, survey: Survey, now: datetime) -> list[Candidate]:
    """Customers for whom ``survey`` is due at ``now`` (naive UTC)."""
    trig = survey.trigger
    people = audience(ws, survey)
    gap = timedelta(days=survey.min_gap_days)
    # only occurrences whose due time fell in the last max_age: old events are never surveyed
    latest, earliest = now - trig.delay, now - trig.delay - trig.max_age
    if trig.kind == "event":
        ev = _events(ws, trig.event)
    elif trig.kind == "attribute":
        ev = people.select(
            customer_id=people.customer_id, ref=ibis.literal(trig.attribute), at=people.created_at
        )
    elif trig.kind == "recurring":
        return _recurring(people, survey, now, gap, ws.settings.zone)
    elif trig.kind == "quarterly":
        return _quarterly(people, survey, now, gap, ws.settings.zone)
    else:
        return []  # a widget survey is shown by the widget, never sent
    ev = ev.filter((ev.at <= latest) & (ev.at > earliest))
    rows = ev.semi_join(people, "customer_id").execute()
    return [
        Candidate(
            customer_id=str(r.customer_id),
            survey_id=survey.id,
            trigger_key=f"{survey.id}:{r.customer_id}:{r.ref}",
            due_at=r.at.to_pydatetime() + trig.delay,
            priority=survey.priority,
            exempt=survey.fatigue_exempt,
            min_gap=gap,
        )
        for r in rows.itertuples(index=False)
    ]


def _own_gap(gap: timedelta, every: timedelta, max_age: timedelta) -> timedelta:
    """A recurring survey's own rhythm caps its gap: a cycle sent late (up to max_age) must not
    make the next, on-time cycle look too close."""
    return max(min(gap, every - max_age), timedelta(0))


def local_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """Naive UTC of a local wall-clock time. A time skipped by the spring change (02:30 on the
    last Sunday of March in Paris) maps one hour later in wall time, never to no time at all;
    a repeated one (autumn) is its first occurrence."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


def utc_to_local(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)


def _recurring(
    people: Any, survey: Survey, now: datetime, gap: timedelta, zone: ZoneInfo
) -> list[Candidate]:
    """Every ``every_days`` after signup: cycle n is due at created_at + n x every (with
    ``at``: on that local day, at that local time, whatever the UTC offset is that day)."""
    trig = survey.trigger
    every = timedelta(days=trig.every_days)
    rows = people.filter(people.created_at <= now - every + timedelta(days=1)).select(
        "customer_id", "created_at"
    )
    out = []
    for r in rows.execute().itertuples(index=False):
        start = r.created_at.to_pydatetime()
        cycle, due = _cycle(start, every, trig.at, now, zone)
        if cycle < 1 or now - due > trig.max_age:
            continue  # not yet due, or this cycle's chance has passed; the next will come
        out.append(
            Candidate(
                customer_id=str(r.customer_id),
                survey_id=survey.id,
                trigger_key=f"{survey.id}:{r.customer_id}:cycle{cycle}",
                due_at=due,
                priority=survey.priority,
                exempt=survey.fatigue_exempt,
                min_gap=_own_gap(gap, every, trig.max_age),
            )
        )
    return out


def _cycle(
    start: datetime, every: timedelta, at: time | None, now: datetime, zone: ZoneInfo
) -> tuple[int, datetime]:
    """The last cycle due at or before ``now`` and its due time (naive UTC)."""
    if at is None:
        cycle = math.floor((now - start) / every)
        return cycle, start + cycle * every
    first_day = utc_to_local(start, zone).date()

    def due(n: int) -> datetime:
        return local_to_utc((datetime.combine(first_day, at) + n * every).date(), at, zone)

    cycle = max(math.floor((now - start) / every) + 1, 0)
    while cycle > 0 and due(cycle) > now:  # at most two steps: offsets differ by hours
        cycle -= 1
    return cycle, due(cycle)


def quarter_due(
    now: datetime, month: int, day: int, at: time, zone: ZoneInfo
) -> tuple[str, datetime]:
    """The last quarterly occurrence at or before ``now``: (label such as 2025Q1, naive UTC)."""
    local = utc_to_local(now, zone)
    year, quarter = local.year, (local.month - 1) // 3
    for _ in range(2):
        m = 3 * quarter + month
        on = date(year, m, min(day, calendar.monthrange(year, m)[1]))
        due = local_to_utc(on, at, zone)
        if due <= now:
            return f"{year}Q{quarter + 1}", due
        year, quarter = (year, quarter - 1) if quarter else (year - 1, 3)
    raise AssertionError("unreachable: the previous quarter's occurrence is in the past")


def _quarterly(
    people: Any, survey: Survey, now: datetime, gap: timedelta, zone: ZoneInfo
) -> list[Candidate]:
    """Once per calendar quarter of the workspace time zone, for customers who had signed up."""
    trig = survey.trigger
    label, due = quarter_due(now, trig.month, trig.day, trig.at or time(9, 0), zone)
    if now - due > trig.max_age:
        return []
    rows = people.filter(people.created_at <= due).select("customer_id").execute()
    return [
        Candidate(
            customer_id=str(cid),
            survey_id=survey.id,
            trigger_key=f"{survey.id}:{cid}:{label}",
            due_at=due,
            priority=survey.priority,
            exempt=survey.fatigue_exempt,
            min_gap=_own_gap(gap, timedelta(days=89), trig.max_age),  # the shortest quarter
        )
        for cid in rows.customer_id
    ]


def recipients(ws: Workspace, customer_ids: list[str]) -> dict[str, Recipient]:
    c = ws.table("customers")
    rows = c.filter(c.customer_id.isin(customer_ids)).select("customer_id", "language", "email")
    return {
        str(r.customer_id): Recipient(str(r.customer_id), _text(r.language), _text(r.email))
        for r in rows.execute().itertuples(index=False)
    }


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None  # pandas gives NaN or None
