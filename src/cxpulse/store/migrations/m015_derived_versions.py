"""Migration 15: the version each group of derived tables maintained on write was computed with
(:mod:`cxpulse.store.derived`): a group whose stored version differs from its code's (an older
cxpulse, a changed setting) is rebuilt once."""

from __future__ import annotations

from cxpulse.store.connect import Store
from cxpulse.store.migrations.base import Migration, S, T, create_tables

TABLES = {"cxpulse_derived": {"name": S, "version": S, "sources": S, "refreshed_at": T}}


def apply(store: Store) -> None:
    if not store.has_table("cxpulse_derived"):  # a test may replay the migrations
        create_tables(store, TABLES)


MIGRATION = Migration(15, "versions of the derived tables maintained on write", apply)
