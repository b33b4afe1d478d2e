"""The tables of accounts: users, their sessions, API tokens and the audit log. Only hashes
of session ids and tokens are stored: a copy of the file opens no session."""

from __future__ import annotations

from cxpulse.schema.columns import OperationalTable, op

USERS_TABLE = "users"
SESSIONS_TABLE = "user_sessions"
API_TOKENS_TABLE = "api_tokens"
AUDIT_TABLE = "audit_log"

USERS = OperationalTable(
    name=USERS_TABLE,
    key="user_id",
    doc="People who sign in to the dashboard.",
    columns=(
        op("user_id", "string", "The user's login."),
        op("password_hash", "string", "scrypt hash of the password."),
        op("role", "string", "admin, analyst or agent."),
        op("language", "string", "Language of the dashboard for this user (ISO 639-1)."),
        op("created_at", "timestamp", "When the user was created (UTC)."),
        op("disabled", "bool", "A disabled user cannot sign in."),
    ),
)

SESSIONS = OperationalTable(
    name=SESSIONS_TABLE,
    key="session_hash",
    doc="Signed-in sessions of the dashboard.",
    columns=(
        op("session_hash", "string", "Hash of the session id (the cookie)."),
        op("user_id", "string", "The user (users.user_id)."),
        op("csrf_token", "string", "The session's CSRF token."),
        op("created_at", "timestamp", "When the user signed in (UTC)."),
        op("expires_at", "timestamp", "When the session ends (UTC)."),
    ),
)

API_TOKENS = OperationalTable(
    name=API_TOKENS_TABLE,
    key="token_id",
    doc="Tokens of the HTTP API.",
    columns=(
        op("token_id", "string", "Id of the token (not the secret)."),
        op("name", "string", "What the token is for."),
        op("token_hash", "string", "Hash of the secret."),
        op("scopes", "string", "Comma-joined scopes the token grants."),
        op("created_by", "string", "The user who made it."),
        op("created_at", "timestamp", "When it was made (UTC)."),
        op("revoked_at", "timestamp", "When it was revoked (UTC); empty while valid."),
        op("last_used_at", "timestamp", "When it was last used (UTC)."),
    ),
)

AUDIT_LOG = OperationalTable(
    name=AUDIT_TABLE,
    doc="Who did what: changes to users and tokens, customer exports and erasures.",
    columns=(
        op("at", "timestamp", "When (UTC)."),
        op("actor", "string", "Who did it."),
        op("action", "string", "What, e.g. user.update, token.revoke, customer.export."),
        op("subject", "string", "On what."),
        op("detail", "string", "The details, as JSON."),
    ),
)

ACCOUNT_TABLES = (USERS, SESSIONS, API_TOKENS, AUDIT_LOG)
ACCOUNT_SCHEMAS: dict[str, dict[str, str]] = {t.name: t.types() for t in ACCOUNT_TABLES}
