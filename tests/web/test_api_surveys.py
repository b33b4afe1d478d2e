"""/api/v1/surveys: the checks of `cxpulse surveys add`, over HTTP, with the field path."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from cxpulse import Workspace
from cxpulse.surveys.channels import CHANNELS
from cxpulse.surveys.store import get_survey, surveys
from tests.surveys.test_channels import Sms
from tests.web.test_api_ingest import bearer, session_headers

YAML = """id: support-csat
name: After a solved ticket
touchpoint: support
trigger: {event: ticket_solved, delay: 24 hours}
questions:
  - id: satisfaction
    type: csat
    points: 5
    text: {en: "How satisfied are you?", fr: "Êtes-vous satisfait ?"}
"""
YAML_TYPE = {"Content-Type": "text/yaml"}


def editor(client_for: Callable[[str], TestClient]) -> tuple[TestClient, dict[str, str]]:
    client = client_for("analyst")
    return client, {**YAML_TYPE, **session_headers(client)}


def test_surveys_need_login_and_writes_need_edit(
    anon: TestClient, client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    assert anon.get("/api/v1/surveys").status_code == 401
    assert anon.post("/api/v1/surveys", content=YAML, headers=YAML_TYPE).status_code == 401
    agent = client_for("agent")
    assert agent.get("/api/v1/surveys").status_code == 200
    refused = agent.post("/api/v1/surveys", content=YAML,
                         headers={**YAML_TYPE, **session_headers(agent)})  # fmt: skip
    assert refused.status_code == 403
    assert anon.get("/api/v1/surveys", headers=bearer(web_ws, "ingest")).status_code == 403
    read = bearer(web_ws, "read")
    assert anon.get("/api/v1/surveys", headers=read).status_code == 200
    assert anon.post("/api/v1/surveys", content=YAML,
                     headers={**YAML_TYPE, **read}).status_code == 403  # fmt: skip
    assert surveys(web_ws, active_only=False) == []


def test_create_read_update_and_switch_a_survey(
    client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    client, headers = editor(client_for)
    created = client.post("/api/v1/surveys", content=YAML, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["active"] is True
    stored = get_survey(web_ws, "support-csat")
    assert stored.questions[0].text["fr"] == "Êtes-vous satisfait ?"
    one = client.get("/api/v1/surveys/support-csat").json()
    assert one["definition"] == stored.raw and one["trigger"] == "event"
    assert "support-csat" in one["yaml"]
    again = client.post("/api/v1/surveys", content=YAML, headers=headers)
    assert again.status_code == 409 and "PUT" in again.json()["error"]

    off = client.post("/api/v1/surveys/support-csat/deactivate", headers=headers)
    assert off.status_code == 200 and off.json()["active"] is False
    assert surveys(web_ws) == []  # runs skip it
    changed = YAML.replace("priority", "x").replace("name: After", "name: Right after")
    put = client.put("/api/v1/surveys/support-csat", content=changed, headers=headers)
    assert put.status_code == 200 and put.json()["name"] == "Right after a solved ticket"
    assert put.json()["active"] is False  # an edit does not switch it back on
    assert client.post("/api/v1/surveys/support-csat/activate", headers=headers).json()["active"]
    assert [s.id for s in surveys(web_ws)] == ["support-csat"]
    listed = client.get("/api/v1/surveys").json()
    assert [(s["id"], s["active"], s["questions"]) for s in listed] == [
        ("support-csat", True, ["satisfaction"])
    ]


def test_json_bodies_are_checked_the_same_way(
    client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    client = client_for("analyst")
    headers = session_headers(client)
    body = {"id": "web-nps", "touchpoint": "website", "trigger": {"every": 90},
            "questions": [{"id": "q", "type": "nps", "text": {"en": "Recommend us?"}}]}  # fmt: skip
    assert client.post("/api/v1/surveys", json=body, headers=headers).status_code == 201
    assert get_survey(web_ws, "web-nps").trigger.kind == "recurring"
    bad = {**body, "id": "web-nps-2", "questions": [{**body["questions"][0], "type": "stars"}]}
    response = client.post("/api/v1/surveys", json=bad, headers=headers)
    assert response.status_code == 422
    assert response.json()["problems"][0]["column"] == "questions[0].type"


def test_a_bad_field_is_a_422_with_its_path_and_line(
    client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    client, headers = editor(client_for)
    bad = YAML.replace("points: 5", "points: 4")
    response = client.post("/api/v1/surveys", content=bad, headers=headers)
    assert response.status_code == 422
    problem = response.json()["problems"][0]
    assert (problem["column"], problem["line"]) == ("questions[0].points", 8)
    assert "survey.yaml: field 'questions[0].points'" in response.json()["detail"]
    broken = client.post("/api/v1/surveys", content="id: [", headers=headers)
    assert broken.status_code == 422 and "not valid YAML" in broken.json()["detail"]
    assert client.post("/api/v1/surveys", content=YAML, headers=headers).status_code == 201
    renamed = YAML.replace("id: support-csat", "id: other")
    other = client.put("/api/v1/surveys/support-csat", content=renamed, headers=headers)
    assert other.status_code == 422 and other.json()["problems"][0]["column"] == "id"
    assert client.put("/api/v1/surveys/nope", content=YAML, headers=headers).status_code == 404
    assert client.get("/api/v1/surveys/nope").status_code == 404
    assert client.post("/api/v1/surveys/nope/activate", headers=headers).status_code == 404
    assert [s.id for s in surveys(web_ws, active_only=False)] == ["support-csat"]


def test_readers_see_a_webhook_survey_without_its_url(
    anon: TestClient, client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    secret = "https://sms.example.com/send?key=XXXXSECRET"
    text = YAML.replace("touchpoint: support", f"touchpoint: support\nchannel: webhook\n"
                        f"webhook_url: '{secret}'\nwebhook_channel: sms")  # fmt: skip
    client, headers = editor(client_for)
    assert client.post("/api/v1/surveys", content=text, headers=headers).status_code == 201
    assert secret in client.get("/api/v1/surveys/support-csat").json()["yaml"]  # an editor
    agent = client_for("agent")
    read = bearer(web_ws, "read")
    for who, url in ((agent, "/api/v1/surveys/support-csat"), (agent, "/surveys/support-csat"),
                     (agent, "/api/v1/dashboard/surveys/support-csat"),
                     (anon, "/api/v1/surveys/support-csat")):  # fmt: skip
        answer = who.get(url, headers=read if who is anon else None)
        assert answer.status_code == 200 and "…example.com/…" in answer.text, url
        assert "XXXXSECRET" not in answer.text, url


def test_a_channel_the_server_registered_is_accepted(
    client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    text = YAML.replace("touchpoint: support", "touchpoint: support\nchannel: sms\n"
                        "sms: {gateway: 'https://sms.example.com'}")  # fmt: skip
    client, headers = editor(client_for)
    refused = client.post("/api/v1/surveys", content=text, headers=headers)
    assert refused.status_code == 422 and refused.json()["problems"][0]["column"] == "sms"
    web_ws.kinds[CHANNELS].add(Sms)
    assert client.post("/api/v1/surveys", content=text, headers=headers).status_code == 201
    assert get_survey(web_ws, "support-csat").channel == "sms"
