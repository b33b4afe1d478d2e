"""/api/v1/sources: admins list, add, sync and remove live sources; no token is ever shown."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from cxpulse import Workspace
from cxpulse.accounts.audit import entries
from tests.sources import zendesk_server as zs
from tests.web.test_api_ingest import bearer, session_headers

ADMIN_ONLY = [
    ("get", "/api/v1/sources"), ("post", "/api/v1/sources"),
    ("post", "/api/v1/sources/support/sync"), ("delete", "/api/v1/sources/support"),
]  # fmt: skip


def test_sources_need_an_admin(
    anon: TestClient, client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    analyst = client_for("analyst")
    read = bearer(web_ws, "read")
    for method, url in ADMIN_ONLY:
        assert anon.request(method, url).status_code == 401, url
        assert analyst.request(method, url, headers=session_headers(analyst)).status_code == 403
        assert anon.request(method, url, headers=read).status_code == 403, url


def test_a_source_is_added_synced_and_removed(
    client_for: Callable[[str], TestClient], web_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = client_for("admin")
    headers = session_headers(admin)
    account = zs.Zendesk()
    account.change(zs.ticket(1), zs.metric_set(1))
    monkeypatch.setenv("ZENDESK_TOKEN", zs.TOKEN)
    with zs.serve(account) as url:
        body = {"connector": "zendesk", "name": "support", "token_env": "ZENDESK_TOKEN",
                "options": {"subdomain": "acme", "email": zs.EMAIL, "base_url": url}}  # fmt: skip
        # another API address is set on the server (the CLI), never through the API: a web
        # admin could send the token (any environment variable) to a host of their choosing
        refused_url = admin.post("/api/v1/sources", json=body, headers=headers)
        assert refused_url.status_code == 400 and "CLI" in refused_url.json()["detail"]
        del body["options"]["base_url"]
        added = admin.post("/api/v1/sources", json=body, headers=headers)
        assert added.status_code == 201, added.text
        assert added.json()["token_from"] == "the environment variable ZENDESK_TOKEN"
        assert admin.post("/api/v1/sources", json=body, headers=headers).status_code == 400
        # the test server stands in for acme.zendesk.com, as `--base-url` on the CLI would set
        con = web_ws.store.con
        options = json.loads(con.raw_sql("SELECT options FROM sources").fetchone()[0])
        options["base_url"] = url
        con.raw_sql(f"UPDATE sources SET options = '{json.dumps(options)}' WHERE name = 'support'")

        synced = admin.post("/api/v1/sources/support/sync", headers=headers)
        assert synced.status_code == 200, synced.text
        assert synced.json()["last_status"] == "ok" and synced.json()["rows"] == 2
        tickets = web_ws.store.table("tickets")
        assert tickets.filter(tickets.source == "support").count().execute() == 1

        account.token = "rotated"
        refused = admin.post("/api/v1/sources/support/sync", json={"full": True}, headers=headers)
        assert refused.status_code == 502 and "ZENDESK_TOKEN" in refused.json()["detail"]
        listed = admin.get("/api/v1/sources", headers=headers)
        assert listed.json()[0]["last_status"] == "error"
        assert zs.TOKEN not in listed.text and "rotated" not in listed.text

    assert admin.post("/api/v1/sources/nope/sync", headers=headers).status_code == 404
    removed = admin.delete("/api/v1/sources/support", headers=headers)
    assert removed.status_code == 200 and admin.get("/api/v1/sources", headers=headers).json() == []
    actions = [e["action"] for e in entries(web_ws).to_dict("records")]
    assert "source.add" in actions and "source.remove" in actions


def test_a_secrets_file_or_a_subdomain_with_a_path_is_refused(
    client_for: Callable[[str], TestClient],
) -> None:
    admin = client_for("admin")
    headers = session_headers(admin)
    base = {"connector": "zendesk", "name": "support",
            "options": {"subdomain": "acme", "email": zs.EMAIL}}  # fmt: skip
    by_file = {**base, "token_file": "/etc/passwd", "token_key": "root"}
    assert admin.post("/api/v1/sources", json=by_file, headers=headers).status_code == 400
    elsewhere = {**base, "token_env": "HOME",
                 "options": {"subdomain": "evil.example#", "email": zs.EMAIL}}  # fmt: skip
    refused = admin.post("/api/v1/sources", json=elsewhere, headers=headers)
    assert refused.status_code == 400 and "--subdomain" in refused.json()["detail"]
