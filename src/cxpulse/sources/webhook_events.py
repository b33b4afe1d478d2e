"""Receive a webhook: verify it with its source's signing secret, store it once by its event
id, and map what is mapped into the canonical rows, all in one transaction.

What is mapped (each in its connector's module; the rest is stored as sent, its ``mapped``
column saying "not mapped yet"):
- Zendesk ticket events (``zen:event-type:ticket.*``, the payloads of
  https://developer.zendesk.com/api-reference/webhooks/event-types/ticket-events): the ticket
  row is upserted (requester, created, status, priority, subject, channel, assignee). A status
  change to solved sets ``solved_at`` to the event's time, which is all the survey engine's
  ``ticket_solved`` trigger reads; a reopening clears it; other events leave it alone.
- Stripe ``customer.subscription.deleted``: a ``subscription_canceled`` survey trigger for the
  Stripe customer (the route records it through :mod:`cxpulse.surveys.events`). The
  subscription rows themselves wait for the Stripe connector's mapping.
- HubSpot v3 deliveries (an array of events): contacts and tickets created, one-column
  property changes, and a ticket closed (``solved_at``) or reopened; see
  :func:`cxpulse.sources.hubspot.webhook_event` for what waits for the next sync.
- Shopify ``orders/*``, ``customers/*`` (REST-shaped payloads) -> orders and customers rows
  (a fulfilled order's ``delivered_at`` is the ``order_delivered`` trigger), ``*/delete``
  deletes the row: :func:`cxpulse.sources.shopify.webhook_event`.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

import ibis

from cxpulse.errors import UnknownSourceError
from cxpulse.schema import SOURCE_SCHEMAS, WEBHOOK_EVENTS_TABLE
from cxpulse.sources import identities, secrets
from cxpulse.sources.connector import Page
from cxpulse.sources.definitions import Source, get_source
from cxpulse.sources.hubspot import webhook_event as hubspot_event
from cxpulse.sources.shopify import webhook_event as shopify_event
from cxpulse.sources.stripe import webhook_event as stripe_event
from cxpulse.sources.sync import SyncReport, write_page
from cxpulse.sources.webhook_mapping import Mapped, Trigger, nothing
from cxpulse.sources.webhooks import VERIFIERS, Delivery, Verified
from cxpulse.sources.zendesk import webhook_event as zendesk_event
from cxpulse.store.keyed import rows_where_in

if TYPE_CHECKING:
    from collections.abc import Mapping

    from cxpulse.context import Context


@dataclass(frozen=True)
class Received:
    source: str
    vendor: str
    event_id: str
    event_type: str
    new: bool
    """False: this event was stored before (a vendor's retry); nothing changed."""
    mapped: str
    triggers: tuple[Trigger, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "event_id": self.event_id,
            "event_type": self.event_type,
            "new": self.new,
            "mapped": self.mapped,
        }


def webhook_vendor(source: Source) -> str:
    """The signature scheme of a webhook source; UnknownSourceError for any other source."""
    vendor = source.options.get("vendor") if source.connector == "webhook" else None
    if vendor not in VERIFIERS:
        raise UnknownSourceError(f"source {source.name!r} receives no webhooks")
    return str(vendor)


def receive(
    ws: Context,
    name: str,
    delivery: Delivery,
    now: datetime,
    environ: Mapping[str, str] | None = None,
) -> Received:
    """Verify ``delivery`` for the source ``name`` and store it once (``now``: naive UTC).

    WebhookRejected (nothing stored) when its signature or timestamp fails; a repeat of a
    stored event id is ``new=False`` and writes nothing."""
    return store(ws, verify(ws, name, delivery, now, environ), delivery, now)


@dataclass(frozen=True)
class Checked:
    """A delivery whose signature held: its source, the vendor's scheme and the event."""

    source: Source
    vendor: str
    event: Verified


def verify(
    ws: Context,
    name: str,
    delivery: Delivery,
    now: datetime,
    environ: Mapping[str, str] | None = None,
) -> Checked:
    """Check ``delivery``'s signature with the source's secret; reads only, so a server does
    it off its write lock (an unsigned flood must not hold up every write)."""
    source = get_source(ws, name)
    vendor = webhook_vendor(source)
    event = VERIFIERS[vendor].verify(secrets.resolve(source.secret, name, environ), delivery, now)
    return Checked(source, vendor, event)


def store(ws: Context, checked: Checked, delivery: Delivery, now: datetime) -> Received:
    """Store a verified delivery once and map it, in one transaction (the caller's, when it
    has one: the server records the survey triggers in the same)."""
    source, vendor, verified = checked.source, checked.vendor, checked.event
    name = source.name
    key = f"{name}:{verified.event_id}"
    with ws.store.transaction():
        if rows_where_in(ws.store, WEBHOOK_EVENTS_TABLE, "event_key", [key], ["event_key"]):
            return Received(name, vendor, verified.event_id, verified.event_type, False, "repeat")
        mapped = MAPPERS.get(vendor, nothing)(name, verified)
        if mapped.rows or mapped.deleted:
            report = SyncReport(name)
            page = Page(rows=mapped.rows, cursor=None, deleted=mapped.deleted)
            write_page(ws, source, page, report, now)
            mapped.note = _written(report) or mapped.note
        # a trigger names the vendor's person: the survey goes to the customer they are
        mapped.triggers = [
            replace(t, customer_id=identities.customer_of(ws, vendor, t.customer_id))
            for t in mapped.triggers
        ]
        row = {
            "event_key": key,
            "source": name,
            "vendor": vendor,
            "event_id": verified.event_id,
            "event_type": verified.event_type,
            "received_at": now,
            "payload": delivery.body.decode("utf-8", "replace"),
            "mapped": mapped.note,
        }
        schema = ibis.schema(SOURCE_SCHEMAS[WEBHOOK_EVENTS_TABLE])
        ws.store.insert(WEBHOOK_EVENTS_TABLE, ibis.memtable([row], schema=schema))
    return Received(
        name,
        vendor,
        verified.event_id,
        verified.event_type,
        True,
        mapped.note,
        tuple(mapped.triggers),
    )


def _written(report: SyncReport) -> str:
    parts = [f"{t}: {n}" for t, n in sorted((*report.new.items(), *report.updated.items())) if n]
    parts += [f"{t}: {n} deleted" for t, n in sorted(report.deleted.items()) if n]
    if report.skipped_rows:
        parts += [f"skipped {r['table']} {r['id']} ({r['reason']})" for r in report.skipped_rows]
    return "; ".join(parts)


MAPPERS: dict[str, Callable[[str, Verified], Mapped]] = {
    "zendesk": zendesk_event,
    "stripe": stripe_event,
    "hubspot": hubspot_event,
    "shopify": shopify_event,
}
"""The vendors whose events change canonical rows (each vendor's mapping lives in its
connector's module); the others are stored as sent."""


def stored_events(ws: Context, source: str) -> list[dict[str, Any]]:
    """The webhook events a source received, oldest first (their payloads as JSON)."""
    table = ws.store.table(WEBHOOK_EVENTS_TABLE)
    rows: list[dict[str, Any]] = (
        table.filter(table.source == source).order_by("received_at").to_pyarrow().to_pylist()
    )
    for r in rows:
        with contextlib.suppress(ValueError):  # stored as sent: not always JSON
            r["payload"] = json.loads(r["payload"])
    return rows
