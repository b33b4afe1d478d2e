"""Surveys edited as YAML text: problems located (field path and line), round trip, preview."""

from __future__ import annotations

from pathlib import Path

from cxpulse import Workspace
from cxpulse.surveys.editor import (
    PREVIEW_TOKEN,
    check_text,
    email_preview,
    locate,
    save_survey,
    to_text,
    widget_preview,
)
from cxpulse.surveys.store import add_survey, get_survey, surveys
from tests.surveys.helpers import SUPPORT_CSAT, write
from tests.surveys.test_run import NOW


def line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


def test_problems_carry_the_field_path_and_its_line() -> None:
    cases = {
        SUPPORT_CSAT.replace("points: 5", "points: 4"): ("questions[0].points", "points: 4"),
        SUPPORT_CSAT.replace("type: text", "type: essay"): ("questions[1].type", "type: essay"),
        SUPPORT_CSAT.replace("scores: 1-2", "scores: low"): (
            "questions[0].follow_up[0].scores",
            "scores: low",
        ),
        SUPPORT_CSAT.replace("delay: 24 hours", "delay: soon"): ("trigger.delay", "trigger:"),
    }
    for text, (field, fragment) in cases.items():
        survey, problem = check_text(text)
        assert survey is None and problem is not None
        assert problem.field == field, problem.message
        assert problem.line == line_of(text, fragment), (field, problem.line)
        assert problem.message.startswith("survey.yaml: field ")
    # a missing field points at its parent
    no_touchpoint = SUPPORT_CSAT.replace("touchpoint: support\n", "")
    _, problem = check_text(no_touchpoint)
    assert problem is not None and problem.field == "touchpoint" and problem.line == 2


def test_yaml_syntax_and_shape_errors() -> None:
    _, problem = check_text("id: x\nquestions:\n  - {id: a, type: nps\n")
    assert problem is not None and problem.field == "" and "not valid YAML" in problem.message
    assert problem.line is not None and problem.line >= 3
    _, problem = check_text("- just a list")
    assert problem is not None and "a survey is a mapping" in problem.message
    assert locate("", "id") is None and locate("a: [", "a") is None


def test_round_trip_and_save_replaces(ws: Workspace, tmp_path: Path) -> None:
    stored = add_survey(ws, write(tmp_path, "support", SUPPORT_CSAT), NOW)
    text = to_text(stored)
    again, problem = check_text(text)
    assert problem is None and again == stored
    changed, _ = check_text(text.replace("priority: 10", "priority: 2"))
    assert changed is not None
    save_survey(ws, changed, NOW)
    assert [s.id for s in surveys(ws)] == ["support-csat"]
    assert get_survey(ws, "support-csat").priority == 2


def test_previews_in_the_chosen_language(ws: Workspace) -> None:
    survey, _ = check_text(SUPPORT_CSAT)
    assert survey is not None
    email = email_preview(ws.settings, survey, "fr")
    assert email["subject"] == "Comment nous en sommes-nous sortis ?"
    assert "<strong>Êtes-vous satisfait ?</strong>" in email["html"]
    assert f"/s/{PREVIEW_TOKEN}?q=satisfaction&score=1" in email["text"]
    widget = widget_preview(survey, "en")
    assert [q["text"] for q in widget["questions"]] == ["How satisfied are you?", "Anything else?"]
    assert widget["questions"][0]["follow_up"][0] == {"scores": [1, 2], "text": "What went wrong?"}
