"""The support, website, social and loyalty pages: a card and a trend per metric of the family
(the metrics whose table is the family's), the website's problem pages, and their twins."""

from __future__ import annotations

import math
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cxpulse import Workspace
from cxpulse.accounts.tokens import create_token
from cxpulse.metrics.pages import problem_pages
from cxpulse.metrics.spec import REGISTRY
from cxpulse.records import clean
from cxpulse.reports.blocks import SHOWN_PERIODS
from cxpulse.web.app import create_app
from cxpulse.web.i18n import format_value
from cxpulse.web.pages.families import FAMILIES
from tests.web.conftest import NOW, csrf, login, stop_refreshers


@pytest.fixture(scope="module")
def shared(demo_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    path = tmp_path_factory.mktemp("families") / "ws.duckdb"
    shutil.copy(demo_file, path)
    with Workspace.open(path) as ws:
        yield ws
        stop_refreshers(ws)


@pytest.fixture(scope="module")
def reader(shared: Workspace) -> TestClient:
    return login(TestClient(create_app(shared, clock=lambda: NOW)), "agent")


def test_every_family_page_needs_login_and_read(anon: TestClient, web_ws: Workspace) -> None:
    _, ingest_only = create_token(web_ws, "loader", "ingest", "admin", NOW)
    for slug in FAMILIES:
        assert anon.get(f"/{slug}", follow_redirects=False).status_code == 303
        assert anon.get(f"/api/v1/dashboard/{slug}").status_code == 401
        bearer = {"Authorization": f"Bearer {ingest_only}"}
        assert anon.get(f"/api/v1/dashboard/{slug}", headers=bearer).status_code == 403


@pytest.mark.parametrize("slug", ["support", "social", "loyalty", "website"])
def test_cards_are_the_scorecard_and_trends_the_engine(
    slug: str, reader: TestClient, shared: Workspace
) -> None:
    table = FAMILIES[slug].table
    names = [spec.name for spec in REGISTRY if spec.table == table]
    body = reader.get(f"/api/v1/dashboard/{slug}").json()
    assert [c["metric"] for c in body["cards"]] == names  # every metric of the family
    assert body["problems"] == {}
    expected = {r.metric: r for r in shared.scorecard(metrics=names, as_of=NOW.date()).rows}
    for c in body["cards"]:
        row = expected[c["metric"]]
        assert (c["period"], c["n"], c["previous_period"]) == (
            row.period,
            row.n,
            row.previous_period,
        )
        assert c["value"] == pytest.approx(row.value, nan_ok=True)
        assert c["change"] == pytest.approx(row.change, nan_ok=True)
        assert c["ci_high"] == pytest.approx(row.ci_high, nan_ok=True)
    # every trend computes only the periods it shows (the default window) and they are the
    # whole history's
    for name in names:
        trend = shared.metric(name, end="2026-10-31").tail(SHOWN_PERIODS["month"])
        assert body["trends"][name]["periods"] == trend["period"].tolist()
        assert body["trends"][name]["n"] == trend["n"].tolist()
        for key, col in (("value", "value"), ("low", "ci_low"), ("high", "ci_high")):
            got = [math.nan if v is None else v for v in body["trends"][name][key]]
            assert got == pytest.approx(trend[col].tolist(), nan_ok=True)
    html = reader.get(f"/{slug}").text
    for c in body["cards"]:
        shown = re.search(rf'data-metric="{c["metric"]}">(.*?)</div>\s*</div>', html, re.S)
        assert shown is not None
        assert f'<div class="big value">{format_value(c["value"], c["unit"], "en")}</div>' in (
            shown.group(0)
        )
    assert html.count('data-chart="trend"') == sum(1 for n in names if body["trends"][n]["periods"])
    assert f'href="/api/v1/dashboard/{slug}?by=month&amp;to=2026-10-31"' in html


def test_website_shows_the_problem_pages_report(reader: TestClient, shared: Workspace) -> None:
    body = reader.get("/api/v1/dashboard/website").json()
    report = clean(
        problem_pages(shared, metric="exit_rate", start="2026-10-01", end="2026-10-31").to_dict()
    )
    assert (body["problem_pages"]["from"], body["problem_pages"]["to"]) == (
        "2026-10-01",
        "2026-10-31",
    )
    got = body["problem_pages"]
    assert got["site_rate"] == pytest.approx(report["site_rate"])
    assert [p["page"] for p in got["pages"]] == [p["page"] for p in report["pages"][:15]]
    assert [p["flagged"] for p in got["pages"]] == [p["flagged"] for p in report["pages"][:15]]
    html = reader.get("/website").text
    assert "Problem pages" in html
    assert re.findall(r'<tr data-page="([^"]+)">', html) == [p["page"] for p in got["pages"]]


def test_grain_and_range(reader: TestClient, shared: Workspace) -> None:
    body = reader.get(
        "/api/v1/dashboard/support", params={"by": "quarter", "from": "2025-01-01"}
    ).json()
    assert (body["from"], body["to"]) == ("2025-01-01", "2026-09-30")
    trend = shared.metric("volume", by="quarter", start="2025-01-01", end="2026-09-30")
    assert body["trends"]["volume"]["periods"] == trend["period"].tolist()
    assert reader.get("/api/v1/dashboard/social", params={"by": "fortnight"}).status_code == 400
    bad = reader.get("/api/v1/dashboard/social", params={"to": "31/10/2026"})
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.json()["detail"]


def test_french(client_for: Callable[[str], TestClient]) -> None:
    client = client_for("analyst")
    client.post("/language", data={"language": "fr", "csrf_token": csrf(client), "next": "/"})
    html = client.get("/loyalty").text
    assert "Fidélité" in html and "Les points du programme de fidélité." in html
    assert "oct. 2026" in html and "Tendances" in html
