"""Signed survey links: tokens, answers through them, and unsubscribe.

A token is ``INVITATION.EXPIRY.SIGNATURE`` (HMAC-SHA256 over the first two with the
workspace's secret), so the link itself proves which invitation it answers and until when; no
guessable ids. One invitation has one response per question: answering again through the same
link updates the row (its id is derived from the invitation and the question).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import ibis

from cxpulse import schema
from cxpulse.errors import CxpulseError
from cxpulse.store.migrations import SURVEY_DELIVERIES_TABLE
from cxpulse.surveys.store import get_survey, link_secret

if TYPE_CHECKING:
    from cxpulse.workspace import Workspace

RESPONSE_TYPES = {"single_choice": "choice", "multiple_choice": "choice"}


class InvalidLink(CxpulseError, ValueError):
    """A survey link was altered, has expired, or answers an unknown invitation."""


def sign(secret: bytes, invitation_id: str, expires_at: datetime) -> str:
    body = f"{invitation_id}.{int(expires_at.replace(tzinfo=UTC).timestamp())}"
    return f"{body}.{_mac(secret, body)}"


def verify(secret: bytes, token: str, now: datetime, *, check_expiry: bool = True) -> str:
    """The invitation id a token stands for; :class:`InvalidLink` if altered or expired."""
    body, _, mac = token.rpartition(".")
    invitation_id, _, expiry = body.rpartition(".")
    if not invitation_id or not hmac.compare_digest(mac, _mac(secret, body)):
        raise InvalidLink(
            "this survey link is not valid (it was altered or cut); use the link from the "
            "email as it is"
        )
    if check_expiry and now.replace(tzinfo=UTC).timestamp() > int(expiry):
        raise InvalidLink("this survey link has expired; the survey is closed")
    return invitation_id


def _mac(secret: bytes, body: str) -> str:
    digest = hmac.new(secret, body.encode(), hashlib.sha256).digest()[:18]
    return base64.urlsafe_b64encode(digest).decode()


def _delivery(ws: Workspace, invitation_id: str) -> dict[str, Any]:
    t = ws.store.table(SURVEY_DELIVERIES_TABLE)
    rows = t.filter(t.invitation_id == invitation_id).limit(1).execute()
    if rows.empty:
        raise InvalidLink(f"invitation {invitation_id} is unknown in this workspace")
    return dict(rows.iloc[0])


def answer(
    ws: Workspace,
    token: str,
    question_id: str,
    now: datetime,
    *,
    score: int | None = None,
    comment: str | None = None,
    channel: str = "email",
) -> str:
    """Record (or update) the answer to one question; returns the response id.

    A score given alone counts at once; a comment sent later joins the same row."""
    invitation_id = verify(link_secret(ws, now), token, now)
    delivery = _delivery(ws, invitation_id)
    survey = get_survey(ws, str(delivery["survey_id"]))
    question = survey.question(question_id)
    if score is not None:
        low, high = question.scale if question.scored else (score, score)
        if not question.scored or not low <= score <= high:
            raise InvalidLink(f"score {score} is not an answer to {question_id} ({low}-{high})")
    tab = schema.table("survey_responses")
    response_id = f"{invitation_id}:{question_id}"
    r = ws.table("survey_responses")
    found = r.filter(r.response_id == response_id).execute()
    row: dict[str, Any] = {c: None for c in tab.names}
    if not found.empty:
        row.update({k: (None if _missing(v) else v) for k, v in found.iloc[0].items()})
    row.update(
        response_id=response_id,
        customer_id=delivery["customer_id"],
        survey_id=survey.id,
        invitation_id=invitation_id,
        question_id=question_id,
        question_type=RESPONSE_TYPES.get(question.type, question.type),
        scale_min=question.scale[0] if question.scored else None,
        scale_max=question.scale[1] if question.scored else None,
        polarity=question.polarity if question.scored else None,
        language=delivery["language"],
        channel=channel,
        touchpoint=survey.touchpoint,
        responded_at=now,
        source="cxpulse-survey",
    )
    if score is not None:
        row["score"] = score
    if comment is not None:
        row["comment"] = comment
    frame = ibis.memtable([row], schema=ibis.schema(tab.ibis_schema()))
    with ws.store.transaction():
        ws.store.con.upsert("survey_responses", frame, on="response_id")
    return response_id


def unsubscribe(ws: Workspace, token: str, now: datetime) -> str:
    """Honour an unsubscribe link at once: the customer's email consent becomes false.

    Expired links still unsubscribe (only the signature is required): refusing an opt-out
    because the survey closed would break the promise in the email."""
    invitation_id = verify(link_secret(ws, now), token, now, check_expiry=False)
    customer_id = str(_delivery(ws, invitation_id)["customer_id"])
    tab = schema.table("customers")
    c = ws.table("customers")
    found = c.filter(c.customer_id == customer_id).execute()
    row = {k: (None if _missing(v) else v) for k, v in found.iloc[0].items()}
    row["email_consent"] = False
    frame = ibis.memtable([row], schema=ibis.schema(tab.ibis_schema()))
    with ws.store.transaction():
        ws.store.con.upsert("customers", frame, on="customer_id")
    return customer_id


def _missing(value: Any) -> bool:
    try:
        return bool(value != value) or value is None  # NaN and NaT are not equal to themselves
    except (TypeError, ValueError):
        return False
