"""Migration 8 (b4d2b37): users, their sessions, API tokens and the audit log."""

from __future__ import annotations

from cxpulse.store.connect import Store
from cxpulse.store.migrations.base import B, Migration, S, T, create_tables

TABLES = {
    "users": {
        "user_id": S,
        "password_hash": S,
        "role": S,
        "language": S,
        "created_at": T,
        "disabled": B,
    },
    "user_sessions": {
        "session_hash": S,
        "user_id": S,
        "csrf_token": S,
        "created_at": T,
        "expires_at": T,
    },
    "api_tokens": {
        "token_id": S,
        "name": S,
        "token_hash": S,
        "scopes": S,
        "created_by": S,
        "created_at": T,
        "revoked_at": T,
        "last_used_at": T,
    },
    "audit_log": {"at": T, "actor": S, "action": S, "subject": S, "detail": S},
}


def apply(store: Store) -> None:
    create_tables(store, TABLES)


MIGRATION = Migration(8, "users, sessions, API tokens, audit log", apply)
