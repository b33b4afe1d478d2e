"""Migration 18: stored results and the tables' data versions (:mod:`cxpulse.store.results`):
a report result kept in the workspace is read instead of computed while every table it read
still has the version it was computed at."""

from __future__ import annotations

from cxpulse.store.connect import Store
from cxpulse.store.migrations.base import Migration, S, T, create_tables

TABLES = {
    "cxpulse_results": {
        "key": S,
        "name": S,
        "versions": S,
        "settings": S,
        "computed_at": T,
        "payload": S,
    },
    "cxpulse_versions": {"name": S, "version": S, "changed_at": T},
}


def apply(store: Store) -> None:
    create_tables(store, {n: c for n, c in TABLES.items() if not store.has_table(n)})


MIGRATION = Migration(18, "stored results and the tables' data versions", apply)
