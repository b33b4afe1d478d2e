"""/api/v1/cases: agents work their own cases, analysts every case; transitions and notes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient

from cxpulse import Workspace
from cxpulse.automations.cases import get_case, new_case, notes, write_cases
from tests.web.conftest import NOW
from tests.web.test_api_ingest import bearer, session_headers


def open_cases(ws: Workspace) -> dict[str, str]:
    """Two cases: one owned by the user 'agent', one by someone else; {owner: case_id}."""
    rows = [
        new_case("r:1", "detractor-case", "C000001", NOW - timedelta(hours=30), 24, owner="agent",
                 team="cx", summary="NPS 2: <b>late</b>"),
        new_case("r:2", "detractor-case", "C000002", NOW - timedelta(hours=2), 24, owner="kim",
                 team="cx"),
    ]  # fmt: skip
    write_cases(ws, rows)
    return {str(r["owner"]): str(r["case_id"]) for r in rows}


def test_cases_need_login(anon: TestClient, web_ws: Workspace) -> None:
    ids = open_cases(web_ws)
    assert anon.get("/api/v1/cases").status_code == 401
    assert anon.get(f"/api/v1/cases/{ids['agent']}").status_code == 401
    assert anon.post(f"/api/v1/cases/{ids['agent']}/ack").status_code == 401
    assert anon.get("/api/v1/cases", headers=bearer(web_ws, "ingest")).status_code == 403


def test_agents_see_their_cases_and_analysts_all(
    client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    ids = open_cases(web_ws)
    agent = client_for("agent")
    mine = agent.get("/api/v1/cases").json()
    assert [c["case_id"] for c in mine["cases"]] == [ids["agent"]]
    assert mine["counts"]["open"] == 1
    assert mine["cases"][0]["overdue"] is True  # opened 30 h ago with a 24 h SLA
    assert agent.get(f"/api/v1/cases/{ids['kim']}").status_code == 403
    assert agent.get("/api/v1/cases/CASE-NOPE").status_code == 404
    analyst = client_for("analyst").get("/api/v1/cases").json()
    assert sorted(c["case_id"] for c in analyst["cases"]) == sorted(ids.values())
    assert analyst["counts"]["open"] == 2
    one = client_for("analyst").get(f"/api/v1/cases/{ids['agent']}").json()
    assert one["summary"] == "NPS 2: <b>late</b>" and one["notes"] == []
    filtered = client_for("analyst").get("/api/v1/cases", params={"state": "resolved"}).json()
    assert filtered["cases"] == []
    assert client_for("analyst").get("/api/v1/cases", params={"state": "x"}).status_code == 422


def test_an_agent_moves_their_case_through_its_states(
    client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    ids = open_cases(web_ws)
    agent = client_for("agent")
    headers = session_headers(agent)
    cid = ids["agent"]
    assert agent.post(f"/api/v1/cases/{ids['kim']}/ack", headers=headers).status_code == 403
    skipped = agent.post(f"/api/v1/cases/{cid}/contact", headers=headers)
    assert skipped.status_code == 400 and "Next step: acknowledged" in skipped.json()["detail"]
    assert agent.post(f"/api/v1/cases/{cid}/ack", headers=headers).json()["state"] == "acknowledged"
    assert agent.post(f"/api/v1/cases/{cid}/contact", headers=headers).status_code == 200
    noted = agent.post(f"/api/v1/cases/{cid}/notes", json={"text": "Called, parcel lost."},
                       headers=headers)  # fmt: skip
    assert noted.status_code == 201
    assert [n["text"] for n in noted.json()["notes"]] == ["Called, parcel lost."]
    assert agent.post(f"/api/v1/cases/{cid}/notes", json={"text": ""},
                      headers=headers).status_code == 422  # fmt: skip
    no_cause = agent.post(f"/api/v1/cases/{cid}/resolve", json={}, headers=headers)
    assert no_cause.status_code == 422
    assert no_cause.json()["detail"][0]["where"] == "body.root_cause"
    done = agent.post(f"/api/v1/cases/{cid}/resolve", json={"root_cause": "delivery"},
                      headers=headers)  # fmt: skip
    assert done.status_code == 200
    row = get_case(web_ws, cid)
    assert (row["state"], row["root_cause"]) == ("resolved", "delivery")
    assert row["resolved_at"] == NOW
    assert notes(web_ws, cid).text.tolist() == ["Called, parcel lost."]
    again = agent.post(f"/api/v1/cases/{cid}/resolve", json={"root_cause": "x"}, headers=headers)
    assert again.status_code == 400 and "already resolved" in again.json()["detail"]


def test_analysts_move_any_case_and_read_tokens_only_read(
    anon: TestClient, client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    ids = open_cases(web_ws)
    analyst = client_for("analyst")
    moved = analyst.post(f"/api/v1/cases/{ids['kim']}/ack", headers=session_headers(analyst))
    assert moved.status_code == 200 and get_case(web_ws, ids["kim"])["state"] == "acknowledged"
    read = bearer(web_ws, "read")
    assert len(anon.get("/api/v1/cases", headers=read).json()["cases"]) == 2
    assert anon.post(f"/api/v1/cases/{ids['agent']}/ack", headers=read).status_code == 403
    admin = bearer(web_ws, "admin")
    assert anon.post(f"/api/v1/cases/{ids['agent']}/ack", headers=admin).status_code == 200
