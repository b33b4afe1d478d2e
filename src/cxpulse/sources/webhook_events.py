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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

import ibis

from cxpulse import schema
from cxpulse.errors import SourceAuthError, UnknownSourceError
from cxpulse.schema import SOURCE_SCHEMAS, WEBHOOK_EVENTS_TABLE
from cxpulse.sources import identities, secrets
from cxpulse.sources.connector import Page, Row
from cxpulse.sources.definitions import Source, find_source, get_source
from cxpulse.sources.hubspot import webhook_event as hubspot_event
from cxpulse.sources.shopify import webhook_event as shopify_event
from cxpulse.sources.stripe import webhook_event as stripe_event
from cxpulse.sources.sync import SyncReport, write_page
from cxpulse.sources.webhook_mapping import Mapped, Trigger, nothing
from cxpulse.sources.webhooks import VERIFIERS, Delivery, Verified, decoy
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
    # the same reads and the same HMAC whether the source exists or not: how long a refusal
    # takes must not tell a caller without the secret which names exist
    found = find_source(ws, name)
    try:
        if found is None:
            raise UnknownSourceError(f"no source named {name!r}")
        source = found
        vendor = webhook_vendor(source)
        secret = secrets.resolve(source.secret, name, environ)
    except (UnknownSourceError, SourceAuthError):
        decoy(delivery)
        raise
    return Checked(source, vendor, VERIFIERS[vendor].verify(secret, delivery, now))


def store(ws: Context, checked: Checked, delivery: Delivery, now: datetime) -> Received:
    """Store a verified delivery once and map it, in one transaction (the caller's, when it
    has one): :func:`store_many` of one."""
    return store_many(ws, [(checked, delivery)], now)[0]


def store_many(
    ws: Context, batch: Sequence[tuple[Checked, Delivery]], now: datetime
) -> list[Received]:
    """Store verified deliveries, each once, and map them, in one transaction (the caller's,
    when it has one: the server records the survey triggers in the same), one answer per
    delivery in order.

    An event id stored before, or earlier in ``batch``, is a repeat and writes nothing. The
    mapped rows of the batch are written together, as one page per source (the import's
    checks once, not once per event). Events with a subject apply in the order they happened:
    one older than the newest stored (or earlier in the batch) for its subject is stored but
    changes nothing."""
    keys = [f"{c.source.name}:{c.event.event_id}" for c, _ in batch]
    with ws.store.transaction():
        stored = rows_where_in(ws.store, WEBHOOK_EVENTS_TABLE, "event_key", keys, ["event_key"])
        seen = {r["event_key"] for r in stored}
        fresh: list[tuple[int, Mapped]] = []
        for i, (checked, _) in enumerate(batch):
            if keys[i] not in seen:
                seen.add(keys[i])
                mapper = MAPPERS.get(checked.vendor, nothing)
                fresh.append((i, mapper(checked.source.name, checked.event)))
        newest = _newest(ws, [(batch[i][0].source.name, m) for i, m in fresh])
        # a run of rows with the same columns is one page: a row without a column (an edit
        # has no solved_at) must keep the stored value, not read as NULL beside one with it
        runs: list[tuple[str, str, frozenset[str], list[Row]]] = []
        for i, mapped in fresh:
            name = batch[i][0].source.name
            if mapped.subject and mapped.occurred_at is not None:
                last = newest.get((name, mapped.subject))
                if last is not None and mapped.occurred_at < last:
                    mapped.rows, mapped.note = {}, _stale(mapped.subject, last)
                    continue
                newest[(name, mapped.subject)] = mapped.occurred_at
            for table, rows in mapped.rows.items():
                for row in rows:
                    shape = (name, table, frozenset(row))
                    if runs and runs[-1][:3] == shape:
                        runs[-1][3].append(row)
                    else:
                        runs.append((*shape, [row]))
        skipped: set[tuple[str, str, str]] = set()
        reasons: dict[tuple[str, str, str], str] = {}
        for name, table, _, rows in runs:
            report = SyncReport(name)
            source = find_source(ws, name) or get_source(ws, name)  # removed meanwhile: says so
            write_page(ws, source, Page(rows={table: rows}, cursor=None), report, now)
            for r in report.skipped_rows:
                skipped.add((name, r["table"], r["id"]))
                reasons[(name, r["table"], r["id"])] = r["reason"]
        for i, mapped in fresh:
            checked = batch[i][0]
            if mapped.deleted:  # Shopify's */delete: after the batch's rows, as they came
                report = SyncReport(checked.source.name)
                page = Page(rows={}, cursor=None, deleted=mapped.deleted)
                write_page(ws, checked.source, page, report, now)
                gone = [f"{t}: {n} deleted" for t, n in sorted(report.deleted.items()) if n]
                mapped.note = "; ".join(gone) or "nothing to delete"
            # a trigger names the vendor's person: the survey goes to the customer they are
            mapped.triggers = [
                replace(t, customer_id=identities.customer_of(ws, checked.vendor, t.customer_id))
                for t in mapped.triggers
            ]
        for i, mapped in fresh:
            if mapped.rows:
                mapped.note = _written(batch[i][0].source.name, mapped, skipped, reasons)
        if fresh:
            events = [_event_row(batch[i], mapped, now) for i, mapped in fresh]
            types = ibis.schema(SOURCE_SCHEMAS[WEBHOOK_EVENTS_TABLE])
            ws.store.insert(WEBHOOK_EVENTS_TABLE, ibis.memtable(events, schema=types))
    by_index = dict(fresh)
    return [_received(checked, by_index.get(i)) for i, (checked, _) in enumerate(batch)]


