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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import ibis

from cxpulse import schema
from cxpulse.errors import ConfigError, CxpulseError
from cxpulse.store.migrations import AUTOMATION_OUTBOX_TABLE, SURVEY_DELIVERIES_TABLE
from cxpulse.surveys.definition import Question, Survey
from cxpulse.surveys.store import get_survey, link_secret
from cxpulse.surveys.store import surveys as _stored_surveys

if TYPE_CHECKING:
    from cxpulse.workspace import Workspace

RESPONSE_TYPES = {"single_choice": "choice", "multiple_choice": "choice"}
MAX_COMMENT = 10_000


class InvalidLink(CxpulseError, ValueError):
    """A survey link was altered, has expired, or answers an unknown invitation."""


class TamperedLink(InvalidLink):
    """The signature does not match: the link was altered or cut (HTTP 400/403)."""


class ExpiredLink(InvalidLink):
    """A genuine link whose survey has closed (HTTP 410)."""


class UnknownInvitation(InvalidLink):
    """A genuinely signed link whose invitation is not in this workspace (HTTP 404)."""


class InvalidAnswer(InvalidLink):
    """A valid link with an answer the survey cannot take (unknown question, out of scale)."""


def sign(secret: bytes, invitation_id: str, expires_at: datetime) -> str:
    body = f"{invitation_id}.{int(expires_at.replace(tzinfo=UTC).timestamp())}"
    return f"{body}.{_mac(secret, body)}"


def verify(secret: bytes, token: str, now: datetime, *, check_expiry: bool = True) -> str:
    """The invitation id a token stands for; :class:`TamperedLink` if altered,
    :class:`ExpiredLink` if expired (both are :class:`InvalidLink`)."""
    body, _, mac = token.rpartition(".")
    invitation_id, _, expiry = body.rpartition(".")
    if not invitation_id or not hmac.compare_digest(mac, _mac(secret, body)):
        raise TamperedLink(
            "this survey link is not valid (it was altered or cut); use the link from the "
            "email as it is"
        )
    if check_expiry and now.replace(tzinfo=UTC).timestamp() > int(expiry):
        raise ExpiredLink("this survey link has expired; the survey is closed")
    return invitation_id


def _mac(secret: bytes, body: str) -> str:
    digest = hmac.new(secret, body.encode(), hashlib.sha256).digest()[:18]
    return base64.urlsafe_b64encode(digest).decode()


def _delivery(ws: Workspace, invitation_id: str) -> dict[str, Any]:
    t = ws.store.table(SURVEY_DELIVERIES_TABLE)
    rows = t.filter(t.invitation_id == invitation_id).order_by("created_at").limit(1).execute()
    if rows.empty:
        raise UnknownInvitation(f"invitation {invitation_id} is unknown in this workspace")
    return dict(rows.iloc[0])


def answer(
    ws: Workspace,
    token: str,
    question_id: str,
    now: datetime,
    *,
    score: int | None = None,
    comment: str | None = None,
    channel: str | None = None,
) -> str:
    """Record (or update) the answer to one question; returns the response id.

    A score given alone counts at once; a comment sent later joins the same row."""
    answers = {question_id: {"score": score, "comment": comment}}
    return respond(ws, token, answers, now, channel=channel)[0]


@dataclass(frozen=True)
class Submission:
    """Answers posted through one signed link (see :func:`respond`)."""

    token: str
    answers: Mapping[str, Mapping[str, Any]]
    channel: str | None = None


def respond(
    ws: Workspace,
    token: str,
    answers: Mapping[str, Mapping[str, Any]],
    now: datetime,
    *,
    channel: str | None = None,
) -> list[str]:
    """Record the answers posted through a signed link: ``{question_id: {"score": 4,
    "comment": "...", "choice": "..."}}`` (any key may be left out). Returns the response ids.

    Every answer is checked before any is written, so a bad one changes nothing. A question
    answered again through the same link updates its row (the id is invitation:question), and
    what was not sent again is kept: a score stays when only the comment follows. Refused:
    :class:`TamperedLink`, :class:`ExpiredLink`, :class:`UnknownInvitation`,
    :class:`InvalidAnswer` (all :class:`InvalidLink`, a ValueError)."""
    (outcome,) = respond_many(ws, [Submission(token, answers, channel)], now)
    if isinstance(outcome, InvalidLink):
        raise outcome
    return outcome


