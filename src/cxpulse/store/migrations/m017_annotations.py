"""Migration 17: annotations, the events (an outage, a release, a price change) that the
metrics are read against (``cxpulse annotate``, ``cxpulse impact``). On PostgreSQL its natural
key is a unique index, as migration 14 made for every table with one."""

from __future__ import annotations

from cxpulse.store.connect import Store
from cxpulse.store.migrations.base import D, Migration, S, T, create_tables

TABLES = {
    "annotations": {
        "annotation_id": S,
        "day": D,
        "until": D,
        "label": S,
        "tags": S,
        "author": S,
        "created_at": T,
    },
}
KEY_INDEXES: tuple[tuple[str, str, str], ...] = (
    ("cxpulse_key_annotations", "annotations", "annotation_id"),
)
"""(index, table, column) of the unique index this migration makes on PostgreSQL."""


def apply(store: Store) -> None:
    if not store.has_table("annotations"):  # a test may replay the migrations
        create_tables(store, TABLES)
    if store.backend != "postgres":  # DuckDB: one writer process keeps the key (migration 14)
        return
    for index, table, key in KEY_INDEXES:
        store.con.raw_sql(f'CREATE UNIQUE INDEX IF NOT EXISTS {index} ON {table} ("{key}")')


MIGRATION = Migration(17, "annotations: events to read the metrics against", apply)
