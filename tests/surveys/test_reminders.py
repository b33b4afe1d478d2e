"""Reminders: one, after N days, only if unanswered, never after an unsubscribe or expiry, and
outside the fatigue budget (a reminder is not a new ask)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from cxpulse import Workspace
from cxpulse.surveys import run_surveys
from cxpulse.surveys.decisions import why
from cxpulse.surveys.links import answer, sign
from cxpulse.surveys.store import add_survey, link_secret
from cxpulse.surveys.unsubscribe import unsubscribe
from tests.conftest import add_rows
from tests.surveys.helpers import RELATIONAL_NPS, SUPPORT_CSAT, write
from tests.surveys.test_email import Inbox
from tests.surveys.test_run import NOW, customers

REMINDED_CSAT = SUPPORT_CSAT.replace("min_gap_days: 30", "min_gap_days: 30\nreminder_after_days: 3")


def ticket(ws: Workspace, customer: str, solved: datetime) -> None:
    add_rows(ws, "tickets", [{"customer_id": customer, "created_at": solved - timedelta(days=1),
                              "solved_at": solved}])  # fmt: skip


def token_of(ws: Workspace, customer: str) -> str:
    inv = ws.table("survey_invitations")
    row = inv.filter(inv.customer_id == customer).execute().iloc[0]
    return sign(link_secret(ws, NOW), row.invitation_id, row.sent_at + timedelta(days=14))


def deliveries(ws: Workspace) -> list[tuple[str, str]]:
    d = ws.store.table("survey_deliveries").order_by("delivery_key").execute()
    return [(str(r.customer_id), str(r.delivery_key).rsplit(":", 1)[-1]) for r in d.itertuples()]


def test_one_reminder_by_email_after_three_days_then_never_again(
    ws: Workspace, tmp_path: Path, inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    for key, value in {"smtp_host": "127.0.0.1", "smtp_port": str(port),
                       "smtp_starttls": "false", "email_from": "cx@acme.test"}.items():  # fmt: skip
        ws.set_setting(key, value)
    customers(ws)
    add_survey(ws, write(tmp_path, "csat", REMINDED_CSAT), NOW)
    ticket(ws, "alice", NOW - timedelta(hours=25))
    assert run_surveys(ws, NOW).sent == 1
    early = run_surveys(ws, NOW + timedelta(days=2, hours=23))
    assert early.reminders == [] and early.sent == 0
    due = run_surveys(ws, NOW + timedelta(days=3, minutes=5))
    assert [(d.outcome, d.reason) for d in due.reminders] == [("reminded", "reminder")]
    assert due.sent == 1 and due.invited == []
    first, second = box.messages
    assert second["Subject"] == f"Rappel : {first['Subject']}"
    assert "score=" in str(second.get_body(("plain",)))  # the same one-click links
    for days in (4, 8, 13):
        later = run_surveys(ws, NOW + timedelta(days=days))
        assert later.reminders == [] and later.sent == 0
    assert len(box.messages) == 2
    # one invitation: the response rate's denominator is unchanged, and why shows the reminder
    assert ws.table("survey_invitations").count().execute() == 1
    told = why(ws, "alice", NOW + timedelta(days=4), timedelta(days=30))
    assert [d["outcome"] for d in told.decisions] == ["invited", "reminded"]
    assert "not a new ask" in told.decisions[-1]["detail"]
    assert told.next_eligible_at == NOW + timedelta(days=30)  # the reminder did not move it


def test_no_reminder_after_an_answer_an_unsubscribe_or_expiry(
    ws: Workspace, tmp_path: Path
) -> None:
    customers(ws)
    short = REMINDED_CSAT.replace("min_gap_days: 30", "min_gap_days: 30\nexpires_days: 2")
    add_survey(ws, write(tmp_path, "csat", REMINDED_CSAT), NOW)
    add_survey(ws, write(tmp_path, "short", short.replace("support-csat", "short-csat")
                         .replace("ticket_solved", "order_delivered")), NOW)  # fmt: skip
    ticket(ws, "alice", NOW - timedelta(hours=25))
    ticket(ws, "bob", NOW - timedelta(hours=25))
    add_rows(ws, "customers", [{"customer_id": "fay", "email": "f@x.io", "email_consent": True,
                                "created_at": NOW - timedelta(days=400)},
                               {"customer_id": "gus", "email": "g@x.io", "email_consent": True,
                                "created_at": NOW - timedelta(days=400)}])  # fmt: skip
    ticket(ws, "gus", NOW - timedelta(hours=25))
    order = {"customer_id": "fay", "ordered_at": NOW - timedelta(days=3), "amount": 10.0}
    add_rows(ws, "orders", [{**order, "delivered_at": NOW - timedelta(hours=25)}])
    run_surveys(ws, NOW, send=False)
    assert len(ws.table("survey_invitations").execute()) == 4
    # emails are "sent" here by marking the rows: reminders only follow what went out
    ws.store.con.raw_sql("UPDATE survey_deliveries SET status = 'sent', sent_at = created_at")
    answer(ws, token_of(ws, "alice"), "satisfaction", NOW + timedelta(days=1), score=4)
    unsubscribe(ws, token_of(ws, "bob"), NOW + timedelta(days=1))
    later = run_surveys(ws, NOW + timedelta(days=3, hours=1), send=False)
    outcomes = {d.candidate.customer_id: (d.outcome, d.reason) for d in later.reminders}
    # alice answered (nothing logged), bob unsubscribed, fay's link expired after 2 days
    assert outcomes == {"bob": ("skipped", "unsubscribed"), "gus": ("reminded", "reminder")}
    assert sorted(deliveries(ws)) == sorted(
        [("alice", "email"), ("bob", "email"), ("fay", "email"), ("gus", "email"),
         ("gus", "reminder")]
    )  # fmt: skip
    # decided once: the skip is not re-logged on the next run
    assert run_surveys(ws, NOW + timedelta(days=3, hours=2), send=False).reminders == []


def test_a_newer_invitation_supersedes_the_reminder(ws: Workspace, tmp_path: Path) -> None:
    customers(ws)
    nps = RELATIONAL_NPS.replace("trigger: {every: 90 days}", "trigger: {every: 90 days}\n"
                                 "reminder_after_days: 3")  # fmt: skip
    add_survey(ws, write(tmp_path, "nps", nps), NOW)
    ws.set_setting("survey_fatigue_days", "1")
    t = datetime(2025, 1, 1) + timedelta(days=90, hours=1)  # the NPS's first cycle
    run_surveys(ws, t, send=False)
    ws.store.con.raw_sql("UPDATE survey_deliveries SET status = 'sent', sent_at = created_at")
    add_survey(ws, write(tmp_path, "csat", SUPPORT_CSAT), t)
    ticket(ws, "alice", t + timedelta(days=1))
    run_surveys(ws, t + timedelta(days=2, hours=2), send=False)  # alice asked about her ticket
    late = run_surveys(ws, t + timedelta(days=3, hours=2), send=False)
    reasons = {d.candidate.customer_id: d.reason for d in late.reminders}
    assert reasons["alice"] == "superseded" and reasons["bob"] == "reminder"
    assert "support-csat asked since" in next(
        d.detail for d in late.reminders if d.candidate.customer_id == "alice"
    )
