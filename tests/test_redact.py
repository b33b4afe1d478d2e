"""Secrets in definitions, as readers who may not edit them see them."""

from __future__ import annotations

from cxpulse import redact


def test_a_url_keeps_its_scheme_and_domain_only() -> None:
    assert redact.url("https://hooks.slack.com/services/T0/B0/SECRET") == "https://…slack.com/…"
    assert redact.url("https://x7k2q.m.pipedream.net/hook") == "https://…pipedream.net/…"
    assert redact.url("http://localhost:8080/x?token=1") == "http://…localhost/…"


def test_rule_and_survey_definitions_lose_their_webhook_urls() -> None:
    rule = {
        "name": "r",
        "then": [{"tag": "a"}, {"webhook": {"url": "https://a.b.io/s", "format": "slack"}}],
    }
    shown = redact.rule(rule)
    assert shown["then"] == [
        {"tag": "a"},
        {"webhook": {"url": "https://…b.io/…", "format": "slack"}},
    ]
    assert rule["then"][1]["webhook"]["url"] == "https://a.b.io/s"  # the original is untouched
    survey = {"id": "s", "channel": "webhook", "webhook_url": "https://sms.example.com/send?key=k"}
    assert redact.survey(survey)["webhook_url"] == "https://…example.com/…"
    assert redact.survey({"id": "e"}) == {"id": "e"}
