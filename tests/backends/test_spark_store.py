"""The read-only Spark workspace: opening a Parquet folder, refusing writes, the CLI options,
reading only the files a query needs, one session per process, a quiet terminal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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
from cxpulse.store import spark as spark_store
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
    pq.write_table(pq.read_table(folder / "customers.parquet"), folder / "tickets.parquet")
    table = pq.read_table(folder / "orders.parquet").drop_columns(["amount"])
    pq.write_table(table, folder / "orders.parquet")
    store = open_spark_store(folder, session=spark)
    try:
        # a file is checked when a query first reads it
        with pytest.raises(ParquetFileError, match=r"orders\.parquet has no column 'amount'"):
            store.table("orders")
        with pytest.raises(WorkspaceError, match=r"has no table 'nope'"):
            store.table("nope")
    finally:
        store.close()


def test_a_query_registers_only_the_tables_it_reads(spark: Any, folder: Path) -> None:
    def views() -> set[str]:
        return {t.name for t in spark.catalog.listTables() if t.isTemporary}

    before = views()
    store = open_spark_store(folder, session=spark)
    with Workspace(store) as on_spark:
        assert store.has_table("cxpulse_cx_index_weights")  # a file, not yet read
        on_spark.metric("nps")
        # the settings (read on opening) and the survey responses: 2 of the 11 files
        assert set(store.tables) == {"cxpulse_settings", "survey_responses"}
        assert views() - before == {
            f"cxpulse_{store.tag}_cxpulse_settings",
            f"cxpulse_{store.tag}_survey_responses",
        }
    assert views() == before  # closing dropped them


def test_stores_share_the_process_session_not_their_views(spark: Any, folder: Path) -> None:
    # no session given: each store finds the one this process runs (here the tests' session)
    first, second = open_spark_store(folder), open_spark_store(folder)
    try:
        assert first.session is second.session is spark
        assert spark_store.local_session() is spark
        with Workspace(first) as one, Workspace(second) as two:
            expected = one.metric("nps")
            one.close()
            # two stores over one folder: closing the first left the second's views
            assert two.metric("nps").equals(expected)
    finally:
        second.close()
    assert spark.range(3).count() == 3  # closing a store leaves the session running


def test_a_failure_inside_spark_is_one_line(spark: Any, folder: Path) -> None:
    with (
        pytest.raises(WorkspaceError, match="^Spark failed while reading") as caught,
        Workspace(open_spark_store(folder, session=spark)) as on_spark,
    ):
        on_spark.table("survey_responses")  # registered: Spark planned over the file
        (folder / "survey_responses.parquet").unlink()
        on_spark.metric("nps")
    assert "\n" not in str(caught.value)
    assert f"Spark's log: {spark_store.driver_log}" in str(caught.value)


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


@pytest.mark.slow  # starts a JVM of its own (tens of seconds on a busy machine)
def test_the_terminal_shows_the_output_and_no_jvm_noise(folder: Path) -> None:
    from tests.backends.conftest import spark_missing

    reason = spark_missing()
    if reason:
        pytest.skip(reason)
    command = [sys.executable, "-m", "cxpulse", "metric", "nps", "--format", "json"]
    done = subprocess.run(
        [*command, "--backend", "spark", "--parquet", str(folder)],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no log4j, Hadoop or JVM warnings, no progress bar
    assert sum(row["n"] for row in json.loads(done.stdout)) == 7


def test_no_java_is_one_line_naming_the_cause(folder: Path) -> None:
    pytest.importorskip("pyspark")
    command = [sys.executable, "-m", "cxpulse", "metric", "nps", "--backend", "spark"]
    done = subprocess.run(
        [*command, "--parquet", str(folder)],
        capture_output=True,
        text=True,
        env={**os.environ, "JAVA_HOME": "/nonexistent", "COLUMNS": "500"},
        timeout=300,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    line = done.stderr.strip()
    assert "\n" not in line
    assert line.startswith("Error: cannot start Spark (local[*])")
    assert "/nonexistent/bin/java: No such file or directory; Spark's log: " in line
