"""Migration 13: ``web_events.source``. The first cxpulse (migration 1 as written in 22292b1)
created web_events without it; the column was added to the schema (f55a60d) without a
migration, so workspaces from those days lacked a column every import of web hits writes.
Workspaces created since have it already."""

from __future__ import annotations

from cxpulse.store.connect import Store
from cxpulse.store.migrations.base import Migration, add_column


def apply(store: Store) -> None:
    add_column(store, "web_events", "source", "VARCHAR")


MIGRATION = Migration(13, "web events say where they came from", apply)
