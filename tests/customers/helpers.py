"""One customer known to every table (and a second one who must stay untouched)."""

from __future__ import annotations

from datetime import datetime, timedelta

import ibis

from cxpulse import Workspace
from cxpulse.automations.cases import add_note, new_case, write_cases
from cxpulse.schema import (
    AUTOMATION_OUTBOX_TABLE,
    AUTOMATION_RUNS_TABLE,
    AUTOMATION_SCHEMAS,
    CHURN_SCORES_SCHEMA,
    CHURN_SCORES_TABLE,
    CLV_SCORES_SCHEMA,
    CLV_SCORES_TABLE,
    SURVEY_DECISIONS_TABLE,
    SURVEY_DELIVERIES_TABLE,
    SURVEY_OPERATIONAL_SCHEMAS,
    TEXT_ANNOTATIONS_SCHEMA,
    TEXT_ANNOTATIONS_TABLE,
)
from cxpulse.surveys.events import Event, record_events
from tests.conftest import add_rows

T0 = datetime(2026, 3, 2, 9, 0)
EMAIL = "alice.martin@example.fr"
COMMENT = "Alice here: the courier lost my parcel, call me on 06 12 34 56 78"


def _insert(
    ws: Workspace, table: str, schema: dict[str, object], rows: list[dict[str, object]]
) -> None:
    full = [{c: r.get(c) for c in schema} for r in rows]
    ws.store.insert(table, ibis.memtable(full, schema=ibis.schema(schema)))


