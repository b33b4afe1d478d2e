"""Unknown query parameters: 400 on the JSON API, ignored on the public addresses."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from cxpulse import Workspace
from cxpulse.web.queryparams import STRICT_PREFIX, accepted
from cxpulse.web.routes import ROUTERS
from tests.web.test_api_ingest import bearer


def test_a_misspelt_filter_is_refused_not_ignored(anon: TestClient, web_ws: Workspace) -> None:
    # the request: survey_id is not a parameter (survey is); it answered every row
    response = anon.get("/api/v1/responses?survey_id=S1", headers=bearer(web_ws, "read"))
    assert response.status_code == 400
    body = response.json()
    assert body["unknown"] == ["survey_id"]
    assert {"survey", "from", "to", "limit", "offset"} <= set(body["accepted"])
    assert "survey_id" in body["detail"] and "survey" in body["detail"]
    # the right spelling still works
    ok = anon.get("/api/v1/responses?survey=S1&limit=1", headers=bearer(web_ws, "read"))
    assert ok.status_code == 200


@pytest.mark.parametrize(
    ("url", "unknown"),
    [
        ("/api/v1/metrics/nps?by=month&segmnet=plan", ["segmnet"]),
        ("/api/v1/metrics?verbose=1", ["verbose"]),
        # parameters declared by a dependency (the feedback page's options) count too
        ("/api/v1/dashboard/feedback?touchpoint=x&utm_source=mail", ["utm_source"]),
        ("/api/v1/cases?limit=1&b=2&a=1", ["a", "b"]),
        ("/api/v1/customers/C1?newest_first=true&page=2", ["page"]),
    ],
)
def test_every_api_route_refuses_what_it_does_not_declare(
    client_for: Callable[[str], TestClient], url: str, unknown: list[str]
) -> None:
    response = client_for("analyst").get(url)
    assert response.status_code == 400, response.text
    assert response.json()["unknown"] == unknown


def test_declared_parameters_are_the_documented_ones(app: FastAPI) -> None:
    """The accepted names are read from each route, the same declarations the OpenAPI
    document is made from: every documented query parameter is accepted, nothing else."""
    spec = app.openapi()
    checked = 0
    routes = [r for router in ROUTERS for r in router.routes]
    for route in routes:
        if not isinstance(route, APIRoute) or not route.path.startswith(STRICT_PREFIX):
            continue
        for method in route.methods - {"HEAD"}:
            op = spec["paths"].get(route.path, {}).get(method.lower())
            if op is None:
                continue
            documented = {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}
            assert accepted(route) == documented, route.path
            checked += 1
    assert checked > 40


def test_public_addresses_ignore_what_mail_tools_add(anon: TestClient) -> None:
    # a survey link or the widget carries utm_* and the like: not for this check
    widget = anon.get(
        "/public/widget/survey",
        params={"page": "https://shop.example/", "visitor": "v0123456789abcdef", "utm_x": "1"},
    )
    assert widget.status_code != 400 or "unknown" not in widget.json()
    link = anon.get("/s/not-a-token?utm_source=newsletter&utm_medium=email")
    assert link.status_code in (403, 404)  # the token is refused, not the parameters
    assert anon.get("/healthz?probe=k8s").status_code == 200


def test_unknown_parameters_are_named_before_the_login_is_checked(anon: TestClient) -> None:
    response = anon.get("/api/v1/responses?survey_id=S1")
    assert response.status_code == 400
    assert response.json()["unknown"] == ["survey_id"]
