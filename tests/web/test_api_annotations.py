"""/api/v1/annotations: list by days, record and remove (analysts and admins), and impact."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from cxpulse import Workspace
from cxpulse.insights.annotations import list_annotations
from tests.web.test_api_ingest import bearer, session_headers

OUTAGE = {"day": "2026-10-05", "until": "2026-10-11", "label": "Carrier outage",
          "tags": ["outage"]}  # fmt: skip


def test_writes_need_the_edit_permission(
    anon: TestClient, client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    assert anon.post("/api/v1/annotations", json=OUTAGE).status_code == 401
    agent = client_for("agent")
    refused = agent.post("/api/v1/annotations", json=OUTAGE, headers=session_headers(agent))
    assert refused.status_code == 403
    token = bearer(web_ws, "read")
    assert anon.post("/api/v1/annotations", json=OUTAGE, headers=token).status_code == 403
    assert list_annotations(web_ws) == []
    assert anon.get("/api/v1/annotations", headers=token).json() == []  # reading is fine


def test_an_analyst_records_lists_and_removes_an_annotation(
    client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    analyst = client_for("analyst")
    headers = session_headers(analyst)
    made = analyst.post("/api/v1/annotations", json=OUTAGE, headers=headers)
    assert made.status_code == 201, made.text
    body = made.json()
    assert {k: body[k] for k in ("id", "day", "until", "label", "tags")} == {
        "id": "1", "day": "2026-10-05", "until": "2026-10-11", "label": "Carrier outage",
        "tags": ["outage"],
    }  # fmt: skip
    assert body["author"] == "analyst" and body["created_at"].endswith("Z")
    analyst.post("/api/v1/annotations", json={"day": "2026-11-20", "label": "Release"},
                 headers=headers)  # fmt: skip
    listed = analyst.get("/api/v1/annotations", params={"from": "2026-10-10", "to": "2026-10-31"})
    assert [a["label"] for a in listed.json()] == ["Carrier outage"]
    assert len(analyst.get("/api/v1/annotations").json()) == 2
    gone = analyst.delete("/api/v1/annotations/1", headers=headers)
    assert gone.status_code == 200 and gone.json()["label"] == "Carrier outage"
    assert analyst.delete("/api/v1/annotations/1", headers=headers).status_code == 404
    assert [a.label for a in list_annotations(web_ws)] == ["Release"]


def test_a_bad_field_is_refused_naming_it(
    client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    analyst = client_for("analyst")
    headers = session_headers(analyst)
    for body, message in [
        ({**OUTAGE, "day": "05/10/2026"}, "day: '05/10/2026' is not a date"),
        ({**OUTAGE, "until": "2026-10-01"}, "until: 2026-10-01 is before the day"),
        ({**OUTAGE, "label": " "}, "label: empty"),
    ]:
        answer = analyst.post("/api/v1/annotations", json=body, headers=headers)
        assert answer.status_code == 400 and message in answer.json()["detail"], answer.text
    unknown = analyst.post("/api/v1/annotations", json={**OUTAGE, "colour": "red"}, headers=headers)
    assert unknown.status_code == 422
    assert list_annotations(web_ws) == []


def test_impact_is_the_json_of_cxpulse_impact(
    client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    analyst = client_for("analyst")
    analyst.post("/api/v1/annotations", json=OUTAGE, headers=session_headers(analyst))
    answer = analyst.get("/api/v1/annotations/1/impact",
                         params={"metric": ["csat", "nps"], "as_of": "2026-12-01"})  # fmt: skip
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["before"] == {"start": "2026-09-28", "end": "2026-10-04", "days": 7}
    assert data["after"] == {"start": "2026-10-05", "end": "2026-10-11", "days": 7}
    assert [m["metric"] for m in data["metrics"]] == ["csat", "nps"]
    csat = data["metrics"][0]
    assert csat["before"]["n"] > 0 and csat["after"]["n"] > 0
    assert csat["headline"]["en"].startswith("CSAT ")
    assert csat["headline"]["fr"].startswith("CSAT\u00a0: de ")
    assert analyst.get("/api/v1/annotations/9/impact").status_code == 404
    bad = analyst.get("/api/v1/annotations/1/impact", params={"metric": "csatt"})
    assert bad.status_code == 404
    assert analyst.get("/api/v1/annotations/1/impact", params={"days": 0}).status_code == 422
