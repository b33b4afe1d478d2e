"""Several worker processes on one PostgreSQL workspace: every message goes out exactly once.

The workers are real processes (multiprocessing, spawn) ticking at the same moment against a
real PostgreSQL server, a real SMTP server (aiosmtpd) and a real HTTP receiver; the due work
is claimed with ``SELECT ... FOR UPDATE SKIP LOCKED`` (cxpulse.store.claim).
"""

from __future__ import annotations

import multiprocessing
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cxpulse import Workspace
from cxpulse.store import outbox
from cxpulse.store.claim import advisory_key, exclusive, locked_rows
from cxpulse.surveys.store import add_survey
from tests.automations.conftest import Hooks
from tests.automations.helpers import DETRACTOR, PROMOTER, T0, rule
from tests.conftest import add_rows
from tests.surveys.helpers import SUPPORT_CSAT, write
from tests.surveys.test_email import Inbox

WORKERS = 4
SURVEYED = 60  # customers with a solved ticket: one survey email each
DETRACTORS = 30  # NPS 0-6: one webhook each
PROMOTERS = 15  # NPS 9-10: one review-request email each (automation outbox)
NOW = T0 + timedelta(hours=25, minutes=1)

pytestmark = pytest.mark.slow


def tick(url: str, start: Any, now: datetime, done: Any) -> None:
    """One worker process: wait for the others, then two ticks a minute apart."""
    from cxpulse.automations import run_once

    with Workspace.open(url) as ws:
        start.wait(timeout=60)
        ticks = [run_once(ws, now), run_once(ws, now + timedelta(minutes=1))]
    done.put(
        {
            "surveys": sum(t.surveys.sent for t in ticks),
            "outbox": sum(t.outbox.sent for t in ticks),
            "fired": sum(len(t.rules.fired) for t in ticks),
            "failed": sum(t.surveys.failed + t.outbox.retrying + t.outbox.dead for t in ticks),
        }
    )


def busy_workspace(
    ws: Workspace,
    tmp: Path,
    smtp_port: int,
    hook_url: str,
    *,
    t0: datetime = T0,
    counts: tuple[int, int, int] = (SURVEYED, DETRACTORS, PROMOTERS),
    prefix: str = "c",
) -> None:
    """Customers with a ticket solved at ``t0`` (a survey email each, a day later), detractors
    (a webhook each) and promoters (a review-request email each), in that order of ``counts``."""
    surveyed, detractors, promoters = counts
    for key, value in {"smtp_host": "127.0.0.1", "smtp_port": str(smtp_port),
                       "smtp_starttls": "false", "email_from": "cx@acme.test",
                       "public_url": "https://cx.acme.test",
                       "review_url_trustpilot": "https://www.trustpilot.com/evaluate/acme.test",
                       }.items():  # fmt: skip
        ws.set_setting(key, value)
    people = surveyed + detractors + promoters
    add_rows(
        ws,
        "customers",
        [
            {"customer_id": f"{prefix}{i:03d}", "email": f"{prefix}{i:03d}@x.io",
             "email_consent": True, "language": "en", "segment": "smb",
             "created_at": t0 - timedelta(days=30)}
            for i in range(people)
        ],
    )  # fmt: skip
    add_survey(ws, write(tmp, "csat", SUPPORT_CSAT), t0)
    rule(ws, tmp, DETRACTOR, hook_url, at=t0)
    rule(ws, tmp, PROMOTER, at=t0)
    add_rows(
        ws,
        "tickets",
        [
            {"customer_id": f"{prefix}{i:03d}", "created_at": t0,
             "solved_at": t0 + timedelta(hours=1)}
            for i in range(surveyed)
        ],
    )  # fmt: skip
    answers = [(surveyed + i, 3) for i in range(detractors)]
    answers += [(surveyed + detractors + i, 10) for i in range(promoters)]
    add_rows(
        ws,
        "survey_responses",
        [
            {"customer_id": f"{prefix}{i:03d}", "score": score, "question_type": "nps",
             "responded_at": t0 + timedelta(hours=2)}
            for i, score in answers
        ],
    )  # fmt: skip


