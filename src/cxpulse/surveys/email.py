"""The email channel: survey emails with one-click scores, sent from the outbox over SMTP.

The first question is answerable from the email itself: each score is a link carrying the
signed token. The same links are followed by :func:`follow_link` (the web app's response page
calls it too), so a click records the score at once even if the page is never completed.
"""

from __future__ import annotations

import html
import os
import smtplib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import ibis

from cxpulse.errors import ConfigError
from cxpulse.settings import Settings
from cxpulse.store.claim import locked_rows
from cxpulse.store.migrations import SURVEY_DELIVERIES_TABLE, SURVEY_OPERATIONAL_SCHEMAS
from cxpulse.surveys.definition import Survey
from cxpulse.surveys.links import InvalidLink, answer, sign, unsubscribe
from cxpulse.surveys.store import get_survey, link_secret

if TYPE_CHECKING:
    from cxpulse.workspace import Workspace

SmtpFactory = Callable[[str, int], smtplib.SMTP]
UNSUBSCRIBE = {"en": "Unsubscribe from surveys", "fr": "Ne plus recevoir d'enquêtes"}
REMINDER = {"en": "Reminder: ", "fr": "Rappel : "}


def score_url(settings: Settings, token: str, question_id: str, score: int) -> str:
    return f"{settings.public_url.rstrip('/')}/s/{token}?q={question_id}&score={score}"


def unsubscribe_url(settings: Settings, token: str) -> str:
    return f"{settings.public_url.rstrip('/')}/s/{token}/unsubscribe"


def build_message(
    settings: Settings,
    survey: Survey,
    token: str,
    language: str,
    address: str,
    *,
    reminder: bool = False,
) -> EmailMessage:
    """The survey email: a text part and an HTML part, both with the one-click scores (a
    reminder is the same email, its subject prefixed)."""
    first = survey.questions[0]
    question = first.text.get(language) or first.text["en"]
    intro = survey.intro.get(language) or survey.intro.get("en", "")
    scores = list(range(first.scale[0], first.scale[1] + 1)) if first.scored else []
    links = [(n, score_url(settings, token, first.id, n)) for n in scores]
    stop = unsubscribe_url(settings, token)
    stop_label = UNSUBSCRIBE.get(language, UNSUBSCRIBE["en"])
    text = "\n".join(
        [intro, "", question, "", *(f"{n}: {url}" for n, url in links), "", f"{stop_label}: {stop}"]
    ).strip()
    cells = "".join(
        f'<a href="{html.escape(url)}" style="padding:6px 10px">{n}</a>' for n, url in links
    )
    body = (
        f"<p>{html.escape(intro)}</p><p><strong>{html.escape(question)}</strong></p>"
        f"<p>{cells}</p>"
        f'<p style="font-size:small"><a href="{html.escape(stop)}">'
        f"{html.escape(stop_label)}</a></p>"
    )
    msg = EmailMessage()
    subject = survey.subject.get(language) or survey.subject["en"]
    msg["Subject"] = f"{REMINDER.get(language, REMINDER['en'])}{subject}" if reminder else subject
    msg["From"] = settings.email_from
    msg["To"] = address
    msg["List-Unsubscribe"] = f"<{stop}>"  # mail clients show their own unsubscribe button
    msg.set_content(text)
    msg.add_alternative(f"<html><body>{body}</body></html>", subtype="html")
    return msg


@contextmanager
def smtp_session(settings: Settings, smtp: SmtpFactory = smtplib.SMTP) -> Iterator[smtplib.SMTP]:
    """A connected, logged-in SMTP session from the workspace settings (automations send their
    emails through it too, so there is one place that knows how to reach the server)."""
    with smtp(settings.smtp_host, settings.smtp_port) as server:
        if settings.smtp_starttls:
            server.starttls()
        if settings.smtp_user:
            server.login(settings.smtp_user, os.environ.get(settings.smtp_password_env, ""))
        yield server


