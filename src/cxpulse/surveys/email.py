"""The email channel: survey emails with score links, sent from the outbox over SMTP.

An invitation by email is an outbox row (kind ``survey_email``, :mod:`cxpulse.surveys.handoff`)
committed with the invitation; the message is built when it is sent (:func:`survey_email`), and
:mod:`cxpulse.store.outbox` gives it the claim, the retries with backoff and the crash safety
every message has.

The first question is answerable from the email itself: each score is a link carrying the
signed token, which opens the survey page with that score chosen and its follow-up question;
the person's Send records it. Opening a link records nothing, so a mail scanner that fetches
every link (some run a real browser) answers nothing and unsubscribes no one. The unsubscribe
link asks to confirm; mail clients unsubscribe in one click by POSTing to the same address
(``List-Unsubscribe`` and ``List-Unsubscribe-Post``, RFC 8058).
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import json
import os
import smtplib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from cxpulse.errors import ConfigError
from cxpulse.schema import SURVEY_DELIVERIES_TABLE
from cxpulse.settings import Settings
from cxpulse.store.keyed import rows_where_in
from cxpulse.store.outbox import PermanentFailure, process
from cxpulse.surveys.channels.email import SURVEY_EMAIL, Email
from cxpulse.surveys.definition import Survey
from cxpulse.surveys.links import InvalidLink, answer, sign
from cxpulse.surveys.store import get_survey, link_secret
from cxpulse.surveys.unsubscribe import unsubscribe

if TYPE_CHECKING:
    from cxpulse.context import Context

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
    """The survey email: a text part and an HTML part, both with the score links (a reminder
    is the same email, its subject prefixed)."""
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
    # mail clients show their own unsubscribe button, which POSTs to the https link (RFC 8058:
    # a POST, so a scanner fetching the link unsubscribes no one)
    msg["List-Unsubscribe"] = f"<{stop}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
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


def delivery_headers(msg: EmailMessage, key: str, sender: str) -> None:
    """Mark a message with its outbox key: ``X-Cxpulse-Delivery``, and a Message-ID derived
    from it, the same on every attempt, so a mail system can drop a repeat after a crash."""
    domain = sender.rpartition("@")[2] or "cxpulse.invalid"
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    msg["X-Cxpulse-Delivery"] = key
    msg["Message-ID"] = f"<{digest}.cxpulse@{domain}>"


def email_blocked(settings: Settings) -> str | None:
    """Why no email can be sent yet (they wait in the outbox), or None when they can."""
    if not settings.smtp_host:
        return "no SMTP server: cxpulse config set smtp_host smtp.example.com"
    if not settings.email_from:
        return "no sender: cxpulse config set email_from feedback@example.com"
    return None


class Mailer:
    """One SMTP session for a run of messages, opened at the first message (none when there is
    nothing to send) and opened again after a failure dropped it."""

    def __init__(self, settings: Settings, smtp: SmtpFactory = smtplib.SMTP) -> None:
        self._settings = settings
        self._smtp = smtp
        self._session: AbstractContextManager[smtplib.SMTP] | None = None
        self._server: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc: object) -> None:
        self._close()

    def send(self, msg: EmailMessage) -> None:
        """Hand ``msg`` to the server; a refusal for good (5xx) is a PermanentFailure, anything
        else (4xx, a dropped connection) an error worth retrying."""
        try:
            if self._server is None:
                self._session = smtp_session(self._settings, self._smtp)
                self._server = self._session.__enter__()
            refused = self._server.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            raise _refusal(exc.recipients) from exc
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code >= 500 and not isinstance(exc, smtplib.SMTPServerDisconnected):
                raise PermanentFailure(f"SMTP {exc.smtp_code} {exc.smtp_error!r}") from exc
            self._close()
            raise
        except (OSError, smtplib.SMTPException):
            self._close()  # the next message connects again
            raise
        if refused:
            raise _refusal(refused)

    def _close(self) -> None:
        session, self._session, self._server = self._session, None, None
        if session is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                session.__exit__(None, None, None)


def _refusal(recipients: dict[str, tuple[int, bytes]]) -> Exception:
    """Refused recipients: for good if every code is 5xx, else worth another try."""
    text = "; ".join(f"{who}: {code} {reply!r}" for who, (code, reply) in recipients.items())
    if all(code >= 500 for code, _ in recipients.values()):
        return PermanentFailure(f"refused: {text}")
    return smtplib.SMTPException(f"refused for now: {text}")


def survey_email(ws: Context, row: dict[str, Any], now: datetime) -> EmailMessage:
    """The email of an outbox row of kind ``survey_email``, built now from its delivery (so the
    link is signed with the workspace's secret and the settings of today)."""
    key = json.loads(str(row["payload"]))["delivery_key"]
    found = rows_where_in(ws.store, SURVEY_DELIVERIES_TABLE, "delivery_key", [key])
    if not found:
        raise PermanentFailure(f"survey delivery {key} no longer exists")
    delivery = found[0]
    if delivery["status"] == "unsubscribed":
        raise PermanentFailure("the customer unsubscribed before it was sent")
    if delivery["expires_at"] <= now:
        raise PermanentFailure("the survey closed before the email could be sent")
    try:
        survey = get_survey(ws, str(delivery["survey_id"]))
    except ConfigError as exc:
        raise PermanentFailure(str(exc)) from exc
    token = sign(link_secret(ws, now), str(delivery["invitation_id"]), delivery["expires_at"])
    reminder = str(delivery["delivery_key"]).endswith(":reminder")
    msg = build_message(
        ws.settings,
        survey,
        token,
        str(delivery["language"]),
        str(delivery["address"]),
        reminder=reminder,
    )
    delivery_headers(msg, str(row["outbox_key"]), ws.settings.email_from)
    return msg


def send_queued(
    ws: Context, now: datetime, smtp: SmtpFactory = smtplib.SMTP
) -> tuple[int, int, int]:
    """Send the survey emails due in the outbox (what `cxpulse surveys run` does after
    inviting; `cxpulse worker` sends them with everything else); returns (sent, failed for
    good, still queued). Until the SMTP server and the sender are set (:func:`email_blocked`),
    nothing is sent and the emails stay queued."""
    from cxpulse.surveys.handoff import queued, sync

    if email_blocked(ws.settings) is None:
        with Mailer(ws.settings, smtp) as mailer:
            process(
                ws.store, now, [SURVEY_EMAIL], lambda row: mailer.send(survey_email(ws, row, now))
            )
    sent, failed = sync(ws)
    return sent, failed, queued(ws, Email.name)


def follow_link(ws: Context, url: str, now: datetime) -> str:
    """Do what the person confirms on a survey link's page (record its score, or unsubscribe);
    returns what was done. Opening the link in a browser does neither by itself."""
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
