"""Migration 24: ``webhook_events.subject`` and ``occurred_at``. Webhooks arrive out of order
(a late ``ticket.created`` after the ticket was solved): each event now keeps what it is about
and when the vendor says it happened, so an event older than the newest one applied to the
same subject is stored but changes nothing."""

from __future__ import annotations

from cxpulse.store.connect import Store
from cxpulse.store.migrations.base import Migration, add_column


def apply(store: Store) -> None:
    add_column(store, "webhook_events", "subject", "VARCHAR")
    add_column(store, "webhook_events", "occurred_at", "TIMESTAMP")


MIGRATION = Migration(24, "webhook events keep their subject and time", apply)
