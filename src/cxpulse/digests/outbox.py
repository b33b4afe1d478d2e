"""Digests through the outbox: queued once per digest, period and recipient, sent at least once.

Each message is an outbox row (:mod:`cxpulse.store.outbox`) whose unique key is
``digest:NAME:PERIOD:email:ADDRESS`` (or ``...:webhook:ENV``): a key already in the outbox is
never written again, so a second ``digests send`` or a worker tick that comes twice queues
nothing. The message is rendered when it is queued and kept whole in the row, so every retry
sends the same content with the same Message-ID and ``X-Cxpulse-Delivery``, and the outbox's
claim, backoff and crash safety apply as to every other message.

A webhook row's target is ``env:NAME``, never the URL (a credential): the sender reads the URL
from that environment variable at send time.
"""

from __future__ import annotations

import base64
import json
import os
import smtplib
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

from cxpulse.digests.compose import Composed, compose
from cxpulse.digests.definition import Digest
from cxpulse.digests.recipients import addresses
from cxpulse.digests.schedule import Period, due
from cxpulse.digests.store import stored_digests
from cxpulse.schema import AUTOMATION_OUTBOX_TABLE
from cxpulse.store.claim import exclusive
from cxpulse.store.keyed import rows_where_in
from cxpulse.store.outbox import Hold, OutboxReport, process, write
from cxpulse.surveys.channels import Post
from cxpulse.surveys.email import Mailer, SmtpFactory, delivery_headers, email_blocked

if TYPE_CHECKING:
    from cxpulse.context import Context
    from cxpulse.workspace import Workspace

DIGEST_EMAIL = "digest_email"
DIGEST_WEBHOOK = "digest_webhook"
KINDS = (DIGEST_EMAIL, DIGEST_WEBHOOK)
Send = Callable[[dict[str, Any]], None]


class MissingWebhookUrl(OSError):
    """The environment variable of a webhook is not set in this process: worth retrying (the
    worker may be restarted with it) until the outbox gives up."""


@dataclass(frozen=True)
class Message:
    key: str
    kind: str
    target: str
    language: str


@dataclass
class Queued:
    digest: str
    period: str
    queued: list[str] = field(default_factory=list)  # targets queued now
    already: int = 0  # messages of this digest and period already in the outbox

    def summary(self) -> str:
        return (f"{self.digest} {self.period}: {len(self.queued)} queued"
                + (f", {self.already} already queued before" if self.already else ""))  # fmt: skip


def messages(ws: Workspace, digest: Digest, period: Period) -> list[Message]:
    """Every message of ``digest`` for ``period``, with its outbox key."""
    head = f"digest:{digest.name}:{period.label}"
    out = []
    if digest.email:
        out += [Message(f"{head}:email:{a.email.lower()}", DIGEST_EMAIL, a.email, a.language)
                for a in addresses(ws, digest)]  # fmt: skip
    out += [Message(f"{head}:webhook:{env}", DIGEST_WEBHOOK, f"env:{env}", digest.language)
            for env in digest.webhooks]  # fmt: skip
    return out


def queue(
    ws: Workspace, digest: Digest, period: Period, now: datetime, *, hold: Hold = nullcontext
) -> Queued:
    """Queue the messages of ``digest`` for ``period`` not in the outbox yet, rendered only
    when there is one.

    ``hold``: the context store work runs in (the web server's workspace lock). The digest's
    queries run on a reader of their own (a DuckDB cursor) and its charts are drawn outside
    it, so seconds of work do not hold up survey answers; the keys are then checked again
    and the new rows written in one step, one process at a time (PostgreSQL workers), so a
    message queued meanwhile by another is never written over."""
    report = Queued(digest.name, period.label)
    with hold():
        wanted = messages(ws, digest, period)
        new = _missing(ws, wanted)
    report.already = len(wanted) - len(new)
    if not new:
        return report
    with ws.reader(hold) as reader:
        composed = compose(reader, digest, period, now)
        rows = [_row(composed, m, now) for m in new]
    with hold(), exclusive(ws.store, "digests"):
        still = {m.key for m in _missing(ws, new)}
        rows = [r for r in rows if r["outbox_key"] in still]
        with ws.store.transaction():
            write(ws.store, rows)
    report.queued = [r["target"] for r in rows]
    report.already = len(wanted) - len(rows)
    return report


def _missing(ws: Workspace, wanted: list[Message]) -> list[Message]:
    keys = [m.key for m in wanted]
    there = {r["outbox_key"] for r in rows_where_in(
        ws.store, AUTOMATION_OUTBOX_TABLE, "outbox_key", keys, ["outbox_key"])}  # fmt: skip
    return [m for m in wanted if m.key not in there]


