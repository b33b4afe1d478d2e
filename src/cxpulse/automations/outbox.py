"""Send the outbox: webhook posts, automation emails, survey deliveries and digests.

The claim / send / mark protocol (crash safety, backoff, several workers) is
:mod:`cxpulse.store.outbox`; this module knows how each kind of row is sent. Survey deliveries
are sent as their channel says, each channel of the workspace's registry adding its senders (a
survey email, kind ``survey_email``, is built at send time by :mod:`cxpulse.surveys.email`).
"""

from __future__ import annotations

import json
import smtplib
import urllib.error
import urllib.request
from contextlib import nullcontext
from datetime import datetime
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

from cxpulse.digests.outbox import senders as digest_senders
from cxpulse.store.outbox import Hold, OutboxReport, PermanentFailure, process
from cxpulse.surveys.channels import CHANNELS, Post, Send, Transports
from cxpulse.surveys.channels.webhook import WEBHOOK
from cxpulse.surveys.email import Mailer, SmtpFactory, delivery_headers, email_blocked

if TYPE_CHECKING:
    from cxpulse.context import Context

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
    ws: Context,
    now: datetime,
    *,
    smtp: SmtpFactory = smtplib.SMTP,
    post: Post = http_post,
    hold: Hold = nullcontext,
) -> OutboxReport:
    """Claim and send what is due; emails once the SMTP server and the sender are set (until
    then they wait in the outbox). ``hold``: a context the store work runs in (the web
    server's lock), left while a message is on its way. Survey deliveries are sent as their
    channel says (:meth:`~cxpulse.surveys.channels.Channel.senders`, each channel of the
    workspace's registry), over the same SMTP session and HTTP poster."""
    with Mailer(ws.settings, smtp) as mailer:
        out = Transports(mailer, post, hold)
        senders: dict[str, Send] = {WEBHOOK: out.post_json}
        if email_blocked(ws.settings) is None:
            senders["email"] = lambda row: mailer.send(_email(ws, row))
        for channel in ws.kinds[CHANNELS]:
            senders.update(channel.senders(ws, now, out))
        senders.update(digest_senders(ws, mailer, post))

        def send(row: dict[str, Any]) -> None:
            senders[str(row["kind"])](row)

        return process(ws.store, now, list(senders), send, hold=hold)


def _email(ws: Context, row: dict[str, Any]) -> EmailMessage:
    payload = json.loads(row["payload"])
    msg = EmailMessage()
    msg["Subject"] = payload["subject"]
    msg["From"] = ws.settings.email_from
    msg["To"] = row["target"]
    delivery_headers(msg, str(row["outbox_key"]), ws.settings.email_from)
    msg.set_content(payload["text"])
    return msg
