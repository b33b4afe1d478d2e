"""Migration 19: the digests' definitions (`cxpulse digests add`), one row per digest, stored
as the survey definitions and rules are: the checked YAML as JSON. On PostgreSQL its name is
a unique index, as migration 14 made every natural key."""

from __future__ import annotations

from cxpulse.store.connect import Store
from cxpulse.store.migrations.base import B, Migration, S, T, create_tables

# the unique index of its natural key on PostgreSQL, as migration 14 made the others
KEY_INDEXES = (("cxpulse_key_digest_definitions", "digest_definitions", "name"),)
TABLES = {
    "digest_definitions": {"name": S, "definition": S, "active": B, "added_at": T},
}


def apply(store: Store) -> None:
    if not store.has_table("digest_definitions"):  # a test may replay the migrations
        create_tables(store, TABLES)
    if store.backend == "postgres":
        for index, table, key in KEY_INDEXES:
            store.con.raw_sql(f'CREATE UNIQUE INDEX IF NOT EXISTS {index} ON {table} ("{key}")')


MIGRATION = Migration(19, "digest definitions", apply)