def alice(ws: Workspace) -> None:
    """alice: signup, subscription, order, invitation, two answers, ticket, web visits (before
    and after logging in), mention, loyalty, event, decision, case with a note, tag, scores;
    bob: one answer and one web visit."""
    add_rows(ws, "customers", [
        {"customer_id": "alice", "name": "Alice Martin", "email": EMAIL, "language": "fr",
         "segment": "smb", "plan": "pro", "country": "FR", "email_consent": True,
         "created_at": T0},
        {"customer_id": "bob", "name": "Bob Stone", "email": "bob@example.com",
         "segment": "smb", "created_at": T0},
    ])  # fmt: skip
    add_rows(ws, "subscriptions", [
        {"subscription_id": "S1", "customer_id": "alice", "plan": "pro", "price": 49.0,
         "currency": "EUR", "billing_period": "month", "started_at": T0 + timedelta(days=1)},
    ])  # fmt: skip
    add_rows(ws, "orders", [
        {"order_id": "O1", "customer_id": "alice", "ordered_at": T0 + timedelta(days=2),
         "amount": 120.5, "currency": "EUR", "status": "delivered",
         "delivered_at": T0 + timedelta(days=4)},
    ])  # fmt: skip
    add_rows(ws, "survey_invitations", [
        {"invitation_id": "I1", "customer_id": "alice", "survey_id": "delivery",
         "touchpoint": "delivery", "sent_at": T0 + timedelta(days=5)},
    ])  # fmt: skip
    add_rows(ws, "survey_responses", [
        {"response_id": "RA1", "customer_id": "alice", "score": 2, "comment": COMMENT,
         "touchpoint": "delivery", "responded_at": T0 + timedelta(days=5, hours=2)},
        {"response_id": "RA2", "customer_id": "alice", "score": 10,
         "responded_at": T0 + timedelta(days=40)},
        {"response_id": "RB1", "customer_id": "bob", "score": 9,
         "responded_at": T0 + timedelta(days=6)},
    ])  # fmt: skip
    add_rows(ws, "tickets", [
        {"ticket_id": "T1", "customer_id": "alice", "created_at": T0 + timedelta(days=6),
         "solved_at": T0 + timedelta(days=7), "subject": "Parcel lost - Alice Martin",
         "category": "delivery", "channel": "email"},
    ])  # fmt: skip
    hit = {"event_type": "page_view", "visitor_id": "cookie-a"}
    add_rows(ws, "web_events", [
        {**hit, "event_id": "W1", "page": "/pricing", "occurred_at": T0 + timedelta(days=8)},
        {**hit, "event_id": "W2", "page": "/account", "customer_id": "alice",
         "occurred_at": T0 + timedelta(days=8, minutes=3)},
        {**hit, "event_id": "W3", "page": "/help", "occurred_at": T0 + timedelta(days=20)},
        {"event_type": "page_view", "visitor_id": "cookie-b", "event_id": "W4", "page": "/",
         "customer_id": "bob", "occurred_at": T0 + timedelta(days=8)},
    ])  # fmt: skip
    add_rows(ws, "mentions", [
        {"mention_id": "M1", "customer_id": "alice", "platform": "trustpilot", "rating": 1.0,
         "author": "alice_m", "text": "Never again", "url": "https://example.org/r/1",
         "posted_at": T0 + timedelta(days=9)},
    ])  # fmt: skip
    add_rows(ws, "loyalty_ledger", [
        {"entry_id": "L1", "customer_id": "alice", "kind": "earned", "points": 120,
         "occurred_at": T0 + timedelta(days=2)},
    ])  # fmt: skip
    record_events(ws, [Event("subscription_renewed", "alice", T0 + timedelta(days=31))])
    _insert(ws, SURVEY_DECISIONS_TABLE, SURVEY_OPERATIONAL_SCHEMAS[SURVEY_DECISIONS_TABLE], [
        {"decision_id": "D1", "decided_at": T0 + timedelta(days=5), "customer_id": "alice",
         "survey_id": "delivery", "trigger_key": "delivery:alice:O1", "outcome": "invited",
         "reason": "due", "invitation_id": "I1"},
    ])  # fmt: skip
    _insert(ws, SURVEY_DELIVERIES_TABLE, SURVEY_OPERATIONAL_SCHEMAS[SURVEY_DELIVERIES_TABLE], [
        {"delivery_key": "I1:email", "invitation_id": "I1", "customer_id": "alice",
         "survey_id": "delivery", "channel": "email", "address": EMAIL, "status": "sent",
         "created_at": T0 + timedelta(days=5)},
    ])  # fmt: skip
    opened = T0 + timedelta(days=5, hours=3)
    case = new_case("detractor-case:RA1", "detractor-case", "alice", opened, 24, owner="agent",
                    summary=f"NPS 2: {COMMENT}")  # fmt: skip
    write_cases(ws, [case])
    add_note(ws, str(case["case_id"]), "Called Alice on her mobile", T0 + timedelta(days=6))
    _insert(ws, AUTOMATION_RUNS_TABLE, AUTOMATION_SCHEMAS[AUTOMATION_RUNS_TABLE], [
        {"run_id": "detractor-case:RA1", "rule": "detractor-case", "cause": "RA1",
         "customer_id": "alice", "fired_at": T0 + timedelta(days=5, hours=3),
         "detail": f'{{"comment": "{COMMENT}"}}'},
    ])  # fmt: skip
    _insert(ws, AUTOMATION_OUTBOX_TABLE, AUTOMATION_SCHEMAS[AUTOMATION_OUTBOX_TABLE], [
        {"outbox_key": "detractor-case:RA1:1", "run_id": "detractor-case:RA1",
         "kind": "webhook", "target": "http://127.0.0.1:9/x", "status": "pending",
         "payload": f'{{"email": "{EMAIL}"}}'},
    ])  # fmt: skip
    _insert(ws, "customer_tags", AUTOMATION_SCHEMAS["customer_tags"], [
        {"tag_id": "alice:detractor", "customer_id": "alice", "tag": "detractor",
         "added_at": T0 + timedelta(days=5, hours=3), "rule": "detractor-case"},
    ])  # fmt: skip
    _insert(ws, CHURN_SCORES_TABLE, CHURN_SCORES_SCHEMA, [
        {"customer_id": "alice", "as_of": T0 + timedelta(days=50), "risk": 0.72,
         "model": "logistic", "top_reasons": "detractor=1", "scored_at": T0 + timedelta(days=50)},
    ])  # fmt: skip
    _insert(ws, CLV_SCORES_TABLE, CLV_SCORES_SCHEMA, [
        {"customer_id": "alice", "scored_at": T0 + timedelta(days=50), "model": "bgnbd",
         "horizon_months": 12, "probability_alive": 0.8, "predicted_clv": 310.0},
    ])  # fmt: skip
    _insert(ws, TEXT_ANNOTATIONS_TABLE, TEXT_ANNOTATIONS_SCHEMA, [
        {"annotation_id": "survey_responses:RA1", "table_name": "survey_responses",
         "row_key": "RA1", "sentiment": -0.8, "label": "negative", "themes": "delivery"},
    ])  # fmt: skip
