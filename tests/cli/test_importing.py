"""``cxpulse import FILE --preset NAME``: a vendor's export without --table, as a user runs it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxpulse import Workspace
from cxpulse.cli.app import app
from tests.ingest.presets._samples import broken, sample

runner = CliRunner()
SAMPLES = [
    ("hubspot-feedback", "hubspot_feedback.csv", "survey_responses", 5),
    ("delighted", "delighted.csv", "survey_responses", 3),
    ("typeform", "typeform.csv", "survey_responses", 3),
    ("surveymonkey", "surveymonkey.csv", "survey_responses", 2),  # + 1 header row
    ("qualtrics", "qualtrics.csv", "survey_responses", 2),  # + 2 header rows
    ("matomo", "matomo.json", "web_events", 4),
    ("google-reviews", "google_reviews.json", "mentions", 2),
]


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def site(tmp_path: Path) -> Path:
    path = tmp_path / "ws.duckdb"
    Workspace.init(path, timezone="Europe/Paris").close()
    return path


@pytest.mark.parametrize(("preset", "name", "table", "rows"), SAMPLES)
def test_each_sample_imports_once(
    site: Path, preset: str, name: str, table: str, rows: int
) -> None:
    code, out, err = invoke("import", str(sample(name)), "--preset", preset, "-w", str(site))
    assert code == 0, err
    extra = {"surveymonkey": 1, "qualtrics": 2}.get(preset, 0)  # header rows the preset drops
    assert f"{name} -> {table}: {rows + extra} rows read, {rows} new" in out
    code, out, _ = invoke("import", str(sample(name)), "--preset", preset, "-w", str(site))
    assert code == 0 and f"0 new, 0 updated, {rows} unchanged, 0 rejected" in out


def test_a_bad_row_is_one_message_naming_its_line(site: Path, tmp_path: Path) -> None:
    path = broken(tmp_path, "qualtrics.csv", ",1,4,", ",1,11,")
    code, _, err = invoke("import", str(path), "--preset", "qualtrics", "-w", str(site))
    assert code == 1 and "Traceback" not in err
    assert "qualtrics.csv, line 5, column \"Q1\" (score): '11'" in err


def test_without_a_preset_the_table_is_needed(site: Path) -> None:
    code, _, err = invoke("import", str(sample("typeform.csv")), "-w", str(site))
    assert code == 1 and "say which table the file fills with --table" in err
    assert "--preset" in err and "Traceback" not in err


def test_a_preset_chooses_the_table(tmp_path: Path) -> None:
    ws = str(tmp_path / "ws.duckdb")
    assert invoke("init", "-w", ws)[0] == 0
    export = str(sample("shopify_orders.csv"))
    code, stdout, stderr = invoke("import", export, "--preset", "shopify-orders", "-w", ws)
    assert code == 0, stderr
    # five lines, four orders (one has two line items); nothing new the second time
    assert stdout.startswith("shopify_orders.csv -> orders: 5 rows read, 4 new")
    code, stdout, _ = invoke("import", export, "--preset", "Shopify-Orders", "-w", ws)
    assert code == 0 and ", 0 new, 0 updated, 4 unchanged" in stdout
    code, _, stderr = invoke("import", export, "-t", "tickets", "--preset", "shopify-orders",
                             "-w", ws)  # fmt: skip
    assert code != 0 and "imports into orders, not tickets; use --table orders" in stderr
