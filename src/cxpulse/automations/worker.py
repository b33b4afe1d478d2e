"""The worker: one tick runs survey triggers, automation rules and the outbox.

``run_once`` takes the time as an argument and ``run_forever`` takes the clock and the sleep,
so tests travel in time instead of waiting. The loop opens the workspace for each tick only:
DuckDB lets one process hold the file, and between ticks `cxpulse cases ack` must get in.
"""

from __future__ import annotations

import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from cxpulse.automations.engine import RulesReport, run_rules
from cxpulse.automations.outbox import OutboxReport, Post, deliver, http_post
from cxpulse.store.claim import exclusive
from cxpulse.surveys.email import SmtpFactory
from cxpulse.surveys.run import RunReport, run_surveys

if TYPE_CHECKING:
    from cxpulse.workspace import Workspace


@dataclass
class Tick:
    now: datetime
    surveys: RunReport
    rules: RulesReport
    outbox: OutboxReport

    def summary(self) -> str:
        s, o = self.surveys, self.outbox
        return (
            f"{self.now:%Y-%m-%d %H:%M} surveys: {len(s.invited)} invited, {s.sent} sent, "
            f"{s.failed} failed; rules: {len(self.rules.fired)} fired; outbox: {o.sent} sent, "
            f"{o.retrying} retrying, {o.dead} dead"
        )


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def run_once(
    ws: Workspace, now: datetime, *, smtp: SmtpFactory = smtplib.SMTP, post: Post = http_post
) -> Tick:
    """Survey triggers (and their emails), then rules on the new rows, then the outbox, so a
    case opened by this tick's answers is posted in the same tick.

    Several workers may tick at once on PostgreSQL: the deciding phases (whom to invite, which
    rule fires) run one worker at a time, the sending phases in parallel, each message claimed
    by one worker (:mod:`cxpulse.store.claim`)."""
    from cxpulse.surveys.email import send_pending
    from cxpulse.surveys.store import link_secret

    with exclusive(ws.store, "surveys"):
        surveys = run_surveys(ws, now, send=False)
        link_secret(ws, now)  # created once, here, not by two senders at the same time
    surveys.sent, surveys.failed, surveys.queued = send_pending(ws, now, smtp)
    with exclusive(ws.store, "rules"):
        rules = run_rules(ws, now)
    outbox = deliver(ws, now, smtp=smtp, post=post)
    return Tick(now, surveys, rules, outbox)


def run_forever(
    open_ws: Callable[[], Workspace],
    *,
    interval: float = 60.0,
    clock: Callable[[], datetime] = utc_now,
    sleep: Callable[[float], None] = time.sleep,
    report: Callable[[Tick], None] = lambda tick: None,
    ticks: int | None = None,
) -> int:
    """Tick every ``interval`` seconds (``ticks`` times, or until interrupted); returns ticks."""
    done = 0
    while ticks is None or done < ticks:
        with open_ws() as ws:
            report(run_once(ws, clock()))
        done += 1
        if ticks is None or done < ticks:
            sleep(interval)
    return done
