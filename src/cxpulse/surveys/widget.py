"""The web widget's library side: which survey (if any) to show on a page now, and its answers.

A widget survey (``channel: widget``) says where it shows and after how long::

    widget: {pages: ["/checkout/*", "/pricing"], delay_seconds: 20}

Page patterns are shell-style over the URL path (``*`` matches anything, across ``/`` too).
Showing a survey is asking, under the same fatigue budget as every other survey and channel.
Every offer shown is counted per survey, page path and day (:mod:`.widget_offers`), and may be
refused by the caller's ``spend`` budget (offers per client address and per site): then the
answer is "no survey" and nothing is written.

Audience: segment, plan and language filters apply; the ``email_consent`` filter does not (the
visitor is on the site, no message is sent), but an unsubscribe is always honoured.

A site that knows who is logged in passes the customer id with its signature
(:func:`customer_signature`, keyed by :func:`identity_key`): the offer is then an invitation
(channel ``web``) in that customer's one budget with the emails and every other channel, logged
for `cxpulse why`; a reload gets the same open offer back (same link), never a second
invitation. Declined offers (the budget says no) are not logged: a page view is not a trigger.

Anonymous visitors (a ``visitor_id``, the widget's own random id, but no known customer) see
only surveys without a segment or plan filter. Anyone can invent visitor ids, so their offer
writes no invitation: its token is signed and stateless, and the invitation is written when
they answer (:func:`~cxpulse.surveys.widget_offers.claim_offer`); their budget is kept per
visitor id over the offers they answered. Until they answer, the same offer (same token) comes
back all day.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import ibis

from cxpulse import schema
from cxpulse.accounts.passwords import same_secret
from cxpulse.errors import CxpulseError
from cxpulse.surveys import decisions as decision_log
from cxpulse.surveys.channels import Widget
from cxpulse.surveys.definition import Survey, pick_language
from cxpulse.surveys.fatigue import Candidate, Decision, History, decide
from cxpulse.surveys.links import respond, sign, survey_view
from cxpulse.surveys.run import invitation_id, write_deliveries
from cxpulse.surveys.store import link_secret, stored_secret, surveys
from cxpulse.surveys.widget_offers import (
    VISITOR,
    AnonymousOffer,
    claim_offer,
    count_shown,
    offer_token,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from cxpulse.context import Context

WIDGET_CHANNEL = Widget.recorded  # the channel recorded on widget answers


class UnverifiedCustomer(CxpulseError, PermissionError):
    """A widget request named a customer without a valid signature of their id."""


def identity_key(ws: Context, now: datetime) -> bytes:
    """The key a site signs its logged-in customers' ids with (`cxpulse surveys widget-key`):
    the widget may then count its surveys in that customer's budget, and nobody can claim to
    be someone else by editing the page."""
    return stored_secret(ws, "widget", now)


def customer_signature(key: bytes, customer_id: str) -> str:
    """HMAC-SHA256 of the customer id, hex: what the site's server puts in data-signature."""
    return hmac.new(key, customer_id.encode(), hashlib.sha256).hexdigest()


def verified_customer(ws: Context, customer_id: str, signature: str, now: datetime) -> str:
    """``customer_id`` if ``signature`` signs it with the workspace's widget key."""
    expected = customer_signature(identity_key(ws, now), customer_id)
    if not same_secret(signature.strip().lower(), expected):
        raise UnverifiedCustomer(
            "the customer's signature does not match: sign the customer id with the key of "
            "`cxpulse surveys widget-key` (HMAC-SHA256, hex) on your server"
        )
    return customer_id


@dataclass(frozen=True)
class WidgetOffer:
    survey_id: str
    invitation_id: str
    token: str  # the signed token the widget posts its answers with (link or offer token)
    delay_seconds: float
    view: dict[str, Any]  # questions in the visitor's language, answers already given

    def as_dict(self) -> dict[str, Any]:
        return {
            "survey": self.survey_id,
            "invitation_id": self.invitation_id,
            "token": self.token,
            "delay_seconds": self.delay_seconds,
            **{k: v for k, v in self.view.items() if k not in ("survey", "invitation_id")},
        }


