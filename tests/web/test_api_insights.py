"""GET /api/v1/insights on the small demo: the CLI's result, in the user's language."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from cxpulse import Workspace
from cxpulse.insights.changes import significant_changes
from tests.web.test_api_ingest import bearer


def test_insights_need_read_access(anon: TestClient, web_ws: Workspace) -> None:
    assert anon.get("/api/v1/insights").status_code == 401
    assert anon.get("/api/v1/insights", headers=bearer(web_ws, "ingest")).status_code == 403


def test_the_api_answers_what_the_library_computes(
    client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    client = client_for("agent")
    params = {"period": "2026-09", "metric": ["csat", "nps"]}
    body = client.get("/api/v1/insights", params=params).json()
    expected = significant_changes(web_ws, period="2026-09", metrics=["csat", "nps"],
                                   as_of="2026-11-02")  # fmt: skip
    assert body["period"] == "2026-09" and body["comparison"] == "2026-08"
    assert body["tests"] == expected.tests > 0
    assert body["headline"] == expected.headline("en")  # the user's language: en
    fr = client.get("/api/v1/insights", params=params, headers={"Accept-Language": "fr"})
    assert fr.json()["headline"] == expected.headline("en")  # a session user's own choice wins
    assert client.get("/api/v1/insights", params=params | {"lang": "fr"}).json()[
        "headline"
    ] == expected.headline("fr")


def test_the_default_period_is_the_last_complete_one(
    client_for: Callable[[str], TestClient],
) -> None:
    body = client_for("analyst").get("/api/v1/insights", params={"metric": "csat"}).json()
    assert body["period"] == "2026-10"  # the server's clock: 2 November 2026


def test_mistakes_are_400_with_the_message(client_for: Callable[[str], TestClient]) -> None:
    client = client_for("analyst")
    unfinished = client.get("/api/v1/insights", params={"period": "2026-11"})
    assert unfinished.status_code == 400 and "not over yet" in unfinished.json()["detail"]
    unknown = client.get("/api/v1/insights", params={"metric": "nsp"})
    assert unknown.status_code in (400, 404) and "nsp" in unknown.json()["detail"]
    assert client.get("/api/v1/insights", params={"compare": "last"}).status_code == 422


def test_the_november_2025_carrier_outage_is_found(
    client_for: Callable[[str], TestClient],
) -> None:
    body = (
        client_for("analyst")
        .get("/api/v1/insights", params={"period": "2025-11", "metric": ["csat", "nps"]})
        .json()
    )
    where = {
        (f["metric"], f["segment"]["value"])
        for f in body["findings"]
        if f["segment"] and f["segment"]["dimension"] == "touchpoint" and f["change"] < 0
    }
    assert where & {("csat", "delivery"), ("csat", "purchase"), ("nps", "delivery")}
    totals = [f for f in body["findings"] if f["segment"] is None and f["metric"] == "csat"]
    assert totals and totals[0]["change"] < 0
    # where it comes from: the touchpoints' decomposition names delivery or purchase
    touch = next(e for e in totals[0]["evidence"] if e["dimension"] == "touchpoint")
    assert touch["segments"][0]["segment"] in ("delivery", "purchase")


def test_compare_baseline_answers_what_the_library_computes(
    client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    params = {"period": "2026-09", "metric": ["csat", "nps"], "compare": "baseline"}
    body = client_for("agent").get("/api/v1/insights", params=params).json()
    expected = significant_changes(web_ws, period="2026-09", metrics=["csat", "nps"],
                                   compare="baseline", as_of="2026-11-02")  # fmt: skip
    assert body["comparison"] == "baseline" and body["tests"] == expected.tests == 2
    assert body["headline"] == expected.headline("en")
    assert body["skipped"] == {k: why("en") for k, why in expected.skipped.items()}
    assert [f["band"] for f in body["findings"]] == [
        f.band.to_dict() for f in expected.findings if f.band is not None
    ]


def test_findings_carry_their_evidence_and_the_run_its_churn_link(
    client_for: Callable[[str], TestClient],
) -> None:
    params = {"period": "2025-11", "metric": ["csat"], "lang": "fr"}
    body = client_for("analyst").get("/api/v1/insights", params=params).json()
    top = body["findings"][0]
    assert top["metric"] == "csat" and top["change"] < 0
    parts = [e["part"] for e in top["evidence_lines"]]
    assert "cost" in parts and top["why"]["cost"]["period"] == "2025-11"
    assert body["method"]["themes"]["rule"] == "benjamini_bogomolov_2014"
    assert "negatives_link" in body and "events" in body
