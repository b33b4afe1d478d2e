"""Migration 10 (b791d93): survey emails used to wait in ``survey_deliveries`` (status
``pending``); now every message waits in the outbox. Move the waiting ones there, to be sent
as before."""

from __future__ import annotations

from cxpulse.store.connect import Store
from cxpulse.store.migrations.base import Migration


def apply(store: Store) -> None:
    store.con.raw_sql(
        "INSERT INTO automation_outbox (outbox_key, run_id, kind, target, payload, created_at, "
        "status, attempts, next_attempt_at, claimed_at, sent_at, last_error) "
        "SELECT 'survey:' || delivery_key, 'survey:' || invitation_id, 'survey_email', address, "
        "'{\"delivery_key\": \"' || delivery_key || '\"}', created_at, 'pending', 0, created_at, "
        "NULL, NULL, NULL FROM survey_deliveries WHERE channel = 'email' AND status = 'pending'"
    )
    store.con.raw_sql(
        "UPDATE survey_deliveries SET status = 'queued' "
        "WHERE channel = 'email' AND status = 'pending'"
    )


MIGRATION = Migration(10, "survey emails wait in the outbox", apply)
