"""The web widget: its script, CORS only for the configured origins (preflight included), an
offer per visitor and page, answers posted back (twice: updated), bad tokens refused."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cxpulse import Workspace
from cxpulse.surveys.store import add_survey
from tests.surveys.helpers import write
from tests.web.conftest import NOW

SHOP = "https://shop.example"
EVIL = "https://evil.example"
CHECKOUT = """
id: checkout-ces
touchpoint: purchase
channel: widget
widget: {pages: ["/checkout/*"], delay_seconds: 5}
audience: {email_consent: false}
questions:
  - {id: effort, type: ces, points: 7, polarity: high_is_easy,
     text: {en: "Was checkout <easy>?", fr: "Le paiement était-il simple ?"},
     follow_up: [{scores: 1-3, text: {en: "What got in the way?", fr: "Qu'est-ce qui a gêné ?"}}]}
  - {id: why, type: text, text: "Anything else?"}
"""
VISITOR = "v0123456789abcdef"


@pytest.fixture
def shop(web_ws: Workspace, tmp_path: Path) -> Workspace:
    add_survey(web_ws, write(tmp_path, "checkout", CHECKOUT), NOW)
    web_ws.set_setting("widget_origins", f"{SHOP}, https://www.shop.example/")
    return web_ws


def offer(
    client: TestClient,
    origin: str | None = SHOP,
    page: str = f"{SHOP}/checkout/pay",
    visitor: str = VISITOR,
    lang: str = "en-GB",
) -> Any:
    headers = {"Origin": origin} if origin else {}
    params = {"page": page, "visitor": visitor, "lang": lang}
    return client.get("/public/widget/survey", params=params, headers=headers)


def test_the_script_is_served_and_builds_its_dom_with_text_only(anon: TestClient) -> None:
    js = anon.get("/widget.js")
    assert js.status_code == 200
    assert js.headers["content-type"].startswith("text/javascript")
    assert "textContent" in js.text and "innerHTML" not in js.text
    assert "/public/widget/survey?" in js.text and "/public/widget/answer" in js.text


def test_preflight_and_cors_only_for_configured_origins(shop: Workspace, anon: TestClient) -> None:
    pre = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    for path in ("/public/widget/survey", "/public/widget/answer"):
        ok = anon.options(path, headers={"Origin": "https://www.shop.example", **pre})
        assert ok.status_code == 204
        assert ok.headers["access-control-allow-origin"] == "https://www.shop.example"
        assert "POST" in ok.headers["access-control-allow-methods"]
        assert ok.headers["access-control-allow-headers"] == "Content-Type"
        bad = anon.options(path, headers={"Origin": EVIL, **pre})
        assert bad.status_code == 403 and "access-control-allow-origin" not in bad.headers
    refused = offer(anon, EVIL)
    assert refused.status_code == 403 and "access-control-allow-origin" not in refused.headers
    assert (
        shop.table("survey_invitations")
        .filter(lambda t: t.survey_id == "checkout-ces")
        .count()
        .execute()
        == 0
    )  # a refused origin makes no offer


def test_offer_on_chosen_pages_and_answers_posted_back(shop: Workspace, anon: TestClient) -> None:
    assert offer(anon, page=f"{SHOP}/about").json() == {"offer": None}
    got = offer(anon)
    assert got.status_code == 200 and got.headers["access-control-allow-origin"] == SHOP
    body = got.json()["offer"]
    assert (body["survey"], body["delay_seconds"], body["language"]) == ("checkout-ces", 5.0, "en")
    assert body["questions"][0]["text"] == "Was checkout <easy>?"  # JSON; the widget uses text
    assert body["questions"][0]["scale"] == [1, 7]
    # a reload gets the same offer back (in the language asked now), never a second one
    assert offer(anon).json()["offer"]["token"] == body["token"]
    french = offer(anon, lang="fr").json()["offer"]
    assert french["invitation_id"] == body["invitation_id"] and french["language"] == "fr"

    url, headers = "/public/widget/answer", {"Origin": SHOP}
    first = anon.post(
        url, json={"token": body["token"], "answers": {"effort": {"score": 2}}}, headers=headers
    )
    assert first.status_code == 200 and first.headers["access-control-allow-origin"] == SHOP
    again = {"effort": {"score": 3, "comment": "Slow card form"}, "why": {"comment": "No"}}
    anon.post(url, json={"token": body["token"], "answers": again}, headers=headers)
    r = shop.table("survey_responses")
    rows = r.filter(r.survey_id == "checkout-ces").order_by("question_id").execute()
    assert rows.question_id.tolist() == ["effort", "why"]  # the second post updated
    assert rows.score.iloc[0] == 3 and rows.score.isna().iloc[1]
    assert rows.comment.tolist() == ["Slow card form", "No"]
    assert rows.channel.tolist() == ["web", "web"]
    # answered: nothing more to show this visitor
    assert offer(anon).json() == {"offer": None}


def test_bad_tokens_answers_and_origins_are_refused(shop: Workspace, anon: TestClient) -> None:
    token = offer(anon).json()["offer"]["token"]
    prefix, payload, mac = token.split(".")
    other = base64.urlsafe_b64encode(  # another visitor's offer, signature kept
        base64.urlsafe_b64decode(payload + "==").replace(VISITOR.encode(), b"v" * 17)
    ).decode()
    url, headers = "/public/widget/answer", {"Origin": SHOP}
    tampered = anon.post(
        url,
        json={"token": f"{prefix}.{other}.{mac}", "answers": {"effort": {"score": 2}}},
        headers=headers,
    )
    assert tampered.status_code == 403 and tampered.json()["error"] == "TamperedLink"
    assert tampered.headers["access-control-allow-origin"] == SHOP  # the widget can read why
    out_of_scale = anon.post(
        url, json={"token": token, "answers": {"effort": {"score": 9}}}, headers=headers
    )
    assert out_of_scale.status_code == 422 and "1-7" in out_of_scale.json()["detail"]
    evil = anon.post(
        url, json={"token": token, "answers": {"effort": {"score": 2}}}, headers={"Origin": EVIL}
    )
    assert evil.status_code == 403 and "access-control-allow-origin" not in evil.headers
    assert anon.post(url, json={"answers": {}}, headers=headers).status_code == 422
    assert offer(anon, visitor="short").status_code == 422
    r = shop.table("survey_responses")
    assert r.filter(r.survey_id == "checkout-ces").count().execute() == 0


def test_no_origin_configured_means_no_site(
    web_ws: Workspace, tmp_path: Path, anon: TestClient
) -> None:
    add_survey(web_ws, write(tmp_path, "checkout", CHECKOUT), NOW)
    assert offer(anon).status_code == 403
    # a request without Origin (not a browser on another site) still works, without CORS
    direct = offer(anon, origin=None)
    assert direct.status_code == 200 and "access-control-allow-origin" not in direct.headers


def test_a_signed_customer_shares_the_budget_of_every_channel(
    shop: Workspace, anon: TestClient
) -> None:
    from datetime import timedelta

    from cxpulse.surveys.widget import customer_signature, identity_key

    inv = shop.table("survey_invitations").execute()
    customers = shop.table("customers").execute()
    allowed = set(customers[customers.email_consent.fillna(True).astype(bool)].customer_id)
    recent = inv[inv.sent_at > NOW - timedelta(days=10)]
    asked = sorted(set(recent.customer_id) & allowed)[0]  # asked by email 10 days ago or less
    quiet = sorted(allowed - set(inv[inv.sent_at > NOW - timedelta(days=60)].customer_id))[0]
    key = identity_key(shop, NOW)

    def as_customer(who: str, signature: str) -> Any:
        params = {"page": f"{SHOP}/checkout/pay", "visitor": VISITOR, "customer": who,
                  "signature": signature}  # fmt: skip
        return anon.get("/public/widget/survey", params=params, headers={"Origin": SHOP})

    assert as_customer(asked, customer_signature(key, asked)).json() == {"offer": None}
    forged = as_customer(quiet, customer_signature(b"guessed" * 4, quiet))
    assert forged.status_code == 403 and "widget-key" in forged.json()["detail"]
    unsigned = anon.get("/public/widget/survey", params={
        "page": f"{SHOP}/checkout/pay", "visitor": VISITOR, "customer": quiet},
        headers={"Origin": SHOP})  # fmt: skip
    assert unsigned.status_code == 400  # each parameter is valid; the pair is not
    shown = as_customer(quiet, customer_signature(key, quiet)).json()["offer"]
    assert shown is not None and shown["survey"] == "checkout-ces"
    mine = shop.table("survey_invitations").filter(lambda t: t.survey_id == "checkout-ces")
    assert mine.customer_id.execute().tolist() == [quiet]  # counted in the customer's budget
    assert offer(anon).json()["offer"] is not None  # an anonymous visitor is budgeted apart


def test_a_script_inventing_visitors_gets_a_bounded_number_of_offers_and_no_invitation(
    shop: Workspace, app: FastAPI
) -> None:
    from cxpulse.surveys.offer_budget import ADDRESS, OfferBudget
    from cxpulse.surveys.widget_offers import offers_shown

    app.state.cx.widget_budget = OfferBudget(clock=lambda: 1_800_000_000.0)  # one minute
    script = TestClient(app, client=("198.51.100.7", 4000))

    def written() -> tuple[int, int, int]:
        return (
            shop.table("survey_invitations").count().execute(),
            shop.store.table("survey_deliveries").count().execute(),
            shop.store.table("survey_decisions").count().execute(),
        )

    before = written()
    got = [
        offer(script, origin=None, visitor=f"made-up-visitor-{i:02d}").json()["offer"]
        for i in range(40)
    ]
    assert sum(o is not None for o in got) == ADDRESS.per_minute == 30  # then "no survey"
    assert written() == before  # not one invitation, delivery or decision
    assert [(r["page"], r["shown"]) for r in offers_shown(shop)] == [("/checkout/pay", 30)]
    # the same address through the site: the address is spent whatever the origin
    assert offer(script).json() == {"offer": None}
    # a visitor elsewhere still gets theirs, and answering writes the one delivery
    visitor = TestClient(app, client=("203.0.113.5", 5000))
    token = offer(visitor).json()["offer"]["token"]
    posted = visitor.post(
        "/public/widget/answer",
        json={"token": token, "answers": {"effort": {"score": 6}}},
        headers={"Origin": SHOP},
    )
    assert posted.status_code == 200, posted.text
    assert written() == (before[0], before[1] + 1, before[2])
