"""Migration 6 (ef3f0d7): the churn risk ``cxpulse churn score`` writes."""

from __future__ import annotations

from cxpulse.store.connect import Store
from cxpulse.store.migrations.base import F, Migration, S, T, create_tables

TABLES = {
    "churn_scores": {
        "customer_id": S,
        "as_of": T,
        "risk": F,
        "model": S,
        "top_reasons": S,
        "scored_at": T,
    },
}


def apply(store: Store) -> None:
    create_tables(store, TABLES)


MIGRATION = Migration(6, "churn scores table", apply)
