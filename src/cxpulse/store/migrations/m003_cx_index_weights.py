"""Migration 3 (b79f814): versions of the CX index weights; survey answers say which question
they answer (appended to workspaces whose migration 1 predates the column)."""

from __future__ import annotations

from cxpulse.store.connect import Store
from cxpulse.store.migrations.base import D, I, Migration, S, T, add_column, create_tables

TABLES = {
    "cxpulse_cx_index_weights": {
        "version": I,
        "effective_from": D,
        "preset": S,
        "weights": S,  # JSON: component -> weight
        "note": S,
        "created_at": T,
    },
}


def apply(store: Store) -> None:
    create_tables(store, TABLES)
    add_column(store, "survey_responses", "question_id", "VARCHAR")


MIGRATION = Migration(3, "CX index weights; survey question ids", apply)
