"""/api/v1/rules: create, read, update, switch rules; their dry run and runs match the library."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient

from cxpulse import Workspace
from cxpulse.automations import dry_run, run_rules
from cxpulse.automations.rule_text import stored_rule
from cxpulse.automations.rules import stored_rules
from tests.web.conftest import NOW
from tests.web.test_api_ingest import bearer, session_headers

RULE = """name: detractor-case
when: {response: detractor}
then:
  - case:
      sla_hours: 24
      assign: [{round_robin: [agent, kim], team: cx}]
  - tag: detractor
"""
YAML_TYPE = {"Content-Type": "text/yaml"}


def test_rules_need_login_and_writes_need_edit(
    anon: TestClient, client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    assert anon.get("/api/v1/rules").status_code == 401
    assert anon.get("/api/v1/rules/x/dry-run").status_code == 401
    agent = client_for("agent")
    assert agent.get("/api/v1/rules").json() == []
    refused = agent.post("/api/v1/rules", content=RULE,
                         headers={**YAML_TYPE, **session_headers(agent)})  # fmt: skip
    assert refused.status_code == 403
    ingest = bearer(web_ws, "ingest")
    assert anon.get("/api/v1/rules", headers=ingest).status_code == 403
    assert stored_rules(web_ws) == []


def test_create_dry_run_fire_and_read_runs(
    client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    client = client_for("analyst")
    headers = {**YAML_TYPE, **session_headers(client)}
    created = client.post("/api/v1/rules", content=RULE, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["enabled"] and created.json()["fired"] == 0
    assert stored_rule(web_ws, "detractor-case")["rule"].name == "detractor-case"
    assert client.post("/api/v1/rules", content=RULE, headers=headers).status_code == 409

    dry = client.get("/api/v1/rules/detractor-case/dry-run", params={"days": 30}).json()
    expected = dry_run(web_ws, "detractor-case", NOW, 30)
    assert len(dry["hits"]) == len(expected) > 0
    assert [h["cause"] for h in dry["hits"]] == expected.cause.tolist()
    assert client.get("/api/v1/rules/detractor-case/runs").json() == []

    # the rule acts on causes after it was added: a detractor answers, then the worker runs
    row = {"response_id": "LATE-1", "customer_id": "C000009", "question_type": "nps",
           "score": 2, "responded_at": (NOW + timedelta(minutes=5)).isoformat() + "Z"}  # fmt: skip
    sent = client.post("/api/v1/ingest/survey_responses", json=[row],
                       headers=session_headers(client))  # fmt: skip
    assert sent.status_code == 200
    fired = run_rules(web_ws, NOW + timedelta(hours=1))
    assert [f.customer_id for f in fired.fired] == ["C000009"]
    runs = client.get("/api/v1/rules/detractor-case/runs").json()
    assert [r["customer_id"] for r in runs] == ["C000009"]
    one = client.get("/api/v1/rules/detractor-case").json()
    assert one["fired"] == len(fired.fired) and "detractor-case" in one["yaml"]


def test_agents_read_rules_without_their_webhook_urls(
    client_for: Callable[[str], TestClient],
) -> None:
    secret = "https://hooks.slack.com/services/T000/B000/XXXXSECRET"
    text = RULE + f"  - webhook: {{url: '{secret}', format: slack}}\n"
    analyst = client_for("analyst")
    made = analyst.post("/api/v1/rules", content=text,
                        headers={**YAML_TYPE, **session_headers(analyst)})  # fmt: skip
    assert made.status_code == 201 and secret in made.text  # its author sees it
    assert secret in analyst.get("/api/v1/rules/detractor-case").json()["yaml"]
    agent = client_for("agent")
    for url in (
        "/api/v1/rules",
        "/api/v1/rules/detractor-case",
        "/rules/detractor-case",
        "/api/v1/dashboard/rules",
        "/api/v1/dashboard/rules/detractor-case",
    ):
        answer = agent.get(url)
        assert answer.status_code == 200 and "https://…slack.com/…" in answer.text, url
        assert "XXXXSECRET" not in answer.text, url


def test_switch_and_update_keep_the_rule_state(
    client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    client = client_for("analyst")
    headers = {**YAML_TYPE, **session_headers(client)}
    assert client.post("/api/v1/rules", content=RULE, headers=headers).status_code == 201
    off = client.post("/api/v1/rules/detractor-case/disable", headers=headers)
    assert off.status_code == 200 and off.json()["enabled"] is False
    assert stored_rules(web_ws) == []
    # a disabled rule can still be read and dry-run
    assert client.get("/api/v1/rules/detractor-case/dry-run").status_code == 200
    changed = RULE.replace("sla_hours: 24", "sla_hours: 8")
    put = client.put("/api/v1/rules/detractor-case", content=changed, headers=headers)
    assert put.status_code == 200 and put.json()["enabled"] is False
    assert put.json()["definition"]["then"][0]["case"]["sla_hours"] == 8
    assert client.post("/api/v1/rules/detractor-case/enable", headers=headers).json()["enabled"]
    assert [r.name for r, _ in stored_rules(web_ws)] == ["detractor-case"]


def test_bad_rules_are_422_with_the_field_path(client_for: Callable[[str], TestClient]) -> None:
    client = client_for("analyst")
    headers = {**YAML_TYPE, **session_headers(client)}
    bad = client.post("/api/v1/rules", content=RULE.replace("detractor}", "grumpy}"),
                      headers=headers)  # fmt: skip
    assert bad.status_code == 422
    problem = bad.json()["problems"][0]
    assert problem["column"].startswith("when") and problem["line"] == 2
    empty = {"name": "x", "when": {"response": "promoter"}, "then": []}
    json_bad = client.post("/api/v1/rules", json=empty, headers=session_headers(client))
    assert json_bad.status_code == 422 and json_bad.json()["problems"][0]["column"] == "then"
    assert client.post("/api/v1/rules", content=RULE, headers=headers).status_code == 201
    renamed = client.put("/api/v1/rules/detractor-case",
                         content=RULE.replace("name: detractor-case", "name: other"),
                         headers=headers)  # fmt: skip
    assert renamed.status_code == 422
    for url in ("/api/v1/rules/nope", "/api/v1/rules/nope/dry-run", "/api/v1/rules/nope/runs"):
        assert client.get(url).status_code == 404
    assert client.post("/api/v1/rules/nope/enable", headers=headers).status_code == 404
    assert client.get("/api/v1/rules/detractor-case/dry-run",
                      params={"days": 0}).status_code == 422  # fmt: skip


def test_a_rule_needing_a_setting_is_refused_until_it_is_set(
    client_for: Callable[[str], TestClient],
) -> None:
    """As `cxpulse rules add`: a review request without the review page set would only fail
    at every firing."""
    client = client_for("analyst")
    headers = {**YAML_TYPE, **session_headers(client)}
    text = (
        "name: ask-review\nwhen: {response: promoter}\nthen:\n  - review_request: {platform: g2}\n"
    )
    refused = client.post("/api/v1/rules", content=text, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["problems"][0]["column"] == "then"
    assert "review_url_g2" in refused.json()["detail"]
    assert client.get("/api/v1/rules/ask-review").status_code == 404
