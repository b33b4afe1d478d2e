"""GET /api/v1/responses: filters and pages give the rows a direct query of the table gives."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi.testclient import TestClient

from cxpulse import Workspace
from tests.web.test_api_ingest import bearer


def test_responses_need_read_access(anon: TestClient, web_ws: Workspace) -> None:
    assert anon.get("/api/v1/responses").status_code == 401
    assert anon.get("/api/v1/responses", headers=bearer(web_ws, "ingest")).status_code == 403
    assert anon.get("/api/v1/responses", headers=bearer(web_ws, "read")).status_code == 200


def test_filters_match_the_table(
    client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    client = client_for("agent")
    params = {"question_type": "csat", "score_max": 3, "touchpoint": "delivery",
              "from": "2026-09-01", "to": "2026-09-30", "limit": 500}  # fmt: skip
    body = client.get("/api/v1/responses", params=params).json()
    t = web_ws.table("survey_responses")
    # September 2026 in Paris time: 2026-08-31 22:00 UTC to 2026-09-30 22:00 UTC
    start, end = datetime(2026, 8, 31, 22), datetime(2026, 9, 30, 22)
    expected = t.filter(
        (t.question_type == "csat") & (t.score <= 3) & (t.touchpoint == "delivery")
        & (t.responded_at >= start) & (t.responded_at < end)
    ).execute()  # fmt: skip
    assert body["total"] == len(expected) > 0
    assert sorted(r["response_id"] for r in body["rows"]) == sorted(expected.response_id)
    times = [r["responded_at"] for r in body["rows"]]
    assert times == sorted(times, reverse=True)  # newest first

    customer = str(expected.customer_id.iloc[0])
    mine = client.get("/api/v1/responses", params={"customer": customer}).json()
    assert mine["total"] == int(t.filter(t.customer_id == customer).count().execute())
    assert {r["customer_id"] for r in mine["rows"]} == {customer}
    survey = str(expected.survey_id.iloc[0])
    by_survey = client.get("/api/v1/responses", params={"survey": survey, "limit": 1}).json()
    assert by_survey["total"] == int(t.filter(t.survey_id == survey).count().execute())


def test_pages_do_not_overlap_and_bad_filters_are_refused(
    client_for: Callable[[str], TestClient],
) -> None:
    client = client_for("analyst")
    first = client.get("/api/v1/responses", params={"limit": 20}).json()
    second = client.get("/api/v1/responses", params={"limit": 20, "offset": 20}).json()
    assert first["total"] == second["total"] > 40
    ids = [r["response_id"] for r in first["rows"] + second["rows"]]
    assert len(set(ids)) == 40
    assert client.get("/api/v1/responses", params={"limit": 0}).status_code == 422
    upside = client.get("/api/v1/responses", params={"score_min": 9, "score_max": 3})
    assert upside.status_code == 400 and "above the highest" in upside.json()["detail"]
    backwards = client.get("/api/v1/responses", params={"from": "2026-10-01", "to": "2026-09-01"})
    assert backwards.status_code == 400


def test_one_response_by_id(client_for: Callable[[str], TestClient], web_ws: Workspace) -> None:
    first = web_ws.table("survey_responses").limit(1).execute().iloc[0]
    got = client_for("agent").get(f"/api/v1/responses/{first.response_id}")
    assert got.status_code == 200
    body = got.json()
    assert (body["response_id"], body["score"]) == (first.response_id, first.score)
    assert client_for("agent").get("/api/v1/responses/NOPE").status_code == 404
