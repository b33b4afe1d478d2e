"""The worker: one tick syncs the live sources that are due, then runs survey triggers,
annotates the texts that arrived, runs the automation rules, due digests, the stored insights
and the outbox.

``run_once`` takes the time as an argument and ``run_forever`` takes the clock and the sleep,
so tests travel in time instead of waiting. The loop opens the workspace for each tick only:
DuckDB lets one process hold the file, and between ticks `cxpulse cases ack` must get in.
"""

from __future__ import annotations

import logging
import smtplib
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from cxpulse.automations.engine import RulesReport, run_rules
from cxpulse.automations.outbox import deliver, http_post
from cxpulse.errors import CxpulseError
from cxpulse.store.claim import exclusive
from cxpulse.store.outbox import Hold, OutboxReport
from cxpulse.surveys.channels import Post
from cxpulse.surveys.email import SmtpFactory
from cxpulse.surveys.run import RunReport, run_surveys

if TYPE_CHECKING:
    from cxpulse.workspace import Workspace

log = logging.getLogger("cxpulse.worker")


@dataclass
class Tick:
    now: datetime
    surveys: RunReport
    rules: RulesReport
    outbox: OutboxReport
    # phases that failed this tick, with why (the other phases still ran; the next tick
    # tries again): an SMTP server down, a rule misconfigured, the workspace busy
    errors: list[str] = field(default_factory=list)
    digests: int = 0  # digest messages queued this tick
    sources: list[str] = field(default_factory=list)  # one summary per source synced
    insights: bool = False  # the default insights run was computed and stored this tick
    texts: dict[str, int] = field(default_factory=dict)  # texts annotated per table

    def summary(self) -> str:
        s, o = self.surveys, self.outbox
        text = (
            f"{self.now:%Y-%m-%d %H:%M} surveys: {len(s.invited)} invited, {s.sent} sent, "
            f"{s.failed} failed, {s.queued} queued; rules: {len(self.rules.fired)} fired; "
            f"digests: {self.digests} queued; "
            f"outbox: {o.sent} sent, {o.retrying} retrying, {o.dead} dead"
        )
        if self.sources:
            text += "; sources: " + ", ".join(self.sources)
        if self.texts:
            text += "; text: " + ", ".join(f"{n:,} {t}" for t, n in self.texts.items())
        if self.rules.waiting:
            text += "; rules waiting: " + "; ".join(self.rules.waiting)
        if self.insights:
            text += "; insights: stored"
        return "; ".join([text, *(f"FAILED {e}" for e in self.errors)])


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def run_once(
    ws: Workspace,
    now: datetime,
    *,
    smtp: SmtpFactory = smtplib.SMTP,
    post: Post = http_post,
    hold: Hold = nullcontext,
    progress: Callable[[str], None] | None = None,
) -> Tick:
    """The live sources whose schedule is due, then survey triggers, then the texts that
    arrived (language, sentiment, themes), then rules on the new rows, then the digests whose
    period is due (on calendar boundaries in the workspace's zone), then the outbox (survey
    emails, webhook links, the rules' posts and emails, the digests), so a case opened by this
    tick's answers is posted in the same tick.

    Each phase runs even if an earlier one failed (its error is in :attr:`Tick.errors` and
    the log). ``hold`` is the context every store access runs in: the web server passes its
    workspace lock, which is let go while a message is on its way, so a slow SMTP server or
    webhook receiver never holds up pages and survey answers.

    Several workers may tick at once on PostgreSQL: the deciding phases (whom to invite, which
    rule fires) run one worker at a time, the sending phase in parallel, each message claimed
    by one worker (:mod:`cxpulse.store.outbox`). ``progress`` hears how far a long step has
    got (a backlog of texts to annotate); by default the log does."""
    from cxpulse.surveys import handoff
    from cxpulse.surveys.store import link_secret

    tick = Tick(now, RunReport(now), RulesReport(now), OutboxReport())

    def phase(name: str, step: Callable[[], None]) -> None:
        try:
            step()
        except Exception as exc:  # one phase's failure must not stop the others
            explained = ws.store.explain(exc)  # a missing privilege, a full disk: one line
            if explained is not None:
                log.error("worker: %s failed: %s", name, explained)
                exc = explained
            else:
                log.exception("worker: %s failed", name)
            tick.errors.append(f"{name}: {exc}")

    def pull() -> None:
        # first, so tickets solved since the last tick trigger their surveys in this one; the
        # vendors' answers are awaited without the lock, each page written under it
        from cxpulse.sources import sync_due

        reports, errors = sync_due(ws, now, hold=hold)
        tick.sources = [r.summary() for r in reports]
        tick.errors.extend(errors)

    def decide() -> None:
        with hold(), exclusive(ws.store, "surveys"):
            tick.surveys = run_surveys(ws, now, send=False)
            link_secret(ws, now)  # created once, here, not by two senders at the same time

    def annotate() -> None:
        # before the rules: a rule on a theme or a sentiment must judge every text that
        # arrived, by any path, before this tick. If this phase fails, those rules skip the
        # texts it left unannotated and say so (RulesReport.waiting), and fire on them at a
        # later tick once annotated, never on a text read as neutral
        from cxpulse.text.arrival import annotate_arrivals

        say = progress or (lambda line: log.info("worker: %s", line))
        done = annotate_arrivals(ws, hold=hold, progress=say)
        tick.texts = done.annotated

    def fire() -> None:
        with hold(), exclusive(ws.store, "rules"):
            tick.rules = run_rules(ws, now)
        tick.errors.extend(tick.rules.errors)

    def digest() -> None:
        from cxpulse.digests.outbox import queue_due

        due = queue_due(ws, now, hold=hold)  # its queries run on a reader of their own
        tick.digests = due.messages
        tick.errors.extend(due.errors)

    def refresh_insights() -> None:
        # the default insights run (the last complete month against the one before) is
        # stored when the data changed since it was computed, so the API and the dashboard
        # read it at once; unchanged data costs one query, survey answers alone at most one
        # run every insights_refresh_minutes. On a cursor of its own: its seconds of work
        # hold up no page or survey answer
        from cxpulse.errors import CxpulseError
        from cxpulse.insights.run import refresh_stored_insights

        with ws.reader(hold) as reader:
            try:
                tick.insights = refresh_stored_insights(reader, now, hold=hold)
            except CxpulseError as exc:  # nothing to look at yet (no complete period)
                log.debug("worker: no insights to store: %s", exc)

    def send() -> None:
        tick.outbox = deliver(ws, now, smtp=smtp, post=post, hold=hold)

    def settle() -> None:
        # one worker at a time copies outcomes back, so each delivery is counted once
        with hold(), exclusive(ws.store, "surveys"):
            sent, failed = handoff.sync(ws)
            tick.surveys.sent += sent
            tick.surveys.failed += failed
            tick.surveys.queued = handoff.queued(ws)  # every channel's

    phase("sources", pull)
    phase("surveys", decide)
    phase("text", annotate)
    phase("rules", fire)
    # the insights first: a monthly digest's findings are the default run stored here
    phase("insights", refresh_insights)
    phase("digests", digest)
    phase("outbox", send)
    phase("survey deliveries", settle)
    return tick


