"""A workspace as a folder of Parquet files: export, import back, and the checks on the files."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cxpulse import Workspace, schema
from cxpulse.errors import WorkspaceError
from cxpulse.metrics import cx_weights
from cxpulse.store.parquet import ParquetFileError, export_parquet, import_parquet
from tests.conftest import add_rows


@pytest.fixture
def filled(ws: Workspace) -> Workspace:
    add_rows(ws, "customers", [{"customer_id": "C1", "language": "fr"}, {"customer_id": "C2"}])
    add_rows(
        ws,
        "tickets",
        [
            {
                "customer_id": "C1",
                "created_at": datetime(2025, 3, 30, 1, 30, 0, 123456),  # Paris DST night
                "first_reply_at": datetime(2025, 3, 30, 3, 0),
                "reopens": 2,
                "talk_seconds": 61.5,
                "escalated": True,
                "channel": "email",
            },
            {"customer_id": "C2", "created_at": datetime(2025, 10, 26, 0, 59, 59)},
        ],
    )
    ws.set_setting("min_n", "5")
    return ws


def test_export_writes_one_file_per_table_with_utc_timestamps(
    filled: Workspace, tmp_path: Path
) -> None:
    report = export_parquet(filled, tmp_path / "out")
    assert report.rows["tickets"] == 2 and report.rows["customers"] == 2
    files = {p.name for p in (tmp_path / "out").iterdir()}
    assert {f"{name}.parquet" for name in schema.TABLES} <= files
    assert "cxpulse_settings.parquet" in files
    assert not [f for f in files if f.endswith(".partial")]

    arrow = pq.read_table(tmp_path / "out" / "tickets.parquet")
    assert arrow.column_names == schema.TICKETS.names
    assert arrow.schema.field("created_at").type == pa.timestamp("us", tz="UTC")
    assert arrow.schema.field("reopens").type == pa.int64()
    created = arrow.sort_by("created_at").column("created_at").to_pylist()[0]
    # naive UTC in the store, the same instant marked UTC in the file
    assert created.isoformat() == "2025-03-30T01:30:00.123456+00:00"


def test_a_round_trip_gives_back_every_row_and_the_settings(
    filled: Workspace, tmp_path: Path
) -> None:
    cx_weights.set_weights(
        filled.store, weights={"nps": 1.0, "csat": 1.0}, effective_from=date.today()
    )
    export_parquet(filled, tmp_path / "out")
    with Workspace.init(tmp_path / "copy.duckdb") as copy:
        report = import_parquet(copy, tmp_path / "out")
        assert cx_weights.history(copy.store) == cx_weights.history(filled.store)
        assert report.rows["tickets"] == 2
        assert copy.counts() == filled.counts()
        assert copy.settings == filled.settings
        assert copy.settings.timezone == "Europe/Paris" and copy.settings.min_n == 5
        for name, tab in schema.TABLES.items():
            a = filled.table(name).order_by(tab.key).execute()
            b = copy.table(name).order_by(tab.key).execute()
            assert a.equals(b), name


def test_import_refuses_a_workspace_holding_data_unless_asked_to_replace(
    filled: Workspace, tmp_path: Path
) -> None:
    export_parquet(filled, tmp_path / "out")
    add_rows(filled, "tickets", [{"customer_id": "C2", "created_at": datetime(2025, 1, 1)}])
    with pytest.raises(WorkspaceError, match=r"already holds data \(2 customers, 3 tickets"):
        import_parquet(filled, tmp_path / "out")
    assert filled.counts()["tickets"] == 3
    import_parquet(filled, tmp_path / "out", replace=True)
    assert filled.counts()["tickets"] == 2


def test_a_replacing_import_makes_the_stored_results_stale(
    filled: Workspace, tmp_path: Path
) -> None:
    from cxpulse.store.results import remembered, stored

    export_parquet(filled, tmp_path / "out")
    add_rows(filled, "tickets", [{"customer_id": "C2", "created_at": datetime(2025, 1, 1)}])

    def count() -> int:
        return int(filled.table("tickets").count().execute())

    assert remembered(filled.store, "count", {}, "s", count) == 3
    import_parquet(filled, tmp_path / "out", replace=True)
    assert stored(filled.store, "count", {}, "s") is None  # not the 3 of before
    assert remembered(filled.store, "count", {}, "s", count) == 2


def _rewrite(path: Path, change: str) -> None:
    table = pq.read_table(path)
    if change == "drop":
        table = table.drop_columns(["channel"])
    elif change == "extra":
        table = table.append_column("mood", pa.array(["ok"] * table.num_rows))
    elif change == "type":
        i = table.column_names.index("reopens")
        table = table.set_column(i, "reopens", pa.array(["two"] * table.num_rows))
    pq.write_table(table, path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("drop", r"tickets\.parquet has no column 'channel', which tickets needs"),
        ("extra", r"tickets\.parquet has column 'mood', which tickets does not have"),
        ("type", r"tickets\.parquet, column 'reopens': found string, expected int64"),
    ],
)
def test_a_file_that_does_not_match_the_schema_is_named_and_nothing_is_written(
    filled: Workspace, tmp_path: Path, change: str, message: str
) -> None:
    export_parquet(filled, tmp_path / "out")
    _rewrite(tmp_path / "out" / "tickets.parquet", change)
    with Workspace.init(tmp_path / "copy.duckdb") as copy:
        with pytest.raises(ParquetFileError, match=message):
            import_parquet(copy, tmp_path / "out")
        assert sum(copy.counts().values()) == 0


def test_files_from_other_tools_are_accepted_when_their_types_fit(
    filled: Workspace, tmp_path: Path
) -> None:
    """Naive nanosecond timestamps and 32-bit integers (pandas' defaults) load as they are."""
    export_parquet(filled, tmp_path / "out")
    path = tmp_path / "out" / "tickets.parquet"
    table = pq.read_table(path)
    fields = [
        f.with_type(pa.timestamp("ns"))
        if pa.types.is_timestamp(f.type)
        else f.with_type(pa.int32())
        if f.name == "reopens"
        else f
        for f in table.schema
    ]
    pq.write_table(table.cast(pa.schema(fields)), path)
    with Workspace.init(tmp_path / "copy.duckdb") as copy:
        import_parquet(copy, tmp_path / "out")
        a = filled.table("tickets").order_by("ticket_id").execute()
        b = copy.table("tickets").order_by("ticket_id").execute()
        assert a.equals(b)


def test_a_folder_without_the_files_is_refused(ws: Workspace, tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="no folder"):
        import_parquet(ws, tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ParquetFileError, match="holds none of the files customers.parquet"):
        import_parquet(ws, tmp_path / "empty")


def test_the_cli_imports_into_a_workspace_file_that_does_not_exist_yet(tmp_path: Path) -> None:
    """docs/BACKENDS.md moves a workspace with export then import into a new file."""
    from typer.testing import CliRunner

    from cxpulse.cli.app import app

    with Workspace.init(tmp_path / "old.duckdb") as ws:
        add_rows(ws, "customers", [{"customer_id": "c1"}, {"customer_id": "c2"}])
    runner = CliRunner()
    folder, new = tmp_path / "export", tmp_path / "new.duckdb"
    done = runner.invoke(
        app, ["parquet", "export", str(folder), "-w", str(tmp_path / "old.duckdb")]
    )
    assert done.exit_code == 0, done.output
    done = runner.invoke(app, ["parquet", "import", str(folder), "-w", str(new)])
    assert done.exit_code == 0, done.output
    with Workspace.open(new) as ws:
        assert ws.counts()["customers"] == 2


def _memory_limit(ws: Workspace) -> str:
    (limit,) = ws.store.con.raw_sql("SELECT current_setting('memory_limit')").fetchone()
    return str(limit)


def test_an_import_runs_within_a_memory_bound_and_restores_the_limit(
    filled: Workspace, tmp_path: Path
) -> None:
    """DuckDB's default limit (80 % of the machine) let the scale-10 import grow to 20 GB."""
    from cxpulse.store.connect import BULK_MEMORY_LIMIT
    from cxpulse.store.derived import Maintainer

    export_parquet(filled, tmp_path / "out")
    seen: list[str] = []

    def build(sources: object, keep: object) -> Iterator[tuple[str, object]]:
        # a derived table rebuilt at the commit sees the bound (the sessions, in real life)
        seen.append(_memory_limit(copy))
        yield from ()

    with Workspace.init(tmp_path / "copy.duckdb") as copy:
        copy.store.limit_memory("4GB")  # a limit of its own, higher than the bound
        probe = Maintainer("probe", ("tickets",), "ticket_id", (), lambda: "1", build)
        copy.store.derived.register(probe)  # type: ignore[arg-type]
        import_parquet(copy, tmp_path / "out")
        copy.store.limit_memory(BULK_MEMORY_LIMIT)
        expected = _memory_limit(copy)
        copy.store.limit_memory("4GB")
        assert seen == [expected]
        assert _memory_limit(copy) == "3.7 GiB"  # its own limit again


def test_an_import_that_fails_midway_leaves_nothing_and_restores_the_limit(
    filled: Workspace, tmp_path: Path
) -> None:
    """customers load, then a tickets value DuckDB cannot cast fails the INSERT: the whole
    import rolls back (one transaction), the derived tables and settings as they were."""
    export_parquet(filled, tmp_path / "out")
    path = tmp_path / "out" / "tickets.parquet"
    table = pq.read_table(path)
    i = table.column_names.index("reopens")
    too_big = pa.array([2**64 - 1] * table.num_rows, pa.uint64())  # an integer, not an int64
    pq.write_table(table.set_column(i, "reopens", too_big), path)
    with Workspace.init(tmp_path / "copy.duckdb") as copy:
        default = _memory_limit(copy)
        with pytest.raises(ParquetFileError, match=r"tickets\.parquet: Conversion Error.*out of"):
            import_parquet(copy, tmp_path / "out")
        assert sum(copy.counts().values()) == 0  # not even the customers loaded before
        assert copy.settings.min_n != 5  # the settings file was not applied
        assert _memory_limit(copy) == default
