"""Send the outbox: webhook posts, automation emails and survey emails.

The claim / send / mark protocol (crash safety, backoff, several workers) is
:mod:`cxpulse.store.outbox`; this module knows how each kind of row is sent. Survey emails
(kind ``survey_email``) are built by their channel, :mod:`cxpulse.surveys.email`, at send time.
"""

from __future__ import annotations

import json
import smtplib
import urllib.error
import urllib.request
from collections.abc import Callable
from contextlib import nullcontext
from datetime import datetime
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

from cxpulse.store.outbox import Hold, OutboxReport, PermanentFailure, process
from cxpulse.surveys.email import (
    SURVEY_EMAIL,
    Mailer,
    SmtpFactory,
    delivery_headers,
    email_blocked,
    survey_email,
)

if TYPE_CHECKING:
    from cxpulse.workspace import Workspace

Post = Callable[[str, bytes, dict[str, str]], int]
HTTP_TIMEOUT = 10.0


def http_post(url: str, body: bytes, headers: dict[str, str]) -> int:
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=HTTP_TIMEOUT) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        if 400 <= exc.code < 500 and exc.code not in (408, 429):
            raise PermanentFailure(f"HTTP {exc.code} {exc.reason}") from exc
        raise


def deliver(
    ws: Workspace,
    now: datetime,
    *,
    smtp: SmtpFactory = smtplib.SMTP,
    post: Post = http_post,
    hold: Hold = nullcontext,
) -> OutboxReport:
    """Claim and send what is due; emails once the SMTP server and the sender are set (until
    then they wait in the outbox). ``hold``: a context the store work runs in (the web
    server's lock), left while a message is on its way."""
    kinds = ["webhook"]
    if email_blocked(ws.settings) is None:
        kinds += ["email", SURVEY_EMAIL]
    with Mailer(ws.settings, smtp) as mailer:

        def send(row: dict[str, Any]) -> None:
            if row["kind"] == "webhook":
                _post(row, post)
            elif row["kind"] == SURVEY_EMAIL:
                with hold():  # reads the delivery and the survey
                    msg = survey_email(ws, row, now)
                mailer.send(msg)
            else:
                mailer.send(_email(ws, row))

        return process(ws.store, now, kinds, send, hold=hold)


def _post(row: dict[str, Any], post: Post) -> None:
    headers = {"Content-Type": "application/json", "User-Agent": "cxpulse",
               "X-Cxpulse-Delivery": str(row["outbox_key"])}  # fmt: skip
    post(str(row["target"]), str(row["payload"]).encode(), headers)


def _email(ws: Workspace, row: dict[str, Any]) -> EmailMessage:
    payload = json.loads(row["payload"])
    msg = EmailMessage()
    msg["Subject"] = payload["subject"]
    msg["From"] = ws.settings.email_from
    msg["To"] = row["target"]
    delivery_headers(msg, str(row["outbox_key"]), ws.settings.email_from)
    msg.set_content(payload["text"])
    return msg
