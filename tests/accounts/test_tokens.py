from __future__ import annotations

from datetime import datetime

import pytest

from cxpulse import Workspace
from cxpulse.accounts import AccountError, Permission
from cxpulse.accounts.tokens import create_token, list_tokens, revoke_token, verify_token

NOW = datetime(2026, 11, 1, 9)


def test_token_round_trip_and_scopes(ws: Workspace) -> None:
    token, secret = create_token(ws, "etl", "ingest, read", "ana", NOW)
    assert secret.startswith(f"cxp_{token.token_id}_")
    assert token.scopes == ("ingest", "read")
    assert verify_token(ws, secret) == token
    assert Permission.ingest in token.permissions and Permission.admin not in token.permissions


def test_secret_is_not_stored_and_not_listed(ws: Workspace) -> None:
    _, secret = create_token(ws, "etl", "read", "ana", NOW)
    assert secret not in ws.store.table("api_tokens").execute().to_csv()
    assert "token_hash" not in list_tokens(ws).columns


def test_revoke(ws: Workspace) -> None:
    token, secret = create_token(ws, "etl", "read", "ana", NOW)
    revoke_token(ws, token.token_id, NOW)
    assert verify_token(ws, secret) is None
    with pytest.raises(AccountError, match="no token"):
        revoke_token(ws, "nope", NOW)


@pytest.mark.parametrize("scopes", ["", "write", "read,everything"])
def test_unknown_scopes_are_refused(ws: Workspace, scopes: str) -> None:
    with pytest.raises(AccountError, match="choose from read, ingest, admin"):
        create_token(ws, "etl", scopes, "ana", NOW)
