"""The OpenAPI document is the API: ``schemathesis run --checks all`` against a served app
finds no failure and no schema violation.

A real uvicorn serves a copy of the demo workspace on 127.0.0.1; the schemathesis CLI (its
own process, as a user runs it) reads the document the app serves and sends every operation
examples, coverage cases (boundaries, missing and wrong parameters, undeclared methods) and
random cases, with a read+ingest token, a fixed seed and a bounded number of examples.
Everything it checks must hold: no 500, only documented statuses, content types and headers,
bodies matching their schema (422s included), invalid requests refused, valid ones accepted,
405 with a complete ``Allow``, 401 without the token.

Two settings are this API's, in ``schemathesis.toml`` written below, each with its reason:
- a schema-valid request may get 400 when parameters that are each valid do not go together
  (``from`` after ``to``, a customer without its signature): the document cannot say it;
  422 stays a failure (a schema-valid part refused means the document is wrong);
- the ingest body's rows are checked against the table's columns and rules (those of
  ``cxpulse import``), which the document does not repeat per table: a row it allows may be
  refused 422 naming the row, so "valid data accepted" is not checked on that operation.
The public rate limit is raised for the run (the test measures the API, not the limiter;
tests/web/test_ratelimit.py covers the limiter). The stateful phase is off: the document
declares no links between operations.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cxpulse import Workspace
from cxpulse.accounts.tokens import create_token
from cxpulse.web.app import create_app
from cxpulse.web.ratelimit import RateLimiter
from tests.web.conftest import NOW, LiveServer, login

SEED = 20261102
EXAMPLES = 4

CONFIG = """\
[checks.positive_data_acceptance]
# 400: parameters valid alone that do not go together (see the test's docstring)
expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429"]

[[operations]]
include-path = "/api/v1/ingest/{table}"
# rows are checked by the importer's per-table rules, which the document does not repeat
checks.positive_data_acceptance.enabled = false
"""


@pytest.fixture(scope="module")
def served(demo_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    # a private copy: the fuzzer posts to the write endpoints too
    path = tmp_path_factory.mktemp("fuzz") / "ws.duckdb"
    shutil.copy(demo_file, path)
    with Workspace.open(path) as ws:
        _, secret = create_token(ws, "fuzz", ["read", "ingest"], "test", NOW)
        app = create_app(ws, clock=lambda: NOW)
        app.state.cx.public_limiter = RateLimiter(1e6, 1_000_000)
        with LiveServer(app) as server:
            yield server.url, secret


@pytest.mark.slow
def test_schemathesis_finds_nothing(served: tuple[str, str], tmp_path: Path) -> None:
    url, secret = served
    (tmp_path / "schemathesis.toml").write_text(CONFIG)
    command = [
        sys.executable, "-m", "schemathesis.cli",
        "--config-file", str(tmp_path / "schemathesis.toml"),
        "run", f"{url}/api/v1/openapi.json",
        "--checks", "all",
        "--header", f"Authorization: Bearer {secret}",
        "--phases", "examples,coverage,fuzzing",
        "--max-examples", str(EXAMPLES),
        "--seed", str(SEED),
        "--workers", "1",
        "--no-shrink",
        "--request-timeout", "120",
        # a cold dashboard on a loaded 2-core CI machine takes over the default 10 s: speed is
        # the benchmarks' business, this run checks what the API answers
        "--max-response-time", "120",
    ]  # fmt: skip
    started = time.monotonic()
    run = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=1500)
    took = time.monotonic() - started
    summary = run.stdout[run.stdout.rfind("SUMMARY") :]
    print(f"schemathesis took {took:.0f} s\n{summary}")
    assert run.returncode == 0, run.stdout[-20_000:] + run.stderr[-5000:]
    # every operation of the document was tested, and every case passed
    tested = re.search(r"Tested: (\d+)", summary)
    assert tested is not None and int(tested[1]) == operations(served)
    cases = re.search(r"(\d+) generated, (\d+) passed", summary)
    assert cases is not None and cases[1] == cases[2] and int(cases[1]) > 1000


def operations(served: tuple[str, str]) -> int:
    url, secret = served
    with httpx.Client(headers={"Authorization": f"Bearer {secret}"}) as client:
        spec = client.get(f"{url}/api/v1/openapi.json").json()
    return sum(1 for item in spec["paths"].values() for method in item if method != "parameters")


def test_an_unknown_parameter_is_a_documented_400(app: FastAPI) -> None:
    spec = app.openapi()
    op = spec["paths"]["/api/v1/responses"]["get"]
    assert {"400", "401", "403", "404", "422"} <= set(op["responses"])
    assert op["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    widget = spec["paths"]["/public/widget/survey"]["get"]
    assert "429" in widget["responses"] and "security" not in widget


def test_405_names_every_method_of_the_address(anon: TestClient) -> None:
    # GET and POST /api/v1/users are two routes: Starlette's 405 named only the first's
    answer = anon.request("OPTIONS", "/api/v1/users")
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, POST"
    assert anon.request("TRACE", "/healthz").headers["allow"] == "GET"


def test_api_timestamps_carry_their_zone(app: FastAPI) -> None:
    client = login(TestClient(app), "analyst")
    row = client.get("/api/v1/responses?limit=1").json()["rows"][0]
    assert row["responded_at"].endswith("+00:00")
    case = client.get("/api/v1/cases?limit=1&state=active").json()
    metrics = client.get("/api/v1/cases/metrics").json()
    assert metrics["as_of"] == "2026-11-02T09:30:00Z"
    for c in case["cases"]:
        assert c["opened_at"].endswith("Z")
    assert client.get("/api/v1/dashboard/cases").json()["now"] == "2026-11-02T09:30:00+00:00"
    cid = client.get("/api/v1/customers?limit=1").json()["rows"][0]["customer_id"]
    customer = client.get(f"/api/v1/customers/{cid}").json()
    assert customer["customer"]["created_at"].endswith("+00:00")
    assert all(item["at"].endswith("Z") for item in customer["items"])
    # the verbatims are shown in local time: the offset says which
    verbatim = client.get("/api/v1/dashboard/feedback").json()["verbatims"]["rows"][0]
    assert re.search(r"T[\d:.]+[+-]\d\d:\d\d$", verbatim["responded_at"])


@pytest.mark.parametrize("url", ["/api/v1/responses?to=0", "/api/v1/cases/metrics?from=1"])
def test_a_number_is_not_a_day(app: FastAPI, url: str) -> None:
    # pydantic read 0 as 1970-01-01
    answer = login(TestClient(app), "analyst").get(url)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["problem"].endswith("a day as YYYY-MM-DD")


@pytest.mark.parametrize(
    "url", ["/api/v1/responses?touchpoint=a%00b", "/api/v1/customers/a%00b", "/metrics/n%00ps"]
)
def test_a_nul_in_the_address_is_refused_not_a_500(url: str, app: FastAPI) -> None:
    # found by the fuzzer: DuckDB's SQL parser ended the filter's string literal at the NUL
    response = login(TestClient(app), "analyst").get(url)
    assert response.status_code == 400
    assert response.json()["detail"] == "the address holds a NUL character (%00)"


def test_405_names_the_methods_of_the_address_not_of_a_lookalike(anon: TestClient) -> None:
    # /api/v1/cases/metrics also fits /api/v1/cases/{case_id} (PATCH): not its method
    answer = anon.request("OPTIONS", "/api/v1/cases/metrics")
    assert answer.headers["allow"] == "GET"
    assert anon.request("PUT", "/api/v1/cases/C1").headers["allow"] == "GET, PATCH"
