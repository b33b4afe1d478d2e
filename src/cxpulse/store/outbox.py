"""The outbox: messages (webhook posts, emails) sent at least once, never twice on purpose.

Every message cxpulse sends is first a row of ``automation_outbox`` with a unique key, written
in the same transaction as what decided to send it (a survey invitation, a rule firing). This
module sends those rows, whatever they carry; the senders of each kind live with their
channels (:mod:`cxpulse.surveys.email`, :mod:`cxpulse.automations.outbox`). Order of writes,
each committed before the next step:

1. **claim**: due rows become ``sending`` with ``claimed_at`` and one more attempt, in one
   transaction, so a second worker (or the next tick) does not take them;
2. **send**: the HTTP POST or the SMTP hand-off, outside any transaction and outside the
   caller's ``hold`` (the web server's workspace lock: a slow receiver must not stop pages);
3. **mark**: ``sent``, or back to ``pending`` with ``next_attempt_at`` after an exponential
   backoff, or ``dead`` after ``MAX_ATTEMPTS`` (or an answer no retry can fix).

A process that dies between 1 and 3 leaves the row ``sending``; it is claimed again once the
claim is older than ``CLAIM_TIMEOUT`` (far longer than a send may take), so nothing is lost.
If it died after the send itself, the receiver may get the message twice: every message
carries its unique key (``X-Cxpulse-Delivery``, and the Message-ID of emails) so the receiver
can drop the repeat.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cxpulse.schema import AUTOMATION_OUTBOX_TABLE, AUTOMATION_SCHEMAS
from cxpulse.store.claim import locked_rows
from cxpulse.store.connect import Store
from cxpulse.store.keyed import replace_rows

MAX_ATTEMPTS = 8
BACKOFF = timedelta(minutes=1)  # 1, 2, 4, ... minutes: about 2 hours over 8 attempts
CLAIM_TIMEOUT = timedelta(minutes=5)
CLAIM_BATCH = 20

Send = Callable[[dict[str, Any]], None]
Hold = Callable[[], AbstractContextManager[Any]]


class PermanentFailure(Exception):
    """A delivery the receiver refused for good (a 4xx, an expired survey): no retry."""


# what a send may raise to be tried again later (URLError and HTTPError are OSErrors)
TRANSIENT: tuple[type[Exception], ...] = (OSError, smtplib.SMTPException)


@dataclass
class OutboxReport:
    sent: int = 0
    retrying: int = 0
    dead: int = 0

    def add(self, other: OutboxReport) -> None:
        self.sent += other.sent
        self.retrying += other.retrying
        self.dead += other.dead


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after ``attempts`` failed ones."""
    factor: int = 2 ** max(attempts - 1, 0)
    return BACKOFF * factor


def claim(
    store: Store, now: datetime, kinds: Iterable[str], limit: int | None = None
) -> list[dict[str, Any]]:
    """Take up to ``limit`` due rows of ``kinds`` (committed before anything is sent). On
    PostgreSQL the rows are read ``FOR UPDATE SKIP LOCKED``, so concurrent workers take
    different rows."""
    t = store.table(AUTOMATION_OUTBOX_TABLE)
    due = ((t.status == "pending") & (t.next_attempt_at <= now)) | (
        (t.status == "sending") & (t.claimed_at <= now - CLAIM_TIMEOUT)
    )
    wanted = t.filter(due & t.kind.isin(list(kinds)))
    with locked_rows(store, wanted, "created_at", limit) as rows:
        claimed = [
            {str(k): v for k, v in r.items()}
            | {"status": "sending", "claimed_at": now, "attempts": int(r["attempts"]) + 1}
            for r in rows.to_dict("records")
        ]
        write(store, claimed)
    return claimed


def process(
    store: Store,
    now: datetime,
    kinds: Iterable[str],
    send: Send,
    *,
    hold: Hold = nullcontext,
    batch: int = CLAIM_BATCH,
) -> OutboxReport:
    """Claim, send and mark what is due of ``kinds``, ``batch`` rows at a time (so several
    workers share a long queue). ``send`` raises :class:`PermanentFailure` for a refusal no
    retry can fix and one of ``TRANSIENT`` for a failure worth retrying. Store work happens
    inside ``hold()``, sending outside it."""
    report = OutboxReport()
    kinds = list(kinds)
    while True:
        # a row leaves the due set once claimed: sending, then sent, dead or pending later
        with hold():
            rows = claim(store, now, kinds, batch)
        if not rows:
            return report
        for row in rows:
            outcome(row, now, send, report)
            # each outcome committed at once: a crash later in the batch resends only the
            # message in flight, not those already handed over
            with hold():
                write(store, [row])


def outcome(row: dict[str, Any], now: datetime, send: Send, report: OutboxReport) -> None:
    """Send one claimed row and set its outcome on it (written by the caller)."""
    try:
        send(row)
        row.update(status="sent", sent_at=now, last_error=None)
        report.sent += 1
    except PermanentFailure as exc:
        row.update(status="dead", last_error=str(exc)[:500])
        report.dead += 1
    except TRANSIENT as exc:
        if row["attempts"] >= MAX_ATTEMPTS:
            row.update(status="dead", last_error=str(exc)[:500])
            report.dead += 1
        else:
            row.update(status="pending", last_error=str(exc)[:500],
                       next_attempt_at=now + backoff(row["attempts"]))  # fmt: skip
            report.retrying += 1


def write(store: Store, rows: list[dict[str, Any]]) -> None:
    """Upsert outbox rows on their unique key, atomically (inside the caller's transaction,
    if any)."""
    schema = AUTOMATION_SCHEMAS[AUTOMATION_OUTBOX_TABLE]
    clean = [{c: (None if _missing(r.get(c)) else r.get(c)) for c in schema} for r in rows]
    replace_rows(store, AUTOMATION_OUTBOX_TABLE, clean, "outbox_key", schema)


def _missing(value: Any) -> bool:
    try:
        return value is None or bool(value != value)
    except (TypeError, ValueError):
        return False