def respond_many(
    ws: Workspace,
    submissions: Sequence[Submission],
    now: datetime,
    *,
    secret: bytes | None = None,
) -> list[list[str] | InvalidLink]:
    """:func:`respond` for many links at once, in one transaction: each submission's response
    ids, or the :class:`InvalidLink` that refused it (a refused one writes nothing, the others
    still count). The same few queries answer a batch of one or of a thousand, which is how
    the response endpoint keeps up under load (:mod:`cxpulse.surveys.intake`). ``secret``:
    the workspace's link secret, when the caller keeps it (it never changes once made)."""
    secret = secret or link_secret(ws, now)
    outcomes: list[list[str] | InvalidLink] = []
    invitations: list[str | None] = []
    for sub in submissions:
        try:
            invitations.append(verify(secret, sub.token, now))
        except InvalidLink as exc:
            invitations.append(None)
            outcomes.append(exc)
        else:
            outcomes.append([])
    wanted = sorted({inv for inv in invitations if inv is not None})
    deliveries = _deliveries(ws, wanted) if wanted else {}
    by_id = {s.id: s for s in _stored_surveys(ws)} if wanted else {}
    checked: list[tuple[int, Survey, dict[str, Any], list[tuple[Question, dict[str, Any]]]]] = []
    for i, (sub, inv) in enumerate(zip(submissions, invitations, strict=True)):
        if inv is None:
            continue
        try:
            delivery = deliveries.get(inv)
            if delivery is None:
                raise UnknownInvitation(f"invitation {inv} is unknown in this workspace")
            survey = by_id.get(str(delivery["survey_id"]))
            if survey is None:
                raise UnknownInvitation(f"the survey of invitation {inv} no longer exists")
            if not sub.answers:
                raise InvalidAnswer(
                    "no answer given; send at least one question's score or comment"
                )
            answers = [_check(survey, qid, given) for qid, given in sub.answers.items()]
        except InvalidLink as exc:
            outcomes[i] = exc
            continue
        checked.append((i, survey, delivery, answers))
    if not checked:
        return outcomes

    tab = schema.table("survey_responses")
    ids = sorted(
        {f"{d['invitation_id']}:{q.id}" for _, _, d, answers in checked for q, _ in answers}
    )
    r = ws.table("survey_responses")
    rows: dict[str, dict[str, Any]] = {
        str(row["response_id"]): {k: (None if _missing(v) else v) for k, v in row.items()}
        for row in r.filter(r.response_id.isin(ids)).execute().to_dict("records")
    }
    recorded: dict[int, list[str]] = {}
    for i, survey, delivery, answers in checked:
        invitation_id = str(delivery["invitation_id"])
        customer = delivery["customer_id"]
        channel = submissions[i].channel or survey.invitation_channel
        for question, values in answers:
            response_id = f"{invitation_id}:{question.id}"
            # later submissions in the batch update earlier ones, as separate posts would
            row = rows.get(response_id) or {c: None for c in tab.names}
            row.update(
                response_id=response_id,
                customer_id=None if _missing(customer) else customer,
                survey_id=survey.id,
                invitation_id=invitation_id,
                question_id=question.id,
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
            row.update(values)
            rows[response_id] = row
            recorded.setdefault(i, []).append(response_id)
    written = [rows[rid] for rid in ids]
    frame = ibis.memtable(written, schema=ibis.schema(tab.ibis_schema()))
    with ws.store.transaction():
        ws.store.con.upsert("survey_responses", frame, on="response_id")
    return [recorded.get(i, outcome) for i, outcome in enumerate(outcomes)]


def _deliveries(ws: Workspace, invitation_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The first delivery of each invitation (a reminder is a later delivery of the same)."""
    t = ws.store.table(SURVEY_DELIVERIES_TABLE)
    rows = t.filter(t.invitation_id.isin(invitation_ids)).order_by("created_at").execute()
    first: dict[str, dict[str, Any]] = {}
    for row in rows.to_dict("records"):
        first.setdefault(str(row["invitation_id"]), row)
    return first


def _check(
    survey: Survey, question_id: str, given: Mapping[str, Any]
) -> tuple[Question, dict[str, Any]]:
    """The question and the checked values to write (only those given)."""
    try:
        question = survey.question(question_id)
    except ConfigError:
        known = ", ".join(q.id for q in survey.questions)
        raise InvalidAnswer(
            f"survey {survey.id} has no question {question_id!r} ({known})"
        ) from None
    unknown = sorted(set(given) - {"score", "comment", "choice"})
    if unknown:
        raise InvalidAnswer(
            f"{question_id}: unknown answer field {unknown[0]!r}; use score, comment, choice"
        )
    values: dict[str, Any] = {}
    score, comment, choice = given.get("score"), given.get("comment"), given.get("choice")
    if score is not None:
        low, high = question.scale if question.scored else (0, 0)
        if (
            isinstance(score, bool)
            or not isinstance(score, int)
            or not question.scored
            or not low <= score <= high
        ):
            scale = f"{low}-{high}" if question.scored else "not a scored question"
            raise InvalidAnswer(f"score {score!r} is not an answer to {question_id} ({scale})")
        values["score"] = score
    if comment is not None:
        if not isinstance(comment, str) or len(comment) > MAX_COMMENT:
            raise InvalidAnswer(
                f"{question_id}: a comment is text of at most {MAX_COMMENT} characters"
            )
        values["comment"] = comment
    if choice is not None:
        values["comment"] = _choice(question, choice)
    return question, values


def _choice(question: Question, choice: Any) -> str:
    """A choice answer, stored as the English text(s) of the chosen option(s) in ``comment``."""
    picked = [choice] if isinstance(choice, str) else choice
    if question.type not in RESPONSE_TYPES or not isinstance(picked, list) or not picked:
        raise InvalidAnswer(f"{question.id} does not take a choice")
    if question.type == "single_choice" and len(picked) != 1:
        raise InvalidAnswer(f"{question.id} takes one choice")
    english = []
    for p in picked:
        match = next((c["en"] for c in question.choices if p in c.values()), None)
        if match is None:
            raise InvalidAnswer(f"{p!r} is not one of the choices of {question.id}")
        english.append(match)
    return " | ".join(english)


def survey_for_token(ws: Workspace, token: str, now: datetime) -> dict[str, Any]:
    """What a response page (or the widget) shows for a signed link: the questions in the
    customer's language, their follow-ups, and the answers already given."""
    invitation_id = verify(link_secret(ws, now), token, now)
    delivery = _delivery(ws, invitation_id)
    survey = get_survey(ws, str(delivery["survey_id"]))
    return survey_view(ws, survey, invitation_id, str(delivery["language"]))


def survey_view(ws: Workspace, survey: Survey, invitation_id: str, language: str) -> dict[str, Any]:
    r = ws.table("survey_responses")
    given = r.filter(r.invitation_id == invitation_id).execute()
    answers = {
        str(row.question_id): {
            "score": None if _missing(row.score) else int(row.score),
            "comment": None if _missing(row.comment) else str(row.comment),
        }
        for row in given.itertuples(index=False)
    }
    return {
        "survey": survey.id,
        "invitation_id": invitation_id,
        "language": language,
        "intro": survey.intro.get(language) or survey.intro.get("en", ""),
        "questions": [_question_view(q, language) for q in survey.questions],
        "answers": answers,
    }


def _question_view(q: Question, language: str) -> dict[str, Any]:
    return {
        "id": q.id,
        "type": q.type,
        "text": q.text.get(language) or q.text["en"],
        "scale": list(q.scale) if q.scored else None,
        "polarity": q.polarity if q.scored else None,
        "choices": [c.get(language) or c["en"] for c in q.choices],
        "follow_up": [
            {"scores": [f.low, f.high], "text": f.text.get(language) or f.text["en"]}
            for f in q.follow_up
        ],
    }


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
        _cancel_pending(ws, customer_id)
    return customer_id


def _cancel_pending(ws: Workspace, customer_id: str) -> None:
    """Nothing queued for this customer goes out any more (a reminder, an email waiting for
    the SMTP server, a webhook post waiting for a retry)."""
    quoted = customer_id.replace("'", "''")
    ws.store.con.raw_sql(
        f"UPDATE {SURVEY_DELIVERIES_TABLE} SET status = 'unsubscribed' "
        f"WHERE customer_id = '{quoted}' AND status IN ('pending', 'queued')"
    )
    ws.store.con.raw_sql(
        f"UPDATE {AUTOMATION_OUTBOX_TABLE} SET status = 'dead', last_error = 'unsubscribed' "
        f"WHERE status = 'pending' AND run_id IN (SELECT 'survey:' || invitation_id "
        f"FROM {SURVEY_DELIVERIES_TABLE} WHERE customer_id = '{quoted}')"
    )


def _missing(value: Any) -> bool:
    try:
        return bool(value != value) or value is None  # NaN and NaT are not equal to themselves
    except (TypeError, ValueError):
        return False
