"""The OpenAPI document and the API reference page: for logged-in users and read tokens only,
and nothing loaded from another site."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cxpulse import Workspace
from cxpulse.web.pages.apidocs import operations, type_text
from tests.web.test_api_ingest import bearer


def test_the_document_and_the_page_need_a_login(anon: TestClient) -> None:
    document = anon.get("/api/v1/openapi.json")
    assert document.status_code == 401 and document.json()["error"] == "authentication required"
    page = anon.get("/api/docs", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login?next=/api/docs"
    # FastAPI's own pages are gone, not merely hidden
    for path in ("/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"):
        assert anon.get(path, follow_redirects=False).status_code == 404, path


def test_the_document_for_sessions_and_read_tokens(
    app: FastAPI, anon: TestClient, client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    served = client_for("agent").get("/api/v1/openapi.json")
    assert served.status_code == 200
    assert served.json()["paths"] == app.openapi()["paths"]
    assert "/api/v1/cases/metrics" in served.json()["paths"]
    assert anon.get("/api/v1/openapi.json", headers=bearer(web_ws, "read")).status_code == 200
    assert anon.get("/api/v1/openapi.json", headers=bearer(web_ws, "ingest")).status_code == 403


def test_the_reference_page_lists_every_operation_from_this_site_only(
    app: FastAPI, client_for: Callable[[str], TestClient]
) -> None:
    page = client_for("agent").get("/api/docs")
    assert page.status_code == 200
    spec = app.openapi()
    for path, item in spec["paths"].items():
        for method in item:
            assert f'data-method="{method.upper()}" data-path="{path}"' in page.text
    assert 'id="schema-CaseMetrics"' in page.text
    # no CDN, no other origin: every script, style sheet and link is this site's
    assert not re.search(r"cdn|jsdelivr|unpkg", page.text, re.IGNORECASE)
    for url in re.findall(r'(?:src|href)="([^"]*)"', page.text):
        assert url.startswith(("/", "#", "data:")), url


@pytest.mark.parametrize(
    ("schema", "text"),
    [
        ({"$ref": "#/components/schemas/CaseOut"}, "CaseOut"),
        ({"type": "array", "items": {"type": "string"}}, "array of string"),
        ({"anyOf": [{"type": "integer"}, {"type": "null"}]}, "integer or null"),
        ({"enum": ["fail", "skip"], "type": "string"}, "one of fail, skip"),
        ({"type": "integer", "minimum": 1, "maximum": 500}, "integer (≥ 1, ≤ 500)"),
        (
            {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]},
            "string (date) or null",
        ),
        ({}, "any"),
    ],
)
def test_type_text(schema: dict[str, object], text: str) -> None:
    assert type_text(schema) == text


def test_operations_are_grouped_by_tag() -> None:
    spec = {
        "paths": {
            "/a": {"get": {"tags": ["x"], "summary": "A", "responses": {}}},
            "/b/{id}": {
                "post": {
                    "summary": "B",
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}},
                    "responses": {"201": {"description": "made"}},
                }
            },
        }
    }
    groups = operations(spec)
    assert [g["tag"] for g in groups] == ["x", "other"]
    b = groups[1]["operations"][0]
    assert (b["method"], b["path"], b["summary"]) == ("POST", "/b/{id}", "B")
    assert b["parameters"][0] | {"default": None} == {
        "name": "id", "in": "path", "required": True, "type": "string", "default": None,
        "description": "",
    }  # fmt: skip
    assert b["body"] == [{"media_type": "text/csv", "type": "string"}]
    assert b["responses"] == [{"status": "201", "description": "made", "content": []}]