def run_forever(
    open_ws: Callable[[], Workspace],
    *,
    interval: float = 60.0,
    clock: Callable[[], datetime] = utc_now,
    sleep: Callable[[float], None] = time.sleep,
    report: Callable[[Tick], None] = lambda tick: None,
    ticks: int | None = None,
    stop: threading.Event | None = None,
    progress: Callable[[str], None] | None = None,
) -> int:
    """Tick every ``interval`` seconds (``ticks`` times, or until interrupted or ``stop`` is
    set); returns ticks.

    ``stop`` ends the loop between ticks, never inside one: a worker stopped in the middle of
    sending (a deploy's SIGTERM) would leave a claimed message to be sent again, with the
    same key, once its claim is stale. A tick that cannot even open the workspace (another
    process holds the DuckDB file for a moment: `cxpulse cases ack`) is reported and retried
    at the next interval, not fatal."""
    done = 0
    while (ticks is None or done < ticks) and not (stop is not None and stop.is_set()):
        now = clock()
        try:
            with open_ws() as ws:
                report(run_once(ws, now, progress=progress))
        except CxpulseError as exc:
            empty = Tick(
                now, RunReport(now), RulesReport(now), OutboxReport(), [f"workspace: {exc}"]
            )
            report(empty)
        done += 1
        if ticks is not None and done >= ticks:
            break
        if stop is not None:
            stop.wait(interval)
        else:
            sleep(interval)
    return done
