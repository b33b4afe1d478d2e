"""The table of live sources (`cxpulse sources add`): one row per source, with its sync state.

A source's secret is never stored: only where to read it (an environment variable, or a key
of a secrets file). Its cursor is the vendor's, per stream, written in the same transaction as
the rows of the page it follows, so a sync killed between pages resumes where it stopped."""

from __future__ import annotations

from cxpulse.schema.columns import OperationalTable, op

SOURCES_TABLE = "sources"

SOURCES = OperationalTable(
    name=SOURCES_TABLE,
    key="name",
    doc="One row per live source: its connector, options, secret reference and sync state.",
    columns=(
        op("name", "string", "The source's name (`cxpulse sources add zendesk NAME`)."),
        op("connector", "string", "The connector, e.g. zendesk."),
        op("options", "string", "The connector's options (subdomain, email...), as JSON."),
        op("secret", "string", "Where the token is read: env:VARIABLE or file:PATH#KEY."),
        op("schedule_minutes", "int", "The worker syncs it when this many minutes have passed."),
        op("cursor", "string", "The vendor's cursor of each stream, as JSON."),
        op("added_at", "timestamp", "When it was added (UTC)."),
        op("last_sync_at", "timestamp", "When its last sync ended, well or not (UTC)."),
        op("last_status", "string", "ok, error or running."),
        op("rows", "int", "Rows written (new or changed) by its syncs, in all."),
        op("last_error", "string", "Why its last sync failed (one line), if it did."),
        op("last_report", "string", "What its last sync did, as JSON (rows, skipped ids)."),
    ),
)

WEBHOOK_EVENTS_TABLE = "webhook_events"

WEBHOOK_EVENTS = OperationalTable(
    name=WEBHOOK_EVENTS_TABLE,
    key="event_key",
    doc="One row per webhook event a source received, verified, as the vendor sent it.",
    columns=(
        op("event_key", "string", "The source's name and the vendor's event id: source:id."),
        op("source", "string", "The source it came to (`POST /hooks/SOURCE`)."),
        op("vendor", "string", "Whose signature it carried: stripe, shopify, zendesk..."),
        op("event_id", "string", "The vendor's id of the event (a repeat is stored once)."),
        op("event_type", "string", "The vendor's event type, e.g. customer.subscription.deleted."),
        op("received_at", "timestamp", "When it arrived (UTC)."),
        op("payload", "string", "The body as the vendor sent it (the signed bytes, as text)."),
        op("mapped", "string", "What it changed (tickets: 1), or why nothing (not mapped yet)."),
        op("subject", "string", "What it is about, e.g. ticket:5158:status (empty: unordered)."),
        op("occurred_at", "timestamp", "When the vendor says it happened (UTC)."),
    ),
)

CUSTOMER_IDENTITIES_TABLE = "customer_identities"

CUSTOMER_IDENTITIES = OperationalTable(
    name=CUSTOMER_IDENTITIES_TABLE,
    key="identity_key",
    doc=(
        "Which workspace customer each vendor's person is (a Zendesk requester, a Stripe "
        "customer): decided once, when the person first arrives, by email when a customer "
        "already has it, so every source's rows land on one customer."
    ),
    columns=(
        op("identity_key", "string", "The vendor and its id of the person: zendesk:5001."),
        op("vendor", "string", "Whose id it is: zendesk, stripe, hubspot..."),
        op("vendor_id", "string", "The vendor's id of the person."),
        op("customer_id", "string", "The workspace's customer (customers.customer_id)."),
        op("matched_by", "string", "email (an existing customer had it), id, or prefixed id."),
        op("first_seen_at", "timestamp", "When the decision was made (UTC)."),
    ),
)

SOURCE_TABLES = (SOURCES, WEBHOOK_EVENTS, CUSTOMER_IDENTITIES)
SOURCE_SCHEMAS: dict[str, dict[str, str]] = {t.name: t.types() for t in SOURCE_TABLES}
