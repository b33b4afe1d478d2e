"""Webhooks under load: verified deliveries written in batches (group commit).

Each request verifies its delivery on its own thread (off the write lock), then appends it to
:attr:`WebState.hooks <cxpulse.web.state.WebState>` and waits; one writer stores the batch
(:func:`~cxpulse.sources.webhook_events.store_many`: the events, their canonical rows) and
records the survey triggers they bring, in one transaction, then answers every request of the
batch. So a 200 means the event is durable; a batch that failed is written again event by
event, and an event that still fails is a 503 to its own request (the vendor sends it again).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from cxpulse.errors import CxpulseError
from cxpulse.sources.webhook_events import Checked, Received, store_many
from cxpulse.sources.webhooks import Delivery
from cxpulse.store.group_commit import GroupCommit
from cxpulse.surveys.events import Event, check_event, record_events

if TYPE_CHECKING:
    from cxpulse.context import Context

log = logging.getLogger(__name__)
Item = tuple[Checked, Delivery]


def hook_writer(
    workspace: Callable[[], AbstractContextManager[Context]], clock: Callable[[], datetime]
) -> GroupCommit[Item, Received]:
    def write(batch: Sequence[Item]) -> list[Received]:
        with workspace() as ws, ws.store.transaction():
            received = store_many(ws, batch, clock())
            record_triggers(ws, received)
        return received

    return GroupCommit(write, name="cxpulse-hooks")


def record_triggers(ws: Context, received: Sequence[Received]) -> None:
    """The survey triggers the new events bring, per source; one a vendor sent malformed (no
    customer) is logged and left out, so it cannot fail the batch it came in."""
    by_source: dict[str, list[Event]] = {}
    for r in received:
        for t in r.triggers:
            event = Event(t.name, t.customer_id, t.occurred_at.replace(tzinfo=UTC), t.event_id)
            try:
                check_event(event, f"{r.source} event {r.event_id}")
            except CxpulseError as exc:
                log.warning("survey trigger left out: %s", exc)
                continue
            by_source.setdefault(r.source, []).append(event)
    for source, events in by_source.items():
        record_events(ws, events, source=source)
