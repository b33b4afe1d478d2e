"""Rules on what customers wrote (keyword, theme, sentiment) and mention alerts on strangers'
reviews, through the worker: the text phase annotates what arrived, the rules judge it."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from cxpulse import Workspace
from cxpulse.automations import cases, run_once, runs
from cxpulse.automations.conditions.keyword import Keyword
from cxpulse.automations.rules import rule_from_dict
from cxpulse.errors import ConfigError
from cxpulse.sources import add_source, get_source
from cxpulse.sources.connector import Page
from cxpulse.sources.secrets import reference
from cxpulse.sources.sync import SyncReport, write_page
from cxpulse.sources.webhooks import VERIFIERS
from tests.automations.helpers import T0, people, rule
from tests.conftest import add_rows

REFUND = """
name: refund-words
when: {keyword: [refund*, cancel*, rembours*]}
then:
  - case: {sla_hours: 4}
  - tag: wants-refund
"""
DELIVERY = """
name: delivery-comments
when: {theme: {name: delivery, in: comments}}
then:
  - case: {sla_hours: 24}
"""
BAD_REVIEW = """
name: bad-review
when: {mention_sentiment_below: -0.3}
then:
  - case: {sla_hours: 8}
  - tag: angry-reviewer
"""


def arrive_by_webhook(ws: Workspace, monkeypatch: pytest.MonkeyPatch, rows: list[dict]) -> None:
    """Rows written as a webhook's mapping writes them: text values, through the sync's page
    writer (the import's checks, upserts by natural key), no annotation."""
    vendor = sorted(VERIFIERS)[0]
    monkeypatch.setenv("HOOK_SECRET", "s3cret-for-tests")
    add_source(ws, "webhook", "hooks", {"vendor": vendor}, reference(env="HOOK_SECRET"), T0)
    page = Page(rows={"survey_responses": rows}, cursor=None)
    write_page(ws, get_source(ws, "hooks"), page, SyncReport("hooks"))


def response(rid: str, who: str, comment: str, hours: float = 1) -> dict[str, str | None]:
    return {"response_id": rid, "customer_id": who, "question_type": "nps", "score": "3",
            "scale_min": "0", "scale_max": "10", "comment": comment,
            "responded_at": (T0 + timedelta(hours=hours)).isoformat() + "Z"}  # fmt: skip


def test_a_comment_that_arrived_by_webhook_fires_a_keyword_rule_in_english_and_french(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    people(ws)
    rule(ws, tmp_path, REFUND)
    arrive_by_webhook(ws, monkeypatch, [
        response("W1", "alice", "Je veux être remboursé, c'est inadmissible"),
        response("W2", "bob", "I asked for a REFUND twice"),
        response("W3", "carl", "Great coffee, thanks"),
        response("W4", "dora", "Your prefund offer is odd"),  # not a word starting with refund
    ])  # fmt: skip
    tick = run_once(ws, T0 + timedelta(hours=2))
    assert tick.texts == {"survey_responses": 4} and not tick.errors
    fired = sorted((f.customer_id, f.run_id) for f in tick.rules.fired)
    assert fired == [("alice", "refund-words:survey_responses:W1"),
                     ("bob", "refund-words:survey_responses:W2")]  # fmt: skip
    opened = cases(ws)
    assert set(opened.cause_response_id) == {"W1", "W2"}
    assert any("remboursé" in s for s in opened.summary)
    detail = json.loads(runs(ws, "refund-words").set_index("cause").detail["survey_responses:W1"])
    assert detail["comment"] == "Je veux être remboursé, c'est inadmissible"
    assert detail["in"] == "comments" and detail["score"] == 3 and detail["label"] == "negative"

    again = run_once(ws, T0 + timedelta(hours=3))  # nothing new: nothing annotated or fired
    assert again.texts == {} and again.rules.fired == [] and not again.rules.waiting


def test_a_theme_rule_waits_for_the_text_phase_rather_than_read_a_comment_as_neutral(
    ws: Workspace, tmp_path: Path
) -> None:
    people(ws)
    rule(ws, tmp_path, DELIVERY)
    add_rows(ws, "survey_responses", [
        {"response_id": "R1", "customer_id": "bob", "score": 4,
         "responded_at": T0 + timedelta(hours=1), "comment": "The parcel arrived two weeks late"},
        {"response_id": "R2", "customer_id": "carl", "score": 9,
         "responded_at": T0 + timedelta(hours=1), "comment": "Friendly staff"},
    ])  # fmt: skip
    ws.set_setting("theme_taxonomy", str(tmp_path / "gone.yaml"))  # the text phase will fail
    broken = run_once(ws, T0 + timedelta(hours=2))
    assert any(e.startswith("text:") for e in broken.errors)
    assert broken.rules.fired == []
    assert broken.rules.waiting == [
        "rule delivery-comments: 2 comments not annotated yet (the text phase failed or is "
        "behind): judged once annotated, never as neutral"
    ]
    assert "rules waiting: rule delivery-comments: 2 comments" in broken.summary()

    ws.set_setting("theme_taxonomy", "")
    fixed = run_once(ws, T0 + timedelta(hours=3))
    assert not fixed.errors and not fixed.rules.waiting
    assert [f.run_id for f in fixed.rules.fired] == ["delivery-comments:survey_responses:R1"]


def test_a_sentiment_rule_on_ticket_subjects(ws: Workspace, tmp_path: Path) -> None:
    people(ws)
    angry = DELIVERY.replace("delivery-comments", "angry-tickets")
    angry = angry.replace("{theme: {name: delivery, in: comments}}",
                          "{sentiment: {label: negative, in: tickets}}")  # fmt: skip
    rule(ws, tmp_path, angry)
    add_rows(ws, "tickets", [
        {"ticket_id": "T1", "customer_id": "bob", "created_at": T0 + timedelta(hours=1),
         "subject": "Terrible service, the app is broken and useless"},
        {"ticket_id": "T2", "customer_id": "carl", "created_at": T0 + timedelta(hours=1),
         "subject": "Question about my invoice"},
    ])  # fmt: skip
    tick = run_once(ws, T0 + timedelta(hours=2))
    assert [f.run_id for f in tick.rules.fired] == ["angry-tickets:tickets:T1"]


def test_a_negative_review_by_a_stranger_opens_a_case_naming_platform_author_and_link(
    ws: Workspace, tmp_path: Path
) -> None:
    people(ws)
    rule(ws, tmp_path, BAD_REVIEW)
    add_rows(ws, "mentions", [
        {"mention_id": "M1", "platform": "trustpilot", "author": "Jo B.", "customer_id": None,
         "posted_at": T0 + timedelta(hours=1), "url": "https://trustpilot.test/r/1",
         "text": "Awful. Never arrived, no answer from support, a scam."},
        {"mention_id": "M2", "platform": "google", "author": "Sam", "customer_id": None,
         "posted_at": T0 + timedelta(hours=1), "text": "Lovely shop, great coffee"},
    ])  # fmt: skip
    tick = run_once(ws, T0 + timedelta(hours=2))
    (fired,) = tick.rules.fired
    assert fired.customer_id == "" and fired.run_id == "bad-review:M1"
    assert fired.done[1] == "tag skipped: no known customer"
    (case,) = cases(ws).to_dict("records")
    assert case["customer_id"] is None
    assert case["summary"].startswith(
        "negative mention: trustpilot by Jo B. (https://trustpilot.test/r/1): “Awful."
    )
    assert ws.store.table("customer_tags").count().execute() == 0


def test_conditions_are_checked_with_messages_a_user_understands(
    ws: Workspace, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError, match="unknown theme 'delivry'; the taxonomy's themes are "
                       "delivery, "):  # fmt: skip
        rule(ws, tmp_path, DELIVERY.replace("name: delivery", "name: delivry"))

    def refused(when: object) -> str:
        with pytest.raises(ConfigError) as caught:
            rule_from_dict({"name": "r", "when": when, "then": [{"tag": "x"}]})
        return str(caught.value)

    assert "'angry' is not a sentiment; use negative, neutral, positive" in refused(
        {"sentiment": "angry"}
    )
    assert "where to look: one or more of comments, tickets, mentions" in refused(
        {"keyword": {"words": ["refund"], "in": "emails"}}
    )
    assert "a word or a list such as [refund*, cancel*]" in refused({"keyword": []})
    assert "give one: a label (negative) or below" in refused(
        {"sentiment": {"label": "negative", "below": -0.2}}
    )


def test_text_conditions_in_words() -> None:
    def words(when: object, lang: str) -> str:
        return rule_from_dict({"name": "r", "when": when, "then": [{"tag": "x"}]}).when.describe(
            lang
        )

    keyword = {"keyword": {"words": ["refund*", "rembours*"], "in": ["comments"]}}
    assert words(keyword, "en") == "a comment mentions “refund*” or “rembours*”"
    assert words(keyword, "fr") == "un commentaire contient « refund* » ou « rembours* »"
    assert words({"theme": "delivery"}, "en") == (
        "a comment, a ticket subject or a mention is about delivery"
    )
    assert words({"sentiment": "negative"}, "fr") == (
        "un commentaire, l'objet d'un ticket ou une mention est négatif"
    )
    assert words({"sentiment": {"below": -0.3, "in": "mentions"}}, "fr") == (
        "une mention a un sentiment sous -0,3"
    )


@pytest.mark.parametrize(
    ("text", "hit"),
    [
        ("je veux être remboursé", True),
        ("Remboursement SVP", True),
        ("Please CANCEL my subscription", True),
        ("the cancellation never happened", True),
        ("a refund, finally", True),
        ("prefunded account", False),
        ("nothing to see here", False),
    ],
)
def test_keywords_match_whole_words_in_any_case_and_accent(text: str, hit: bool) -> None:
    assert Keyword(("refund*", "cancel*", "rembours*")).matches(text, None, None, []) is hit
