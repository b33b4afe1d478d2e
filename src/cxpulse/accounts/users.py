"""Users of the web app and their roles.

Roles: ``admin`` (everything, users and GDPR erasure), ``analyst`` (read everything, import,
edit surveys and rules, every case), ``agent`` (read metrics, only the cases assigned to them).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import ibis

from cxpulse.accounts.password_policy import weakness
from cxpulse.accounts.passwords import hash_password, verify_password
from cxpulse.errors import CxpulseError
from cxpulse.schema import ACCOUNT_SCHEMAS, LANGUAGES, USERS_TABLE

if TYPE_CHECKING:
    from cxpulse.context import Context


class AccountError(CxpulseError, ValueError):
    """A user, password, role or token that cannot be used."""


class Role(StrEnum):
    admin = "admin"
    analyst = "analyst"
    agent = "agent"


class Permission(StrEnum):
    read = "read"  # metrics, feedback, customers
    ingest = "ingest"  # upload rows, post events
    edit = "edit"  # surveys, rules
    all_cases = "all_cases"  # every case, not only one's own
    admin = "admin"  # users, tokens, GDPR export and erasure


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.admin: frozenset(Permission),
    Role.analyst: frozenset(
        {Permission.read, Permission.ingest, Permission.edit, Permission.all_cases}
    ),
    Role.agent: frozenset({Permission.read}),
}
_NAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")


@dataclass(frozen=True)
class User:
    user_id: str
    role: Role
    language: str
    disabled: bool = False

    @property
    def permissions(self) -> frozenset[Permission]:
        return ROLE_PERMISSIONS[self.role]


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise AccountError(
            f"unknown role {value!r}; roles are {', '.join(r.value for r in Role)}"
        ) from None


def _check_password(password: str, user_name: str) -> None:
    problem = weakness(password, user_name)
    if problem is not None:
        raise AccountError(problem)


def _row(ws: Context, user_id: str) -> dict[str, object] | None:
    t = ws.store.table(USERS_TABLE)
    rows = t.filter(t.user_id == user_id.lower()).execute().to_dict("records")
    return rows[0] if rows else None


def _write(ws: Context, row: Mapping[str, object]) -> None:
    frame = ibis.memtable([row], schema=ibis.schema(ACCOUNT_SCHEMAS[USERS_TABLE]))
    ws.store.upsert(USERS_TABLE, frame, on="user_id")


def add_user(
    ws: Context, user_id: str, password: str, role: str, now: datetime, language: str = "en"
) -> User:
    name = user_id.strip().lower()
    if not _NAME.match(name):
        raise AccountError(
            f"user name {user_id!r}: use 2-64 letters, digits or . _ @ - (an email works)"
        )
    if _row(ws, name) is not None:
        raise AccountError(f"user {name!r} exists already; change it with `cxpulse user set`")
    _check_password(password, name)
    if language not in LANGUAGES:
        raise AccountError(f"language {language!r}: choose one of {', '.join(LANGUAGES)}")
    row = {
        "user_id": name,
        "password_hash": hash_password(password),
        "role": _role(role).value,
        "language": language,
        "created_at": now,
        "disabled": False,
    }
    _write(ws, row)
    return get_user(ws, name)


def get_user(ws: Context, user_id: str) -> User:
    row = _row(ws, user_id)
    if row is None:
        raise AccountError(f"no user {user_id!r}; create one with `cxpulse user add`")
    return User(
        str(row["user_id"]), Role(str(row["role"])), str(row["language"]), bool(row["disabled"])
    )


def list_users(ws: Context) -> list[User]:
    rows = ws.store.table(USERS_TABLE).order_by("user_id").execute().to_dict("records")
    return [
        User(str(r["user_id"]), Role(str(r["role"])), str(r["language"]), bool(r["disabled"]))
        for r in rows
    ]


def update_user(
    ws: Context,
    user_id: str,
    *,
    now: datetime,
    role: str | None = None,
    language: str | None = None,
    password: str | None = None,
    disabled: bool | None = None,
    keep_session: str | None = None,
) -> User:
    """Change an account. A new password, another role or disabling it ends the user's open
    sessions at once, all but ``keep_session`` (the cookie of the session making the change,
    when users change their own account)."""
    # sessions name their user, so that module imports this one
    from cxpulse.accounts.sessions import end_sessions

    row = _row(ws, user_id)
    if row is None:
        raise AccountError(f"no user {user_id!r}")
    ends_sessions = password is not None or bool(disabled)
    if role is not None:
        ends_sessions = ends_sessions or _role(role).value != row["role"]
        row["role"] = _role(role).value
    if language is not None:
        if language not in LANGUAGES:
            raise AccountError(f"language {language!r}: choose one of {', '.join(LANGUAGES)}")
        row["language"] = language
    if password is not None:
        _check_password(password, str(row["user_id"]))
        row["password_hash"] = hash_password(password)
    if disabled is not None:
        row["disabled"] = disabled
    _write(ws, row)
    if ends_sessions:
        end_sessions(ws, str(row["user_id"]), now, keep=keep_session)
    return get_user(ws, user_id)


def authenticate(ws: Context, user_id: str, password: str) -> User | None:
    """The user when the password matches and the account is enabled; ``None`` otherwise
    (the caller says only "wrong user or password", never which)."""
    dummy = _dummy_hash()  # before the lookup: a first call costs the same either way
    row = _row(ws, user_id.strip())
    if row is None:
        # spend the same time as a real check so a timing probe cannot list user names
        verify_password(password, dummy)
        return None
    if not verify_password(password, str(row["password_hash"])) or row["disabled"]:
        return None
    return get_user(ws, str(row["user_id"]))


@functools.cache
def _dummy_hash() -> str:
    # made on first use, not at import: hashing costs ~0.2 s that every command importing the
    # accounts (reports, serve) would pay without ever checking a password
    return hash_password("not a real password")
