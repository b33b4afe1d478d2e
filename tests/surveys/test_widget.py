"""The web widget's library side: which survey to show on a page, under the fatigue budget,
and its answers recorded through the signed token."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from cxpulse import Workspace
from cxpulse.errors import ConfigError
from cxpulse.surveys import run_surveys, survey_from_dict
from cxpulse.surveys.decisions import why
from cxpulse.surveys.links import (
    ExpiredLink,
    InvalidAnswer,
    TamperedLink,
    UnknownInvitation,
    respond,
)
from cxpulse.surveys.store import add_survey
from cxpulse.surveys.unsubscribe import unsubscribe
from cxpulse.surveys.widget import record_widget_answer, widget_survey
from cxpulse.surveys.widget_offers import claim_offer, offers_shown
from tests.conftest import add_rows
from tests.surveys.helpers import SUPPORT_CSAT, write
from tests.surveys.test_run import NOW, customers

CHECKOUT = """
id: checkout-ces
touchpoint: purchase
priority: 3
channel: widget
widget: {pages: ["/checkout/*", "/cart"], delay_seconds: 20}
audience: {email_consent: false}
expires_days: 1
questions:
  - {id: effort, type: ces, points: 7, polarity: high_is_easy,
     text: {en: "Was checkout easy?", fr: "Le paiement était-il simple ?"}}
  - {id: why, type: text, text: "Why?"}
"""
PRICING = """
id: pricing-csat
touchpoint: pricing page
priority: 9
channel: widget
widget: {pages: ["/pricing"]}
audience: {plan: [pro]}
questions:
  - {id: clear, type: csat, points: 5, text: "Is our pricing clear?"}