def _pending(ws: Workspace, now: datetime) -> Any:
    t = ws.store.table(SURVEY_DELIVERIES_TABLE)
    return t.filter((t.status == "pending") & (t.channel == "email") & (t.expires_at > now))


CLAIM_BATCH = 50  # emails one worker locks at a time: the others take the next ones


def send_pending(
    ws: Workspace, now: datetime, smtp: SmtpFactory = smtplib.SMTP
) -> tuple[int, int, int]:
    """Send every pending, unexpired survey email; returns (sent, failed, still queued).

    Without ``smtp_host`` nothing is sent and the emails stay queued. Several workers may send
    at once (PostgreSQL): each batch stays locked by one of them until its outcome is written
    (:mod:`cxpulse.store.claim`), so no email goes out twice."""
    if not ws.settings.smtp_host:
        return 0, 0, int(_pending(ws, now).count().execute())
    sent = failed = 0
    while True:
        with locked_rows(ws.store, _pending(ws, now), "created_at", CLAIM_BATCH) as rows:
            if rows.empty:
                return sent, failed, 0
            done = _send_claimed(ws, now, rows, smtp)
        sent, failed = sent + done[0], failed + done[1]


def _send_claimed(ws: Workspace, now: datetime, rows: Any, smtp: SmtpFactory) -> tuple[int, int]:
    s = ws.settings
    if not s.email_from:
        raise ConfigError("set the sender first: cxpulse config set email_from feedback@you.com")
    secret = link_secret(ws, now)
    sent = failed = 0
    updates = []
    with smtp_session(s, smtp) as server:
        for row in rows.to_dict("records"):
            survey = get_survey(ws, row["survey_id"])
            token = sign(secret, row["invitation_id"], row["expires_at"].to_pydatetime())
            reminder = str(row["delivery_key"]).endswith(":reminder")
            msg = build_message(
                s, survey, token, row["language"], row["address"], reminder=reminder
            )
            try:
                server.send_message(msg)
                row.update(status="sent", sent_at=now, last_error=None)
                sent += 1
            except smtplib.SMTPException as exc:  # one refused address must not stop the rest
                row.update(status="failed", last_error=str(exc)[:500])
                failed += 1
            row["attempts"] = int(row["attempts"]) + 1
            updates.append(row)
    schema = ibis.schema(SURVEY_OPERATIONAL_SCHEMAS[SURVEY_DELIVERIES_TABLE])
    inv = ws.table("survey_invitations")
    delivered = {u["invitation_id"]: u["status"] == "sent" for u in updates}
    invitations = inv.filter(inv.invitation_id.isin(list(delivered))).execute()
    # the canonical invitation says whether it reached the server (response_rate's denominator)
    invitations["delivered"] = invitations.invitation_id.map(delivered)
    with ws.store.transaction():
        ws.store.con.upsert(
            SURVEY_DELIVERIES_TABLE, ibis.memtable(updates, schema=schema), on="delivery_key"
        )
        ws.store.con.upsert(
            "survey_invitations",
            ibis.memtable(invitations, schema=inv.schema()),
            on="invitation_id",
        )
    return sent, failed


def follow_link(ws: Workspace, url: str, now: datetime) -> str:
    """Act on a survey link (a score click or an unsubscribe); returns what was done."""
    parts = urlsplit(url)
    segments = [p for p in parts.path.split("/") if p]
    if len(segments) < 2 or segments[0] != "s":
        raise InvalidLink(f"{url} is not a cxpulse survey link")
    token = segments[1]
    if segments[2:] == ["unsubscribe"]:
        return f"unsubscribed {unsubscribe(ws, token, now)}"
    query = parse_qs(parts.query)
    try:
        question, score = query["q"][0], int(query["score"][0])
    except (KeyError, ValueError):
        raise InvalidLink(f"{url} has no question and score (q=...&score=...)") from None
    return f"recorded {answer(ws, token, question, now, score=score)}"
