"""What requests do to the cache: nothing for requests that change no data, a soft
invalidation for answers streaming in from customers, a hard one for a user's own change."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from cxpulse import Workspace
from cxpulse.web.state import WebState
from cxpulse.web.writes import EFFECTS, Effect, effect
from tests.web.conftest import PASSWORD, csrf
from tests.web.test_api_cases import open_cases
from tests.web.test_public_survey import invite

PROBES = itertools.count()


def effect_of(app: FastAPI, request: Callable[[], object]) -> str:
    """What ``request`` did to a quick cache entry: "none" (still fresh), "hard" (recomputed
    at the next lookup) or "soft" (served stale at the next lookup, refreshed behind)."""
    state: WebState = app.state.cx
    probe = ("probe", next(PROBES))
    state.cache.get_or_compute(probe, lambda: "before")
    assert state.cache.is_fresh(probe)
    request()
    if state.cache.is_fresh(probe):
        return "none"
    return "hard" if state.cache.get_or_compute(probe, lambda: "after") == "after" else "soft"


def test_requests_that_change_no_data_leave_the_cache_fresh(
    app: FastAPI, client_for: Callable[[str], TestClient], anon: TestClient
) -> None:
    analyst = client_for("analyst")
    token = csrf(analyst)
    preview = {"yaml": "id: x\nname: X\n", "preview_language": "en"}
    for request in (
        lambda: analyst.post("/surveys/preview", data=preview, headers={"X-CSRF-Token": token}),
        lambda: analyst.post("/language", data={"language": "fr", "csrf_token": token}),
        lambda: analyst.post("/logout", data={"csrf_token": token}),
        lambda: client_for("agent"),  # GET and POST /login
        lambda: anon.post("/login", data={"username": "agent", "password": PASSWORD}),
    ):
        assert effect_of(app, request) == "none"


def test_refused_requests_change_nothing(app: FastAPI, anon: TestClient, web_ws: Workspace) -> None:
    ids = open_cases(web_ws)
    # a page answers a missing login with a redirect (303, a "success" code)
    answer = anon.post(f"/cases/{ids['agent']}/ack", follow_redirects=False)
    assert answer.status_code == 303
    assert effect_of(app, lambda: anon.post(f"/cases/{ids['agent']}/ack")) == "none"
    assert effect_of(app, lambda: anon.post(f"/api/v1/cases/{ids['agent']}/ack")) == "none"


def test_a_users_own_change_invalidates_hard(
    app: FastAPI, client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    ids = open_cases(web_ws)
    agent = client_for("agent")
    headers = {"X-CSRF-Token": csrf(agent)}

    def ack() -> None:
        assert agent.post(f"/api/v1/cases/{ids['agent']}/ack", headers=headers).status_code == 200

    assert effect_of(app, ack) == "hard"


def test_customer_answers_invalidate_soft(
    app: FastAPI, anon: TestClient, web_ws: Workspace, tmp_path: Path
) -> None:
    token = invite(web_ws, tmp_path)

    def click() -> None:  # the email's score link: a GET that only shows the page
        assert anon.get(f"/s/{token}?score=2").status_code == 200

    def post() -> None:
        assert anon.post(f"/s/{token}", data={"score.satisfaction": "4"}).status_code == 200

    assert effect_of(app, click) == "none"
    assert effect_of(app, post) == "soft"


def test_every_listed_exception_names_a_route_of_the_app(app: FastAPI) -> None:
    served = {
        (method, route.path)
        for route in iter_route_contexts(app.routes)  # the routers' routes, with their prefix
        for method in route.methods or ()
    }
    assert set(EFFECTS) <= served, sorted(set(EFFECTS) - served)


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/feedback", Effect.NONE),
        ("GET", "/s/abc.def", Effect.NONE),  # the email's score link only shows the page
        ("OPTIONS", "/public/widget/answer", Effect.NONE),
        ("POST", "/api/v1/ingest/survey_responses", Effect.HARD),
        ("POST", "/surveys/preview", Effect.NONE),
        ("POST", "/surveys", Effect.HARD),
        ("POST", "/s/abc.def", Effect.SOFT),
        ("POST", "/s/abc/unsubscribe", Effect.SOFT),
        ("POST", "/s/abc/other", Effect.HARD),
        ("POST", "/public/widget/answer", Effect.SOFT),
        ("POST", "/hooks/zendesk-hooks", Effect.SOFT),  # a vendor's burst of events
        ("PATCH", "/api/v1/users/ana", Effect.NONE),
        ("POST", "/api/v1/customers/C1/erase", Effect.PURGE),
        ("POST", "/customers/C1/erase", Effect.PURGE),
    ],
)
def test_effect_by_method_and_path(method: str, path: str, expected: Effect) -> None:
    assert effect(method, path) is expected
