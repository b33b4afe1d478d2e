"""Widget offers to anonymous visitors: signed and stateless until answered, counted per page.

Anyone can ask the widget for an offer under any visitor id, so an anonymous offer writes no
row of its own: its token signs what the invitation will be (survey, visitor, language, the UTC
day it was shown, expiry), and its delivery is written with the first answer (:func:`claim_offer`,
idempotent), for the visitor's fatigue budget. No canonical invitation is ever written for a
visitor: the response rate (answered / delivered invitations) counts only people who were
really invited, never a made-up visitor id. What was shown is kept as counters per survey,
page and day (:func:`count_shown`), the top of the widget's funnel.

The invitation id is derived from survey, visitor and day, so a visitor who reloads the page the
same day gets the same token back, and answering twice updates one invitation's answers.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from cxpulse.accounts.passwords import same_secret
from cxpulse.schema import SURVEY_DELIVERIES_TABLE, WIDGET_OFFERS_SCHEMA, WIDGET_OFFERS_TABLE
from cxpulse.store.claim import exclusive
from cxpulse.store.keyed import replace_rows, rows_where_in
from cxpulse.surveys.links import (
    ExpiredLink,
    TamperedLink,
    UnknownInvitation,
    check_answers,
    sign,
)
from cxpulse.surveys.run import invitation_id, write_deliveries
from cxpulse.surveys.store import link_secret, surveys

if TYPE_CHECKING:
    from collections.abc import Mapping

    from cxpulse.context import Context
    from cxpulse.surveys.definition import Survey

PREFIX = "w1."  # an offer token; a link token starts with its invitation id (INV...)
VISITOR = "visitor:"  # the subject of an anonymous visitor's budget (delivery address)
MAX_PAGE = 300  # characters of the path kept in a counter


@dataclass(frozen=True)
class AnonymousOffer:
    survey_id: str
    visitor_id: str
    language: str
    day: date  # the UTC day the offer was shown
    expires_at: datetime  # naive UTC

    @property
    def invitation_id(self) -> str:
        return invitation_id(f"{self.survey_id}:{VISITOR}{self.visitor_id}:widget@{self.day}")

    @classmethod
    def shown(cls, survey: Survey, visitor_id: str, language: str, now: datetime) -> AnonymousOffer:
        """The offer of ``survey`` to a visitor at ``now``: open until the end of the day,
        then ``expires_days`` more (the same for every request of the day)."""
        day = now.date()
        closes = datetime.combine(day, datetime.min.time()) + timedelta(days=1)
        expires = closes + timedelta(days=survey.expires_days)
        return cls(survey.id, visitor_id, language, day, expires.replace(microsecond=0))


def offer_token(secret: bytes, offer: AnonymousOffer) -> str:
    payload = {
        "s": offer.survey_id,
        "v": offer.visitor_id,
        "l": offer.language,
        "d": offer.day.isoformat(),
        "e": int(offer.expires_at.replace(tzinfo=UTC).timestamp()),
    }
    raw = json.dumps(payload, separators=(",", ":")).encode()
    body = PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return f"{body}.{_mac(secret, body)}"


def is_offer_token(token: str) -> bool:
    return token.startswith(PREFIX)


def read_offer(secret: bytes, token: str, now: datetime) -> AnonymousOffer:
    """The offer a token stands for; :class:`TamperedLink` if altered, :class:`ExpiredLink`
    if expired."""
    body, _, mac = token.rpartition(".")
    if not is_offer_token(body) or not same_secret(mac, _mac(secret, body)):
        raise TamperedLink("this survey offer is not valid (it was altered or cut)")
    try:
        encoded = body[len(PREFIX) :]
        data = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
        offer = AnonymousOffer(
            str(data["s"]),
            str(data["v"]),
            str(data["l"]),
            date.fromisoformat(data["d"]),
            datetime.fromtimestamp(int(data["e"]), UTC).replace(tzinfo=None),
        )
    except (binascii.Error, ValueError, KeyError, TypeError):  # signed by us: never happens
        raise TamperedLink("this survey offer is not valid") from None
    if now >= offer.expires_at:
        raise ExpiredLink("this survey offer has expired; the survey is closed")
    return offer


def _mac(secret: bytes, body: str) -> str:
    # its own domain: an offer token never passes for a link token, nor the reverse
    digest = hmac.new(secret, b"widget-offer\n" + body.encode(), hashlib.sha256).digest()[:18]
    return base64.urlsafe_b64encode(digest).decode()


def claim_offer(
    ws: Context, token: str, answers: Mapping[str, Mapping[str, Any]], now: datetime
) -> str:
    """The signed link token of an anonymous offer's invitation, writing its delivery the first
    time: the visitor answers now, with ``answers``, checked first so an offer is never
    recorded without an answer (:class:`InvalidAnswer` writes nothing). A link token is
    returned as it is."""
    if not is_offer_token(token):
        return token
    secret = link_secret(ws, now)
    offer = read_offer(secret, token, now)
    inv = offer.invitation_id
    with exclusive(ws.store, f"widget-offer:{inv}"), ws.store.transaction():
        if rows_where_in(ws.store, SURVEY_DELIVERIES_TABLE, "invitation_id", [inv]):
            return sign(secret, inv, offer.expires_at)
        survey = next((s for s in surveys(ws) if s.id == offer.survey_id), None)
        if survey is None or survey.via.sent:  # removed, paused or moved to a sent channel
            raise UnknownInvitation(f"survey {offer.survey_id} is no longer on the widget")
        check_answers(survey, answers)
        # a delivery (the visitor's budget remembers the answer) but no canonical invitation:
        # an id anyone can make up is not someone invited, and the response rate counts
        # invitations; what visitors were shown is in the counters
        write_deliveries(
            ws,
            [
                {
                    "delivery_key": f"{inv}:{survey.channel}",
                    "invitation_id": inv,
                    "customer_id": None,
                    "survey_id": survey.id,
                    "channel": survey.channel,
                    "language": offer.language,
                    "address": VISITOR + offer.visitor_id,
                    "created_at": now,
                    "expires_at": offer.expires_at,
                    "status": "shown",
                    "attempts": 1,
                    "sent_at": now,
                    "last_error": None,
                }
            ],
        )
    return sign(secret, inv, offer.expires_at)


def page_path(page_url: str) -> str:
    """What a counter keeps of the page: its path (no query, which may carry personal data)."""
    return (urlsplit(page_url).path or "/")[:MAX_PAGE]


def count_shown(
    ws: Context, survey_id: str, page_url: str, now: datetime, *, customer: bool
) -> None:
    """One more offer of ``survey_id`` shown on the page today (UTC)."""
    day, page = now.date(), page_path(page_url)
    visitor = "customer" if customer else "anonymous"
    key = f"{survey_id}|{day}|{visitor}|{page}"
    with exclusive(ws.store, "widget-offers"), ws.store.transaction():
        found = rows_where_in(ws.store, WIDGET_OFFERS_TABLE, "counter_key", [key], ["shown"])
        row: dict[str, Any] = {
            "counter_key": key,
            "survey_id": survey_id,
            "day": day,
            "page": page,
            "visitor": visitor,
            "shown": (int(found[0]["shown"]) if found else 0) + 1,
            "updated_at": now,
        }
        replace_rows(
            ws.store,
            WIDGET_OFFERS_TABLE,
            [row],
            "counter_key",
            WIDGET_OFFERS_SCHEMA,
            stored=[key] if found else [],
        )


def offers_shown(ws: Context) -> list[dict[str, Any]]:
    """Every counter: survey, day, page, visitor kind, shown (the funnel reads these)."""
    t = ws.store.table(WIDGET_OFFERS_TABLE)
    rows = t.order_by(["day", "survey_id", "visitor", "page"]).execute()
    return [
        {
            "survey_id": str(r["survey_id"]),
            "day": r["day"].date() if hasattr(r["day"], "date") else r["day"],
            "page": str(r["page"]),
            "visitor": str(r["visitor"]),
            "shown": int(r["shown"]),
        }
        for r in rows.to_dict("records")
    ]
