"""`cxpulse customer find|show|export|erase` end to end (Typer's runner, real DuckDB)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cxpulse import Workspace
from cxpulse.accounts.audit import entries
from cxpulse.cli.app import app
from tests.customers.helpers import EMAIL, alice

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout + result.stderr


def test_customer_commands(tmp_path: Path) -> None:
    db = str(tmp_path / "ws.duckdb")
    with Workspace.init(db, timezone="Europe/Paris") as ws:
        alice(ws)
    code, text = invoke("customer", "find", "MARTIN", "-w", db, "--json")
    assert code == 0 and [r["customer_id"] for r in json.loads(text)["rows"]] == ["alice"]
    code, text = invoke("customer", "show", "alice", "-w", db, "--last", "0")
    assert code == 0 and "Order O1 delivered" in text and "Signed up" in text
    out = tmp_path / "alice.json"
    code, text = invoke("customer", "export", "alice", "--out", str(out), "-w", db)
    assert code == 0 and "rows about alice" in text
    assert json.loads(out.read_text(encoding="utf-8"))["customer"]["email"] == EMAIL
    code, text = invoke("customer", "erase", "alice", "-w", db)
    assert code == 1 and "--yes" in text
    code, text = invoke("customer", "erase", "alice", "--yes", "--actor", "dpo", "-w", db,
                        "--now", "2026-11-02T09:00")  # fmt: skip
    assert code == 0 and "Erased alice's personal data" in text
    code, text = invoke("customer", "show", "alice", "-w", db)
    assert code == 1 and "no customer 'alice'" in text
    with Workspace.open(db) as ws:
        assert entries(ws, "alice").actor.tolist() == ["dpo"]
