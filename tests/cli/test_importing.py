"""``cxpulse import``: a vendor's export with --preset needs no --table (real DuckDB files)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from cxpulse.cli.app import app

PRESETS = Path(__file__).parents[1] / "ingest" / "fixtures" / "presets"
runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_a_preset_chooses_the_table(tmp_path: Path) -> None:
    ws = str(tmp_path / "ws.duckdb")
    assert invoke("init", "-w", ws)[0] == 0
    export = str(PRESETS / "shopify_orders.csv")
    code, stdout, stderr = invoke("import", export, "--preset", "shopify-orders", "-w", ws)
    assert code == 0, stderr
    # five lines, four orders (one has two line items); nothing new the second time
    assert stdout.startswith("shopify_orders.csv -> orders: 5 rows read, 4 new")
    code, stdout, _ = invoke("import", export, "--preset", "Shopify-Orders", "-w", ws)
    assert code == 0 and ", 0 new, 0 updated, 4 unchanged" in stdout
    code, _, stderr = invoke("import", export, "-t", "tickets", "--preset", "shopify-orders",
                             "-w", ws)  # fmt: skip
    assert code != 0 and "imports into orders, not tickets; use --table orders" in stderr


def test_without_a_table_or_a_preset_it_says_what_to_give(tmp_path: Path) -> None:
    ws = str(tmp_path / "ws.duckdb")
    assert invoke("init", "-w", ws)[0] == 0
    code, _, stderr = invoke("import", str(PRESETS / "shopify_orders.csv"), "-w", ws)
    assert code != 0
    assert "say which table the file fills with --table" in stderr and "--preset" in stderr
    assert "Traceback" not in stderr
