"""Schemathesis fuzzes every operation of the OpenAPI spec, as an admin: no request, however
malformed, may make the server answer 500 (a user mistake is a 4xx saying what to do).

The schema is read from the app at collection time (one test per operation) and its requests go,
in process, to an app the fixture builds over a copy of the demo workspace. (Schemathesis's
lazy ``from_fixture`` loader would be simpler but reads ``Node._nodeid``, which pytest 9.2
removed.) The examples per operation are few (``EXAMPLES``, fewer for the metric reads) so
the run stays within a couple of minutes on the CI machine; Hypothesis keeps failing examples
in its database and replays them first. What it found is pinned below as plain tests.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error

from cxpulse import Workspace
from cxpulse.accounts.tokens import create_token
from cxpulse.web.app import create_app
from cxpulse.web.routes import ROUTERS
from tests.web.conftest import NOW, login

EXAMPLES = 8


class DeferredApp:
    """The ASGI app the schema sends its requests to, built later by a fixture."""

    app: FastAPI | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert self.app is not None, "the fuzz_app fixture builds the app"
        await self.app(scope, receive, send)


def _spec() -> dict[str, Any]:
    """The operations of the app's routers, read without a workspace (collection time); the
    fixture checks they are the served spec's."""
    app = FastAPI()
    for router in ROUTERS:
        app.include_router(router)
    return app.openapi()


TARGET = DeferredApp()
SCHEMA = schemathesis.openapi.from_dict(_spec())
SCHEMA.app = TARGET
# Metric and dashboard reads compute metrics over a date range: every new range costs from a
# tenth of a second to seconds (cold), so they get fewer examples than the rest.
HEAVY = r"^/api/v1/(dashboard/(?!cases|rules)|scorecard|metrics/|cohorts)"
HEAVY_EXAMPLES = 3


@pytest.fixture(scope="module")
def fuzz_ws(demo_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    # a private copy: the fuzzer posts to the write endpoints too
    path = tmp_path_factory.mktemp("fuzz") / "ws.duckdb"
    shutil.copy(demo_file, path)
    with Workspace.open(path) as ws:
        yield ws


@pytest.fixture(scope="module")
def admin_token(fuzz_ws: Workspace) -> str:
    _, secret = create_token(fuzz_ws, "fuzz", "admin", "test", NOW)
    return secret


@pytest.fixture
def fuzz_app(fuzz_ws: Workspace) -> Iterator[None]:
    # a new app per operation: schemathesis ends the ASGI lifespan after each test, and the
    # app's lifespan end stops its response intake and cache refresher for good
    TARGET.app = create_app(fuzz_ws, clock=lambda: NOW)
    assert TARGET.app.openapi()["paths"] == SCHEMA.raw_schema["paths"]
    yield
    TARGET.app = None


def _call(case: schemathesis.Case, token: str) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"},
        checks=[not_a_server_error],
        timeout=120,  # a slow answer is the benchmarks' business; only a 500 fails here
    )


FUZZ = settings(
    deadline=None,
    suppress_health_check=list(HealthCheck),
    # no shrinking: with a metric query per step it takes many minutes; the failure names the
    # operation and the request (as a curl command) as found
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)


@SCHEMA.exclude(path_regex=HEAVY).parametrize()
@settings(FUZZ, max_examples=EXAMPLES)
def test_no_request_makes_a_server_error(
    case: schemathesis.Case, admin_token: str, fuzz_app: None
) -> None:
    _call(case, admin_token)


@SCHEMA.include(path_regex=HEAVY).parametrize()
@settings(FUZZ, max_examples=HEAVY_EXAMPLES)
def test_no_metric_query_makes_a_server_error(
    case: schemathesis.Case, admin_token: str, fuzz_app: None
) -> None:
    _call(case, admin_token)


@pytest.mark.parametrize(
    "url", ["/api/v1/responses?touchpoint=a%00b", "/api/v1/customers/a%00b", "/metrics/n%00ps"]
)
def test_a_nul_in_the_address_is_refused_not_a_500(url: str, app: FastAPI) -> None:
    # found by the fuzzer: DuckDB's SQL parser ended the filter's string literal at the NUL
    response = login(TestClient(app), "analyst").get(url)
    assert response.status_code == 400
    assert response.json()["detail"] == "the address holds a NUL character (%00)"
