"""The revenue page and its JSON twin: MRR bridge, churn/NRR cards and trends, cohorts."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cxpulse import Workspace
from cxpulse.accounts.tokens import create_token
from cxpulse.metrics.cohorts import cohort_table
from cxpulse.metrics.mrr import mrr_bridge
from cxpulse.records import clean, frame_records
from cxpulse.reports.blocks import SHOWN_PERIODS
from cxpulse.web.app import create_app
from cxpulse.web.pages.revenue import CARDS
from tests.web.conftest import NOW, csrf, login, stop_refreshers

TWIN = "/api/v1/dashboard/revenue"


@pytest.fixture(scope="module")
def shared(demo_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    path = tmp_path_factory.mktemp("revenue") / "ws.duckdb"
    shutil.copy(demo_file, path)
    with Workspace.open(path) as ws:
        yield ws
        stop_refreshers(ws)


@pytest.fixture(scope="module")
def reader(shared: Workspace) -> TestClient:
    return login(TestClient(create_app(shared, clock=lambda: NOW)), "agent")


def same(got: Any, expected: Any) -> bool:
    """Equal, floats to 1e-9 relative: DuckDB sums in parallel, in no fixed order."""
    if isinstance(expected, float) and isinstance(got, (int, float)):
        return got == pytest.approx(expected, rel=1e-9)
    if isinstance(expected, dict) and isinstance(got, dict):
        return got.keys() == expected.keys() and all(same(got[k], expected[k]) for k in got)
    if isinstance(expected, list) and isinstance(got, list):
        return len(got) == len(expected) and all(map(same, got, expected))
    return bool(got == expected)


def test_access(anon: TestClient, web_ws: Workspace) -> None:
    assert anon.get("/revenue", follow_redirects=False).status_code == 303
    assert anon.get(TWIN).status_code == 401
    _, ingest_only = create_token(web_ws, "loader", "ingest", "admin", NOW)
    assert anon.get(TWIN, headers={"Authorization": f"Bearer {ingest_only}"}).status_code == 403


def test_bridge_and_cohorts_are_the_library_results(reader: TestClient, shared: Workspace) -> None:
    body = reader.get(TWIN).json()
    assert body["to"] == "2026-10-31"
    # twelve months of bridge, twelve cohorts, both ending with October
    bridge = mrr_bridge(shared, by="month", start=date(2025, 11, 1), end=date(2026, 10, 31))
    assert same(body["bridge"], frame_records(bridge))
    assert [r["period"] for r in body["bridge"]][-1] == "2026-10" and len(body["bridge"]) == 12
    cohorts = cohort_table(shared, "month", 12, start=date(2025, 11, 1), end=date(2026, 10, 31))
    assert same(body["cohorts"], clean(cohorts.to_dict()))
    # the chart stacks the movements, losses below zero
    chart = body["bridge_chart"]
    churn = next(s for s in chart["series"] if s["name"] == "churn")
    assert churn["values"] == [-r["churn"] for r in body["bridge"]]
    heat = body["heatmaps"]["revenue"]
    first = body["cohorts"]["cohorts"][0]
    assert heat["y"][0] == first["cohort"]
    assert [v for k, i, v in heat["values"] if i == 0] == [
        v for v in first["revenue"] if v is not None
    ]


def test_cards_are_the_scorecard(reader: TestClient, shared: Workspace) -> None:
    body = reader.get(TWIN).json()
    expected = {r.metric: r for r in shared.scorecard(metrics=list(CARDS), as_of=NOW.date()).rows}
    assert [c["metric"] for c in body["cards"]] == list(CARDS)
    for c in body["cards"]:
        row = expected[c["metric"]]
        assert c["period"] == row.period == "2026-10"
        assert c["value"] == pytest.approx(row.value)
        assert c["previous"] == pytest.approx(row.previous)
    # the default window's periods, only those computed, equal to the whole history's
    nrr = shared.metric("nrr", end="2026-10-31").tail(SHOWN_PERIODS["month"])
    assert body["trends"]["nrr"]["value"] == pytest.approx([r["value"] for r in frame_records(nrr)])


def test_page_shows_bridge_trends_and_the_cohort_toggle(reader: TestClient) -> None:
    body = reader.get(TWIN).json()
    html = reader.get("/revenue").text
    assert 'data-chart="bars" data-source="bridge-data"' in html
    assert html.count('data-chart="trend"') == 3  # customer churn, gross MRR churn, NRR
    assert 'data-chart="heatmap"' in html
    october = re.search(r'<tr data-period="2026-10">(.*?)</tr>', html, re.S)
    assert october is not None
    closing = body["bridge"][-1]["mrr_end"]
    assert f"€{closing:,.0f}" in october.group(1)
    first = body["cohorts"]["cohorts"][0]
    row = re.search(rf'<tr data-cohort="{first["cohort"]}">(.*?)</tr>', html, re.S)
    assert row is not None and f">{first['logo'][0]:.0f}<" in row.group(1)
    toggle = re.search(r'class="toggle" href="([^"]+)"', html)
    assert toggle is not None and "cohort=revenue" in toggle.group(1)
    revenue = reader.get(toggle.group(1).replace("&amp;", "&")).text
    row = re.search(rf'<tr data-cohort="{first["cohort"]}">(.*?)</tr>', revenue, re.S)
    assert row is not None and f">{first['revenue'][0]:.0f}<" in row.group(1)


def test_options(reader: TestClient, shared: Workspace) -> None:
    body = reader.get(TWIN, params={"by": "quarter", "cohorts": "4"}).json()
    assert body["to"] == "2026-09-30"  # the last complete quarter
    assert len(body["cohorts"]["cohorts"]) <= 4 and body["cohorts"]["periods"] == 4
    bridge = mrr_bridge(shared, by="quarter", start=date(2023, 10, 1), end=date(2026, 9, 30))
    assert same(body["bridge"][-1], frame_records(bridge)[-1])
    assert reader.get(TWIN, params={"by": "day"}).status_code == 400
    assert reader.get("/revenue", params={"cohort": "both"}).status_code == 400
    assert reader.get(TWIN, params={"from": "0202-01-01"}).status_code == 400


def test_french(client_for: Callable[[str], TestClient]) -> None:
    client = client_for("analyst")
    client.post("/language", data={"language": "fr", "csrf_token": csrf(client), "next": "/"})
    html = client.get("/revenue").text
    assert "Pont du MRR" in html and "Cohortes" in html and "oct. 2026" in html
    assert "\u00a0€" in html  # euros after the number, as French writes them
    legend = re.search(r'id="bridge-data">(.*?)</script>', html, re.S)
    assert legend is not None and '"name": "attrition"' in legend.group(1)