"""


@pytest.fixture
def shop(ws: Workspace, tmp_path: Path) -> Workspace:
    customers(ws)
    add_survey(ws, write(tmp_path, "checkout", CHECKOUT), NOW)
    add_survey(ws, write(tmp_path, "pricing", PRICING), NOW)
    return ws


def test_page_rules_delay_language_and_one_offer_per_visit(shop: Workspace) -> None:
    ws = shop
    url = "https://shop.test/checkout/pay?step=2"
    assert widget_survey(ws, "https://shop.test/about", NOW, customer_id="alice") is None
    offer = widget_survey(ws, url, NOW, customer_id="alice")
    assert offer is not None
    assert (offer.survey_id, offer.delay_seconds, offer.view["language"]) == (
        "checkout-ces",
        20.0,
        "fr",
    )
    assert offer.view["questions"][0]["text"] == "Le paiement était-il simple ?"
    assert offer.as_dict()["token"] == offer.token
    # a reload shows the same open offer (same link), not a second invitation
    again = widget_survey(ws, "/cart", NOW + timedelta(minutes=1), customer_id="alice")
    assert again is not None and again.token == offer.token
    assert ws.table("survey_invitations").count().execute() == 1

    ids = record_widget_answer(
        ws, offer.token, {"effort": {"score": 6}}, NOW + timedelta(minutes=2)
    )
    record_widget_answer(
        ws, offer.token, {"why": {"comment": "Rapide"}}, NOW + timedelta(minutes=3)
    )
    rows = ws.table("survey_responses").order_by("question_id").execute()
    assert rows.response_id.tolist()[0] == ids[0]
    assert rows.channel.tolist() == ["web", "web"] and rows.touchpoint.tolist() == ["purchase"] * 2
    assert rows.score.tolist()[0] == 6 and rows.comment.tolist()[1] == "Rapide"
    # answered: no open offer left, and the budget now says no for 30 days
    assert widget_survey(ws, url, NOW + timedelta(hours=1), customer_id="alice") is None
    assert why(ws, "alice", NOW, timedelta(days=30)).last_survey == "checkout-ces"
    with pytest.raises(ExpiredLink):
        record_widget_answer(ws, offer.token, {"effort": {"score": 1}}, NOW + timedelta(days=2))
    with pytest.raises(TamperedLink):
        record_widget_answer(ws, offer.token + "x", {"effort": {"score": 1}}, NOW)


def test_budget_priority_audience_and_anonymous_visitors(shop: Workspace, tmp_path: Path) -> None:
    ws = shop
    # bob was emailed a survey yesterday: the widget respects the same budget
    add_survey(ws, write(tmp_path, "csat", SUPPORT_CSAT), NOW)
    add_rows(ws, "tickets", [{"customer_id": "bob", "created_at": NOW - timedelta(days=3),
                              "solved_at": NOW - timedelta(days=2)}])  # fmt: skip
    run_surveys(ws, NOW - timedelta(days=1), send=False)
    assert widget_survey(ws, "/checkout/x", NOW, customer_id="bob") is None
    # erin is on the pro plan: on /pricing the pricing survey (priority 9) is hers
    offer = widget_survey(ws, "/pricing", NOW, customer_id="erin", language="en-GB")
    assert offer is not None and offer.survey_id == "pricing-csat"
    assert offer.view["language"] == "en"
    assert widget_survey(ws, "/pricing", NOW, customer_id="alice") is None  # basic plan
    # anonymous visitors: no plan filter allowed, their own budget per visitor id
    assert widget_survey(ws, "/pricing", NOW, visitor_id="v1") is None
    anon = widget_survey(ws, "/cart", NOW, visitor_id="v1", language="fr")
    assert anon is not None and anon.view["language"] == "fr"
    record_widget_answer(ws, anon.token, {"effort": {"score": 7}}, NOW)
    assert widget_survey(ws, "/cart", NOW + timedelta(days=2), visitor_id="v1") is None
    assert widget_survey(ws, "/cart", NOW + timedelta(days=2), visitor_id="v2") is not None
    assert widget_survey(ws, "/cart", NOW + timedelta(days=31), visitor_id="v1") is None  # gap
    assert widget_survey(ws, "/cart", NOW + timedelta(days=91), visitor_id="v1") is not None
    resp = ws.table("survey_responses").execute()
    assert resp.customer_id.isna().all()  # a visitor is not a customer
    assert widget_survey(ws, "/cart", NOW) is None  # no id at all: no budget, no survey
    # an unsubscribed customer never sees a survey
    add_rows(ws, "customers", [{"customer_id": "zed", "email_consent": False}])
    assert widget_survey(ws, "/cart", NOW, customer_id="zed") is None


def test_widget_definition_errors() -> None:
    base = {"id": "w", "touchpoint": "t", "questions": [{"id": "q", "type": "nps", "text": "?"}]}
    with pytest.raises(ConfigError, match="widget.*says where"):
        survey_from_dict({**base, "channel": "widget"})
    with pytest.raises(ConfigError, match="takes no trigger"):
        survey_from_dict({**base, "channel": "widget", "widget": {}, "trigger": {"every": 9}})
    with pytest.raises(ConfigError, match="widget.pages"):
        survey_from_dict({**base, "channel": "widget", "widget": {"pages": []}})
    with pytest.raises(ConfigError, match="widget.delay"):
        survey_from_dict({**base, "channel": "widget", "widget": {"delay": 3}})
    with pytest.raises(ConfigError, match="reminded"):
        survey_from_dict({**base, "channel": "widget", "widget": {}, "reminder_after_days": 2})
    with pytest.raises(ConfigError, match="only for channel: widget"):
        survey_from_dict({**base, "trigger": {"every": 9}, "widget": {}})
    ok = survey_from_dict({**base, "channel": "widget", "widget": {"pages": "/x"}})
    assert ok.widget is not None and ok.widget.pages == ("/x",) and ok.trigger.kind == "none"


def _written(ws: Workspace) -> tuple[int, int, int]:
    """Invitations, deliveries and logged decisions: what an offer could write per visitor."""
    return (
        ws.table("survey_invitations").count().execute(),
        ws.store.table("survey_deliveries").count().execute(),
        ws.store.table("survey_decisions").count().execute(),
    )


def test_an_anonymous_offer_writes_only_its_counter_until_answered(shop: Workspace) -> None:
    ws = shop
    before = _written(ws)
    page = "https://shop.test/checkout/{}?mail=a@b.c"
    offers = [
        widget_survey(ws, page.format(i % 2), NOW, visitor_id=f"made-up-{i:03d}") for i in range(40)
    ]
    assert all(o is not None for o in offers) and _written(ws) == before
    assert [(r["page"], r["visitor"], r["shown"]) for r in offers_shown(ws)] == [
        ("/checkout/0", "anonymous", 20),  # the path only: a query may carry personal data
        ("/checkout/1", "anonymous", 20),
    ]
    first = offers[0]
    assert first is not None
    # the same visitor the same day: the same offer back, counted as shown again
    again = widget_survey(ws, "/cart", NOW + timedelta(hours=3), visitor_id="made-up-000")
    assert again is not None and again.token == first.token
    assert sum(r["shown"] for r in offers_shown(ws)) == 41
    # over the caller's budget: no survey, nothing counted
    assert widget_survey(ws, "/cart", NOW, visitor_id="made-up-999", spend=lambda: False) is None
    assert sum(r["shown"] for r in offers_shown(ws)) == 41

    # an answer that does not fit writes nothing; a good one writes the delivery, once
    with pytest.raises(InvalidAnswer):
        record_widget_answer(ws, first.token, {"effort": {"score": 9}}, NOW)
    assert _written(ws) == before
    record_widget_answer(ws, first.token, {"effort": {"score": 6}}, NOW + timedelta(minutes=1))
    record_widget_answer(ws, first.token, {"why": {"comment": "ok"}}, NOW + timedelta(minutes=2))
    invitations, deliveries, decisions = _written(ws)
    assert (invitations, deliveries, decisions) == (before[0], before[1] + 1, before[2])
    r = ws.table("survey_responses")
    assert r.filter(r.invitation_id == first.invitation_id).count().execute() == 2
    # a visitor's answer is no invitation: the response rate counts no made-up visitor
    rate = ws.metric("response_rate", by="all", segment=["survey_id"])
    assert "checkout-ces" not in set(rate.survey_id)
    # the visitor's link is no unsubscribe link: nobody to unsubscribe, nothing written
    with pytest.raises(UnknownInvitation, match="no customer"):
        unsubscribe(ws, claim_offer(ws, first.token, {}, NOW), NOW)
    # answered: this visitor's budget now says no
    assert widget_survey(ws, "/cart", NOW + timedelta(hours=4), visitor_id="made-up-000") is None

    # an offer token is not a link token (nor the reverse), and it expires with the survey
    other = offers[1]
    assert other is not None
    with pytest.raises(TamperedLink):
        respond(ws, other.token, {"effort": {"score": 1}}, NOW)
    with pytest.raises(TamperedLink):
        record_widget_answer(ws, other.token[:-2] + "xx", {"effort": {"score": 1}}, NOW)
    # expires_days: 1 -> open until the end of the day shown, then one more day
    record_widget_answer(ws, other.token, {"effort": {"score": 2}}, datetime(2025, 6, 3, 23, 59))
    third = offers[2]
    assert third is not None
    with pytest.raises(ExpiredLink):
        record_widget_answer(ws, third.token, {"effort": {"score": 1}}, datetime(2025, 6, 4))
    assert _written(ws)[1] == before[1] + 2


def test_the_upgrade_turns_earlier_anonymous_offers_out_of_the_invitations(
    shop: Workspace,
) -> None:
    """Earlier versions made an invitation per anonymous offer; migration 12 removes them
    (and the unanswered offers' deliveries), keeping customers' invitations and answers."""
    from cxpulse.store.migrations import MIGRATIONS, MIGRATIONS_TABLE, migrate
    from cxpulse.surveys.decisions import log
    from cxpulse.surveys.fatigue import Candidate, Decision
    from cxpulse.surveys.run import write_deliveries

    ws = shop
    customer = widget_survey(ws, "/cart", NOW, customer_id="alice")
    assert customer is not None
    record_widget_answer(ws, customer.token, {"effort": {"score": 7}}, NOW)
    old = {"answered": "INVvisitoranswer", "ignored": "INVvisitorignore"}
    rows = [
        {"invitation_id": inv, "customer_id": None, "survey_id": "checkout-ces",
         "channel": "web", "touchpoint": "purchase", "sent_at": NOW, "delivered": True,
         "source": "cxpulse-widget"}
        for inv in old.values()
    ]  # fmt: skip
    add_rows(ws, "survey_invitations", rows)
    write_deliveries(ws, [
        {"delivery_key": f"{inv}:widget", "invitation_id": inv, "customer_id": None,
         "survey_id": "checkout-ces", "channel": "widget", "language": "en",
         "address": f"visitor:{name}", "created_at": NOW,
         "expires_at": NOW + timedelta(days=1), "status": "shown", "attempts": 1,
         "sent_at": NOW, "last_error": None}
        for name, inv in old.items()
    ])  # fmt: skip
    candidate = Candidate("visitor:ignored", "checkout-ces", "k", NOW)
    log(ws, [Decision(candidate, "invited", "invited", "", NOW)], NOW, {"k": old["ignored"]})
    add_rows(ws, "survey_responses", [
        {"response_id": "r1", "survey_id": "checkout-ces", "invitation_id": old["answered"],
         "question_id": "effort", "question_type": "ces", "score": 5, "scale_min": 1,
         "scale_max": 7, "responded_at": NOW, "channel": "web"}
    ])  # fmt: skip

    # back to version 11 (the migrations after 12 run again, changing nothing)
    ws.store.con.raw_sql(f"DELETE FROM {MIGRATIONS_TABLE} WHERE version >= 12")
    assert [m.version for m in migrate(ws.store)] == [m.version for m in MIGRATIONS[11:]]
    inv = ws.table("survey_invitations")
    kept = inv.filter(inv.survey_id == "checkout-ces").customer_id.execute().tolist()
    assert kept == ["alice"]
    d = ws.store.table("survey_deliveries")
    left = d.filter(d.survey_id == "checkout-ces").invitation_id.execute().tolist()
    assert sorted(left) == sorted([customer.invitation_id, old["answered"]])
    decisions = ws.store.table("survey_decisions").customer_id.execute().tolist()
    assert "visitor:ignored" not in decisions and "alice" in decisions
    assert ws.table("survey_responses").count().execute() == 2
