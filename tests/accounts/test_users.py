from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from cxpulse import Workspace
from cxpulse.accounts import AccountError, Permission, Role, add_user, authenticate, update_user
from cxpulse.accounts.sessions import close_session, find_session, open_session
from cxpulse.accounts.users import get_user, list_users

NOW = datetime(2026, 11, 1, 9)


def test_add_and_authenticate(ws: Workspace) -> None:
    user = add_user(ws, "Ana@Example.fr", "correct horse battery", "analyst", NOW, language="fr")
    assert user.user_id == "ana@example.fr" and user.role is Role.analyst
    assert authenticate(ws, "ANA@example.fr ", "correct horse battery") == user
    assert authenticate(ws, "ana@example.fr", "wrong password") is None
    assert authenticate(ws, "nobody", "correct horse battery") is None


def test_password_is_never_stored_in_clear(ws: Workspace) -> None:
    add_user(ws, "ana", "correct horse battery", "admin", NOW)
    stored = ws.store.table("users").execute()
    assert "correct horse battery" not in stored.to_csv()


@pytest.mark.parametrize(
    ("name", "password", "role", "message"),
    [
        ("a", "correct horse battery", "admin", "user name"),
        ("ana", "short", "admin", "at least 10 characters"),
        ("ana", "password12", "admin", "most common passwords"),
        ("ana", "ana from sales", "admin", "user name"),
        ("ana", "correct horse battery", "boss", "unknown role 'boss'"),
    ],
)
def test_bad_accounts_are_refused_clearly(
    ws: Workspace, name: str, password: str, role: str, message: str
) -> None:
    with pytest.raises(AccountError, match=message):
        add_user(ws, name, password, role, NOW)
    assert list_users(ws) == []


def test_duplicate_user_is_refused(ws: Workspace) -> None:
    add_user(ws, "ana", "correct horse battery", "admin", NOW)
    with pytest.raises(AccountError, match="exists already"):
        add_user(ws, "ANA", "another password!", "agent", NOW)


def test_roles_permissions() -> None:
    from cxpulse.accounts.users import ROLE_PERMISSIONS

    assert ROLE_PERMISSIONS[Role.admin] == frozenset(Permission)
    assert Permission.admin not in ROLE_PERMISSIONS[Role.analyst]
    assert ROLE_PERMISSIONS[Role.agent] == {Permission.read}


def test_disabled_user_cannot_log_in_and_loses_sessions(ws: Workspace) -> None:
    user = add_user(ws, "ana", "correct horse battery", "agent", NOW)
    session = open_session(ws, user, NOW)
    update_user(ws, "ana", now=NOW, disabled=True)
    assert authenticate(ws, "ana", "correct horse battery") is None
    assert find_session(ws, session.session_id, NOW) is None


def test_sessions_expire_and_close(ws: Workspace) -> None:
    user = add_user(ws, "ana", "correct horse battery", "agent", NOW)
    session = open_session(ws, user, NOW)
    assert find_session(ws, session.session_id, NOW + timedelta(hours=11)) is not None
    assert find_session(ws, session.session_id, NOW + timedelta(hours=12)) is None
    other = open_session(ws, user, NOW)
    close_session(ws, other.session_id, NOW)
    assert find_session(ws, other.session_id, NOW) is None
    assert find_session(ws, "made-up", NOW) is None


def test_session_ids_are_stored_hashed(ws: Workspace) -> None:
    user = add_user(ws, "ana", "correct horse battery", "agent", NOW)
    session = open_session(ws, user, NOW)
    assert session.session_id not in ws.store.table("user_sessions").execute().to_csv()


def test_a_new_password_is_checked_too(ws: Workspace) -> None:
    add_user(ws, "ana", "correct horse battery", "agent", NOW)
    with pytest.raises(AccountError, match="run of keys"):
        update_user(ws, "ana", now=NOW, password="qwertyuiop")
    assert authenticate(ws, "ana", "correct horse battery") is not None


def test_password_change(ws: Workspace) -> None:
    add_user(ws, "ana", "correct horse battery", "agent", NOW)
    update_user(ws, "ana", now=NOW, password="a whole new secret")
    assert authenticate(ws, "ana", "correct horse battery") is None
    assert authenticate(ws, "ana", "a whole new secret") is not None


def test_password_role_or_state_change_ends_the_other_sessions(ws: Workspace) -> None:
    user = add_user(ws, "ana", "correct horse battery", "analyst", NOW)
    here, there = open_session(ws, user, NOW), open_session(ws, user, NOW)
    later = NOW + timedelta(minutes=5)
    update_user(ws, "ana", now=later, password="a whole new secret", keep_session=here.session_id)
    assert find_session(ws, there.session_id, later) is None
    assert find_session(ws, here.session_id, later) is not None  # the one making the change
    for change in ({"role": "agent"}, {"disabled": True}):
        session = open_session(ws, get_user(ws, "ana"), later)
        update_user(ws, "ana", now=later, **change)  # type: ignore[arg-type]
        update_user(ws, "ana", now=later, disabled=False)
        assert find_session(ws, session.session_id, later) is None, change


def test_language_or_the_same_role_keeps_the_sessions(ws: Workspace) -> None:
    user = add_user(ws, "ana", "correct horse battery", "analyst", NOW)
    session = open_session(ws, user, NOW)
    update_user(ws, "ana", now=NOW, language="fr", role="analyst", disabled=False)
    assert find_session(ws, session.session_id, NOW) is not None
