"""`cxpulse forecast` end to end (Typer's runner, real DuckDB)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cxpulse import Workspace
from cxpulse.cli.app import app
from tests.conftest import add_rows
from tests.models.test_forecast import monthly_tickets, ticket_rows

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def tickets(tmp_path_factory: pytest.TempPathFactory) -> str:
    """20 complete months of tickets (June 2023 to January 2025): too short for a season."""
    path = tmp_path_factory.mktemp("forecast_cli") / "ws.duckdb"
    with Workspace.init(path, timezone="Europe/Paris") as ws:
        add_rows(ws, "tickets", ticket_rows(monthly_tickets(20)))
    return str(path)


def test_the_table_shows_the_forecast_the_backtest_and_the_sentences(tickets: str) -> None:
    code, out, err = invoke("forecast", "volume", "-w", tickets, "--end", "2025-02-10")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "volume forecast by month (tickets), 95 % prediction interval"
    assert "2025-02" in out and "2025-07" in out and "2025-08" not in out
    assert "Backtest: 1 to 6 months ahead from each of the last 6 months" in out
    for method in ("model (ETS)", "last value", "a cycle before"):
        assert method in out
    assert "Ticket volume forecast for February 2025: " in out
    assert "non-seasonal: a season needs two full cycles (24 months) before the 6-month " in out


def test_json_and_french(tickets: str) -> None:
    code, out, _ = invoke(
        "forecast", "volume", "-w", tickets, "--end", "2025-01-31", "--periods", "2", "-f", "json"
    )
    d = json.loads(out)
    assert code == 0 and [r["period"] for r in d["forecast"]] == ["2025-02", "2025-03"]
    assert d["model"]["seasonal"] is False and d["backtest"]["holdout"] == 6
    code, out, _ = invoke("forecast", "volume", "-w", tickets, "--end", "2025-01-31",
                          "--periods", "2", "--lang", "fr")  # fmt: skip
    assert code == 0 and "Prévision du volume de tickets pour février 2025\u00a0: " in out


def test_mistakes_are_one_line_errors(tickets: str) -> None:
    code, _, err = invoke("forecast", "volume", "-w", tickets, "--by", "quarter")
    assert code == 1 and err.strip() == (
        "Error: a forecast of volume by quarter needs at least 14 complete quarters without a "
        "gap; there are 7 (2023-Q3 to 2025-Q1)"
    )
    code, _, err = invoke("forecast", "nope", "-w", tickets)
    assert code == 1 and "unknown metric 'nope'" in err and "Traceback" not in err
    code, _, err = invoke("forecast", "volume", "-w", tickets, "--lang", "de")
    assert code == 1 and "unknown language 'de'" in err
