"""What a webhook's mapping gives back: canonical rows to upsert and survey triggers to record.

Each vendor maps its own payloads in its connector's module (``webhook_event(source,
event) -> Mapped``), registered in :data:`cxpulse.sources.webhook_events.MAPPERS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cxpulse.sources.connector import Row
from cxpulse.sources.webhooks import Verified

NOT_MAPPED = "not mapped yet"


@dataclass(frozen=True)
class Trigger:
    """A survey trigger event a webhook brought (recorded by the caller, in the surveys
    layer): its name, the customer, when it happened (UTC) and a stable id."""

    name: str
    customer_id: str
    occurred_at: datetime
    event_id: str


@dataclass
class Mapped:
    rows: dict[str, list[Row]] = field(default_factory=dict)
    triggers: list[Trigger] = field(default_factory=list)
    deleted: dict[str, list[str]] = field(default_factory=dict)
    """Keys to delete by table (an order deleted at the vendor: a pull cannot see it)."""
    note: str = NOT_MAPPED
    subject: str | None = None
    """What the rows are about when the order of events matters (``ticket:5158:status``):
    events of one subject apply in the order they happened, not in the order they arrive."""
    occurred_at: datetime | None = None
    """When the event happened (naive UTC): an event older than the newest one applied to its
    subject is stored, its rows not written."""


def nothing(source: str, event: Verified) -> Mapped:
    return Mapped()


def obj(value: Any) -> dict[str, Any]:
    """A JSON object of the payload, or {} when the vendor sent something else there."""
    return value if isinstance(value, dict) else {}


def moment(value: Any) -> datetime | None:
    """An ISO 8601 time of a payload as naive UTC; None when it is missing or not a time."""
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


def text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)