def widget_survey(
    ws: Context,
    page_url: str,
    now: datetime,
    *,
    customer_id: str | None = None,
    visitor_id: str | None = None,
    language: str | None = None,
    spend: Callable[[], bool] | None = None,
) -> WidgetOffer | None:
    """The survey to show on ``page_url`` at ``now`` (naive UTC), or None.

    A known ``customer_id`` is budgeted with their other surveys; otherwise ``visitor_id`` (the
    widget's own id) is. Without either, nothing is shown: there would be no budget. ``spend``
    is asked once an offer would be shown: False means over the caller's budget (None, and
    nothing written)."""
    customer = _customer(ws, customer_id) if customer_id else None
    if customer is None and not visitor_id:
        return None
    fits = _on_page(ws, page_url, customer, language)
    if not fits:
        return None
    if customer is None:
        return _to_visitor(ws, fits, str(visitor_id), page_url, now, language, spend)
    return _to_customer(ws, fits, customer, page_url, now, language, spend)


def _on_page(
    ws: Context, page_url: str, customer: dict[str, Any] | None, language: str | None
) -> list[Survey]:
    """The surveys shown on this page whose audience takes this visitor or customer."""
    if customer is not None and customer.get("email_consent") is False:
        return []  # unsubscribed from surveys
    return [s for s in surveys(ws) if s.via.shows_on(page_url) and _fits(s, customer, language)]


def _to_visitor(
    ws: Context,
    fits: list[Survey],
    visitor_id: str,
    page_url: str,
    now: datetime,
    language: str | None,
    spend: Callable[[], bool] | None,
) -> WidgetOffer | None:
    """An anonymous visitor's offer: nothing written until they answer (the token says what
    to write)."""
    won = _winner(ws, fits, VISITOR + visitor_id, now, known=False)
    if won is None or (spend is not None and not spend()):
        return None
    survey, lang = won[0], pick_language(language)
    anonymous = AnonymousOffer.shown(survey, visitor_id, lang, now)
    inv = anonymous.invitation_id
    token = offer_token(link_secret(ws, now), anonymous)
    offer = WidgetOffer(survey.id, inv, token, _delay(survey), survey_view(ws, survey, inv, lang))
    return _shown(ws, offer, page_url, now, customer=False)


def _to_customer(
    ws: Context,
    fits: list[Survey],
    customer: dict[str, Any],
    page_url: str,
    now: datetime,
    language: str | None,
    spend: Callable[[], bool] | None,
) -> WidgetOffer | None:
    """A known customer's offer: the open one again, or a new invitation in their budget."""
    subject = str(customer["customer_id"])
    open_offer = _open_offer(ws, fits, subject, now)
    if open_offer is not None:
        return _shown(ws, open_offer, page_url, now, customer=True, spend=spend)
    won = _winner(ws, fits, subject, now, known=True)
    if won is None or (spend is not None and not spend()):
        return None
    survey, winner = won
    lang = pick_language(language or customer.get("language"))
    delivery = _invite(ws, survey, winner, lang, now)
    return _shown(ws, _offer(ws, survey, delivery, now), page_url, now, customer=True)


def _winner(
    ws: Context, fits: list[Survey], subject: str, now: datetime, *, known: bool
) -> tuple[Survey, Decision] | None:
    """The survey the fatigue budget lets ``subject`` see now, with its decision."""
    stamp = now.isoformat(timespec="seconds")
    found = [
        Candidate(
            subject,
            s.id,
            f"{s.id}:{subject}:widget@{stamp}",
            now,
            s.priority,
            timedelta(days=s.min_gap_days),
        )
        for s in fits
    ]
    window = timedelta(days=ws.settings.survey_fatigue_days)
    decided = decide(found, _history(ws, subject, known), now, window)
    winner = next((d for d in decided if d.outcome == "invited"), None)
    if winner is None:
        return None
    return next(s for s in fits if s.id == winner.candidate.survey_id), winner


def _invite(
    ws: Context, survey: Survey, winner: Decision, language: str, now: datetime
) -> dict[str, Any]:
    """Write the invitation a customer's offer is (shown, so delivered), its delivery and its
    decision; returns the delivery."""
    inv = invitation_id(winner.candidate.trigger_key)
    subject = winner.candidate.customer_id
    delivery = {
        "delivery_key": f"{inv}:{survey.channel}",
        "invitation_id": inv,
        "customer_id": subject,
        "survey_id": survey.id,
        "channel": survey.channel,
        "language": language,
        "address": None,
        "created_at": now,
        "expires_at": now + timedelta(days=survey.expires_days),
        "status": "shown",
        "attempts": 1,
        "sent_at": now,
        "last_error": None,
    }
    invitation = {
        "invitation_id": inv,
        "customer_id": subject,
        "survey_id": survey.id,
        "channel": survey.invitation_channel,
        "touchpoint": survey.touchpoint,
        "sent_at": now,
        "delivered": True,  # the page asked for it
        "source": "cxpulse-widget",
    }
    inv_schema = ibis.schema(schema.table("survey_invitations").ibis_schema())
    with ws.store.transaction():
        ws.store.insert("survey_invitations", [invitation], schema=inv_schema)
        write_deliveries(ws, [delivery])
        decision_log.log(ws, [winner], now, {winner.candidate.trigger_key: inv})
    return delivery


