"""`cxpulse insights` end to end (Typer's runner, a real DuckDB workspace)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxpulse import Workspace
from cxpulse.cli.app import app
from tests.insights import synthetic
from tests.insights.test_run import plant_outage

runner = CliRunner()


@pytest.fixture
def path(tmp_path: Path) -> str:
    file = tmp_path / "ws.duckdb"
    with Workspace.init(file, timezone="Europe/Paris") as ws:
        synthetic.delivery_drop(ws)
    return str(file)


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["insights", *args])
    return result.exit_code, result.stdout, result.stderr


def test_the_table_lists_the_findings_ranked(path: str) -> None:
    code, out, _ = invoke("--period", "2025-11", "--metric", "csat", "-w", path)
    assert code == 0
    assert out.startswith("2 significant changes in 2025-11 against 2025-10 (3 tests, false")
    words = out.split()  # the table wraps its cells to the terminal
    assert words.count("0.001") == 2 and "delivery)" in words
    assert "agent_id:" not in words  # a dimension of one segment says nothing


def test_json_is_the_api_answer_and_french_is_french(path: str) -> None:
    code, out, _ = invoke("--period", "2025-11", "--metric", "csat", "--format", "json",
                          "--lang", "fr", "--as-of", "2025-12-15", "-w", path)  # fmt: skip
    assert code == 0
    data = json.loads(out)
    assert data["tests"] == 3 and data["false_discovery_rate"] == pytest.approx(0.05)
    assert data["findings"][0]["headline"].startswith(
        "Satisfaction client (CSAT) (point de contact\u202f: delivery)\u202f: baisse de 37,5 points"
    )


def test_markdown(path: str) -> None:
    code, out, _ = invoke("--period", "2025-11", "--metric", "csat", "-f", "md", "-w", path)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("**2 significant changes in 2025-11")
    assert lines[2].startswith("1. Customer satisfaction (CSAT) (touchpoint: delivery) fell")
    assert lines[4].startswith("2. Customer satisfaction (CSAT) fell 18.4 points")
    assert "   - Largest part: touchpoint delivery (−18.8 points)" in lines


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "2099-01"], "2099-01 is not over yet"),
        (["--period", "Nov"], "'Nov' is not a year period (e.g. 2026-10 for a month)"),
        (["--metric", "nsp"], "unknown metric 'nsp'"),
    ],
)
def test_user_mistakes_are_one_line(path: str, args: list[str], message: str) -> None:
    code, out, err = invoke(*args, "-w", path)
    assert code == 1
    assert message in err and "Traceback" not in err + out


def test_a_baseline_without_history_lists_the_metric_as_not_tested(path: str) -> None:
    code, out, err = invoke("--compare", "baseline", "--metric", "csat", "--as-of", "2025-12-15",
                            "-w", path)  # fmt: skip
    assert code == 0 and not err
    text = " ".join(out.split())  # the lines wrap at the terminal's width
    assert text.startswith("No value outside its expected band in 2025-11, from history (0 tests")
    assert "Only totals are compared with their history, not segments." in text
    assert "csat: an expected band of csat by month needs at least 8 complete months" in text


def test_each_finding_shows_why_what_it_costs_and_the_events(tmp_path: Path) -> None:
    file = tmp_path / "outage.duckdb"
    with Workspace.init(file, timezone="Europe/Paris") as ws:
        plant_outage(ws)
    args = ("--period", "2025-11", "--metric", "nps", "--as-of", "2025-12-15", "-w", str(file))
    code, out, _ = invoke(*args, "-f", "md")
    assert code == 0
    lines = out.splitlines()
    why = next(i for i, line in enumerate(lines) if line.startswith("   - Why: “Delivery” rose"))
    assert lines[why + 1] == "     - “My parcel arrived two weeks late.”"
    assert any(line.startswith("   - Cost: In 2025-11, ") for line in lines)
    assert "   - Events: 2025-11-03 to 2025-11-20, Carrier outage (outage)" in lines
    code, out, _ = invoke(*args, "-f", "md", "--lang", "fr")
    assert "   - Événements\u202f: du 2025-11-03 au 2025-11-20, Carrier outage (outage)" in out
    assert "   - Pourquoi\u202f: " in out
    code, out, _ = invoke(*args, "-f", "json")
    data = json.loads(out)
    assert data["findings"][0]["why"]["themes"][0]["theme"] == "delivery"
    assert data["method"]["themes"]["rule"] == "benjamini_bogomolov_2014"
    code, out, _ = invoke(*args)
    assert code == 0 and "Why:" in out.split() and "Events:" in out.split()
