"""/api/v1/users, /tokens, /audit: admins only; every change is in the audit log."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from cxpulse import Workspace
from cxpulse.accounts import authenticate, get_user
from cxpulse.accounts.audit import entries
from cxpulse.accounts.tokens import list_tokens, verify_token
from tests.web.conftest import PASSWORD
from tests.web.test_api_ingest import bearer, session_headers

NEW_USER = {"user_id": "kim@example.com", "password": "a long passphrase", "role": "agent"}


ADMIN_ONLY = [
    ("get", "/api/v1/users"), ("post", "/api/v1/users"), ("patch", "/api/v1/users/agent"),
    ("get", "/api/v1/tokens"), ("post", "/api/v1/tokens"), ("delete", "/api/v1/tokens/x"),
    ("get", "/api/v1/audit"),
]  # fmt: skip


def test_accounts_need_an_admin(
    anon: TestClient, client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    analyst = client_for("analyst")
    read = bearer(web_ws, "read")
    for method, url in ADMIN_ONLY:
        assert anon.request(method, url).status_code == 401, url
        assert analyst.request(method, url, headers=session_headers(analyst)).status_code == 403
        assert anon.request(method, url, headers=read).status_code == 403, url


def test_users_are_created_changed_and_audited(
    client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    admin = client_for("admin")
    headers = session_headers(admin)
    created = admin.post("/api/v1/users", json=NEW_USER, headers=headers)
    assert created.status_code == 201 and created.json()["role"] == "agent"
    assert authenticate(web_ws, "kim@example.com", "a long passphrase") is not None
    assert admin.post("/api/v1/users", json=NEW_USER, headers=headers).status_code == 400
    short = admin.post("/api/v1/users", json={**NEW_USER, "user_id": "lee", "password": "x"},
                       headers=headers)  # fmt: skip
    assert short.status_code == 400 and "at least" in short.json()["detail"]
    for weak in ("password12", "aaaaaaaaaa", " " * 10, "qwertyuiop"):
        refused = admin.post("/api/v1/users", json={**NEW_USER, "user_id": "lee", "password": weak},
                             headers=headers)  # fmt: skip
        assert refused.status_code == 400 and "unrelated words" in refused.json()["detail"]
    weak_change = admin.patch("/api/v1/users/kim@example.com", json={"password": "Summer2024!"},
                              headers=headers)  # fmt: skip
    assert weak_change.status_code == 400 and "most common" in weak_change.json()["detail"]
    bad_role = admin.post("/api/v1/users", json={**NEW_USER, "role": "boss"}, headers=headers)
    assert bad_role.status_code == 422 and bad_role.json()["detail"][0]["where"] == "body.role"

    patched = admin.patch("/api/v1/users/kim@example.com",
                          json={"role": "analyst", "language": "fr", "password": "another phrase!"},
                          headers=headers)  # fmt: skip
    assert patched.status_code == 200
    user = get_user(web_ws, "kim@example.com")
    assert (user.role.value, user.language) == ("analyst", "fr")
    assert authenticate(web_ws, "kim@example.com", "another phrase!") is not None
    disabled = admin.patch("/api/v1/users/kim@example.com", json={"disabled": True},
                           headers=headers)  # fmt: skip
    assert disabled.json()["disabled"] is True
    assert authenticate(web_ws, "kim@example.com", "another phrase!") is None
    assert admin.patch("/api/v1/users/nobody", json={}, headers=headers).status_code == 404
    listed = [u["user_id"] for u in admin.get("/api/v1/users").json()]
    assert listed == ["admin", "agent", "analyst", "kim@example.com"]

    log = entries(web_ws, "kim@example.com")
    assert sorted(log.action) == ["user.add", "user.update", "user.update"]
    assert "another phrase" not in "".join(log.detail)  # never a password in the log
    audit = admin.get("/api/v1/audit", params={"subject": "kim@example.com"}).json()
    assert len(audit) == 3 and {a["actor"] for a in audit} == {"admin"}


def test_the_last_admin_cannot_lock_everyone_out(
    client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    admin = client_for("admin")
    headers = session_headers(admin)
    demote = admin.patch("/api/v1/users/admin", json={"role": "analyst"}, headers=headers)
    assert demote.status_code == 409 and "last enabled admin" in demote.json()["error"]
    assert admin.patch("/api/v1/users/admin", json={"disabled": True},
                       headers=headers).status_code == 409  # fmt: skip
    assert get_user(web_ws, "admin").role.value == "admin"
    admin.post("/api/v1/users", json={**NEW_USER, "role": "admin"}, headers=headers)
    assert admin.patch("/api/v1/users/admin", json={"language": "fr"},
                       headers=headers).status_code == 200  # fmt: skip


def test_tokens_are_shown_once_and_revoked_at_once(
    anon: TestClient, client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    admin = client_for("admin")
    headers = session_headers(admin)
    made = admin.post("/api/v1/tokens", json={"name": "crm", "scopes": ["ingest", "read"]},
                      headers=headers)  # fmt: skip
    assert made.status_code == 201
    secret, token_id = made.json()["secret"], made.json()["token_id"]
    assert verify_token(web_ws, secret) is not None
    listed = admin.get("/api/v1/tokens").json()
    assert [t["token_id"] for t in listed] == [token_id]
    assert "secret" not in listed[0] and "token_hash" not in listed[0]
    assert listed[0]["scopes"] == "ingest,read" and listed[0]["revoked_at"] is None
    machine = {"Authorization": f"Bearer {secret}"}
    assert anon.get("/api/v1/customers", headers=machine).status_code == 200
    bad = admin.post("/api/v1/tokens", json={"name": "x", "scopes": ["root"]}, headers=headers)
    assert bad.status_code == 422 and bad.json()["detail"][0]["where"].startswith("body.scopes")

    revoked = admin.delete(f"/api/v1/tokens/{token_id}", headers=headers)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert anon.get("/api/v1/customers", headers=machine).status_code == 401
    assert admin.delete("/api/v1/tokens/nope", headers=headers).status_code == 404
    assert list_tokens(web_ws).revoked_at.notna().all()
    assert sorted(entries(web_ws, token_id).action) == ["token.create", "token.revoke"]
    assert PASSWORD not in "".join(entries(web_ws).detail)
