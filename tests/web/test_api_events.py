"""POST /api/v1/events: batches of trigger events, checked whole, written once, idempotent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from fastapi.testclient import TestClient

from cxpulse import Workspace
from cxpulse.surveys.store import add_survey
from cxpulse.surveys.triggers import candidates
from tests.web.conftest import NOW
from tests.web.test_api_ingest import bearer, session_headers

BATCH = [
    {"event": "subscription_renewed", "customer_id": "C000001",
     "occurred_at": "2026-11-01T10:00:00Z", "properties": {"plan": "pro"}},
    {"event": "subscription_renewed", "customer_id": "C000002",
     "occurred_at": "2026-11-01T11:00:00"},
]  # fmt: skip


def events(ws: Workspace) -> list[tuple[str, str, datetime]]:
    t = ws.store.table("survey_events").order_by("customer_id").execute()
    return [(r.name, r.customer_id, r.occurred_at.to_pydatetime()) for r in t.itertuples()]


def test_events_need_the_ingest_permission(
    anon: TestClient, client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    assert anon.post("/api/v1/events", json=BATCH).status_code == 401
    agent = client_for("agent")
    assert (
        agent.post("/api/v1/events", json=BATCH, headers=session_headers(agent)).status_code == 403
    )
    assert (
        anon.post("/api/v1/events", json=BATCH, headers=bearer(web_ws, "read")).status_code == 403
    )
    assert events(web_ws) == []


def test_a_batch_is_recorded_once_in_utc(anon: TestClient, web_ws: Workspace) -> None:
    headers = bearer(web_ws, "ingest")
    response = anon.post("/api/v1/events", json=BATCH, headers=headers)
    assert response.status_code == 202 and response.json() == {"received": 2}
    assert anon.post("/api/v1/events", json=BATCH, headers=headers).status_code == 202
    # the demo workspace's zone is Europe/Paris: 11:00 local is 10:00 UTC in November
    assert events(web_ws) == [
        ("subscription_renewed", "C000001", datetime(2026, 11, 1, 10)),
        ("subscription_renewed", "C000002", datetime(2026, 11, 1, 10)),
    ]
    assert set(web_ws.store.table("survey_events").execute().source) == {"api"}


def test_a_bad_item_is_a_422_naming_its_index_and_field(
    anon: TestClient, web_ws: Workspace
) -> None:
    headers = bearer(web_ws, "ingest")
    bad = [BATCH[0], {**BATCH[1], "occurred_at": "yesterday"}, {**BATCH[1], "event": "a b"}]
    response = anon.post("/api/v1/events", json=bad, headers=headers)
    assert response.status_code == 422
    where = {p["where"] for p in response.json()["detail"]}
    assert where == {"body.1.occurred_at", "body.2.event"}
    assert events(web_ws) == []
    builtin = anon.post("/api/v1/events", json=[{**BATCH[0], "event": "ticket_solved"}],
                        headers=headers)  # fmt: skip
    assert builtin.status_code == 422
    assert "import the tickets rows" in builtin.json()["detail"][0]["problem"]
    unknown = anon.post("/api/v1/events", json=[{**BATCH[0], "colour": "red"}], headers=headers)
    assert unknown.json()["detail"][0]["where"] == "body.0.colour"
    assert anon.post("/api/v1/events", json=[], headers=headers).status_code == 422


def test_a_posted_event_makes_its_survey_due(
    client_for: Callable[[str], TestClient], web_ws: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "renewal.yaml"
    path.write_text(
        "id: renewal\ntouchpoint: renewal\ntrigger: {event: subscription_renewed, delay: 1 hour}"
        '\nquestions:\n  - {id: q, type: nps, text: {en: "Recommend us?"}}\n',
        encoding="utf-8",
    )
    survey = add_survey(web_ws, path, NOW)
    assert candidates(web_ws, survey, NOW) == []
    client = client_for("analyst")
    batch = [{**BATCH[0], "occurred_at": "2026-11-02T07:00:00Z"}]
    assert (
        client.post("/api/v1/events", json=batch, headers=session_headers(client)).status_code
        == 202
    )
    due = candidates(web_ws, survey, NOW)
    assert [c.customer_id for c in due] == ["C000001"]
