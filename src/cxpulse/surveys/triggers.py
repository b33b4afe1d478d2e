"""Which surveys are due for which customers at ``now``: event, attribute and recurring triggers.

Reads the canonical tables with Ibis (tickets.solved_at and orders.delivered_at give the
built-in events; ``survey_events`` holds any other named event) and returns
:class:`~cxpulse.surveys.fatigue.Candidate` rows for the fatigue budget to decide.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import ibis
import pandas as pd

from cxpulse.schema import SURVEY_EVENTS_TABLE
from cxpulse.surveys.definition import Survey
from cxpulse.surveys.fatigue import Candidate
from cxpulse.surveys.spec import BUILTIN_EVENTS

if TYPE_CHECKING:
    from cxpulse.context import Context


def audience_rules(survey: Survey) -> list[tuple[str, Callable[[Any], Any]]]:
    """The survey's audience as (what a customer outside it lacks, predicate on customers):
    one list both selects the audience and explains, in `cxpulse why`, who is left out."""
    a = survey.audience
    rules: list[tuple[str, Callable[[Any], Any]]] = []
    if a.segments:
        rules.append((f"segment is not {' or '.join(a.segments)}",
                      lambda c: c.segment.isin(a.segments)))  # fmt: skip
    if a.plans:
        rules.append((f"plan is not {' or '.join(a.plans)}", lambda c: c.plan.isin(a.plans)))
    if a.languages:
        wanted = [x.lower() for x in a.languages]
        rules.append((f"language is not {' or '.join(a.languages)}",
                      lambda c: c.language.lower().isin(wanted)))  # fmt: skip
    if a.email_consent:
        # an empty consent is not a yes
        rules.append(("no email consent", lambda c: c.email_consent.fill_null(False)))
    else:
        rules.append(("unsubscribed from surveys",  # an unsubscribe is always honoured
                      lambda c: c.email_consent.fill_null(True)))  # fmt: skip
    rules.extend(survey.via.reachable())  # an email address, a phone number...
    return rules


def audience(ws: Context, survey: Survey) -> Any:
    """The customers table filtered by the survey's audience (an Ibis expression)."""
    c = ws.table("customers")
    for _, keep in audience_rules(survey):
        c = c.filter(keep(c))
    return c


def left_out(ws: Context, survey: Survey, customer_id: str) -> list[str] | None:
    """Why ``customer_id`` is outside the survey's audience ([] when inside; None when the
    customer is unknown)."""
    rules = audience_rules(survey)
    c = ws.table("customers")
    one = c.filter(c.customer_id == customer_id)
    flags = {f"r{i}": keep(one).fill_null(False) for i, (_, keep) in enumerate(rules)}
    rows = one.select(_known=ibis.literal(True), **flags).execute()
    if rows.empty:
        return None
    first = rows.iloc[0]
    return [why for i, (why, _) in enumerate(rules) if not bool(first[f"r{i}"])]


def known_events(ws: Context) -> list[str]:
    """Event names a trigger can wait for today: the built-in ones and those recorded."""
    e = ws.store.table(SURVEY_EVENTS_TABLE)
    recorded = {str(n) for n in e.select("name").distinct().name.execute()}
    return sorted(set(BUILTIN_EVENTS) | recorded)


def _events(ws: Context, name: str) -> Any:
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


def candidates(ws: Context, survey: Survey, now: datetime) -> list[Candidate]:
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
        return []  # manual: sent by `surveys send`; none: a widget survey, shown, never sent
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


def recipients(ws: Context, customer_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The customers rows of ``customer_ids`` by id, missing values as None: each channel
    reads its own address from them (:meth:`~cxpulse.surveys.channels.Channel.address`)."""
    c = ws.table("customers")
    rows = c.filter(c.customer_id.isin(customer_ids)).execute()
    return {
        str(r["customer_id"]): {k: _value(v) for k, v in r.items()} for r in rows.to_dict("records")
    }


def _value(value: Any) -> Any:
    """None for a missing value (pandas gives NaN, NaT or None)."""
    try:
        return None if pd.isna(value) else value
    except (TypeError, ValueError):  # an array-like value
        return value
