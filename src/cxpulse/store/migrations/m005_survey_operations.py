"""Migration 5 (ef3f0d7): the surveys cxpulse sends: definitions, decisions, deliveries,
customer events, the link-signing secret."""

from __future__ import annotations

from cxpulse.store.connect import Store
from cxpulse.store.migrations.base import B, I, Migration, S, T, create_tables

TABLES = {
    "survey_definitions": {"survey_id": S, "definition": S, "active": B, "added_at": T},
    "survey_decisions": {
        "decision_id": S,
        "decided_at": T,
        "customer_id": S,
        "survey_id": S,
        "trigger_key": S,
        "outcome": S,
        "reason": S,
        "detail": S,
        "invitation_id": S,
        "next_eligible_at": T,
    },
    "survey_deliveries": {
        "delivery_key": S,
        "invitation_id": S,
        "customer_id": S,
        "survey_id": S,
        "channel": S,
        "language": S,
        "address": S,
        "created_at": T,
        "expires_at": T,
        "status": S,
        "attempts": I,
        "sent_at": T,
        "last_error": S,
    },
    "survey_events": {
        "event_id": S,
        "customer_id": S,
        "name": S,
        "occurred_at": T,
        "source": S,
    },
    "survey_secrets": {"name": S, "value": S, "created_at": T},
}


def apply(store: Store) -> None:
    create_tables(store, TABLES)


MIGRATION = Migration(5, "survey definitions, decisions, deliveries, events", apply)
