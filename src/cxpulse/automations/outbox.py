"""Send the automation outbox (webhooks, review-request emails) at least once, never twice
on purpose.

Order of writes, each committed before the next step:

1. **claim**: due rows become ``sending`` with ``claimed_at`` and one more attempt, in one
   transaction, so a second worker (or the next tick) does not take them;
2. **send**: the HTTP POST or the SMTP hand-off;
3. **mark**: ``sent``, or back to ``pending`` with ``next_attempt_at`` after an exponential
   backoff, or ``dead`` after ``MAX_ATTEMPTS`` (or a 4xx answer no retry can fix).

A process that dies between 1 and 3 leaves the row ``sending``; it is claimed again once the
claim is older than ``CLAIM_TIMEOUT`` (far longer than a send may take), so nothing is lost.
If it died after the send itself, the receiver may get the message twice: every webhook carries
its unique ``X-Cxpulse-Delivery`` key so the receiver can drop the repeat.
"""

from __future__ import annotations

import json
import smtplib
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

import ibis

from cxpulse.store.claim import locked_rows
from cxpulse.store.migrations import AUTOMATION_OUTBOX_TABLE, AUTOMATION_SCHEMAS
from cxpulse.surveys.email import SmtpFactory, smtp_session

if TYPE_CHECKING:
    from cxpulse.workspace import Workspace

Post = Callable[[str, bytes, dict[str, str]], int]
MAX_ATTEMPTS = 8
BACKOFF = timedelta(minutes=1)  # 1, 2, 4, ... minutes: about 2 hours over 8 attempts
CLAIM_TIMEOUT = timedelta(minutes=5)
CLAIM_BATCH = 20
HTTP_TIMEOUT = 10.0


class PermanentFailure(Exception):
    """A delivery the receiver refused for good (4xx): retrying cannot help."""


def http_post(url: str, body: bytes, headers: dict[str, str]) -> int:
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=HTTP_TIMEOUT) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        if 400 <= exc.code < 500 and exc.code not in (408, 429):
            raise PermanentFailure(f"HTTP {exc.code} {exc.reason}") from exc
        raise


@dataclass
class OutboxReport:
    sent: int = 0
    retrying: int = 0
    dead: int = 0


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after ``attempts`` failed ones."""
    factor: int = 2 ** max(attempts - 1, 0)
    return BACKOFF * factor


def claim(
    ws: Workspace, now: datetime, kinds: list[str], limit: int | None = None
) -> list[dict[str, Any]]:
    """Take up to ``limit`` due rows (committed before anything is sent). On PostgreSQL the
    rows are read ``FOR UPDATE SKIP LOCKED``, so concurrent workers take different rows."""
    t = ws.store.table(AUTOMATION_OUTBOX_TABLE)
    due = ((t.status == "pending") & (t.next_attempt_at <= now)) | (
        (t.status == "sending") & (t.claimed_at <= now - CLAIM_TIMEOUT)
    )
    with locked_rows(ws.store, t.filter(due & t.kind.isin(kinds)), "created_at", limit) as rows:
        claimed = [
            {str(k): v for k, v in r.items()}
            | {"status": "sending", "claimed_at": now, "attempts": int(r["attempts"]) + 1}
            for r in rows.to_dict("records")
        ]
        _write(ws, claimed)
    return claimed


def deliver(
    ws: Workspace, now: datetime, *, smtp: SmtpFactory = smtplib.SMTP, post: Post = http_post
) -> OutboxReport:
    """Claim and send what is due; emails only when an SMTP host is set."""
    kinds = ["webhook", "email"] if ws.settings.smtp_host else ["webhook"]
    report = OutboxReport()
    # small batches, so that several workers share a long queue; a row leaves the due set
    # once claimed (sending, then sent, dead or pending with a later next_attempt_at)
    while batch := claim(ws, now, kinds, CLAIM_BATCH):
        for row in batch:
            _send(ws, row, now, report, smtp, post)
    return report


def _send(
    ws: Workspace,
    row: dict[str, Any],
    now: datetime,
    report: OutboxReport,
    smtp: SmtpFactory,
    post: Post,
) -> None:
    """Send one claimed row and write its outcome."""
    try:
        if row["kind"] == "webhook":
            _post(row, post)
        else:
            _email(ws, row, smtp)
        row.update(status="sent", sent_at=now, last_error=None)
        report.sent += 1
    except PermanentFailure as exc:
        row.update(status="dead", last_error=str(exc)[:500])
        report.dead += 1
    except (OSError, smtplib.SMTPException) as exc:  # URLError and HTTPError are OSErrors
        if row["attempts"] >= MAX_ATTEMPTS:
            row.update(status="dead", last_error=str(exc)[:500])
            report.dead += 1
        else:
            row.update(status="pending", last_error=str(exc)[:500],
                       next_attempt_at=now + backoff(row["attempts"]))  # fmt: skip
            report.retrying += 1
    with ws.store.transaction():
        _write(ws, [row])


def _post(row: dict[str, Any], post: Post) -> None:
    headers = {"Content-Type": "application/json", "User-Agent": "cxpulse",
               "X-Cxpulse-Delivery": str(row["outbox_key"])}  # fmt: skip
    post(str(row["target"]), str(row["payload"]).encode(), headers)


def _email(ws: Workspace, row: dict[str, Any], smtp: SmtpFactory) -> None:
    payload = json.loads(row["payload"])
    msg = EmailMessage()
    msg["Subject"] = payload["subject"]
    msg["From"] = ws.settings.email_from
    msg["To"] = row["target"]
    msg["X-Cxpulse-Delivery"] = str(row["outbox_key"])
    msg.set_content(payload["text"])
    with smtp_session(ws.settings, smtp) as server:
        server.send_message(msg)


def _write(ws: Workspace, rows: list[dict[str, Any]]) -> None:
    if rows:
        schema = ibis.schema(AUTOMATION_SCHEMAS[AUTOMATION_OUTBOX_TABLE])
        clean = [{k: (None if _missing(v) else v) for k, v in r.items()} for r in rows]
        ws.store.con.upsert(AUTOMATION_OUTBOX_TABLE, ibis.memtable(clean, schema=schema),
                            on="outbox_key")  # fmt: skip


def _missing(value: Any) -> bool:
    try:
        return value is None or bool(value != value)
    except (TypeError, ValueError):
        return False
