"""Migration 2 (b79f814): the CLV scores ``cxpulse clv score`` writes."""

from __future__ import annotations

from cxpulse.store.connect import Store
from cxpulse.store.migrations.base import F, I, Migration, S, T, create_tables

TABLES = {
    "clv_scores": {
        "customer_id": S,
        "scored_at": T,
        "model": S,
        "horizon_months": I,
        "frequency": F,
        "recency": F,
        "T": F,
        "monetary_value": F,
        "probability_alive": F,
        "expected_purchases": F,
        "expected_order_value": F,
        "predicted_clv": F,
    },
}


def apply(store: Store) -> None:
    create_tables(store, TABLES)


MIGRATION = Migration(2, "CLV scores table", apply)
