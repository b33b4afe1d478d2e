"""Every integer a client sends is bounded: declared in the OpenAPI document, refused with 422
past it (an offset of 2**63 came back as a 500 from DuckDB)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cxpulse.web.params import MAX_OFFSET

HUGE = 9_223_372_036_854_775_808  # 2**63: one past DuckDB's BIGINT


def _numbers(schema: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if schema.get("type") in ("integer", "number"):
        yield schema
    for key in ("anyOf", "oneOf", "allOf"):
        for part in schema.get(key, []):
            yield from _numbers(part)
    if schema.get("type") == "array":
        yield from _numbers(schema.get("items", {}))


def test_every_integer_parameter_declares_its_bounds(app: FastAPI) -> None:
    unbounded = []
    for path, item in app.openapi()["paths"].items():
        for method, op in item.items():
            for p in op.get("parameters", []):
                for s in _numbers(p["schema"]):
                    low = "minimum" in s or "exclusiveMinimum" in s
                    high = "maximum" in s or "exclusiveMaximum" in s
                    if not (low and high):
                        unbounded.append(f"{method.upper()} {path} {p['name']}")
    assert unbounded == []


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/responses",
        "/api/v1/cases",
        "/api/v1/customers",
        "/api/v1/rules/x/runs",
        "/api/v1/dashboard/cases",
        "/cases",  # the page the twin mirrors
    ],
)
def test_an_offset_past_bigint_is_a_422_naming_the_limit(
    client_for: Callable[[str], TestClient], url: str
) -> None:
    response = client_for("analyst").get(url, params={"offset": HUGE})
    assert response.status_code == 422, response.text
    [problem] = response.json()["detail"]
    assert problem["where"] == "query.offset"
    assert f"{MAX_OFFSET:_}".replace("_", "") in problem["problem"]
