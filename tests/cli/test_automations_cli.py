"""`cxpulse rules|cases|worker` end to end (Typer's runner, real DuckDB)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from typer.testing import CliRunner

from cxpulse import Workspace
from cxpulse.cli.app import app
from tests.automations.helpers import DETRACTOR, T0, people
from tests.automations.test_rules import nps

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout + result.stderr


def test_rules_cases_worker(tmp_path: Path) -> None:
    db = str(tmp_path / "ws.duckdb")
    with Workspace.init(db) as ws:
        people(ws)
        nps(ws, "bob", 2, 1)
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nwhen: {response: sad}\nthen: [{tag: a}]", encoding="utf-8")
    code, text = invoke("rules", "add", str(bad), "-w", db)
    assert code == 1 and "field 'when.response'" in text
    rule = tmp_path / "rule.yaml"
    rule.write_text(DETRACTOR.replace("URL", "http://127.0.0.1:9/x"), encoding="utf-8")
    code, text = invoke("rules", "add", str(rule), "-w", db, "--now", T0.isoformat())
    assert code == 0 and "Added rule detractor-case" in text
    code, text = invoke("rules", "list", "-w", db, "--json")
    assert [r["name"] for r in json.loads(text)] == ["detractor-case"]
    code, text = invoke("rules", "dry-run", "detractor-case", "-w", db, "--now",
                        (T0 + timedelta(hours=2)).isoformat())  # fmt: skip
    assert code == 0 and "would have hit 1 customers" in text

    code, text = invoke(
        "worker", "--once", "-w", db, "--now", (T0 + timedelta(hours=2)).isoformat()
    )
    assert code == 0 and "rules: 1 fired" in text
    code, text = invoke("worker", "--once", "-w", str(tmp_path / "nothere.duckdb"))
    assert code == 1 and "FAILED workspace" in text  # a cron job sees the failed tick
    code, text = invoke("cases", "list", "-w", db, "--json")
    (case,) = json.loads(text)
    cid = case["case_id"]
    code, text = invoke("cases", "contact", cid, "-w", db)
    assert code == 1 and f"cases ack {cid}" in text
    for step in (["ack", cid], ["contact", cid], ["note", cid, "called back"],
                 ["resolve", cid, "--root-cause", "billing"]):  # fmt: skip
        code, text = invoke("cases", *step, "-w", db)
        assert code == 0, text
    code, text = invoke("cases", "show", cid, "-w", db)
    assert "state=resolved" in text and "called back" in text
    code, text = invoke("cases", "open", "carl", "--summary", "Phoned about a refund",
                        "--owner", "ana", "--sla-hours", "4", "-w", db,
                        "--now", "2025-06-02T09:00")  # fmt: skip
    assert code == 0 and "first contact due 2025-06-02 13:00 UTC" in text, text
    manual = text.split()[1]
    code, text = invoke("cases", "assign", manual, "--owner", "ben", "--team", "cx", "-w", db)
    assert code == 0 and "owner ben, team cx" in text
    code, text = invoke("cases", "assign", cid, "--owner", "ben", "-w", db)
    assert code == 1 and "already resolved" not in text and "is resolved" in text
    code, text = invoke("cases", "metrics", "-w", db, "--json")
    figures = json.loads(text)
    sla = {r["rule"]: r for r in figures["sla"]}
    assert (sla["detractor-case"]["cases"], sla["detractor-case"]["contacted"]) == (1, 1)
    assert sla["manual"]["cases"] == 1
    assert figures["recovery"][0]["detractor_cases"] == 1


def test_rules_show_says_what_a_rule_waits_for_and_does(tmp_path: Path) -> None:
    db = str(tmp_path / "ws.duckdb")
    Workspace.init(db).close()
    rule = tmp_path / "rule.yaml"
    rule.write_text(DETRACTOR.replace("URL", "https://hooks.slack.com/services/T0/SECRET"),
                    encoding="utf-8")  # fmt: skip
    assert invoke("rules", "add", str(rule), "-w", db)[0] == 0
    code, text = invoke("rules", "show", "detractor-case", "-w", db)
    assert code == 0, text
    assert "detractor-case (enabled" in text
    assert "when: a detractor answers (NPS 0 to 6)" in text
    assert "  - open a case (first contact within 24 h), assigned by 3 rules" in text
    assert "  - post to https://…slack.com/… (json)" in text and "SECRET" not in text
    assert "  - tag the customer detractor" in text
    code, text = invoke("rules", "show", "detractor-case", "--lang", "fr", "-w", db, "--json")
    shown = json.loads(text)
    assert shown["when"] == "un détracteur répond (NPS de 0 à 6)"
    assert shown["sentence"].startswith("Quand un détracteur répond (NPS de 0 à 6) : ouvrir")
    code, text = invoke("rules", "show", "nope", "-w", db)
    assert code == 1 and "no rule 'nope'" in text and "Traceback" not in text
    code, text = invoke("rules", "show", "detractor-case", "--lang", "de", "-w", db)
    assert code == 1 and "unknown language 'de'" in text