def _row(composed: Composed, m: Message, now: datetime) -> dict[str, Any]:
    if m.kind == DIGEST_EMAIL:
        mail = composed.email(m.language)
        payload: dict[str, Any] = {
            "subject": mail.subject,
            "text": mail.text,
            "html": mail.html,
            "charts": [
                {"name": c.name, "alt": c.alt, "png": base64.b64encode(c.png).decode()}
                for c in mail.charts
            ],
        }
    else:
        payload = composed.slack(m.language)
    return {
        "outbox_key": m.key,
        "run_id": f"digest:{composed.digest.name}:{composed.period.label}",
        "kind": m.kind,
        "target": m.target,
        "payload": json.dumps(payload),
        "created_at": now,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
    }


def outcomes(ws: Context, digest: Digest, period: Period) -> list[dict[str, Any]]:
    """Where each message of ``digest`` for ``period`` stands in the outbox: target, status
    (pending, sending, sent, dead), attempts and the last error."""
    t = ws.store.table(AUTOMATION_OUTBOX_TABLE)
    run_id = f"digest:{digest.name}:{period.label}"
    cols = ("target", "status", "attempts", "last_error")
    rows = t.filter(t.run_id == run_id).order_by("outbox_key").select(*cols).execute()
    return [{k: (None if v != v else v) for k, v in r.items()} for r in rows.to_dict("records")]


@dataclass
class DueReport:
    queued: list[Queued] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def messages(self) -> int:
        return sum(len(q.queued) for q in self.queued)


def queue_due(ws: Workspace, now: datetime, *, hold: Hold = nullcontext) -> DueReport:
    """Queue every stored digest whose period is due at ``now`` (what the worker runs at each
    tick; ``hold`` as for :func:`queue`). A digest that fails (a section's query) is reported
    and the others still go."""
    report = DueReport()
    with hold():
        stored = stored_digests(ws)
    for digest, added in stored:
        period = due(digest.schedule, added, now, ws.settings.zone)
        if period is None:
            continue
        try:
            done = queue(ws, digest, period, now, hold=hold)
        except Exception as exc:  # one digest's failure must not stop the others
            report.errors.append(f"digest {digest.name}: {exc}")
            continue
        if done.queued:
            report.queued.append(done)
    return report


# -- sending ----------------------------------------------------------------------------------
def email_message(row: dict[str, Any], sender: str) -> EmailMessage:
    """The email of a queued digest row: plain text, HTML and its charts as related images
    (``cid:`` links), marked with the row's key."""
    payload = json.loads(str(row["payload"]))
    msg = EmailMessage()
    msg["Subject"] = payload["subject"]
    msg["From"] = sender
    msg["To"] = str(row["target"])
    delivery_headers(msg, str(row["outbox_key"]), sender)
    msg.set_content(payload["text"])
    msg.add_alternative(payload["html"], subtype="html")
    html_part = msg.get_body(("html",))
    if not isinstance(html_part, EmailMessage):  # what add_alternative made just above
        raise TypeError("the digest email has no HTML part")
    for chart in payload["charts"]:
        png, name = base64.b64decode(chart["png"]), chart["name"]
        html_part.add_related(png, "image", "png", cid=f"<{name}>", filename=f"{name}.png")
    return msg


def post_webhook(row: dict[str, Any], post: Post) -> None:
    env = str(row["target"]).removeprefix("env:")
    url = os.environ.get(env, "")
    if not url:
        raise MissingWebhookUrl(f"environment variable {env} (the webhook's URL) is not set")
    headers = {"Content-Type": "application/json", "User-Agent": "cxpulse",
               "X-Cxpulse-Delivery": str(row["outbox_key"])}  # fmt: skip
    post(url, str(row["payload"]).encode(), headers)


def senders(ws: Context, mailer: Mailer, post: Post) -> dict[str, Send]:
    """How each digest row is sent (the worker's outbox adds them to its own); emails once
    the SMTP server and the sender are set, until then they wait."""
    out: dict[str, Send] = {DIGEST_WEBHOOK: lambda row: post_webhook(row, post)}
    if email_blocked(ws.settings) is None:
        sender = ws.settings.email_from
        out[DIGEST_EMAIL] = lambda row: mailer.send(email_message(row, sender))
    return out


def send_queued(
    ws: Workspace,
    now: datetime,
    *,
    smtp: SmtpFactory = smtplib.SMTP,
    post: Post,
    hold: Hold = nullcontext,
) -> OutboxReport:
    """Send the digest messages due in the outbox (what `cxpulse digests send` does after
    queuing; the worker sends them with everything else). ``post``: the HTTP poster
    (:func:`cxpulse.automations.outbox.http_post`, the layer above)."""
    with Mailer(ws.settings, smtp) as mailer:
        mine = senders(ws, mailer, post)
        return process(ws.store, now, list(mine), lambda row: mine[str(row["kind"])](row),
                       hold=hold)  # fmt: skip
