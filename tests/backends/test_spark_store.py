"""The read-only Spark workspace: opening a Parquet folder, refusing writes, the CLI options."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from cxpulse import Workspace
from cxpulse.cli.app import app
from cxpulse.errors import WorkspaceError
from cxpulse.metrics import cx_weights
from cxpulse.store.parquet import ParquetFileError, export_parquet
from cxpulse.store.spark import ReadOnlyWorkspaceError, open_spark_store
from tests.conftest import add_rows

runner = CliRunner()


@pytest.fixture
def folder(ws: Workspace, tmp_path: Path) -> Path:
    rows = [
        {"score": s, "responded_at": datetime(2025, 3, 31, 22, 30), "touchpoint": "support"}
        for s in [10, 10, 9, 7, 0, 3]
    ]
    rows += [{"score": 10, "responded_at": datetime(2025, 3, 31, 21, 30), "touchpoint": "web"}]
    add_rows(ws, "survey_responses", rows)
    ws.set_setting("min_n", "3")
    cx_weights.set_weights(ws.store, preset="satisfaction_loyalty", effective_from=date(2025, 2, 1))
    export_parquet(ws, tmp_path / "pq")
    return tmp_path / "pq"


def test_a_metric_on_spark_matches_duckdb_in_the_workspace_time_zone(
    spark: Any, ws: Workspace, folder: Path
) -> None:
    with Workspace(open_spark_store(folder, session=spark)) as on_spark:
        assert on_spark.settings == ws.settings
        # the CX index weights travel with the folder
        assert cx_weights.history(on_spark.store) == cx_weights.history(ws.store)
        assert len(cx_weights.history(ws.store)) == 2
        got = on_spark.metric("nps", segment="touchpoint")
    expected = ws.metric("nps", segment="touchpoint")
    # 22:30 UTC on March 31 is April 1st 00:30 in Paris (summer time, +2), 21:30 is not
    assert got["period"].tolist() == expected["period"].tolist() == ["2025-04", "2025-03"]
    assert got[["n", "value", "low_n"]].equals(expected[["n", "value", "low_n"]])
    # closing a workspace over a session it was given leaves the session running
    assert spark.range(3).count() == 3


def test_every_write_is_refused_with_a_clear_message(spark: Any, folder: Path) -> None:
    with Workspace(open_spark_store(folder, session=spark)) as on_spark:
        with pytest.raises(ReadOnlyWorkspaceError, match="read-only .*cxpulse parquet export"):
            on_spark.set_setting("min_n", "10")
        with pytest.raises(ReadOnlyWorkspaceError, match="insert refused"):
            on_spark.store.con.insert("survey_responses", on_spark.table("survey_responses"))
        assert isinstance(ReadOnlyWorkspaceError("x"), PermissionError)
        assert on_spark.settings.min_n == 3


def test_a_missing_or_wrong_file_is_named(spark: Any, folder: Path) -> None:
    (folder / "tickets.parquet").unlink()
    with pytest.raises(WorkspaceError, match=r"has no tickets\.parquet"):
        open_spark_store(folder, session=spark)
    table = pq.read_table(folder / "orders.parquet").drop_columns(["amount"])
    pq.write_table(table, folder / "orders.parquet")
    with pytest.raises(ParquetFileError, match=r"orders\.parquet has no column 'amount'"):
        open_spark_store(folder, session=spark)


def test_the_metric_command_runs_on_spark(spark: Any, ws: Workspace, folder: Path) -> None:
    args = ["metric", "nps", "--segment", "touchpoint", "--format", "json"]
    result = runner.invoke(app, [*args, "--backend", "spark", "--parquet", str(folder)])
    assert result.exit_code == 0, result.stderr
    on_spark = json.loads(result.stdout)
    ws.close()  # the DuckDB file is opened by the command below
    result = runner.invoke(app, [*args, "-w", ws.store.location])
    assert result.exit_code == 0, result.stderr
    assert on_spark == json.loads(result.stdout)
    assert spark.range(2).count() == 2  # the command reused the running session
