"""`cxpulse parquet export|import` end to end (Typer's runner, real DuckDB files)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from typer.testing import CliRunner

from cxpulse import Workspace
from cxpulse.cli.app import app
from tests.conftest import add_rows

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_export_then_import_into_another_workspace(tmp_path: Path) -> None:
    source = tmp_path / "ws.duckdb"
    with Workspace.init(source, timezone="Europe/Paris") as ws:
        add_rows(ws, "survey_responses", [{"score": 9, "responded_at": datetime(2025, 4, 10)}])
    code, out, err = invoke("parquet", "export", str(tmp_path / "pq"), "-w", str(source))
    assert code == 0, err
    assert "Exported 11 tables" in out and "1 survey_responses" in out
    assert (tmp_path / "pq" / "survey_responses.parquet").exists()

    target = tmp_path / "copy.duckdb"
    invoke("init", str(target))
    code, out, err = invoke("parquet", "import", str(tmp_path / "pq"), "-w", str(target))
    assert code == 0, err
    assert "Imported" in out and "1 survey_responses" in out
    with Workspace.open(target) as copy:
        assert copy.counts()["survey_responses"] == 1
        assert copy.settings.timezone == "Europe/Paris"

    # a second import would overwrite data: refused with the way out, as one message
    code, out, err = invoke("parquet", "import", str(tmp_path / "pq"), "-w", str(target))
    assert code == 1
    assert "already holds data" in err and "--replace" in err and "Traceback" not in err
    code, _, err = invoke("parquet", "import", str(tmp_path / "pq"), "--replace", "-w", str(target))
    assert code == 0, err


def test_spark_options_without_the_folder_are_explained(tmp_path: Path) -> None:
    code, _, err = invoke("metric", "nps", "--backend", "spark")
    assert code == 1 and "--parquet DIR" in err
    code, _, err = invoke("metric", "nps", "--parquet", str(tmp_path))
    assert code == 1 and "go with --backend spark" in err
