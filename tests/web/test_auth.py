"""Log-in, sessions, roles, CSRF, tokens: nothing reachable without login but health."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from cxpulse import Workspace
from cxpulse.accounts.tokens import create_token, revoke_token
from tests.web.conftest import NOW, PASSWORD, csrf, login


def test_health_answers_without_login(anon: TestClient) -> None:
    assert anon.get("/healthz").json()["status"] == "ok"


@pytest.mark.parametrize("path", ["/", "/metrics/nps"])
def test_pages_redirect_to_login(anon: TestClient, path: str) -> None:
    response = anon.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={path}"


@pytest.mark.parametrize("path", ["/api/v1/metrics", "/api/v1/scorecard", "/api/v1/metrics/nps"])
def test_api_needs_credentials(anon: TestClient, path: str) -> None:
    response = anon.get(path)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_wrong_password_does_not_say_which_part_was_wrong(anon: TestClient) -> None:
    anon.get("/login")
    token = anon.cookies.get("cxpulse_login_csrf")
    bad_user = anon.post(
        "/login", data={"username": "nobody", "password": PASSWORD, "csrf_token": token}
    )
    bad_pass = anon.post(
        "/login", data={"username": "admin", "password": "wrong password!", "csrf_token": token}
    )
    assert bad_user.status_code == bad_pass.status_code == 401
    assert "Wrong user name or password." in bad_user.text
    assert "cxpulse_session" not in anon.cookies


def test_login_form_needs_its_csrf_cookie(anon: TestClient) -> None:
    response = anon.post(
        "/login", data={"username": "admin", "password": PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 403


def test_login_redirects_only_to_this_site(anon: TestClient) -> None:
    anon.get("/login")
    response = anon.post(
        "/login",
        data={
            "username": "admin",
            "password": PASSWORD,
            "csrf_token": anon.cookies.get("cxpulse_login_csrf"),
            "next": "//evil.example/phish",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_session_cookie_is_http_only_and_same_site(anon: TestClient) -> None:
    anon.get("/login")
    response = anon.post(
        "/login",
        data={"username": "admin", "password": PASSWORD,
              "csrf_token": anon.cookies.get("cxpulse_login_csrf")},
        follow_redirects=False,
    )  # fmt: skip
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http on loopback; https sets Secure


def test_login_attempts_are_rate_limited(anon: TestClient) -> None:
    anon.get("/login")
    token = anon.cookies.get("cxpulse_login_csrf")
    codes = [
        anon.post(
            "/login", data={"username": "admin", "password": "nope nope nope", "csrf_token": token}
        ).status_code
        for _ in range(12)
    ]
    assert codes[:10] == [401] * 10
    assert codes[10:] == [429, 429]


def test_logout_ends_the_session(client_for: Callable[[str], TestClient]) -> None:
    client = client_for("analyst")
    token = csrf(client)
    assert (
        client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code
        == 303
    )
    assert client.get("/", follow_redirects=False).status_code == 303


def test_logout_without_csrf_is_refused(client_for: Callable[[str], TestClient]) -> None:
    client = client_for("analyst")
    assert client.post("/logout", data={}).status_code == 403
    assert client.get("/").status_code == 200


def test_language_choice_is_remembered_for_the_user(
    client_for: Callable[[str], TestClient], app: object
) -> None:
    client = client_for("analyst")
    client.post("/language", data={"language": "fr", "csrf_token": csrf(client), "next": "/"})
    assert "Tableau de bord" in client.get("/").text
    # a new session (another browser) starts in French too
    other = login(TestClient(app), "analyst")  # type: ignore[arg-type]
    assert '<html lang="fr">' in other.get("/").text


def test_bearer_token_scopes(web_ws: Workspace, anon: TestClient) -> None:
    _, reader = create_token(web_ws, "bi", "read", "test", NOW)
    _, ingester = create_token(web_ws, "etl", "ingest", "test", NOW)
    assert (
        anon.get("/api/v1/metrics", headers={"Authorization": f"Bearer {reader}"}).status_code
        == 200
    )
    assert (
        anon.get("/api/v1/metrics", headers={"Authorization": f"Bearer {ingester}"}).status_code
        == 403
    )
    assert (
        anon.get("/api/v1/metrics", headers={"Authorization": "Bearer cxp_forged"}).status_code
        == 401
    )


def test_revoked_token_stops_at_once(web_ws: Workspace, anon: TestClient) -> None:
    token, secret = create_token(web_ws, "bi", "read", "test", NOW)
    headers = {"Authorization": f"Bearer {secret}"}
    assert anon.get("/api/v1/metrics", headers=headers).status_code == 200
    revoke_token(web_ws, token.token_id, NOW)
    assert anon.get("/api/v1/metrics", headers=headers).status_code == 401


def test_security_headers(client_for: Callable[[str], TestClient]) -> None:
    response = client_for("admin").get("/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
