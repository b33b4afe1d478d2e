"""Surveys with response rates, and the YAML editor: live preview of the email and the widget,
problems next to their field path, saving needs ``edit`` and the CSRF token."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cxpulse import Workspace
from cxpulse.surveys.channels import CHANNELS
from cxpulse.surveys.editor import check_text, locate
from cxpulse.surveys.report import response_rates
from cxpulse.surveys.store import add_survey, get_survey
from tests.surveys.helpers import SUPPORT_CSAT, write
from tests.surveys.test_channels import Sms, sms_survey
from tests.web.conftest import NOW
from tests.web.test_cases_pages import page_csrf

BAD_POINTS = SUPPORT_CSAT.replace("points: 5", "points: 4")


@pytest.fixture
def stored(web_ws: Workspace, tmp_path: Path) -> Workspace:
    add_survey(web_ws, write(tmp_path, "support", SUPPORT_CSAT), NOW)
    return web_ws


def test_list_with_response_rates(
    stored: Workspace, client_for: Callable[[str], TestClient]
) -> None:
    agent = client_for("agent")
    data = agent.get("/api/v1/dashboard/surveys").json()
    assert [s["id"] for s in data["surveys"]] == ["support-csat"]
    # the demo's invitations: the same numbers as the library's report
    expected = response_rates(stored, ("survey_id", "channel"))
    assert expected and data["by_channel"] == [
        {k: (v if not isinstance(v, float) else pytest.approx(v)) for k, v in r.items()}
        for r in expected
    ]
    page = agent.get("/surveys").text
    assert 'data-survey-id="support-csat"' in page and 'id="rates-by-channel"' in page
    first = expected[0]
    assert f'data-survey-id="{first["survey_id"]}" data-channel="{first["channel"]}"' in page
    assert 'id="survey-new"' not in page  # agents cannot edit
    assert 'id="survey-new"' in client_for("analyst").get("/surveys").text


def test_a_registered_channel_is_listed(
    web_ws: Workspace, tmp_path: Path, client_for: Callable[[str], TestClient]
) -> None:
    """The listing is read on a thread's own workspace, which shares the server's registries."""
    web_ws.kinds[CHANNELS].add(Sms)
    add_survey(web_ws, write(tmp_path, "sms", sms_survey("https://sms.example.com")), NOW)
    data = client_for("agent").get("/api/v1/dashboard/surveys").json()
    assert [s["channel"] for s in data["surveys"] if s["id"] == "support-csat"] == ["sms"]


def test_preview_shows_the_email_and_the_widget(
    stored: Workspace, client_for: Callable[[str], TestClient]
) -> None:
    analyst = client_for("analyst")
    editor = analyst.get("/surveys/support-csat")
    assert editor.status_code == 200 and 'id="survey-yaml"' in editor.text
    assert "How satisfied are you?" in editor.text
    token = page_csrf(analyst, "/surveys/support-csat")
    text = SUPPORT_CSAT.replace("Votre demande est résolue.", "Résolue <script>alert(1)</script>")
    form = {"yaml": text, "preview_language": "fr"}
    assert analyst.post("/surveys/preview", data=form).status_code == 403  # no CSRF token
    preview = analyst.post("/surveys/preview", data=form, headers={"X-CSRF-Token": token})
    assert preview.status_code == 200
    body = preview.text
    assert "<script>alert" not in body
    assert 'sandbox=""' in body and 'id="email-preview"' in body
    assert "Comment nous en sommes-nous sortis ?" in body  # French subject
    assert "Êtes-vous satisfait ?" in body  # the widget's question in French
    # the iframe's srcdoc is the email's HTML part, escaped once more for the attribute
    srcdoc = body.split('srcdoc="', 1)[1].split('"', 1)[0]
    email_html = html.unescape(srcdoc)
    assert "<strong>Êtes-vous satisfait ?</strong>" in email_html
    assert "&lt;script&gt;" in email_html and "/s/preview?q=satisfaction&amp;score=5" in email_html
    assert 'data-question="satisfaction"' in body and "Qu&#39;avons-nous bien fait ?" in body


def test_problems_name_the_field_and_its_line(
    stored: Workspace, client_for: Callable[[str], TestClient]
) -> None:
    survey, problem = check_text(BAD_POINTS)
    assert survey is None and problem is not None
    assert problem.field == "questions[0].points"
    assert problem.line == BAD_POINTS.splitlines().index("    points: 4") + 1
    assert (
        locate(BAD_POINTS, "questions[1].text.fr")
        == BAD_POINTS.count("\n", 0, BAD_POINTS.index('text: {en: "Anything')) + 1
    )
    _, broken = check_text("id: x\nquestions: [\n")
    assert broken is not None and broken.line is not None and "not valid YAML" in broken.message

    analyst = client_for("analyst")
    token = page_csrf(analyst, "/surveys/new")
    preview = analyst.post(
        "/surveys/preview", data={"yaml": BAD_POINTS}, headers={"X-CSRF-Token": token}
    )
    assert 'data-field="questions[0].points"' in preview.text
    assert f'data-line="{problem.line}"' in preview.text
    assert "a CSAT scale has 3 or 5 or 7 or 10 points" in preview.text


def test_save_needs_edit_and_keeps_the_text_on_errors(
    stored: Workspace, client_for: Callable[[str], TestClient]
) -> None:
    changed = SUPPORT_CSAT.replace("priority: 10", "priority: 4")
    agent = client_for("agent")
    agent_token = page_csrf(agent, "/surveys")
    refused = agent.post("/surveys", data={"yaml": changed, "csrf_token": agent_token})
    assert refused.status_code == 403
    analyst = client_for("analyst")
    assert analyst.post("/surveys", data={"yaml": changed}).status_code == 403  # no CSRF
    token = page_csrf(analyst, "/surveys")
    bad = analyst.post("/surveys", data={"yaml": BAD_POINTS, "csrf_token": token})
    assert bad.status_code == 422
    assert 'id="survey-problem"' in bad.text and 'data-field="questions[0].points"' in bad.text
    assert "points: 4" in bad.text  # the text being edited is kept
    assert get_survey(stored, "support-csat").priority == 10
    saved = analyst.post(
        "/surveys", data={"yaml": changed, "csrf_token": token}, follow_redirects=False
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/surveys?saved=support-csat"
    assert get_survey(stored, "support-csat").priority == 4
    assert 'id="survey-saved"' in analyst.get("/surveys?saved=support-csat").text


def test_unknown_survey_and_login(
    stored: Workspace, client_for: Callable[[str], TestClient], anon: TestClient
) -> None:
    analyst = client_for("analyst")
    assert analyst.get("/surveys/nope").status_code == 404
    assert analyst.get("/api/v1/dashboard/surveys/nope").status_code == 404
    assert analyst.get("/api/v1/dashboard/surveys/support-csat").json()["id"] == "support-csat"
    assert anon.get("/surveys", follow_redirects=False).status_code == 303
    assert anon.get("/api/v1/dashboard/surveys").status_code == 401
