"""Digest definitions: what a valid YAML gives, and one line naming the field for each
mistake."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cxpulse.digests.definition import Recipient, Schedule, digest_from_dict, load_digest
from cxpulse.errors import ConfigError

SECTIONS = ("scorecard", "cases_over_sla")
GOOD: dict[str, Any] = {
    "name": "weekly-cx",
    "schedule": {"every": "week", "day": "Wednesday"},
    "language": "fr",
    "recipients": ["ana@acme.com", {"email": "ben@acme.com", "language": "en"},
                   {"role": "analyst"}],
    "channels": ["email", {"webhook": {"url_env": "CX_SLACK_WEBHOOK"}}],
    "sections": ["scorecard"],
}  # fmt: skip


def test_a_definition_read_from_yaml(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text(
        "name: monthly\nschedule: {every: month}\nrecipients: [ana@acme.com]\n", encoding="utf-8"
    )
    digest = load_digest(path, SECTIONS)
    assert digest.schedule == Schedule("month")
    assert digest.sections == SECTIONS  # every section by default
    assert digest.email and digest.webhooks == () and digest.language == "en"


def test_every_field_of_a_full_definition() -> None:
    digest = digest_from_dict(GOOD, "d.yaml", SECTIONS)
    assert digest.schedule == Schedule("week", 2)
    assert digest.recipients == (
        Recipient(email="ana@acme.com"),
        Recipient(email="ben@acme.com", language="en"),
        Recipient(role="analyst"),
    )
    assert digest.webhooks == ("CX_SLACK_WEBHOOK",)
    assert digest.describe() == (
        "weekly-cx: weekly on wednesday, scorecard; email and webhook $CX_SLACK_WEBHOOK; "
        "to ana@acme.com, ben@acme.com (en), role analyst"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "a b"}, "field 'name': required"),
        ({"schedule": {"every": "day"}}, "field 'schedule.every': week or month, not 'day'"),
        ({"schedule": {"every": "week", "day": "funday"}}, "field 'schedule.day': a weekday"),
        ({"schedule": {"every": "month", "day": "monday"}}, "field 'schedule.day': a monthly"),
        ({"language": "de"}, "field 'language': one of en, fr, not 'de'"),
        ({"recipients": [{"team": "cx"}]}, "field 'recipients[0].team': cxpulse users have no"),
        ({"recipients": ["not-an-address"]}, "field 'recipients[0].email': not an email"),
        ({"recipients": [{"role": "boss"}]}, "field 'recipients[0].role': one of admin"),
        ({"recipients": []}, "field 'recipients': required for the email channel"),
        ({"channels": ["sms"]}, "field 'channels[0]': email or {webhook"),
        (
            {"channels": [{"webhook": {"url_env": "https://hooks.slack.com/services/T/B/X"}}]},
            "field 'channels[0].webhook.url_env': the name of an environment variable",
        ),
        ({"sections": ["findings"]}, "field 'sections': unknown section 'findings'"),
        ({"colour": "blue"}, "field 'colour': unknown field"),
    ],
)
def test_a_mistake_is_one_line_naming_the_field(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as err:
        digest_from_dict({**GOOD, **change}, "d.yaml", SECTIONS)
    text = str(err.value)
    assert text.startswith("d.yaml: ") and message in text and "\n" not in text


def test_a_webhook_is_shown_by_where_it_points_never_whole() -> None:
    digest = digest_from_dict(GOOD, "d.yaml", SECTIONS)
    url = "https://hooks.slack.com/services/T0/B0/secret"
    shown = digest.describe({"CX_SLACK_WEBHOOK": url})
    assert "webhook $CX_SLACK_WEBHOOK (https://…slack.com/…)" in shown and "secret" not in shown
    assert "$CX_SLACK_WEBHOOK (not set here)" in digest.describe({})


def test_a_webhook_url_is_never_taken_in_the_definition() -> None:
    url = "https://hooks.slack.com/services/T0/B0/secret"
    with pytest.raises(ConfigError) as err:
        digest_from_dict({**GOOD, "channels": [{"webhook": {"url": url}}]}, "d.yaml", SECTIONS)
    assert "secret" not in str(err.value)
