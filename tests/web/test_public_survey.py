"""The signed link's page without login: the email's score chosen on GET and saved only by the
person's POST, answers (twice: updated), clear pages for tampered, expired and unknown links,
unsubscribe confirmed by a POST (the page's button or the mail client's RFC 8058 one-click),
rate limit per address."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cxpulse import Workspace
from cxpulse.surveys.links import sign
from cxpulse.surveys.manual import send_to_segment
from cxpulse.surveys.store import add_survey, link_secret
from cxpulse.web.app import create_app
from cxpulse.web.ratelimit import RateLimiter
from tests.conftest import add_rows
from tests.surveys.helpers import SUPPORT_CSAT, write
from tests.web.conftest import NOW

CUSTOMER = "web-alice"


def invite(ws: Workspace, tmp: Path) -> str:
    """A real invitation (manual send) of the French customer; its signed link token."""
    add_rows(
        ws,
        "customers",
        [
            {
                "customer_id": CUSTOMER,
                "email": "alice@example.com",
                "language": "fr",
                "email_consent": True,
            }
        ],
    )
    add_survey(ws, write(tmp, "support", SUPPORT_CSAT), NOW)
    assert send_to_segment(ws, "support-csat", {"customer_id": CUSTOMER}, NOW).invited == 1
    inv = ws.table("survey_invitations")
    invitation = inv.filter(inv.customer_id == CUSTOMER).invitation_id.execute().iloc[0]
    return sign(link_secret(ws, NOW), str(invitation), NOW + timedelta(days=14))


@pytest.fixture
def token(web_ws: Workspace, tmp_path: Path) -> str:
    return invite(web_ws, tmp_path)


def answers(ws: Workspace) -> list[tuple[str, object, object, str]]:
    r = ws.table("survey_responses")
    rows = r.filter(r.customer_id == CUSTOMER).order_by("question_id").execute()
    return [
        (q, None if s != s else int(s), c, ch)
        for q, s, c, ch in zip(
            rows.question_id, rows.score, rows.comment, rows.channel, strict=True
        )
    ]


def test_page_in_the_customers_language(anon: TestClient, token: str) -> None:
    page = anon.get(f"/s/{token}")
    assert page.status_code == 200
    assert "Êtes-vous satisfait ?" in page.text and 'lang="fr"' in page.text
    assert 'name="score.satisfaction"' in page.text and 'id="survey-submit"' in page.text
    assert "cxpulse_session" not in page.headers.get("set-cookie", "")
    assert page.headers["cache-control"] == "no-store"


def test_a_score_link_chooses_the_score_and_only_the_persons_post_saves_it(
    anon: TestClient, web_ws: Workspace, token: str
) -> None:
    clicked = anon.get(f"/s/{token}?q=satisfaction&score=2")
    assert clicked.status_code == 200 and 'id="score-confirm"' in clicked.text
    assert answers(web_ws) == []  # a GET (what a mail scanner fetches) records nothing
    # the score shown as chosen, the follow-up for 1-2 in French, a form that posts it
    assert 'value="2" data-score="2" checked' in clicked.text
    assert "Qu&#39;est-ce qui n&#39;a pas été ?" in clicked.text
    assert f'method="post" action="/s/{token}"' in clicked.text
    assert "Votre note est choisie" in clicked.text
    assert "script-src 'self'" in clicked.headers["content-security-policy"]
    assert "<script" not in clicked.text  # works without JavaScript
    # without q: the first question; a score out of scale or not a number: said, not saved
    assert 'value="4" data-score="4" checked' in anon.get(f"/s/{token}?score=4").text
    bad = anon.get(f"/s/{token}?score=9")
    assert bad.status_code == 422 and 'id="survey-error"' in bad.text
    assert anon.get(f"/s/{token}?score=abc").status_code == 422
    assert anon.get(f"/s/{token}?q=nope&score=2").status_code == 422
    assert answers(web_ws) == []
    # the person presses Send: saved; sending another score updates the same row
    sent = anon.post(f"/s/{token}", data={"score.satisfaction": "2", "comment.satisfaction": ""})
    assert sent.status_code == 200 and 'id="survey-thanks"' in sent.text
    assert answers(web_ws) == [("satisfaction", 2, None, "email")]
    anon.post(f"/s/{token}", data={"score.satisfaction": "4"})
    assert answers(web_ws) == [("satisfaction", 4, None, "email")]


def test_a_scanner_opening_every_link_of_the_email_changes_nothing(
    web_ws: Workspace, token: str, anon: TestClient
) -> None:
    from cxpulse.surveys.email import build_message
    from cxpulse.surveys.store import get_survey

    msg = build_message(web_ws.settings, get_survey(web_ws, "support-csat"), token, "fr", "a@x")
    html = msg.get_body(("html",))
    assert html is not None
    links = [u.replace("&amp;", "&") for u in re.findall(r'href="([^"]+)"', html.get_content())]
    assert len(links) == 6  # five scores and the unsubscribe link
    for link in links:
        assert anon.get(urlsplit(link)._replace(scheme="", netloc="").geturl()).status_code == 200
    assert answers(web_ws) == []
    c = web_ws.table("customers")
    assert c.filter(c.customer_id == CUSTOMER).email_consent.execute().tolist() == [True]


def test_answers_partial_kept_and_twice_updates(
    anon: TestClient, web_ws: Workspace, token: str
) -> None:
    anon.post(f"/s/{token}", data={"score.satisfaction": "1"})
    posted = anon.post(f"/s/{token}", data={"comment.satisfaction": "Trop <b>lent</b>"})
    assert posted.status_code == 200 and 'id="survey-thanks"' in posted.text
    assert "Trop &lt;b&gt;lent&lt;/b&gt;" in posted.text
    assert answers(web_ws) == [("satisfaction", 1, "Trop <b>lent</b>", "email")]
    anon.post(f"/s/{token}", data={"score.satisfaction": "3", "comment.comment": "Rien"})
    assert answers(web_ws) == [
        ("comment", None, "Rien", "email"),
        ("satisfaction", 3, "Trop <b>lent</b>", "email"),
    ]
    # a used link says so, and still lets the customer change their answers
    again = anon.get(f"/s/{token}")
    assert 'id="survey-answered"' in again.text and "Trop &lt;b&gt;lent" in again.text
    empty = anon.post(f"/s/{token}", data={})
    assert empty.status_code == 422 and 'id="survey-error"' in empty.text
    assert anon.post(f"/s/{token}", data={"score.satisfaction": "6"}).status_code == 422
    flood = anon.post(f"/s/{token}", data={f"comment.q{i}": "x" for i in range(1500)})
    assert flood.status_code == 422 and "too many fields" in flood.text
    # a multipart post (not what the page sends, but a browser may) is read the same way
    multi = anon.post(f"/s/{token}", files={"score.satisfaction": (None, "5")})
    assert multi.status_code == 200, multi.text
    assert answers(web_ws)[1][:2] == ("satisfaction", 5)


def test_tampered_expired_and_unknown_links_get_clear_pages(
    web_ws: Workspace, anon: TestClient, token: str
) -> None:
    inv, expiry, mac = token.split(".")
    tampered = f"{inv}.{int(expiry) + 86400}.{mac}"
    for method in ("get", "post"):
        page = getattr(anon, method)(f"/s/{tampered}")
        assert page.status_code == 403 and 'data-error="TamperedLink"' in page.text
        assert "not valid" in page.text
    unknown = sign(link_secret(web_ws, NOW), "INV-nobody", NOW + timedelta(days=1))
    assert anon.get(f"/s/{unknown}").status_code == 404
    assert anon.get(f"/s/{tampered}?score=3").status_code == 403
    # a signature with letters hmac cannot compare as text is still just a bad signature
    accented = f"{inv}.{expiry}.{mac[:-1]}é"
    for method in ("get", "post"):
        assert getattr(anon, method)(f"/s/{accented}").status_code == 403

    later = TestClient(create_app(web_ws, clock=lambda: NOW + timedelta(days=15)))
    expired = later.get(f"/s/{token}?score=5", headers={"Accept-Language": "fr-FR,fr"})
    assert expired.status_code == 410 and 'data-error="ExpiredLink"' in expired.text
    assert "son lien a expiré" in expired.text
    assert later.post(f"/s/{token}", data={"score.satisfaction": "5"}).status_code == 410
    assert answers(web_ws) == []


def test_unsubscribe_is_confirmed_by_a_post_even_when_expired(
    web_ws: Workspace, token: str
) -> None:
    later = TestClient(create_app(web_ws, clock=lambda: NOW + timedelta(days=30)))
    c = web_ws.table("customers")

    def consent() -> list[bool]:
        return [bool(v) for v in c.filter(c.customer_id == CUSTOMER).email_consent.execute()]

    inv, expiry, mac = token.split(".")
    forged = f"/s/{inv}.{expiry}.{mac[:-2]}xx/unsubscribe"
    assert later.get(forged).status_code == 403 and later.post(forged).status_code == 403
    ask = later.get(f"/s/{token}/unsubscribe")  # the email's link: a page that asks
    assert ask.status_code == 200 and 'id="unsubscribe-confirm"' in ask.text
    assert f'method="post" action="/s/{token}/unsubscribe"' in ask.text
    assert "Ne plus recevoir d&#39;enquêtes ?" in ask.text  # the customer's language
    assert consent() == [True]  # a GET unsubscribes no one
    page = later.post(f"/s/{token}/unsubscribe")  # the person's click
    assert page.status_code == 200 and 'id="unsubscribed"' in page.text
    assert "Votre désinscription est enregistrée" in page.text
    assert consent() == [False]
    assert later.post(f"/s/{token}/unsubscribe").status_code == 200  # again: harmless


def test_a_mail_clients_one_click_unsubscribe_post(web_ws: Workspace, token: str) -> None:
    client = TestClient(create_app(web_ws, clock=lambda: NOW))
    # RFC 8058: the client POSTs this body to the List-Unsubscribe https address, no cookie
    done = client.post(
        f"/s/{token}/unsubscribe",
        content="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert done.status_code == 200 and 'id="unsubscribed"' in done.text
    c = web_ws.table("customers")
    assert c.filter(c.customer_id == CUSTOMER).email_consent.execute().tolist() == [False]


class FrozenClock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_rate_limit_per_address_answers_429(app: FastAPI, token: str) -> None:
    clock = FrozenClock()
    app.state.cx.public_limiter = RateLimiter(1 / 30, 2, clock=clock)
    client = TestClient(app)
    assert client.get(f"/s/{token}").status_code == 200
    assert client.get(f"/s/{token}").status_code == 200
    limited = client.get(f"/s/{token}")
    assert limited.status_code == 429 and limited.headers["retry-after"] == "30"
    assert client.post(f"/s/{token}", data={"score.satisfaction": "5"}).status_code == 429
    assert client.get("/widget.js").status_code == 429
    other = TestClient(app, client=("10.0.0.2", 5000))  # another address has its own budget
    assert other.get(f"/s/{token}").status_code == 200
    clock.t = 30.0
    assert client.get(f"/s/{token}").status_code == 200
