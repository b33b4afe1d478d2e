"""Migration 20: live sources (`cxpulse sources add`), one row per source with its options, the
reference of its secret (never the secret) and its sync state: the vendor's cursor per stream,
the last sync, rows written, the last error. On PostgreSQL its name is a unique index, as
migration 14 made every natural key."""

from __future__ import annotations

from cxpulse.store.connect import Store
from cxpulse.store.migrations.base import I, Migration, S, T, create_tables

KEY_INDEXES = (("cxpulse_key_sources", "sources", "name"),)
TABLES = {
    "sources": {
        "name": S,
        "connector": S,
        "options": S,
        "secret": S,
        "schedule_minutes": I,
        "cursor": S,
        "added_at": T,
        "last_sync_at": T,
        "last_status": S,
        "rows": I,
        "last_error": S,
        "last_report": S,
    },
}


def apply(store: Store) -> None:
    if not store.has_table("sources"):  # a test may replay the migrations
        create_tables(store, TABLES)
    if store.backend == "postgres":
        for index, table, key in KEY_INDEXES:
            store.con.raw_sql(f'CREATE UNIQUE INDEX IF NOT EXISTS {index} ON {table} ("{key}")')


MIGRATION = Migration(20, "live sources", apply)
