"""POST /api/v1/events: named customer events that trigger surveys, in batches.

The whole batch is checked first (a 422 names the item's index and field: ``body.3.event``),
then written with one statement (:func:`cxpulse.surveys.events.record_events`).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from cxpulse.accounts.users import Permission
from cxpulse.surveys.events import NAME, NAME_RULE, Event, builtin_message, record_events
from cxpulse.surveys.spec import BUILTIN_EVENTS
from cxpulse.web.security import Principal, require
from cxpulse.web.state import WebState, get_state

router = APIRouter(prefix="/api/v1", tags=["events"])
Ingester = Annotated[Principal, Depends(require(Permission.ingest))]
State = Annotated[WebState, Depends(get_state)]
MAX_BATCH = 10_000
# not blank, no control characters (the _customer validator)
CUSTOMER_ID = r"^[^\x00-\x1f]*[^\x00-\x1f\s][^\x00-\x1f]*$"


def _text_only(value: object) -> object:
    """A time is ISO text: pydantic would read the number 0 as 1970-01-01T00:00:00Z."""
    if not isinstance(value, str):
        raise ValueError("an ISO time as text, e.g. 2026-10-30T14:05:00+01:00")
    return value


class EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # the rules the validators below apply are in the document too (json_schema_extra), so a
    # client (or schemathesis) can tell a valid event from the schema; the validators keep
    # their own messages
    event: str = Field(
        description=f"The event's name, {NAME_RULE}; a survey with trigger {{event: NAME}} "
        "reacts to it",
        examples=["subscription_renewed"],
        json_schema_extra={"pattern": NAME.pattern},
    )
    customer_id: str = Field(
        min_length=1,
        max_length=200,
        examples=["C000123"],
        json_schema_extra={"pattern": CUSTOMER_ID},
    )
    occurred_at: Annotated[datetime, BeforeValidator(_text_only)] = Field(
        description="ISO time, years 1970 to 2200; with an offset it is converted to UTC, "
        "without one it is local time in the workspace's time zone (as imports read it)",
        examples=["2026-10-30T14:05:00+01:00"],
        json_schema_extra={"pattern": r"^(19[7-9][0-9]|2[01][0-9]{2}|2200)-"},
    )
    id: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Your id for the event; without one, name + customer + time make it, so a "
        "batch sent twice is recorded once",
    )
    properties: dict[str, Any] | None = Field(
        default=None,
        description="Accepted for your own bookkeeping; not stored (triggers use the name, "
        "customer and time only)",
    )

    @field_validator("event")
    @classmethod
    def _name(cls, value: str) -> str:
        if not NAME.match(value):
            raise ValueError(f"{value!r} is not an event name: {NAME_RULE}")
        if value in BUILTIN_EVENTS:
            raise ValueError(builtin_message(value))
        return value

    @field_validator("occurred_at")
    @classmethod
    def _time(cls, value: datetime) -> datetime:
        # far years cannot be moved to UTC (and are typos): refuse them here, with the field
        if not 1970 <= value.year <= 2200:
            raise ValueError("a time between the years 1970 and 2200")
        return value

    @field_validator("customer_id")
    @classmethod
    def _customer(cls, value: str) -> str:
        if not value.strip() or re.search(r"[\x00-\x1f]", value):
            raise ValueError("a customer id without control characters")
        return value.strip()


class EventsRecorded(BaseModel):
    received: int


@router.post(
    "/events",
    summary="Record a batch of customer events that trigger surveys (one write)",
    response_model=EventsRecorded,
    status_code=202,
)
def post_events(
    events: Annotated[list[EventIn], Body(min_length=1, max_length=MAX_BATCH)],
    principal: Ingester,
    state: State,
) -> EventsRecorded:
    batch = [Event(e.event, e.customer_id, e.occurred_at, e.id) for e in events]
    with state.workspace() as ws:
        recorded = record_events(ws, batch, source="api")
    return EventsRecorded(received=recorded.received)
