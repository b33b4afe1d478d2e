"""Migration 7 (5d0617e): automation rules, their runs, cases, notes, tags and the outbox."""

from __future__ import annotations

from cxpulse.store.connect import Store
from cxpulse.store.migrations.base import B, I, Migration, S, T, create_tables

TABLES = {
    "automation_rules": {"name": S, "definition": S, "active": B, "added_at": T},
    "automation_runs": {
        "run_id": S,
        "rule": S,
        "cause": S,
        "customer_id": S,
        "cause_at": T,
        "fired_at": T,
        "detail": S,
        "actions": S,
    },
    "cases": {
        "case_id": S,
        "run_id": S,
        "rule": S,
        "customer_id": S,
        "state": S,
        "owner": S,
        "team": S,
        "summary": S,
        "cause_type": S,
        "cause_response_id": S,
        "cause_score": I,
        "cause_question_type": S,
        "opened_at": T,
        "sla_due_at": T,
        "acknowledged_at": T,
        "contacted_at": T,
        "resolved_at": T,
        "root_cause": S,
    },
    "case_notes": {"note_id": S, "case_id": S, "written_at": T, "text": S},
    "customer_tags": {"tag_id": S, "customer_id": S, "tag": S, "added_at": T, "rule": S},
    "automation_outbox": {
        "outbox_key": S,
        "run_id": S,
        "kind": S,
        "target": S,
        "payload": S,
        "created_at": T,
        "status": S,
        "attempts": I,
        "next_attempt_at": T,
        "claimed_at": T,
        "sent_at": T,
        "last_error": S,
    },
}


def apply(store: Store) -> None:
    create_tables(store, TABLES)


MIGRATION = Migration(7, "automation rules, runs, cases, notes, tags, outbox", apply)
