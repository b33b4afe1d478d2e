"""The worker with a real SMTP server and a real HTTP receiver; time travels, nobody sleeps."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from cxpulse import Workspace
from cxpulse.automations import add_rule, cases, move, run_forever, run_once
from cxpulse.automations.worker import Tick
from cxpulse.errors import WorkspaceLockedError
from cxpulse.surveys.email import follow_link
from cxpulse.surveys.store import add_survey
from tests.automations.conftest import Hooks
from tests.automations.helpers import CSAT_LOW, DETRACTOR, PROMOTER, T0, people, rule
from tests.automations.test_rules import nps
from tests.conftest import add_rows
from tests.surveys.helpers import SUPPORT_CSAT, write
from tests.surveys.test_email import Inbox

RESURVEY = """
id: after-case
touchpoint: support
subject: {en: "Did we fix it?", fr: "Avons-nous réglé le problème ?"}
trigger: {event: case_resolved, delay: 2 days}
fatigue: exempt
questions:
  - {id: fixed, type: csat, points: 5, text: {en: "Is it sorted now?", fr: "Est-ce réglé ?"}}
"""


def smtp_settings(ws: Workspace, port: int) -> None:
    for key, value in {"smtp_host": "127.0.0.1", "smtp_port": str(port), "smtp_starttls": "false",
                       "email_from": "cx@acme.test",
                       "public_url": "https://cx.acme.test"}.items():  # fmt: skip
        ws.set_setting(key, value)


def outbox(ws: Workspace) -> list[tuple[str, int]]:
    rows = ws.store.table("automation_outbox").execute()
    return [(r.status, int(r.attempts)) for r in rows.itertuples()]


def test_ticket_to_survey_to_case_to_webhook_to_resurvey(
    ws: Workspace, tmp_path: Path, inbox: tuple[Inbox, int], hooks: Hooks
) -> None:
    box, port = inbox
    smtp_settings(ws, port)
    people(ws)
    add_survey(ws, write(tmp_path, "csat", SUPPORT_CSAT), T0)
    rule(ws, tmp_path, CSAT_LOW, hooks.url)
    add_rows(ws, "tickets", [{"customer_id": "bob", "created_at": T0,
                              "solved_at": T0 + timedelta(hours=1)}])  # fmt: skip

    assert run_once(ws, T0 + timedelta(hours=2)).surveys.sent == 0  # not 24 hours yet
    assert run_once(ws, T0 + timedelta(hours=25, minutes=1)).surveys.sent == 1
    (msg,) = box.messages
    page = msg.get_body(("html",))
    assert page is not None and msg["To"] == "b@x.io"
    links = [u.replace("&amp;", "&") for u in re.findall(r'href="([^"]+)"', page.get_content())]
    three = next(u for u in links if u.endswith("score=3"))
    assert follow_link(ws, three, T0 + timedelta(hours=26)).startswith("recorded")

    tick = run_once(ws, T0 + timedelta(hours=26, minutes=1))
    assert [f.customer_id for f in tick.rules.fired] == ["bob"] and tick.outbox.sent == 1
    (case,) = cases(ws).itertuples()
    assert (case.owner, case.team, case.cause_type) == ("ana", "cx", "csat_unsatisfied")
    (hook,) = hooks.received
    assert hook["body"]["event"] == "case_opened" and hook["body"]["case_id"] == case.case_id
    assert hook["body"]["detail"]["score"] == 3 and hook["key"].startswith("csat-case:")

    later = T0 + timedelta(hours=30)
    for state in ("acknowledged", "contacted"):
        move(ws, case.case_id, state, later)
    move(ws, case.case_id, "resolved", later, root_cause="slow reply")
    events = ws.store.table("survey_events").execute()
    assert [(e.name, e.customer_id) for e in events.itertuples()] == [("case_resolved", "bob")]
    assert run_once(ws, later + timedelta(hours=1)).rules.fired == []  # nothing fires twice
    assert len(hooks.received) == 1 and len(box.messages) == 1

    # the re-survey two days after the resolution goes out, though bob was asked 3 days ago
    # (the budget allows one survey per 30 days: the follow-up is exempt from it)
    add_survey(ws, write(tmp_path, "again", RESURVEY), later)
    assert run_once(ws, later + timedelta(days=1)).surveys.sent == 0  # not 2 days yet
    tick = run_once(ws, later + timedelta(days=2, minutes=1))
    assert tick.surveys.sent == 1 and not tick.errors
    again = box.messages[-1]
    assert again["To"] == "b@x.io" and again["Subject"] == "Did we fix it?"
    # the outbox key on the message, and a Message-ID made from it: a repeat can be dropped
    key = again["X-Cxpulse-Delivery"]
    assert key.startswith("survey:INV") and key.endswith(":email")
    assert again["Message-ID"].endswith(".cxpulse@acme.test>")


def test_crash_between_claim_and_send_loses_nothing_and_sends_once(
    ws: Workspace, tmp_path: Path, hooks: Hooks
) -> None:
    people(ws)
    rule(ws, tmp_path, DETRACTOR, hooks.url)
    nps(ws, "bob", 2, 1)
    t = T0 + timedelta(hours=2)

    class Killed(BaseException):
        """The process dies (not an error a worker phase could catch and report)."""

    def killed(url: str, body: bytes, headers: dict[str, str]) -> int:
        raise Killed  # after the claim committed, before any byte left

    with pytest.raises(Killed):
        run_once(ws, t, post=killed)
    assert outbox(ws) == [("sending", 1)]
    assert run_once(ws, t + timedelta(minutes=1)).outbox.sent == 0  # claim still fresh
    assert run_once(ws, t + timedelta(minutes=6)).outbox.sent == 1  # stale claim taken over
    assert run_once(ws, t + timedelta(minutes=20)).outbox.sent == 0
    assert len(hooks.received) == 1 and outbox(ws) == [("sent", 2)]


def test_webhook_retries_with_backoff_after_500(
    ws: Workspace, tmp_path: Path, hooks: Hooks
) -> None:
    people(ws)
    rule(ws, tmp_path, DETRACTOR.replace("format: json", "format: slack"), hooks.url)
    nps(ws, "bob", 2, 1)
    hooks.fail_next = [500, 500]
    t = T0 + timedelta(hours=2)
    assert run_once(ws, t).outbox.retrying == 1
    nxt = ws.store.table("automation_outbox").next_attempt_at.execute().iloc[0]
    assert nxt == t + timedelta(minutes=1)
    assert run_once(ws, t + timedelta(seconds=30)).outbox.retrying == 0  # not due yet
    assert run_once(ws, t + timedelta(minutes=1)).outbox.retrying == 1  # 500 again: 2 min
    assert run_once(ws, t + timedelta(minutes=2)).outbox.sent == 0
    assert run_once(ws, t + timedelta(minutes=3)).outbox.sent == 1
    (hook,) = hooks.received
    assert set(hook["body"]) == {"text"} and "case CASE-" in hook["body"]["text"]
    assert outbox(ws) == [("sent", 3)]


def test_promoter_gets_a_review_request_email(
    ws: Workspace, tmp_path: Path, inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    smtp_settings(ws, port)
    ws.set_setting("review_url_trustpilot", "https://www.trustpilot.com/evaluate/acme.test")
    people(ws)
    rule(ws, tmp_path, PROMOTER)
    nps(ws, "alice", 10, 1)
    assert run_once(ws, T0 + timedelta(hours=2)).outbox.sent == 1
    (msg,) = box.messages
    assert msg["To"] == "a@x.io" and msg["Subject"].startswith("Merci")
    assert "https://www.trustpilot.com/evaluate/acme.test" in msg.get_content()


def test_loop_with_an_injected_clock(tmp_path: Path) -> None:
    path = tmp_path / "loop.duckdb"
    Workspace.init(path).close()
    times = iter([T0, T0 + timedelta(minutes=1), T0 + timedelta(minutes=2)])
    slept: list[float] = []
    seen: list[datetime] = []
    done = run_forever(lambda: Workspace.open(path), interval=60, clock=lambda: next(times),
                       sleep=slept.append, report=lambda tick: seen.append(tick.now),
                       ticks=3)  # fmt: skip
    assert done == 3 and slept == [60, 60] and seen[-1] == T0 + timedelta(minutes=2)


def test_a_rule_that_cannot_run_stops_neither_the_others_nor_the_outbox(
    ws: Workspace, tmp_path: Path, hooks: Hooks
) -> None:
    people(ws)
    rule(ws, tmp_path, DETRACTOR, hooks.url)
    # cac needs acquisition costs, which this workspace lacks: the rule cannot be evaluated
    broken = "name: cac-watch\nwhen: {metric: {name: cac, above: 100}}\nthen: [{case: {}}]\n"
    (tmp_path / "broken.yaml").write_text(broken, encoding="utf-8")
    add_rule(ws, tmp_path / "broken.yaml", T0)
    nps(ws, "bob", 2, 1)
    tick = run_once(ws, T0 + timedelta(hours=2))
    assert [f.rule for f in tick.rules.fired] == ["detractor-case"] and tick.outbox.sent == 1
    assert len(tick.errors) == 1 and tick.errors[0].startswith("rule cac-watch:")
    assert "FAILED rule cac-watch" in tick.summary()


def test_the_loop_outlives_a_workspace_held_by_another_process(tmp_path: Path) -> None:
    path = tmp_path / "loop.duckdb"
    Workspace.init(path).close()
    opened = [0]

    def open_ws() -> Workspace:
        opened[0] += 1
        if opened[0] == 1:  # `cxpulse cases ack` holds the file at that moment
            raise WorkspaceLockedError("the workspace is in use by another process (PID 42)")
        return Workspace.open(path)

    seen: list[list[str]] = []
    done = run_forever(open_ws, interval=60, clock=lambda: T0, sleep=lambda s: None,
                       report=lambda tick: seen.append(tick.errors), ticks=2)  # fmt: skip
    assert done == 2 and seen[0] == ["workspace: the workspace is in use by another process "
                                     "(PID 42)"] and seen[1] == []  # fmt: skip


def test_stop_ends_the_loop_between_ticks_never_inside_one(tmp_path: Path) -> None:
    import threading

    path = tmp_path / "ws.duckdb"
    Workspace.init(path).close()
    stop = threading.Event()
    seen: list[datetime] = []

    def report(tick: Tick) -> None:  # stop asked while the second tick runs: it completes
        seen.append(tick.now)
        if len(seen) == 2:
            stop.set()

    done = run_forever(lambda: Workspace.open(path), interval=0.01, clock=lambda: T0,
                       report=report, stop=stop)  # fmt: skip
    assert done == 2 and len(seen) == 2


def test_the_worker_command_finishes_its_tick_on_sigterm(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    path = tmp_path / "ws.duckdb"
    Workspace.init(path).close()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cxpulse", "worker", "-w", str(path), "--interval", "30"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    assert proc.stdout is not None
    proc.stdout.readline()  # the first tick's summary: now waiting for the next
    time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Stopping after this tick" in err and "Traceback" not in err


WEEKLY_DIGEST = """
name: weekly-cx
schedule: {every: week, day: monday}
recipients: [ana@acme.test]
sections: [cases_over_sla]
"""


def test_the_worker_sends_a_digest_once_on_its_calendar_boundary(
    ws: Workspace, tmp_path: Path, inbox: tuple[Inbox, int]
) -> None:
    from cxpulse.digests.store import add_digest

    box, port = inbox
    smtp_settings(ws, port)
    sunday = datetime(2026, 11, 1, 12)  # Europe/Paris
    add_digest(ws, write(tmp_path, "weekly", WEEKLY_DIGEST), sunday - timedelta(days=3))
    assert run_once(ws, sunday).digests == 0  # week 44 is not over
    # Monday 00:00 in Paris is Sunday 23:00 UTC: the first tick of the week sends week 44
    monday = datetime(2026, 11, 1, 23, 0)
    tick = run_once(ws, monday)
    assert (tick.digests, tick.outbox.sent, tick.errors) == (1, 1, [])
    assert "digests: 1 queued" in tick.summary()
    (msg,) = box.messages
    assert msg["Subject"] == "weekly-cx: CX digest for 2026-W44"
    assert msg["X-Cxpulse-Delivery"] == "digest:weekly-cx:2026-W44:email:ana@acme.test"
    for later in (monday + timedelta(minutes=1), monday + timedelta(days=3)):
        assert run_once(ws, later).digests == 0  # the same week: queued once
    assert len(box.messages) == 1
    assert run_once(ws, monday + timedelta(days=7)).digests == 1  # the next Monday, week 45


def test_a_zendesk_ticket_solved_is_surveyed_24_hours_later_with_no_import(
    ws: Workspace, tmp_path: Path, inbox: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker's first phase syncs the due sources: the ticket and its requester arrive
    from Zendesk, and the survey trigger of a solved ticket fires a day later. Zendesk says
    nothing of email consent: this team surveys every requester after a ticket."""
    from cxpulse.sources import add_source
    from cxpulse.sources.secrets import reference
    from tests.sources import zendesk_server as zs

    box, port = inbox
    smtp_settings(ws, port)
    every_requester = SUPPORT_CSAT + "audience: {email_consent: false}\n"
    add_survey(ws, write(tmp_path, "csat", every_requester), T0)
    account = zs.Zendesk()
    solved = (T0 + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    account.change(zs.ticket(1, created_at=T0.strftime("%Y-%m-%dT%H:%M:%SZ")),
                   {**zs.metric_set(1), "solved_at": solved})  # fmt: skip
    monkeypatch.setenv("ZENDESK_TOKEN", zs.TOKEN)
    with zs.serve(account) as url:
        add_source(ws, "zendesk", "support",
                   {"subdomain": "acme", "email": zs.EMAIL, "base_url": url},
                   reference(env="ZENDESK_TOKEN"), T0)  # fmt: skip
        tick = run_once(ws, T0 + timedelta(hours=2))
        assert tick.sources and tick.surveys.sent == 0 and not tick.errors
        assert "sources: support: 2 pages" in tick.summary()
        tick = run_once(ws, T0 + timedelta(hours=25, minutes=1))
    assert tick.surveys.sent == 1 and tick.sources == ["support: 2 pages; nothing new"]
    (msg,) = box.messages
    assert msg["To"] == "c5001@example.com"
