"""Browser sessions: a random id in a cookie, only its hash in the workspace."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import ibis

from cxpulse.accounts.passwords import token_hash
from cxpulse.accounts.users import User, get_user
from cxpulse.schema import ACCOUNT_SCHEMAS, SESSIONS_TABLE

if TYPE_CHECKING:
    from cxpulse.context import Context

LIFETIME = timedelta(hours=12)


@dataclass(frozen=True)
class Session:
    session_id: str  # the cookie value; never stored
    user: User
    csrf_token: str
    expires_at: datetime


def _write(ws: Context, row: dict[str, object]) -> None:
    frame = ibis.memtable([row], schema=ibis.schema(ACCOUNT_SCHEMAS[SESSIONS_TABLE]))
    ws.store.upsert(SESSIONS_TABLE, frame, on="session_hash")


def open_session(ws: Context, user: User, now: datetime) -> Session:
    sid = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    expires = now + LIFETIME
    _write(
        ws,
        {
            "session_hash": token_hash(sid),
            "user_id": user.user_id,
            "csrf_token": csrf,
            "created_at": now,
            "expires_at": expires,
        },
    )
    return Session(sid, user, csrf, expires)


def find_session(ws: Context, sid: str, now: datetime) -> Session | None:
    t = ws.store.table(SESSIONS_TABLE)
    rows = t.filter(t.session_hash == token_hash(sid)).execute().to_dict("records")
    if not rows or rows[0]["expires_at"] <= now:
        return None
    user = get_user(ws, str(rows[0]["user_id"]))
    if user.disabled:
        return None
    return Session(sid, user, str(rows[0]["csrf_token"]), rows[0]["expires_at"])


def end_sessions(ws: Context, user_id: str, now: datetime, keep: str | None = None) -> int:
    """End every open session of ``user_id`` at ``now`` but ``keep`` (a cookie value: the
    session making the change); the number ended.

    Called when the password, the role or the state of an account changes: a session stolen
    or left open on another machine must not outlive the new password by its 12 hours."""
    t = ws.store.table(SESSIONS_TABLE)
    rows = t.filter(t.user_id == user_id).execute().to_dict("records")
    kept = token_hash(keep) if keep else None
    ending = [
        {**r, "expires_at": now}
        for r in rows
        if r["expires_at"] > now and r["session_hash"] != kept
    ]
    if ending:
        frame = ibis.memtable(ending, schema=ibis.schema(ACCOUNT_SCHEMAS[SESSIONS_TABLE]))
        ws.store.upsert(SESSIONS_TABLE, frame, on="session_hash")
    return len(ending)


def close_session(ws: Context, sid: str, now: datetime) -> None:
    t = ws.store.table(SESSIONS_TABLE)
    rows = t.filter(t.session_hash == token_hash(sid)).execute().to_dict("records")
    if rows:
        _write(ws, {**rows[0], "expires_at": now})
