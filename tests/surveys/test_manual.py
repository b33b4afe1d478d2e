"""A manual send to a segment (library and `cxpulse surveys send`), and the response-rate
report (`cxpulse surveys report`)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxpulse import Workspace
from cxpulse.cli.app import app
from cxpulse.errors import ConfigError
from cxpulse.surveys import run_surveys
from cxpulse.surveys.links import answer, sign
from cxpulse.surveys.manual import send_to_segment
from cxpulse.surveys.report import response_rates
from cxpulse.surveys.store import add_survey, link_secret
from tests.conftest import add_rows
from tests.surveys.helpers import RELATIONAL_NPS, SUPPORT_CSAT, write
from tests.surveys.test_run import NOW, SIGNUP, customers

runner = CliRunner()
WIDE = {"COLUMNS": "200"}  # room for the whole table
PULSE = RELATIONAL_NPS.replace("id: relational-nps", "id: pulse").replace(
    "trigger: {every: 90 days}", "trigger: {every: 365 days}"
)


@pytest.fixture
def crowd(ws: Workspace, tmp_path: Path) -> Workspace:
    customers(ws)  # alice, bob, carol (no consent), dan (no address), erin (pro): basic plan
    add_rows(ws, "customers", [{"customer_id": "zed", "email": "z@x.io", "plan": "basic",
                                "email_consent": False}])  # fmt: skip
    add_survey(ws, write(tmp_path, "pulse", PULSE), NOW)
    add_survey(ws, write(tmp_path, "csat", SUPPORT_CSAT), NOW)
    # bob was asked yesterday: the budget protects him from a manual send too
    add_rows(ws, "tickets", [{"customer_id": "bob", "created_at": NOW - timedelta(days=3),
                              "solved_at": NOW - timedelta(days=2)}])  # fmt: skip
    run_surveys(ws, NOW - timedelta(days=1), send=False)
    return ws


def test_send_to_a_segment_within_budget_and_consent(crowd: Workspace) -> None:
    ws = crowd
    dry = send_to_segment(ws, "pulse", {"plan": "basic"}, NOW, dry_run=True)
    assert (dry.matched, dry.invited) == (5, 1)
    assert dict(dry.skipped) == {"fatigue": 1, "no_consent": 1, "no_address": 1,
                                 "unsubscribed": 1}  # fmt: skip
    assert ws.table("survey_invitations").count().execute() == 1  # only bob's, from the run
    sent = send_to_segment(ws, "pulse", {"plan": "basic"}, NOW)
    assert sent.as_dict() == {**dry.as_dict(), "dry_run": False}
    inv = ws.table("survey_invitations")
    assert inv.filter(inv.survey_id == "pulse").customer_id.execute().tolist() == ["alice"]
    queued = ws.store.table("survey_deliveries").filter(lambda d: d.status == "queued")
    assert queued.count().execute() == 2  # alice's joins bob's, for the next run to email
    again = send_to_segment(ws, "pulse", {"plan": "basic"}, NOW + timedelta(hours=1))
    assert again.invited == 0 and again.skipped["fatigue"] == 2
    several = send_to_segment(ws, "pulse", {"plan": ["basic", "pro"]}, NOW, dry_run=True)
    assert several.matched == 6 and several.invited == 1  # erin (pro) is free
    with pytest.raises(ConfigError, match="no column 'tier'"):
        send_to_segment(ws, "pulse", {"tier": "gold"}, NOW)
    with pytest.raises(ConfigError, match="at least one --filter"):
        send_to_segment(ws, "pulse", {}, NOW)
    with pytest.raises(ConfigError, match="no survey 'nope'"):
        send_to_segment(ws, "nope", {"plan": "basic"}, NOW)


def test_a_manual_survey_is_never_due_by_itself(crowd: Workspace, tmp_path: Path) -> None:
    ws = crowd
    text = PULSE.replace("id: pulse", "id: campaign").replace(
        "trigger: {every: 365 days}", "trigger: manual"
    )
    add_survey(ws, write(tmp_path, "campaign", text), NOW)
    later = SIGNUP + timedelta(days=365, hours=1)  # the yearly pulse's first cycle
    due = {d.candidate.survey_id for d in run_surveys(ws, later, send=False).decisions}
    assert due == {"pulse"}  # the yearly survey came due; the campaign did not
    sent = send_to_segment(ws, "campaign", {"plan": "pro"}, later + timedelta(days=40))
    assert sent.invited == 1  # erin, once the budget allows


def test_cli_send_and_report(crowd: Workspace, tmp_path: Path) -> None:
    ws = crowd
    secret = link_secret(ws, NOW)
    bob_inv = ws.table("survey_invitations").invitation_id.execute().iloc[0]
    answer(ws, sign(secret, bob_inv, NOW + timedelta(days=5)), "satisfaction", NOW, score=5)
    path = ws.store.location
    ws.close()
    base = ["-w", path, "--now", NOW.isoformat()]
    dry = runner.invoke(app, ["surveys", "send", "pulse", "--filter", "plan=basic", "--dry-run",
                              *base])  # fmt: skip
    assert dry.exit_code == 0, dry.output
    assert "5 customers match; would invite 1" in dry.stdout
    assert "skipped 1: no_consent" in dry.stdout
    done = runner.invoke(app, ["surveys", "send", "pulse", "--filter", "plan=basic", "--json",
                               *base])  # fmt: skip
    assert json.loads(done.stdout)["invited"] == 1
    none = runner.invoke(app, ["surveys", "send", "pulse", "--filter", "plan=gold", "--dry-run",
                               *base])  # fmt: skip
    assert "0 customers match" in none.stdout and "plan values: basic, pro" in none.stdout
    bad = runner.invoke(app, ["surveys", "send", "pulse", "--filter", "plan", *base])
    assert bad.exit_code == 1 and "column=value" in bad.output
    report = runner.invoke(app, ["surveys", "report", "-w", path, "--json"])
    assert report.exit_code == 0, report.output
    rows = {r["survey_id"]: r for r in json.loads(report.stdout)}
    assert rows["support-csat"]["response_rate"] == 100.0
    assert rows["support-csat"]["answered"] == rows["support-csat"]["invitations"] == 1
    assert rows["support-csat"]["queued"] == 1  # no SMTP: waits, though answered by its link
    pulse = rows["pulse"]  # alice's invitation waits in the outbox: no rate to speak of yet
    assert (pulse["invitations"], pulse["queued"], pulse["delivered"]) == (1, 1, 0)
    assert pulse["response_rate"] is None and pulse["channel"] == "email"
    text = runner.invoke(app, ["surveys", "report", "-w", path, "--by", "touchpoint"], env=WIDE)
    assert "relationship" in text.stdout and "support" in text.stdout
    wrong = runner.invoke(app, ["surveys", "report", "-w", path, "--by", "plan"])
    assert wrong.exit_code == 1 and "survey_id, channel, touchpoint" in wrong.output


def test_report_counts_reminders_and_filters_days(ws: Workspace, tmp_path: Path) -> None:
    customers(ws)
    text = SUPPORT_CSAT.replace("priority: 10", "reminder_after_days: 1")
    add_survey(ws, write(tmp_path, "csat", text), NOW)
    add_rows(ws, "tickets", [{"customer_id": c, "created_at": NOW - timedelta(days=3),
                              "solved_at": NOW - timedelta(hours=25)}
                             for c in ("alice", "bob")])  # fmt: skip
    run_surveys(ws, NOW, send=False)
    ws.store.con.raw_sql("UPDATE survey_deliveries SET status = 'sent', sent_at = created_at")
    ws.store.con.raw_sql("UPDATE survey_invitations SET delivered = true")
    run_surveys(ws, NOW + timedelta(days=1, hours=1), send=False)
    (row,) = response_rates(ws)
    assert (row["invitations"], row["queued"], row["delivered"]) == (2, 0, 2)
    assert (row["answered"], row["reminded"]) == (0, 2)
    assert response_rates(ws, start=(NOW + timedelta(days=1)).date()) == []