def _delay(survey: Survey) -> float:
    return survey.widget.delay_seconds if survey.widget else 0.0


def _shown(
    ws: Context,
    offer: WidgetOffer,
    page_url: str,
    now: datetime,
    *,
    customer: bool,
    spend: Callable[[], bool] | None = None,
) -> WidgetOffer | None:
    """``offer``, counted as shown on the page (None, uncounted, when ``spend`` refuses)."""
    if spend is not None and not spend():
        return None
    count_shown(ws, offer.survey_id, page_url, now, customer=customer)
    return offer


def record_widget_answer(
    ws: Context, token: str, answers: Mapping[str, Mapping[str, Any]], now: datetime
) -> list[str]:
    """Record answers posted by the widget (channel ``web``); same rules as any signed link:
    partial answers kept, a second post updates, tampered or expired tokens refused. An
    anonymous visitor's offer becomes an invitation here (:func:`claim_offer`)."""
    return respond(ws, claim_offer(ws, token, answers, now), answers, now, channel=WIDGET_CHANNEL)


def _offer(ws: Context, survey: Survey, delivery: dict[str, Any], now: datetime) -> WidgetOffer:
    inv = str(delivery["invitation_id"])
    expires = delivery["expires_at"]
    expires = expires.to_pydatetime() if hasattr(expires, "to_pydatetime") else expires
    token = sign(link_secret(ws, now), inv, expires)
    view = survey_view(ws, survey, inv, str(delivery["language"]))
    return WidgetOffer(survey.id, inv, token, _delay(survey), view)


def _customer(ws: Context, customer_id: str) -> dict[str, Any] | None:
    c = ws.table("customers")
    cols = ["customer_id", "segment", "plan", "language", "email_consent"]
    rows = c.filter(c.customer_id == customer_id).select(cols).execute()
    if rows.empty:
        return None
    row = rows.iloc[0].to_dict()
    consent = row["email_consent"]
    row["email_consent"] = None if consent is None or consent != consent else bool(consent)
    return {k: (None if v is None or v != v else v) for k, v in row.items()}


def _fits(survey: Survey, customer: dict[str, Any] | None, language: str | None) -> bool:
    a = survey.audience
    if customer is None and (a.segments or a.plans):
        return False
    if customer is not None:
        if a.segments and customer.get("segment") not in a.segments:
            return False
        if a.plans and customer.get("plan") not in a.plans:
            return False
    lang = (language or (customer or {}).get("language") or "").lower()
    return not a.languages or lang in [x.lower() for x in a.languages]


def _open_offer(
    ws: Context, fits: list[Survey], customer_id: str, now: datetime
) -> WidgetOffer | None:
    """An unanswered, unexpired widget invitation already made to this customer."""
    from cxpulse.schema import SURVEY_DELIVERIES_TABLE

    d = ws.store.table(SURVEY_DELIVERIES_TABLE)
    rows = d.filter(
        (d.customer_id == customer_id)
        & d.channel.isin(sorted({s.channel for s in fits}))
        & d.survey_id.isin([s.id for s in fits])
        & (d.expires_at > now)
    )
    r = ws.table("survey_responses")
    rows = rows.anti_join(r.filter(r.invitation_id.notnull()), "invitation_id")
    found = rows.order_by(ibis.desc("created_at")).limit(1).execute()
    if found.empty:
        return None
    row = found.iloc[0].to_dict()
    survey = next(s for s in fits if s.id == row["survey_id"])
    return _offer(ws, survey, row, now)


def _history(ws: Context, subject: str, known: bool) -> History:
    """This subject's past asks (a customer: every invitation; a visitor: the widget offers
    they answered, the only ones written)."""
    from cxpulse.schema import SURVEY_DELIVERIES_TABLE

    out = History()
    if known:
        inv = ws.table("survey_invitations")
        rows = inv.filter(inv.customer_id == subject).select("survey_id", "sent_at").execute()
        times = zip(rows.survey_id, rows.sent_at, strict=True)
    else:
        d = ws.store.table(SURVEY_DELIVERIES_TABLE)
        rows = d.filter(d.address == subject).select("survey_id", "created_at").execute()
        times = zip(rows.survey_id, rows.created_at, strict=True)
    for survey_id, at in times:
        out.record(subject, str(survey_id), at.to_pydatetime())
    return out
