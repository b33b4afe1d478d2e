"""Named customer events that trigger surveys (``trigger: {event: NAME}``), recorded in batches.

A batch is written with one upsert on ``event_id``; an event sent without an id gets one derived
from its name, customer and time, so sending the same batch twice records each event once.
``ticket_solved`` and ``order_delivered`` are not logged here: surveys read them from the
``tickets`` and ``orders`` tables, so they arrive by importing those rows.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import ibis
import numpy as np

from cxpulse.errors import ConfigError, ImportRejected, Problem
from cxpulse.schema import SURVEY_EVENTS_TABLE, SURVEY_OPERATIONAL_SCHEMAS
from cxpulse.store.keyed import rows_where_in
from cxpulse.surveys.spec import BUILTIN_EVENTS

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from cxpulse.context import Context

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")
NAME_RULE = "1-100 letters, digits or _ . : - (e.g. subscription_renewed)"


@dataclass(frozen=True)
class Event:
    name: str
    customer_id: str
    occurred_at: datetime  # naive: local time in the workspace's zone; aware: any zone
    event_id: str | None = None


def builtin_message(name: str) -> str:
    table, column = BUILTIN_EVENTS[name]
    return (
        f"{name} is read from {table}.{column}: import the {table} rows "
        f"(POST /api/v1/ingest/{table} or `cxpulse import`) instead of sending events"
    )


def check_event(event: Event, where: str) -> None:
    """A ConfigError naming ``where`` (e.g. 'events[3]') and the field when an event is wrong."""
    if not NAME.match(event.name):
        raise ConfigError(f"{where}.event: {event.name!r} is not a name of {NAME_RULE}")
    if event.name in BUILTIN_EVENTS:
        raise ConfigError(f"{where}.event: {builtin_message(event.name)}")
    if not event.customer_id.strip():
        raise ConfigError(f"{where}.customer_id: required")


def to_utc(value: datetime, zone: ZoneInfo) -> datetime:
    """Naive UTC, as the tables store time; a naive value is local time in ``zone``."""
    aware = value if value.tzinfo else value.replace(tzinfo=zone)
    return aware.astimezone(UTC).replace(tzinfo=None)


def event_key(name: str, customer_id: str, occurred_at: datetime) -> str:
    text = f"{name}\x1f{customer_id}\x1f{occurred_at.isoformat()}"
    return "ev-" + hashlib.sha256(text.encode()).hexdigest()[:20]


@dataclass(frozen=True)
class Recorded:
    received: int  # events in the batch
    new: int  # distinct events not recorded before
    known: int  # distinct events recorded before (replaced by this copy, not duplicated)

    @property
    def repeated(self) -> int:
        """Copies of an event within the batch itself, kept once."""
        return self.received - self.new - self.known


def record_events(ws: Context, events: Sequence[Event], source: str = "api") -> Recorded:
    """Check every event, then write them all in one statement (an event already recorded
    with the same id is replaced, not duplicated)."""
    for i, event in enumerate(events):
        check_event(event, f"events[{i}]")
    rows = []
    for event in events:
        at = to_utc(event.occurred_at, ws.settings.zone)
        rows.append(
            {
                "event_id": event.event_id or event_key(event.name, event.customer_id, at),
                "customer_id": event.customer_id.strip(),
                "name": event.name,
                "occurred_at": at,
                "source": source,
            }
        )
    if not rows:
        return Recorded(0, 0, 0)
    # the last of duplicates within one batch wins, as a second upsert would
    unique = list({r["event_id"]: r for r in rows}.values())
    schema = ibis.schema(SURVEY_OPERATIONAL_SCHEMAS[SURVEY_EVENTS_TABLE])
    with ws.store.transaction():
        ids = [str(r["event_id"]) for r in unique]
        known = rows_where_in(ws.store, SURVEY_EVENTS_TABLE, "event_id", ids, ["event_id"])
        ws.store.upsert(SURVEY_EVENTS_TABLE, unique, schema=schema, on="event_id")
    return Recorded(len(events), len(unique) - len(known), len(known))


EVENT_COLUMNS = ("event", "customer_id", "occurred_at")  # and optionally id


def import_events(ws: Context, path: Path, source: str | None = None) -> Recorded:
    """Record the events of a CSV, JSON lines or Parquet file with the columns ``event`` (or
    ``name``), ``customer_id``, ``occurred_at`` and optionally ``id`` (or ``event_id``); times
    read as `cxpulse import` reads them (an offset is converted, a naive time is local time in
    the workspace's zone, French formats accepted). Every row is checked first: one bad row
    refuses the file, naming the file, line, column and what to do; nothing is written."""
    from cxpulse.ingest.parse import parse_timestamp
    from cxpulse.ingest.readers import read_file

    raw = read_file(path)
    frame = raw.frame.rename(columns={"name": "event", "event_id": "id"})
    missing = [c for c in EVENT_COLUMNS if c not in frame.columns]
    if missing:
        raise ImportRejected(
            f"{raw.label}: no column {missing[0]!r}; an events file has the columns "
            "event, customer_id, occurred_at (and optionally id)"
        )
    problems = list(raw.problems)
    stamps = parse_timestamp(frame["occurred_at"], ws.settings.zone, ws.settings.dayfirst)
    for mask, rule in stamps.failures:
        for bad in np.flatnonzero(mask):
            problems.append(Problem(raw.label, raw.lines[bad], "occurred_at",
                                    frame["occurred_at"].iloc[bad], rule))  # fmt: skip
    events = []
    for i, row in enumerate(frame.to_dict("records")):
        at = stamps.values.iloc[i]
        event = Event(
            name=str(row["event"] or "").strip(),
            customer_id=str(row["customer_id"] or ""),
            occurred_at=(at.to_pydatetime() if at == at else datetime(1970, 1, 1)).replace(
                tzinfo=UTC  # parse_timestamp gives UTC
            ),
            event_id=str(row["id"]).strip() if row.get("id") else None,
        )
        try:
            check_event(event, "")
        except ConfigError as exc:
            field, _, rule = str(exc).partition(": ")
            column = "event" if field.endswith("event") else "customer_id"
            problems.append(Problem(raw.label, raw.lines[i], column, row.get(column), rule))
        events.append(event)
    if problems:
        shown = "\n".join(f"  {p}" for p in problems[:10])
        more = f"\n  ... and {len(problems) - 10:,} more." if len(problems) > 10 else ""
        raise ImportRejected(
            f"{raw.label} was not imported: {len(problems):,} problem(s); nothing was recorded."
            f"\n{shown}{more}\nFix the file and import it again.",
            problems,
        )
    return record_events(ws, events, source or f"file:{raw.label}")
