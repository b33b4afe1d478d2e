"""`cxpulse surveys add|list|run` and `cxpulse why` end to end (Typer's runner, real DuckDB)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from typer.testing import CliRunner

from cxpulse import Workspace
from cxpulse.cli.app import app
from tests.conftest import add_rows
from tests.surveys.helpers import RELATIONAL_NPS, SUPPORT_CSAT, write
from tests.surveys.test_run import NOW, customers

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_add_list_run_why(tmp_path: Path) -> None:
    db = str(tmp_path / "ws.duckdb")
    with Workspace.init(db) as ws:
        customers(ws)
        add_rows(ws, "tickets", [{"customer_id": "alice", "created_at": NOW - timedelta(days=2),
                                  "solved_at": NOW - timedelta(hours=25)}])  # fmt: skip
    campaign = RELATIONAL_NPS.replace("id: relational-nps", "id: campaign").replace(
        "trigger: {every: 90 days}", "trigger: manual"
    )
    for name, text in (("csat", SUPPORT_CSAT), ("nps", RELATIONAL_NPS), ("c", campaign)):
        code, stdout, _ = invoke("surveys", "add", str(write(tmp_path, name, text)), "-w", db)
        assert code == 0 and "Added survey" in stdout
    typo = SUPPORT_CSAT.replace("event: ticket_solved", "event: ticket_solvd")
    code, stdout, _ = invoke("surveys", "add", str(write(tmp_path, "typo", typo)), "-w", db)
    assert code == 0 and "Replaced survey support-csat (2 questions" in stdout
    assert (
        "no 'ticket_solvd' event has been recorded yet (known: order_delivered, ticket_solved)"
        in stdout.replace("\n", " ")
    )
    invoke("surveys", "add", str(write(tmp_path, "csat", SUPPORT_CSAT)), "-w", db)
    code, stdout, _ = invoke("surveys", "list", "-w", db, "--json")
    listed = {r["survey_id"]: r for r in json.loads(stdout)}
    assert listed["relational-nps"]["trigger"] == "every 90 days"
    assert listed["support-csat"]["priority"] == 10
    assert listed["campaign"]["trigger"] == "manual (surveys send)"
    assert listed["support-csat"]["trigger"] == "24 hours after ticket_solved"
    assert listed["support-csat"]["min_gap_days"] == 30

    code, stdout, _ = invoke("surveys", "run", "-w", db, "--now", NOW.isoformat())
    assert code == 0 and "1 invited" in stdout and "1 queued" in stdout
    assert "  support-csat: 1 invited" in stdout and "--verbose lists each" in stdout

    code, stdout, _ = invoke(
        "why", "alice", "-w", db, "--now", (NOW + timedelta(days=1)).isoformat()
    )
    assert code == 0 and "support-csat: invited" in stdout
    assert "The budget allows asking again from 2025-07-02 10:00 UTC" in stdout
    code, stdout, _ = invoke("why", "bob", "-w", db, "--json", "--now", NOW.isoformat())
    bob = json.loads(stdout)
    assert bob["next_eligible_at"] is None and bob["audiences"]["support-csat"] == []
    code, stdout, _ = invoke("why", "dan", "-w", db, "--now", NOW.isoformat())
    assert "support-csat: left out: no email address" in stdout
    assert "Outside every survey's audience" in stdout
    code, stdout, _ = invoke("why", "nobody", "-w", db)
    assert code == 1 and "no such customer" in stdout
    code, stdout, _ = invoke("surveys", "widget-key", "-w", db)
    key = stdout.split()[0]
    assert code == 0 and len(key) == 64 and "createHmac" in stdout
    assert invoke("surveys", "widget-key", "-w", db)[1].split()[0] == key  # made once, kept


def test_errors_are_one_line(tmp_path: Path) -> None:
    db = str(tmp_path / "ws.duckdb")
    Workspace.init(db).close()
    bad = write(tmp_path, "bad", SUPPORT_CSAT.replace("points: 5", "points: 4"))
    code, _, stderr = invoke("surveys", "add", str(bad), "-w", db)
    assert code == 1 and "questions[0].points" in stderr and "Traceback" not in stderr
    code, _, stderr = invoke("surveys", "run", "-w", db, "--now", "yesterday")
    assert code == 1 and "ISO time" in stderr


def test_events_from_a_file_trigger_a_survey(tmp_path: Path) -> None:
    db = str(tmp_path / "ws.duckdb")
    with Workspace.init(db, timezone="Europe/Paris") as ws:
        customers(ws)
    onboarding = RELATIONAL_NPS.replace("id: relational-nps", "id: after-onboarding").replace(
        "trigger: {every: 90 days}", "trigger: {event: onboarding_finished, delay: 2 days}"
    )
    invoke("surveys", "add", str(write(tmp_path, "onb", onboarding)), "-w", db)
    bad = tmp_path / "bad.csv"
    bad.write_text("event;customer_id;occurred_at\n"
                   "onboarding_finished;alice;31/05/2025 14:05\n"
                   "onboarding finished;bob;2025-05-31T14:05:00+02:00\n"
                   "onboarding_finished;bob;yesterday\n", encoding="utf-8")  # fmt: skip
    code, _, stderr = invoke("events", "import", str(bad), "-w", db)
    assert code == 1 and "nothing was recorded" in stderr and "Traceback" not in stderr
    assert 'bad.csv, line 3, column "event"' in stderr
    assert 'bad.csv, line 4, column "occurred_at"' in stderr
    good = tmp_path / "events.csv"
    rows = ["event;customer_id;occurred_at", "onboarding_finished;alice;31/05/2025 14:05",
            "onboarding_finished;bob;2025-05-31T14:05:00+02:00"]  # fmt: skip
    good.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, stdout, _ = invoke("events", "import", str(good), "-w", db)
    assert code == 0 and "Recorded 2 new events from events.csv." in stdout
    code, stdout, _ = invoke("events", "import", str(good), "-w", db)  # the same file again
    assert code == 0 and "Recorded 0 new events from events.csv (2 already recorded" in stdout
    twice = tmp_path / "twice.csv"
    twice.write_text("\n".join([*rows, rows[1], "onboarding_finished;carol;2025-05-31 15:00"])
                     + "\n", encoding="utf-8")  # fmt: skip
    code, stdout, _ = invoke("events", "import", str(twice), "-w", db)
    assert (
        "Recorded 1 new events from twice.csv (2 already recorded, 1 repeated in the file: "
        "kept once)" in stdout.replace("\n", " ")
    )
    with Workspace.open(db) as ws:
        assert ws.store.table("survey_events").count().execute() == 3  # alice, bob, carol
    code, stdout, _ = invoke("surveys", "run", "--no-send", "-w", db, "--now", "2025-06-02T13:00")
    assert code == 0 and "2 invited" in stdout, stdout