def test_concurrent_workers_send_every_message_exactly_once(
    pg_ws: Workspace,
    tmp_path: Path,
    inbox: tuple[Inbox, int],
    hooks: Hooks,
) -> None:
    box, port = inbox
    busy_workspace(pg_ws, tmp_path, port, hooks.url)
    url = pg_ws.store.location

    ctx = multiprocessing.get_context("spawn")
    start, done = ctx.Barrier(WORKERS), ctx.Queue()
    procs = [ctx.Process(target=tick, args=(url, start, NOW, done)) for _ in range(WORKERS)]
    for p in procs:
        p.start()
    for p in procs:  # the reports are a few bytes: the queue cannot hold a process back
        p.join(timeout=300)
        assert p.exitcode == 0, "a worker failed (its traceback is in the captured stderr)"
    reports = [done.get(timeout=10) for _ in procs]

    assert sum(r["failed"] for r in reports) == 0
    assert sum(r["fired"] for r in reports) == DETRACTORS + PROMOTERS  # each rule once per cause
    recipients = Counter(str(m["To"]) for m in box.messages)
    assert len(box.messages) == SURVEYED + PROMOTERS
    assert set(recipients.values()) == {1}, recipients.most_common(3)
    assert sum(r["surveys"] for r in reports) == SURVEYED
    keys = Counter(h["key"] for h in hooks.received)
    assert len(keys) == DETRACTORS and set(keys.values()) == {1}, keys.most_common(3)
    # every message, survey emails included, goes through the outbox: each sent by one worker
    assert sum(r["outbox"] for r in reports) == SURVEYED + DETRACTORS + PROMOTERS

    deliveries = pg_ws.store.table("survey_deliveries").execute()
    assert len(deliveries) == SURVEYED and set(deliveries.status) == {"sent"}
    assert set(deliveries.attempts) == {1}
    queue = pg_ws.store.table("automation_outbox").execute()
    assert len(queue) == SURVEYED + DETRACTORS + PROMOTERS and set(queue.status) == {"sent"}
    assert set(queue.attempts) == {1}


def test_a_row_claimed_by_one_worker_is_skipped_by_the_others(pg_url: str) -> None:
    """Deterministic: worker A holds its claim open while B claims; B gets the other rows."""
    with Workspace.init(pg_url) as setup:
        rows = [
            {"outbox_key": f"k{i}", "run_id": f"r{i}", "kind": "webhook", "target": "http://x",
             "payload": "{}", "created_at": T0 + timedelta(seconds=i), "status": "pending",
             "attempts": 0, "next_attempt_at": T0, "claimed_at": None, "sent_at": None,
             "last_error": None}
            for i in range(5)
        ]  # fmt: skip
        outbox.write(setup.store, rows)
    with Workspace.open(pg_url) as a, Workspace.open(pg_url) as b:
        t = a.store.table("automation_outbox")
        with locked_rows(a.store, t.filter(t.status == "pending"), "created_at", 2) as held:
            assert held.outbox_key.tolist() == ["k0", "k1"]
            taken = outbox.claim(b.store, NOW, ["webhook"], limit=10)
            assert [r["outbox_key"] for r in taken] == ["k2", "k3", "k4"]
        # A let go without changing its rows: they are due again, B's are now "sending"
        assert [r["outbox_key"] for r in outbox.claim(b.store, NOW, ["webhook"])] == ["k0", "k1"]
        assert outbox.claim(a.store, NOW, ["webhook"]) == []


def test_exclusive_phases_wait_for_each_other(pg_url: str) -> None:
    with Workspace.init(pg_url) as a, Workspace.open(pg_url) as b:
        raw = b.store.con.con  # type: ignore[attr-defined]
        try_lock = "SELECT pg_try_advisory_lock(%s)"
        with exclusive(a.store, "rules"):
            assert raw.execute(try_lock, (advisory_key("rules"),)).fetchone() == (False,)
        assert raw.execute(try_lock, (advisory_key("rules"),)).fetchone() == (True,)


DIGEST = """
name: weekly-cx
schedule: {every: week, day: monday}
recipients: [ana@acme.test, ben@acme.test]
sections: [cases_over_sla]
"""
MONDAY = datetime(2026, 11, 1, 23, 5)  # Monday 00:05 in Paris: week 44 is due


def digest_tick(url: str, start: Any, done: Any) -> None:
    from cxpulse.automations import run_once

    with Workspace.open(url) as ws:
        start.wait(timeout=60)
        tick = run_once(ws, MONDAY)
    done.put({"digests": tick.digests, "sent": tick.outbox.sent, "errors": tick.errors})


def test_concurrent_workers_queue_a_digest_once_per_recipient(
    pg_ws: Workspace, tmp_path: Path, inbox: tuple[Inbox, int]
) -> None:
    from cxpulse.digests.store import add_digest

    box, port = inbox
    for key, value in {"smtp_host": "127.0.0.1", "smtp_port": str(port),
                       "smtp_starttls": "false", "email_from": "cx@acme.test"}.items():  # fmt: skip
        pg_ws.set_setting(key, value)
    add_digest(pg_ws, write(tmp_path, "digest", DIGEST), MONDAY - timedelta(days=7))
    ctx = multiprocessing.get_context("spawn")
    start, done = ctx.Barrier(3), ctx.Queue()
    url = pg_ws.store.location
    procs = [ctx.Process(target=digest_tick, args=(url, start, done)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=300)
        assert p.exitcode == 0, "a worker failed (its traceback is in the captured stderr)"
    reports = [done.get(timeout=10) for _ in procs]
    assert [r["errors"] for r in reports] == [[], [], []]
    assert sum(r["digests"] for r in reports) == 2 and sum(r["sent"] for r in reports) == 2
    assert sorted(str(m["To"]) for m in box.messages) == ["ana@acme.test", "ben@acme.test"]
