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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cxpulse import schema
from cxpulse.accounts.passwords import same_secret
from cxpulse.errors import ConfigError, CxpulseError
from cxpulse.schema import SURVEY_DELIVERIES_TABLE
from cxpulse.store.keyed import replace_rows, rows_where_in
from cxpulse.surveys.definition import Question, Survey
from cxpulse.surveys.store import SurveyShelf, get_survey, link_secret

if TYPE_CHECKING:
    from cxpulse.context import Context

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
    if not invitation_id or not same_secret(mac, _mac(secret, body)):
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


def delivery_of(ws: Context, invitation_id: str) -> dict[str, Any]:
    t = ws.store.table(SURVEY_DELIVERIES_TABLE)
    rows = t.filter(t.invitation_id == invitation_id).order_by("created_at").limit(1).execute()
    if rows.empty:
        raise UnknownInvitation(f"invitation {invitation_id} is unknown in this workspace")
    return dict(rows.iloc[0])


def answer(
    ws: Context,
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


@dataclass(frozen=True)
class Recorded:
    """What one submission stored: its response ids, and the survey as the customer now sees
    it (:func:`survey_view`, with every answer of the invitation), for the thank-you page."""

    response_ids: list[str]
    view: dict[str, Any]


def respond(
    ws: Context,
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
    return outcome.response_ids


def respond_many(
    ws: Context,
    submissions: Sequence[Submission],
    now: datetime,
    *,
    secret: bytes | None = None,
    surveys: SurveyShelf | None = None,
) -> list[Recorded | InvalidLink]:
    """:func:`respond` for many links at once, in one transaction: what each submission
    recorded, or the :class:`InvalidLink` that refused it (a refused one writes nothing, the
    others still count). The same three reads and one write serve a batch of one or of a
    thousand, which is how the response endpoint keeps up under load
    (:mod:`cxpulse.surveys.intake`). A caller that keeps them passes the workspace's link
    ``secret`` (it never changes once made) and a :class:`~cxpulse.surveys.store.SurveyShelf`
    of the parsed ``surveys``."""
    outcomes: list[Recorded | InvalidLink | None] = [None] * len(submissions)
    invitations = _verified(secret or link_secret(ws, now), submissions, now, outcomes)
    checked = _checked(ws, submissions, invitations, outcomes, surveys or SurveyShelf())
    if checked:
        # every answer already given to these invitations: merged into, and shown on the page
        given = rows_where_in(
            ws.store, "survey_responses", "invitation_id", {a.invitation_id for a in checked}
        )
        rows: dict[str, dict[str, Any]] = {str(row["response_id"]): row for row in given}
        stored = set(rows)
        recorded = {a.index: _merge(a, submissions[a.index].channel, now, rows) for a in checked}
        _write(ws, rows, {rid for ids in recorded.values() for rid in ids}, stored)
        for a, view in zip(checked, _views(checked, rows.values()), strict=True):
            outcomes[a.index] = Recorded(recorded[a.index], view)
    return _filled(outcomes)


@dataclass(frozen=True)
class _Accepted:
    """A submission whose link and answers passed every check: what to write."""

    index: int  # in the batch
    survey: Survey
    delivery: dict[str, Any]
    answers: list[tuple[Question, dict[str, Any]]]

    @property
    def invitation_id(self) -> str:
        return str(self.delivery["invitation_id"])

    @property
    def language(self) -> str:
        return str(self.delivery["language"])


def _verified(
    secret: bytes,
    submissions: Sequence[Submission],
    now: datetime,
    outcomes: list[Recorded | InvalidLink | None],
) -> list[str | None]:
    """The invitation of each submission's link, or None (and its refusal in ``outcomes``)."""
    invitations: list[str | None] = []
    for i, sub in enumerate(submissions):
        try:
            invitations.append(verify(secret, sub.token, now))
        except InvalidLink as exc:
            invitations.append(None)
            outcomes[i] = exc
    return invitations


def _checked(
    ws: Context,
    submissions: Sequence[Submission],
    invitations: Sequence[str | None],
    outcomes: list[Recorded | InvalidLink | None],
    surveys: SurveyShelf,
) -> list[_Accepted]:
    """The submissions of known invitations to active surveys with answers that fit them;
    the refusal of each other one goes to ``outcomes``."""
    wanted = {inv for inv in invitations if inv is not None}
    if not wanted:
        return []
    deliveries = _deliveries(ws, wanted)
    active = surveys.active(ws, {str(d["survey_id"]) for d in deliveries.values()})
    accepted: list[_Accepted] = []
    for i, (sub, inv) in enumerate(zip(submissions, invitations, strict=True)):
        if inv is None:
            continue
        try:
            delivery = deliveries.get(inv)
            if delivery is None:
                raise UnknownInvitation(f"invitation {inv} is unknown in this workspace")
            survey = active.get(str(delivery["survey_id"]))
            if survey is None:
                raise UnknownInvitation(f"the survey of invitation {inv} no longer exists")
            accepted.append(_Accepted(i, survey, delivery, check_answers(survey, sub.answers)))
        except InvalidLink as exc:
            outcomes[i] = exc
    return accepted


def _merge(
    accepted: _Accepted, channel: str | None, now: datetime, rows: dict[str, dict[str, Any]]
) -> list[str]:
    """Merge one submission's answers into ``rows`` (by response id); returns their ids.
    Later submissions in the batch update earlier ones, as separate posts would."""
    survey, delivery = accepted.survey, accepted.delivery
    invitation_id = accepted.invitation_id
    customer = delivery["customer_id"]
    names = schema.table("survey_responses").names
    ids = []
    for question, values in accepted.answers:
        response_id = f"{invitation_id}:{question.id}"
        row = rows.get(response_id) or {c: None for c in names}
        row.update(
            response_id=response_id,
            customer_id=None if missing(customer) else customer,
            survey_id=survey.id,
            invitation_id=invitation_id,
            question_id=question.id,
            question_type=RESPONSE_TYPES.get(question.type, question.type),
            scale_min=question.scale[0] if question.scored else None,
            scale_max=question.scale[1] if question.scored else None,
            polarity=question.polarity if question.scored else None,
            language=delivery["language"],
            channel=channel or survey.invitation_channel,
            touchpoint=survey.touchpoint,
            responded_at=now,
            source=schema.SURVEY_SENDER,  # the one provenance of what cxpulse asked
        )
        row.update(values)
        rows[response_id] = row
        ids.append(response_id)
    return ids


def _views(
    accepted: Sequence[_Accepted], rows: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The survey as each customer now sees it, with every answer of their invitation."""
    by_invitation: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        by_invitation.setdefault(str(row["invitation_id"]), []).append(row)
    return [
        _view(a.survey, a.invitation_id, a.language, by_invitation[a.invitation_id])
        for a in accepted
    ]


def _write(
    ws: Context, rows: dict[str, dict[str, Any]], written: set[str], stored: set[str]
) -> None:
    """Store the ``written`` response rows (``stored``: the ids already in the table)."""
    tab = schema.table("survey_responses")
    replace_rows(
        ws.store,
        "survey_responses",
        [{c: rows[rid].get(c) for c in tab.names} for rid in sorted(written)],
        "response_id",
        tab.ibis_schema(),
        stored=stored & written,
    )


def _filled(outcomes: list[Recorded | InvalidLink | None]) -> list[Recorded | InvalidLink]:
    """The outcomes once each submission has one (an empty slot is a bug, not a refusal)."""
    done = [o for o in outcomes if o is not None]
    if len(done) != len(outcomes):
        raise RuntimeError("a survey submission was neither recorded nor refused")
    return done


def _deliveries(ws: Context, invitation_ids: set[str]) -> dict[str, dict[str, Any]]:
    """The first delivery of each invitation (a reminder is a later delivery of the same)."""
    rows = rows_where_in(
        ws.store,
        SURVEY_DELIVERIES_TABLE,
        "invitation_id",
        invitation_ids,
        ["invitation_id", "survey_id", "customer_id", "language", "created_at"],
    )
    first: dict[str, dict[str, Any]] = {}
    for row in sorted(rows, key=lambda r: r["created_at"]):
        first.setdefault(str(row["invitation_id"]), row)
    return first


def check_answers(
    survey: Survey, answers: Mapping[str, Mapping[str, Any]]
) -> list[tuple[Question, dict[str, Any]]]:
    """Each answered question with the checked values to write; :class:`InvalidAnswer` (and
    nothing to write) when any answer does not fit the survey, or none is given."""
    if not answers:
        raise InvalidAnswer("no answer given; send at least one question's score or comment")
    return [_check(survey, qid, given) for qid, given in answers.items()]


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


def survey_for_token(
    ws: Context,
    token: str,
    now: datetime,
    *,
    proposed: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """What a response page (or the widget) shows for a signed link: the questions in the
    customer's language, their follow-ups, and the answers already given. ``proposed``
    answers (the score clicked in the email) are checked as :func:`respond` would check them
    (:class:`InvalidAnswer`) but never written: the page shows them chosen, and only the
    person's own post records them, so a scanner opening the link records nothing."""
    invitation_id = verify(link_secret(ws, now), token, now)
    delivery = delivery_of(ws, invitation_id)
    survey = get_survey(ws, str(delivery["survey_id"]))
    if proposed is not None:
        check_answers(survey, proposed)
    return survey_view(ws, survey, invitation_id, str(delivery["language"]))


def survey_view(ws: Context, survey: Survey, invitation_id: str, language: str) -> dict[str, Any]:
    given = rows_where_in(ws.store, "survey_responses", "invitation_id", [invitation_id])
    return _view(survey, invitation_id, language, given)


def _view(
    survey: Survey, invitation_id: str, language: str, given: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    answers = {
        str(row["question_id"]): {
            "score": None if missing(row["score"]) else int(row["score"]),
            "comment": None if missing(row["comment"]) else str(row["comment"]),
        }
        for row in given
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


def missing(value: Any) -> bool:
    """None, NaN or NaT (a value a delivery row does not hold)."""
    try:
        return bool(value != value) or value is None  # NaN and NaT are not equal to themselves
    except (TypeError, ValueError):
        return False
