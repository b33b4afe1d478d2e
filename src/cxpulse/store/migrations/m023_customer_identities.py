"""Migration 23: which workspace customer each vendor's person is (`customer_identities`),
decided once per person when a live source first brings them. On PostgreSQL its key is a
unique index, as migration 14 made every natural key."""

from __future__ import annotations

from cxpulse.store.connect import Store
from cxpulse.store.migrations.base import Migration, S, T, create_tables

KEY_INDEXES = (("cxpulse_key_customer_identities", "customer_identities", "identity_key"),)
TABLES = {
    "customer_identities": {
        "identity_key": S,
        "vendor": S,
        "vendor_id": S,
        "customer_id": S,
        "matched_by": S,
        "first_seen_at": T,
    },
}


def apply(store: Store) -> None:
    if not store.has_table("customer_identities"):  # a test may replay the migrations
        create_tables(store, TABLES)
    if store.backend == "postgres":
        for index, table, key in KEY_INDEXES:
            store.con.raw_sql(f'CREATE UNIQUE INDEX IF NOT EXISTS {index} ON {table} ("{key}")')


MIGRATION = Migration(23, "customer identities", apply)
