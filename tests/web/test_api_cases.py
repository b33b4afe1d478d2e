"""/api/v1/cases: agents work their own cases, analysts every case; transitions and notes; the
follow-up figures (time to first contact, share within SLA, recovery rate)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from cxpulse import Workspace
from cxpulse.automations.cases import get_case, move, new_case, notes, write_cases
from tests.conftest import add_rows
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


# -- follow-up figures --------------------------------------------------------------------------
def follow_up_cases(ws: Workspace) -> dict[str, str]:
    """Three cases (NOW is 10:30 on 2 Nov in Paris, the demo's time zone):

    - A, the agent's, opened 1 Nov 04:30 local on an NPS 3, contacted after 3 h (within its
      24 h SLA); the customer answered NPS 8 since: recovered.
    - B, kim's, opened 1 Nov 00:30 local (31 Oct in UTC) on an NPS 2, never contacted, past
      due; the customer answered NPS 1 since: not recovered.
    - C, the agent's, opened 2 h ago, not contacted yet, not due: its SLA outcome is unknown.
    """
    a = new_case(
        "fu:a",
        "detractor-case",
        "FU-1",
        NOW - timedelta(hours=30),
        24,
        owner="agent",
        cause_type="detractor",
        cause_score=3,
        cause_question_type="nps",
    )
    b = new_case(
        "fu:b",
        "detractor-case",
        "FU-2",
        NOW - timedelta(hours=34),
        24,
        owner="kim",
        cause_type="detractor",
        cause_score=2,
        cause_question_type="nps",
    )
    c = new_case("fu:c", "churn-risk", "FU-3", NOW - timedelta(hours=2), 24, owner="agent")
    write_cases(ws, [a, b, c])
    move(ws, str(a["case_id"]), "acknowledged", NOW - timedelta(hours=28))
    move(ws, str(a["case_id"]), "contacted", NOW - timedelta(hours=27))
    add_rows(ws, "survey_responses", [
        {"customer_id": "FU-1", "score": 8, "responded_at": NOW - timedelta(hours=20)},
        {"customer_id": "FU-2", "score": 1, "responded_at": NOW - timedelta(hours=5)},
    ])  # fmt: skip
    return {"a": str(a["case_id"]), "b": str(b["case_id"]), "c": str(c["case_id"])}


def figures(
    cases: int,
    contacted: int,
    median: float | None,
    decided: int,
    within: int,
    detractors: int,
    answered: int,
    recovered: int,
) -> dict[str, Any]:
    return {
        "cases": cases,
        "time_to_first_contact": {"contacted": contacted, "median_hours": median},
        "sla": {
            "decided": decided,
            "within_sla": within,
            "share_within_sla": 100 * within / decided if decided else None,
        },
        "recovery": {
            "detractor_cases": detractors,
            "answered_again": answered,
            "recovered": recovered,
            "recovery_rate": 100 * recovered / answered if answered else None,
        },
    }


def without_header(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in ("from", "to", "as_of")}


def test_case_metrics_count_the_cases_you_may_see(
    anon: TestClient, client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    follow_up_cases(web_ws)
    assert anon.get("/api/v1/cases/metrics").status_code == 401
    assert anon.get("/api/v1/cases/metrics", headers=bearer(web_ws, "ingest")).status_code == 403
    agent = client_for("agent").get("/api/v1/cases/metrics").json()
    assert (agent["from"], agent["to"], agent["as_of"]) == (None, None, NOW.isoformat() + "Z")
    assert without_header(agent) == figures(2, 1, 3.0, 1, 1, 1, 1, 1)  # A and C
    analyst = client_for("analyst").get("/api/v1/cases/metrics").json()
    assert without_header(analyst) == figures(3, 1, 3.0, 2, 1, 2, 2, 1)  # A, B and C
    read = anon.get("/api/v1/cases/metrics", headers=bearer(web_ws, "read")).json()
    assert without_header(read) == without_header(analyst)


def test_case_metrics_over_local_days_of_opening(
    client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    follow_up_cases(web_ws)
    analyst = client_for("analyst")

    def over(**params: str) -> dict[str, Any]:
        response = analyst.get("/api/v1/cases/metrics", params=params)
        assert response.status_code == 200, response.text
        return dict(response.json())

    first = over(**{"from": "2026-11-01", "to": "2026-11-01"})  # A and B: B is 1 Nov in Paris
    assert (first["from"], first["to"]) == ("2026-11-01", "2026-11-01")
    assert without_header(first) == figures(2, 1, 3.0, 2, 1, 2, 2, 1)
    assert without_header(over(**{"from": "2026-11-02"})) == figures(1, 0, None, 0, 0, 0, 0, 0)
    assert without_header(over(to="2026-10-31")) == figures(0, 0, None, 0, 0, 0, 0, 0)
    backwards = analyst.get(
        "/api/v1/cases/metrics", params={"from": "2026-11-02", "to": "2026-11-01"}
    )
    assert backwards.status_code == 400
    assert backwards.json()["detail"] == "the range ends (2026-11-01) before it starts (2026-11-02)"
    assert analyst.get("/api/v1/cases/metrics", params={"from": "yesterday"}).status_code == 422


def test_cases_opened_by_hand_and_reassigned(
    client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    ids = open_cases(web_ws)
    analyst = client_for("analyst")
    headers = session_headers(analyst)
    made = analyst.post("/api/v1/cases", json={"customer_id": "C000003", "summary": "Called: "
                        "parcel lost", "owner": "kim", "team": "cx", "sla_hours": 4},
                        headers=headers)  # fmt: skip
    assert made.status_code == 201, made.text
    case = made.json()
    assert (case["owner"], case["state"], case["rule"]) == ("kim", "open", "manual")
    assert case["sla_due_at"].startswith((NOW + timedelta(hours=4)).isoformat()[:16])
    unknown = analyst.post("/api/v1/cases", json={"customer_id": "NOBODY", "summary": "x"},
                           headers=headers)  # fmt: skip
    assert unknown.status_code == 400 and "no customer" in unknown.json()["detail"]

    # an agent opens cases for themself only, and does not reassign
    agent = client_for("agent")
    own = agent.post("/api/v1/cases", json={"customer_id": "C000004", "summary": "Chat"},
                     headers=session_headers(agent))  # fmt: skip
    assert own.status_code == 201 and own.json()["owner"] == "agent"
    theirs = agent.post("/api/v1/cases", json={"customer_id": "C000004", "summary": "x",
                        "owner": "kim"}, headers=session_headers(agent))  # fmt: skip
    assert theirs.status_code == 403
    refused = agent.patch(f"/api/v1/cases/{ids['agent']}", json={"owner": "kim"},
                          headers=session_headers(agent))  # fmt: skip
    assert refused.status_code == 403

    moved = analyst.patch(f"/api/v1/cases/{ids['kim']}", json={"owner": "agent", "team": ""},
                          headers=headers)  # fmt: skip
    assert moved.status_code == 200 and (moved.json()["owner"], moved.json()["team"]) == (
        "agent", None)  # fmt: skip
    assert agent.get(f"/api/v1/cases/{ids['kim']}").status_code == 200  # now the agent's
    assert get_case(web_ws, ids["kim"])["state"] == "open"  # state and SLA unchanged
    read_only = analyst.post("/api/v1/cases", json={"customer_id": "C000003", "summary": "x"},
                             headers=bearer(web_ws, "read"))  # fmt: skip
    assert read_only.status_code == 403
