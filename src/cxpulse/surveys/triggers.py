"""Which surveys are due for which customers at ``now``: event, attribute and recurring triggers.

Reads the canonical tables with Ibis (tickets.solved_at and orders.delivered_at give the
built-in events; ``survey_events`` holds any other named event) and returns
:class:`~cxpulse.surveys.fatigue.Candidate` rows for the fatigue budget to decide.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

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
        # an empty consent is not a yes; an email survey also needs an address
        c = c.filter(c.email_consent.fill_null(False) & c.email.notnull())
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
    else:
        return _recurring(people, survey, now, gap)
    ev = ev.filter((ev.at <= latest) & (ev.at > earliest))
    rows = ev.semi_join(people, "customer_id").execute()
    return [
        Candidate(
            customer_id=str(r.customer_id),
            survey_id=survey.id,
            trigger_key=f"{survey.id}:{r.customer_id}:{r.ref}",
            due_at=r.at.to_pydatetime() + trig.delay,
            priority=survey.priority,
            min_gap=gap,
        )
        for r in rows.itertuples(index=False)
    ]


def _recurring(people: Any, survey: Survey, now: datetime, gap: timedelta) -> list[Candidate]:
    """Every ``every_days`` after signup: cycle n is due at created_at + n x every."""
    every = timedelta(days=survey.trigger.every_days)
    rows = people.filter(people.created_at <= now - every).select("customer_id", "created_at")
    out = []
    for r in rows.execute().itertuples(index=False):
        start = r.created_at.to_pydatetime()
        cycle = math.floor((now - start) / every)
        due = start + cycle * every
        if now - due > survey.trigger.max_age:
            continue  # this cycle's chance has passed; the next cycle will come
        out.append(
            Candidate(
                customer_id=str(r.customer_id),
                survey_id=survey.id,
                trigger_key=f"{survey.id}:{r.customer_id}:cycle{cycle}",
                due_at=due,
                priority=survey.priority,
                min_gap=min(gap, every),  # a recurring survey's own rhythm is its gap
            )
        )
    return out


def recipients(ws: Workspace, customer_ids: list[str]) -> dict[str, Recipient]:
    c = ws.table("customers")
    rows = c.filter(c.customer_id.isin(customer_ids)).select("customer_id", "language", "email")
    return {
        str(r.customer_id): Recipient(str(r.customer_id), _text(r.language), _text(r.email))
        for r in rows.execute().itertuples(index=False)
    }


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None  # pandas gives NaN or None
