"""Log-in, sessions, roles, CSRF, tokens: nothing reachable without login but health and the
public survey endpoints; the log-in redirect comes back to the whole address, on this site."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Mount

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
    responses = [
        anon.post(
            "/login", data={"username": "admin", "password": "nope nope nope", "csrf_token": token}
        )
        for _ in range(7)
    ]  # the account's 5 free failures, then it waits (more in test_login_throttle.py)
    assert [r.status_code for r in responses] == [401] * 5 + [429] * 2
    assert "wait a few minutes" in responses[-1].text
    assert int(responses[-1].headers["retry-after"]) >= 1


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


# -- nothing answers without a login but the public endpoints ------------------------------------
# (path prefix) the public survey endpoints, the static files, the health check, the log-in
# and the vendors' webhooks (their signature, checked with the source's secret, is the login)
PUBLIC = ("/s/", "/public/widget/", "/widget.js", "/static/", "/healthz", "/login", "/hooks/")


def refused_without_login(response: httpx.Response) -> bool:
    if response.status_code in (401, 403):
        return True
    return response.status_code == 303 and response.headers["location"].startswith("/login")


def test_every_route_but_the_public_ones_needs_a_login(app: FastAPI, anon: TestClient) -> None:
    public, answered = set(), []
    for route in iter_route_contexts(app.routes):  # every router's routes, with their prefix
        if isinstance(route.original_route, Mount):
            calls = [("GET", f"{route.path}/app.css")]
        else:
            path = re.sub(r"\{[^}]+\}", "x", str(route.path))
            calls = [(method, path) for method in sorted(route.methods or ())]
        for method, path in calls:
            if path.startswith(PUBLIC):
                public.add((method, route.path))
                continue
            response = anon.request(method, path, follow_redirects=False)
            if not refused_without_login(response):
                answered.append(f"{method} {path}: {response.status_code}")
    assert answered == []
    assert {path for _, path in public} == {
        "/s/{token}", "/s/{token}/unsubscribe", "/public/widget/survey", "/public/widget/answer",
        "/widget.js", "/static", "/healthz", "/login", "/hooks/{source}",
    }  # fmt: skip


def test_the_language_switch_needs_a_login(anon: TestClient) -> None:
    response = anon.post("/language", data={"language": "fr"}, follow_redirects=False)
    assert refused_without_login(response)
    assert "cxpulse_lang" not in response.headers.get("set-cookie", "")


# -- the log-in redirect's next address ------------------------------------------------------------
def test_the_login_redirect_keeps_the_whole_address(anon: TestClient) -> None:
    first = anon.get("/feedback?touchpoint=delivery&score=3", follow_redirects=False)
    location = first.headers["location"]
    assert location == "/login?next=/feedback%3Ftouchpoint%3Ddelivery%26score%3D3"
    form = anon.get(location)
    assert 'name="next" value="/feedback?touchpoint=delivery&amp;score=3"' in form.text
    target = parse_qs(urlsplit(location).query)["next"][0]
    logged_in = anon.post(
        "/login",
        data={"username": "analyst", "password": PASSWORD, "next": target,
              "csrf_token": anon.cookies.get("cxpulse_login_csrf")},
        follow_redirects=False,
    )  # fmt: skip
    assert logged_in.headers["location"] == "/feedback?touchpoint=delivery&score=3"


def test_the_login_redirect_keeps_encoded_characters_of_the_path(anon: TestClient) -> None:
    location = anon.get("/customers/a%3Fb%26c", follow_redirects=False).headers["location"]
    assert parse_qs(urlsplit(location).query)["next"] == ["/customers/a%3Fb%26c"]


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/phish",
        "https://evil.example/",
        "evil.example",
        "javascript:alert(1)",
        "/\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
    ],
)
def test_the_next_address_must_be_a_path_on_this_site(anon: TestClient, target: str) -> None:
    form = anon.get("/login", params={"next": target})
    assert 'name="next" value="/"' in form.text
    response = anon.post(
        "/login",
        data={"username": "admin", "password": PASSWORD, "next": target,
              "csrf_token": anon.cookies.get("cxpulse_login_csrf")},
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303 and response.headers["location"] == "/"


def test_a_new_password_ends_the_users_other_sessions_at_once(
    client_for: Callable[[str], TestClient],
) -> None:
    laptop, phone = client_for("analyst"), client_for("analyst")
    admin = client_for("admin")
    changed = admin.patch(
        "/api/v1/users/analyst",
        json={"password": "a brand new passphrase"},
        headers={"x-csrf-token": csrf(admin)},
    )
    assert changed.status_code == 200, changed.text
    for client in (laptop, phone):  # the same cookies as before: no longer a session
        assert client.get("/", follow_redirects=False).status_code == 303
        assert client.get("/api/v1/metrics").status_code == 401
    assert admin.get("/").status_code == 200  # the admin's own session is not the analyst's


def test_own_password_change_keeps_only_the_session_making_it(
    client_for: Callable[[str], TestClient],
) -> None:
    here, elsewhere = client_for("admin"), client_for("admin")
    changed = here.patch(
        "/api/v1/users/admin",
        json={"password": "a brand new passphrase"},
        headers={"x-csrf-token": csrf(here)},
    )
    assert changed.status_code == 200, changed.text
    assert here.get("/").status_code == 200
    assert elsewhere.get("/", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("change", [{"role": "agent"}, {"disabled": True}])
def test_a_new_role_or_disabling_ends_the_sessions(
    client_for: Callable[[str], TestClient], change: dict[str, object]
) -> None:
    analyst, admin = client_for("analyst"), client_for("admin")
    headers = {"x-csrf-token": csrf(admin)}
    assert admin.patch("/api/v1/users/analyst", json=change, headers=headers).status_code == 200
    assert admin.patch("/api/v1/users/analyst", json={"disabled": False}, headers=headers)
    assert analyst.get("/", follow_redirects=False).status_code == 303
