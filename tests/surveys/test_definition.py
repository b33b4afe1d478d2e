"""Survey definitions: YAML and dicts, scales, follow-ups, languages, errors naming the field."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from cxpulse.errors import ConfigError
from cxpulse.surveys import load_survey, pick_language, survey_from_dict
from tests.surveys.helpers import ONBOARDING_CES, RELATIONAL_NPS, SUPPORT_CSAT, write


def test_yaml_survey_loads_with_trigger_and_questions(tmp_path: Path) -> None:
    survey = load_survey(write(tmp_path, "csat", SUPPORT_CSAT))
    assert survey.id == "support-csat" and survey.touchpoint == "support"
    assert survey.trigger.kind == "event" and survey.trigger.event == "ticket_solved"
    assert survey.trigger.delay == timedelta(hours=24)
    q = survey.questions[0]
    assert q.scale == (1, 5) and q.polarity == "high_is_good"
    assert survey.questions[1].type == "text"


def test_follow_up_wording_depends_on_score_and_language() -> None:
    survey = survey_from_dict(yaml.safe_load(RELATIONAL_NPS))
    q = survey.question("recommend")
    assert q.scale == (0, 10)
    assert q.follow_up_text(3, "fr") == "Que devons-nous corriger ?"
    assert q.follow_up_text(8, "en") is None
    assert q.follow_up_text(10, "fr") == "What do you like most?"  # no French: English


def test_ces_attribute_trigger_and_audience() -> None:
    survey = survey_from_dict(yaml.safe_load(ONBOARDING_CES))
    assert survey.trigger.kind == "attribute" and survey.trigger.delay == timedelta(days=30)
    assert survey.questions[0].polarity == "high_is_easy" and survey.questions[0].scale == (1, 7)
    assert survey.audience.plans == ("pro",) and survey.audience.email_consent


@pytest.mark.parametrize(
    ("preferred", "expected"),
    [("fr", "fr"), ("FR-ca", "fr"), ("fr_BE", "fr"), ("de", "en"), (None, "en"), ("", "en")],
)
def test_language_picked_with_english_fallback(preferred: str | None, expected: str) -> None:
    assert pick_language(preferred) == expected


@pytest.mark.parametrize(
    ("change", "field", "hint"),
    [
        ({"questions": [{"id": "x", "type": "csat", "points": 4, "text": "Hi"}]},
         "questions[0].points", "3 or 5 or 7 or 10"),
        ({"questions": [{"id": "x", "type": "ces", "points": 7, "text": "Hi"}]},
         "questions[0].polarity", "high_is_easy"),
        ({"questions": [{"id": "x", "type": "stars", "text": "Hi"}]}, "questions[0].type", "nps"),
        ({"trigger": {"event": "ticket_solved", "delay": "soon"}}, "trigger.delay", "24 hours"),
        ({"touchpoint": ""}, "touchpoint", "journey step"),
        ({"trigger": "later"}, "trigger", "or manual"),
        ({"questions": [{"id": "x", "type": "csat", "pionts": 5, "text": "Hi"}]},
         "questions[0].pionts", "unknown field; fields are: id, type, text, points"),
        ({"questions": [{"id": "x", "typ": "csat", "text": "Hi"}]}, "questions[0].typ", "type"),
        ({"questions": [{"id": "x", "type": "nps", "text": "Hi", 7: "a", "tpye": "b"}]},
         "questions[0].7", "unknown field"),  # a number key among misspelt ones: still named
        ({"questions": [{"id": "x", "text": "Hi"}]}, "questions[0].type", "required: one of"),
        ({"questions": [{"id": "x", "type": "nps", "text": "Hi",
                         "follow_up": [{"scores": "0-6", "txt": "Why?"}]}]},
         "questions[0].follow_up[0].txt", "scores and text"),
        ({"audience": {"country": "FR"}}, "audience.country", "segment"),
        ({"questions": [{"id": "x", "type": "nps", "text": {"en": "Hi", "de": "Hallo"}}]},
         "questions[0].text.de", "en, fr"),
        ({"colour": "blue"}, "colour", "unknown field"),
    ],
)  # fmt: skip
def test_errors_name_the_file_and_the_field(
    tmp_path: Path, change: dict[str, object], field: str, hint: str
) -> None:
    data = {**yaml.safe_load(SUPPORT_CSAT), **change}
    path = write(tmp_path, "bad", yaml.safe_dump(data))
    with pytest.raises(ConfigError) as info:
        load_survey(path)
    assert str(path) in str(info.value) and repr(field) in str(info.value)
    assert hint in str(info.value)


def test_missing_file_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_survey(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_survey(write(tmp_path, "broken", "id: [unclosed"))


def test_reminder_setting_is_optional_and_checked() -> None:
    data = yaml.safe_load(SUPPORT_CSAT)
    assert survey_from_dict(data).reminder_after_days is None
    assert survey_from_dict({**data, "reminder_after_days": 3}).reminder_after_days == 3.0
    with pytest.raises(ConfigError, match="'reminder_after_days': takes a number"):
        survey_from_dict({**data, "reminder_after_days": "3 days"})
    with pytest.raises(ConfigError, match="'reminder_after_days': takes a number"):
        survey_from_dict({**data, "reminder_after_days": 0})
    quarterly = survey_from_dict({**data, "trigger": {"every": "quarter"}})
    assert (quarterly.trigger.kind, quarterly.trigger.month, quarterly.trigger.day) == (
        "quarterly",
        1,
        1,
    )
    assert str(quarterly.trigger.at) == "09:00:00"
