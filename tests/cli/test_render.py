"""Tables printed whole in a narrow terminal (numbers are never cut to "1…")."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table

from cxpulse.cli import render


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
