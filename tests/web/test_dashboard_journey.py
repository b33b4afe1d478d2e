"""The journey page: survey metrics per touchpoint in journey order, last complete period and
its change, equal to the engine's segmented results."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cxpulse import Workspace
from cxpulse.accounts.tokens import create_token
from cxpulse.metrics.journey import JOURNEY_METRICS, JOURNEY_STAGES, stage_order
from tests.web.conftest import NOW, csrf

TWIN = "/api/v1/dashboard/journey"


def test_access(anon: TestClient, web_ws: Workspace) -> None:
    assert anon.get("/journey", follow_redirects=False).status_code == 303
    assert anon.get(TWIN).status_code == 401
    _, ingest_only = create_token(web_ws, "loader", "ingest", "admin", NOW)
    assert anon.get(TWIN, headers={"Authorization": f"Bearer {ingest_only}"}).status_code == 403


def test_stage_order_is_defined_once() -> None:
    assert stage_order(["support", "(none)", "zeta", "onboarding", "alpha", "delivery"]) == [
        "onboarding",
        "delivery",
        "support",
        "alpha",
        "zeta",
        "(none)",
    ]
    assert JOURNEY_STAGES.index("onboarding") < JOURNEY_STAGES.index("purchase")
    assert JOURNEY_STAGES.index("delivery") < JOURNEY_STAGES.index("support")


def test_rows_are_the_engine_per_touchpoint(
    client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    client = client_for("agent")
    body = client.get(TWIN).json()
    assert (body["period"], body["previous_period"]) == ("2026-10", "2026-09")
    assert body["touchpoints"] == stage_order(body["touchpoints"])
    rows = {r["touchpoint"]: r for r in body["rows"]}
    for name in JOURNEY_METRICS:
        df = web_ws.metric(name, segment="touchpoint", start="2026-09-01", end="2026-10-31")
        october = df[df["period"] == "2026-10"]
        assert len(october) > 0
        for rec in october.to_dict("records"):
            got = rows[str(rec["touchpoint"])][name]
            assert got["value"] == pytest.approx(rec["value"])
            assert got["n"] == rec["n"]
            assert got["change"] == pytest.approx(rec["change"], nan_ok=True)
            before = df[(df["period"] == "2026-09") & (df["touchpoint"] == rec["touchpoint"])]
            if len(before):
                assert got["previous"] == pytest.approx(before["value"].iloc[0])
    counts = dict(
        web_ws.store.con.con.execute(
            "select coalesce(touchpoint, '(none)'), count(*) from survey_responses "
            "where responded_at >= ? and responded_at < ? group by 1",
            [_utc(web_ws, 2026, 10), _utc(web_ws, 2026, 11)],
        ).fetchall()
    )
    assert {t: r["responses"] for t, r in rows.items()} == counts
    html = client.get("/journey").text
    assert re.findall(r'<tr data-touchpoint="([^"]+)">', html) == body["touchpoints"]


def _utc(ws: Workspace, year: int, month: int) -> object:
    from datetime import date

    from cxpulse.metrics.periods import local_midnight_utc

    return local_midnight_utc(date(year, month, 1), ws.settings.zone)


def test_another_period_and_grain(client_for: Callable[[str], TestClient]) -> None:
    client = client_for("analyst")
    body = client.get(TWIN, params={"by": "quarter", "period": "2026-Q2"}).json()
    assert (body["period"], body["previous_period"]) == ("2026-Q2", "2026-Q1")
    assert client.get(TWIN, params={"period": "Q2"}).status_code == 400


def test_french(client_for: Callable[[str], TestClient]) -> None:
    client = client_for("analyst")
    client.post("/language", data={"language": "fr", "csrf_token": csrf(client), "next": "/"})
    html = client.get("/journey").text
    assert "Parcours client" in html and "oct. 2026" in html and "Point de contact" in html


def test_a_repeat_view_is_served_from_the_cache(
    app: FastAPI, client_for: Callable[[str], TestClient]
) -> None:
    client = client_for("analyst")
    cache = app.state.cx.cache
    first = client.get("/journey").text
    misses = cache.misses
    for url in ("/journey", "/api/v1/dashboard/journey?by=month&period=2026-10"):
        assert client.get(url).status_code == 200
    assert cache.misses == misses  # page and twin share the one cached result
    assert client.get("/journey").text == first
    client.get("/journey", params={"by": "quarter"})
    assert cache.misses > misses  # another option is another key
