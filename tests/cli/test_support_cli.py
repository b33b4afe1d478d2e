"""`cxpulse staffing` and `cxpulse support ...` end to end (Typer's runner, real DuckDB)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxpulse import Workspace
from cxpulse.cli.app import app
from tests.conftest import add_rows

runner = CliRunner()
D = datetime(2025, 3, 3, 9, 10)  # Monday 10:10 in Paris


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def filled(tmp_path: Path) -> str:
    path = tmp_path / "ws.duckdb"
    with Workspace.init(path, timezone="Europe/Paris") as ws:
        tickets = [
            {"customer_id": "A", "created_at": D + k * timedelta(days=5), "escalated": True,
             "category": "billing", "channel": "phone", "talk_seconds": 200.0,
             "wrap_seconds": 40.0}
            for k in range(4)
        ]  # fmt: skip
        tickets += [
            {"customer_id": "B", "created_at": D, "category": "delivery", "channel": "email"},
            {"customer_id": "B", "created_at": D + timedelta(days=200), "category": "bug"},
        ]
        add_rows(ws, "tickets", tickets)
        add_rows(
            ws,
            "subscriptions",
            [{"customer_id": c, "started_at": datetime(2024, 1, 1), "ended_at": end, "price": 9.0,
              "billing_period": "month"}
             for c, end in [("A", D + timedelta(days=40)), ("B", None)]],
        )  # fmt: skip
    return str(path)


def test_both_command_groups_are_registered() -> None:
    code, out, _ = invoke("--help")
    assert code == 0 and "staffing" in out and "support" in out
    code, out, _ = invoke("support", "--help")
    for command in ("negatives", "churn-curve", "categories", "category-churn"):
        assert command in out


def test_staffing_from_a_volume_file_reproduces_the_classic_example(tmp_path: Path) -> None:
    """360 calls in a half hour at 240 s, 80 % within 20 s, no cap, no shrinkage: 54 agents
    (tests/test_staffing.py works the numbers)."""
    path = tmp_path / "calls.csv"
    path.write_text("interval_start,calls\n2025-11-28 09:00,360\n2025-11-28 09:30,0\n")
    code, out, err = invoke(
        "staffing", "--volume-file", str(path), "--aht", "240", "--max-occupancy", "1",
        "--shrinkage", "0", "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    rows = json.loads(out)
    assert [r["agents"] for r in rows] == [54, 0]
    assert rows[0]["traffic"] == 48 and rows[0]["service_level"] == pytest.approx(81.725, 1e-4)
    code, out, _ = invoke("staffing", "--volume-file", str(path), "--aht", "240")
    assert code == 0 and "Agents needed per 30min interval" in out
    assert "2025-11-28 09:00" in out and "not listed" in out  # the empty interval is hidden


def test_staffing_measured_on_tickets_with_measured_aht(filled: str) -> None:
    code, out, err = invoke(
        "staffing", "-w", filled, "--from", "2025-03-03", "--to", "2025-03-03",
        "--filter", "channel=phone", "--interval", "1h", "--format", "csv",
    )  # fmt: skip
    assert code == 0, err
    lines = out.strip().splitlines()
    assert lines[0].startswith("interval_start,contacts,traffic,agents") and len(lines) == 25
    ten = next(line for line in lines if line.startswith("2025-03-03 10:00"))
    # one call of 240 s (talk 200 + wrap 40) in an hour: 240 / 3600 Erlangs
    assert ten.split(",")[1:3] == ["1.0", str(240 / 3600)]
    # week 10 of 2025 (3-9 March) is complete in the data: it is the forecast of 2026's
    code, out, err = invoke("staffing", "-w", filled, "--forecast-week", "2026-W10",
                            "--filter", "channel=phone")  # fmt: skip
    assert code == 0, err
    assert "Forecast of 2026-W10: same week of 2025" in out and "growth 1.0" in out
    assert "2026-03-02 10:00" in out and "AHT 240 s" in out
    code, _, err = invoke("staffing", "-w", filled)
    assert code == 1 and "give one source of volumes" in err


def test_staffing_refuses_bad_targets(tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    path.write_text("interval_start,calls\n2025-11-28 09:00,10\n")
    code, _, err = invoke("staffing", "--volume-file", str(path), "--service-level", "80-20",
                          "--aht", "300")  # fmt: skip
    assert code == 1 and "PERCENT/SECONDS" in err
    code, _, err = invoke("staffing", "--volume-file", str(path))
    assert code == 1 and "--aht" in err


def test_support_commands(filled: str) -> None:
    code, out, err = invoke("support", "churn-curve", "-w", filled, "--max-count", "4",
                            "--format", "json")  # fmt: skip
    assert code == 0, err
    curve = {r["negatives"]: r for r in json.loads(out)}
    assert curve["4+"]["customers"] == 1 and curve["4+"]["churn_rate"] == 100
    assert curve["1"]["customers"] == 0 and curve["0"]["customers"] == 1
    code, out, _ = invoke("support", "churn-curve", "-w", filled, "--max-count", "4")
    assert code == 0 and "Churn within 90 days" in out and "Too few customers" in out
    code, out, _ = invoke("support", "negatives", "-w", filled, "--as-of", "2025-03-20",
                          "--format", "csv")  # fmt: skip
    assert code == 0 and out.splitlines()[1].startswith("A,4,0,4,0,")
    code, out, _ = invoke("support", "categories", "-w", filled, "--top", "1", "--format", "csv")
    assert code == 0 and "2025-03,1,billing,4" in out
    code, out, _ = invoke("support", "category-churn", "-w", filled, "--min-customers", "1")
    assert code == 0 and "billing" in out and "(any ticket)" in out


def test_business_hours_without_a_schedule_is_one_clear_message(filled: str) -> None:
    code, _, err = invoke("metric", "time_to_resolution", "-w", filled, "--variant",
                          "business_hours")  # fmt: skip
    assert code == 1 and "cxpulse config set business_hours" in err and "Traceback" not in err
    code, _, _ = invoke("config", "set", "business_hours", "mon-fri 09:00-18:00", "-w", filled)
    assert code == 0
    code, out, _ = invoke("metric", "volume", "-w", filled, "--segment", "channel")
    assert code == 0 and "phone" in out
