"""Migration 21: the webhook events sources received (`POST /hooks/SOURCE`), one row per
event keyed by the source and the vendor's event id, so a vendor's retry stores nothing new.
On PostgreSQL its key is a unique index, as migration 14 made every natural key."""

from __future__ import annotations

from cxpulse.store.connect import Store
from cxpulse.store.migrations.base import Migration, S, T, create_tables

KEY_INDEXES = (("cxpulse_key_webhook_events", "webhook_events", "event_key"),)
TABLES = {
    "webhook_events": {
        "event_key": S,
        "source": S,
        "vendor": S,
        "event_id": S,
        "event_type": S,
        "received_at": T,
        "payload": S,
        "mapped": S,
    },
}


def apply(store: Store) -> None:
    if not store.has_table("webhook_events"):  # a test may replay the migrations
        create_tables(store, TABLES)
    if store.backend == "postgres":
        for index, table, key in KEY_INDEXES:
            store.con.raw_sql(f'CREATE UNIQUE INDEX IF NOT EXISTS {index} ON {table} ("{key}")')


MIGRATION = Migration(21, "webhook events", apply)
