"""Secrets in definitions, as readers who may not edit them see them."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

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


@given(
    user=st.text(alphabet=string.ascii_letters + string.digits + "_", min_size=1, max_size=12),
    password=st.text(alphabet=string.ascii_letters + string.digits + "!$*_-.", min_size=4),
    query=st.sampled_from(["", "?sslmode=require", "?application_name=cx&sslmode=disable"]),
)
def test_a_workspace_url_never_shows_its_password(user: str, password: str, query: str) -> None:
    url = f"postgresql://{user}:{password}@db.internal:5432/cx{query}"
    shown = redact.connection(url)
    assert shown == f"postgresql://{user}:***@db.internal:5432/cx{query}"
    in_query = f"postgresql://db.internal/cx?user={user}&password={password}"
    assert redact.connection(in_query).endswith(f"?user={user}&password=***")
    assert redact.passwords(url)[0] == password


@given(
    password=st.text(alphabet=string.ascii_letters + string.digits + "#?[]:;&=+,~!$*", min_size=4),
    path=st.sampled_from(["/cx", "/cx?sslmode=require", "", "?sslmode=require"]),
)
def test_a_password_libpq_accepts_unencoded_is_masked_too(password: str, path: str) -> None:
    # libpq reads user:password up to the "@" (only a "/" ends it): a "#", "?" or "[" is part
    # of the password there, where urllib would start a fragment, a query or an IPv6 host
    url = f"postgresql://cx:{password}@db.internal{path}"
    assert redact.connection(url) == f"postgresql://cx:***@db.internal{path}"
    assert password in redact.passwords(url)


def test_a_location_without_a_password_is_shown_as_written() -> None:
    for location in ("/tmp/ws.duckdb", "postgresql:///cx", "postgresql://?service=cx",
                     "postgresql://cx@db/cx"):  # fmt: skip
        assert redact.connection(location) == location
