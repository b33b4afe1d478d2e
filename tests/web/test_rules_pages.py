"""The rules page: every rule with its last runs and enabled state; read-only for agents."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cxpulse import Workspace
from cxpulse.automations import add_rule, run_rules
from cxpulse.automations.rules import stored_rules
from tests.conftest import add_rows
from tests.web.conftest import NOW
from tests.web.test_cases_pages import page_csrf

RULE = """
name: web-detractor
description: Call back <detractors>
when: {response: detractor}
then:
  - case: {sla_hours: 24, assign: [{round_robin: [agent], team: cx}]}
  - tag: detractor
"""


def detractor(ws: Workspace, rid: str, at_hours_ago: float) -> None:
    customer = ws.table("customers").customer_id.execute().iloc[0]
    add_rows(
        ws,
        "survey_responses",
        [
            {
                "response_id": rid,
                "customer_id": customer,
                "score": 2,
                "responded_at": NOW - timedelta(hours=at_hours_ago),
            }
        ],
    )


@pytest.fixture
def fired(web_ws: Workspace, tmp_path: Path) -> Workspace:
    path = tmp_path / "rule.yaml"
    path.write_text(RULE, encoding="utf-8")
    add_rule(web_ws, path, NOW - timedelta(days=1))
    detractor(web_ws, "R-rule-1", 3)
    assert len(run_rules(web_ws, NOW).fired) == 1
    return web_ws


def test_rules_list_their_last_runs(
    fired: Workspace, client_for: Callable[[str], TestClient]
) -> None:
    analyst = client_for("analyst")
    rules = analyst.get("/api/v1/dashboard/rules").json()
    assert [r["name"] for r in rules] == ["web-detractor"]
    rule = rules[0]
    assert rule["enabled"] is True and rule["fired"] == 1
    assert rule["last_fired_at"] == NOW.isoformat()
    assert rule["runs"][0]["run_id"] == "web-detractor:R-rule-1"
    assert rule["cases"] == {"open": 1}
    html = analyst.get("/rules").text
    assert 'data-rule="web-detractor" data-enabled="true"' in html
    assert 'data-rule-toggle="web-detractor"' in html
    assert "Call back &lt;detractors&gt;" in html
    detail = analyst.get("/rules/web-detractor")
    assert detail.status_code == 200 and 'id="rule-runs"' in detail.text
    assert "response: detractor" in detail.text
    assert analyst.get("/rules/nope").status_code == 404
    assert analyst.get("/api/v1/dashboard/rules/nope").status_code == 404


def test_agents_read_but_cannot_switch_rules(
    fired: Workspace, client_for: Callable[[str], TestClient]
) -> None:
    agent = client_for("agent")
    html = agent.get("/rules").text
    assert 'data-rule="web-detractor"' in html and "data-rule-toggle" not in html
    token = page_csrf(agent, "/rules")
    refused = agent.post(
        "/rules/web-detractor/enabled", data={"enabled": "false", "csrf_token": token}
    )
    assert refused.status_code == 403
    assert [r.name for r, _ in stored_rules(fired)] == ["web-detractor"]


def test_disabling_a_rule_stops_it_firing(
    fired: Workspace, client_for: Callable[[str], TestClient]
) -> None:
    analyst = client_for("analyst")
    url = "/rules/web-detractor/enabled"
    assert analyst.post(url, data={"enabled": "false"}).status_code == 403  # no CSRF token
    token = page_csrf(analyst, "/rules")
    done = analyst.post(url, data={"enabled": "false", "csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/rules"
    assert stored_rules(fired) == []
    assert analyst.get("/api/v1/dashboard/rules").json()[0]["enabled"] is False
    detractor(fired, "R-rule-2", 1)
    assert run_rules(fired, NOW + timedelta(minutes=5)).fired == []
    analyst.post(url, data={"enabled": "true", "csrf_token": token})
    assert len(run_rules(fired, NOW + timedelta(minutes=10)).fired) == 1
    unknown = analyst.post("/rules/nope/enabled", data={"enabled": "true", "csrf_token": token})
    assert unknown.status_code == 400 and "no rule" in unknown.json()["detail"]


def test_rules_need_login(anon: TestClient) -> None:
    assert anon.get("/rules", follow_redirects=False).status_code == 303
    assert anon.get("/api/v1/dashboard/rules").status_code == 401