def _received(checked: Checked, mapped: Mapped | None) -> Received:
    """The answer for one delivery: ``mapped`` None for a repeat."""
    name, event = checked.source.name, checked.event
    if mapped is None:
        return Received(name, checked.vendor, event.event_id, event.event_type, False, "repeat")
    return Received(
        name,
        checked.vendor,
        event.event_id,
        event.event_type,
        True,
        mapped.note,
        tuple(mapped.triggers),
    )


def _stale(subject: str, last: datetime) -> str:
    return f"stale: {subject} changed later ({last:%Y-%m-%d %H:%M:%S} UTC); nothing written"


def _newest(ws: Context, mapped: list[tuple[str, Mapped]]) -> dict[tuple[str, str], datetime]:
    """The time of the newest stored event of each subject in ``mapped``, by source."""
    subjects = {m.subject for _, m in mapped if m.subject and m.occurred_at is not None}
    names = {name for name, _ in mapped}
    rows = rows_where_in(ws.store, WEBHOOK_EVENTS_TABLE, "subject", [s for s in subjects if s],
                         ["source", "subject", "occurred_at"])  # fmt: skip
    newest: dict[tuple[str, str], datetime] = {}
    for r in rows:
        key, at = (r["source"], r["subject"]), r["occurred_at"]
        if r["source"] in names and at is not None and (key not in newest or at > newest[key]):
            newest[key] = at
    return newest


def _event_row(item: tuple[Checked, Delivery], mapped: Mapped, now: datetime) -> dict[str, Any]:
    checked, delivery = item
    return {
        "event_key": f"{checked.source.name}:{checked.event.event_id}",
        "source": checked.source.name,
        "vendor": checked.vendor,
        "event_id": checked.event.event_id,
        "event_type": checked.event.event_type,
        "received_at": now,
        "payload": delivery.body.decode("utf-8", "replace"),
        "mapped": mapped.note,
        "subject": mapped.subject,
        "occurred_at": mapped.occurred_at,
    }


def _written(
    source: str,
    mapped: Mapped,
    skipped: set[tuple[str, str, str]],
    reasons: dict[tuple[str, str, str], str],
) -> str:
    """What an event's rows changed: rows per table, and each of its rows skipped, and why."""
    parts, refused = [], []
    for table, rows in sorted(mapped.rows.items()):
        key = schema.table(table).key
        ids = [str(r.get(key)) if r.get(key) is not None else "(none)" for r in rows]
        out = [(source, table, i) for i in ids if (source, table, i) in skipped]
        if len(ids) > len(out):
            parts.append(f"{table}: {len(ids) - len(out)}")
        refused += [f"skipped {t} {i} ({reasons[(s, t, i)]})" for s, t, i in out]
    return "; ".join(parts + refused) or mapped.note


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
