"""What a webhook's mapping gives back: canonical rows to upsert and survey triggers to record.

Each vendor maps its own payloads in its connector's module (``webhook_event(source,
event) -> Mapped``), registered in :data:`cxpulse.sources.webhook_events.MAPPERS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
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


def nothing(source: str, event: Verified) -> Mapped:
    return Mapped()


def obj(value: Any) -> dict[str, Any]:
    """A JSON object of the payload, or {} when the vendor sent something else there."""
    return value if isinstance(value, dict) else {}


def text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)
