"""GET /api/v1/forecast/{metric}: the twin of `cxpulse forecast`, on the server's clock."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from cxpulse import Workspace
from cxpulse.models.forecast import forecast
from tests.web.test_api_ingest import bearer


def test_the_forecast_starts_after_the_last_complete_month_of_the_server_clock(
    client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    # the server's today is 2 November 2026 (the demo ends on 31 October): October is the
    # last complete month, whatever the machine's date
    response = client_for("analyst").get("/api/v1/forecast/nps", params={"periods": 3})
    assert response.status_code == 200, response.text
    d = response.json()
    assert d["history"][-1]["period"] == "2026-10"
    assert [r["period"] for r in d["forecast"]] == ["2026-11", "2026-12", "2027-01"]
    assert d == forecast(web_ws, "nps", periods=3, end="2026-11-01").to_dict()
    assert d["headline"]["en"].startswith("Net Promoter Score forecast for November 2026: ")
    assert d["headline"]["fr"].startswith("Prévision du NPS pour novembre 2026\u00a0: ")
    assert {s["method"] for s in d["backtest"]["scores"]} == {
        "model", "naive", "seasonal_naive",
    }  # fmt: skip


def test_errors_are_statuses_with_their_message(
    anon: TestClient, client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    assert anon.get("/api/v1/forecast/nps").status_code == 401
    client = client_for("agent")
    assert client.get("/api/v1/forecast/nope").status_code == 404
    assert client.get("/api/v1/forecast/nps", params={"periods": 0}).status_code == 422
    assert client.get("/api/v1/forecast/nps", params={"by": "all"}).status_code == 422
    short = anon.get(
        "/api/v1/forecast/nps", params={"by": "quarter"}, headers=bearer(web_ws, "read")
    )
    assert short.status_code == 400
    assert "needs at least 14 complete quarters" in short.text
