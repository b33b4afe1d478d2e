"""Opening workspaces: paths, URLs, a file held by another process."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cxpulse import Workspace
from cxpulse.errors import WorkspaceError, WorkspaceLockedError
from cxpulse.store import open_store


def test_a_missing_workspace_is_not_created_silently(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="no workspace at .*cxpulse init"):
        Workspace.open(tmp_path / "typo.duckdb")
    assert not (tmp_path / "typo.duckdb").exists()


def test_a_folder_or_missing_parent_is_refused(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="is a folder"):
        open_store(tmp_path)
    with pytest.raises(WorkspaceError, match="does not exist"):
        open_store(tmp_path / "nowhere" / "ws.duckdb")


def test_a_file_that_is_not_duckdb_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.duckdb"
    bogus.write_text("hello, this is not a database\n" * 100)
    with pytest.raises(WorkspaceError, match="not a DuckDB workspace|cannot open"):
        Workspace.open(bogus)


def test_a_data_file_is_not_taken_for_a_workspace(tmp_path: Path) -> None:
    data = tmp_path / "responses.csv"  # DuckDB itself would open it as a one-view database
    data.write_text("response_id,score\nR1,9\n", encoding="utf-8")
    with pytest.raises(WorkspaceError, match="not a DuckDB workspace file.*cxpulse import"):
        Workspace.open(data)


def test_an_ibis_url_opens_a_workspace(tmp_path: Path) -> None:
    url = f"duckdb://{tmp_path / 'url.duckdb'}"
    with pytest.raises(WorkspaceError, match="no workspace at"):  # a typo is not created
        Workspace.open(url)
    with Workspace.init(url) as ws:
        assert ws.store.backend == "duckdb"
        assert ws.counts()["survey_responses"] == 0
    with Workspace.open(url) as ws:
        assert ws.store.location == str(tmp_path / "url.duckdb")


def test_a_workspace_held_by_another_process_gets_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "held.duckdb"
    Workspace.init(path).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import sys, time
            from cxpulse import Workspace
            ws = Workspace.open({str(path)!r})
            print("holding", flush=True)
            sys.stdin.read()
        """),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        with pytest.raises(WorkspaceLockedError) as info:
            Workspace.open(path)
        message = str(info.value)
        assert f"PID {holder.pid}" in message
        assert "in use by another process" in message and "cxpulse serve" in message
        assert "Traceback" not in message and "IO Error" not in message
    finally:
        holder.communicate("")
    Workspace.open(path).close()  # free again once the holder has gone


def test_a_missing_driver_points_to_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import cxpulse.store.postgres

    def no_driver(url: str) -> None:
        raise ModuleNotFoundError("No module named 'psycopg'")

    monkeypatch.setattr(cxpulse.store.postgres, "connect", no_driver)
    with pytest.raises(
        WorkspaceError, match=r"driver is not installed; pip install 'cxpulse\[postgres\]'"
    ):
        open_store("postgresql://cx@localhost/cx")


def test_a_thread_reader_reads_the_same_file_on_its_own_cursor(tmp_path: Path) -> None:
    import threading

    from cxpulse.store import Store

    store = open_store(tmp_path / "t.duckdb")
    try:
        store.con.raw_sql("CREATE TABLE memo (k TEXT)")
        store.insert("memo", [{"k": "a"}, {"k": "b"}])
        counts: list[int] = []

        def read() -> None:
            reader = store.thread_reader()
            counts.append(int(reader.table("memo").count().execute()))

        threads = [threading.Thread(target=read) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert counts == [2, 2, 2]
        with pytest.raises(TypeError, match="DuckDB cursor"):
            Store(con=store.con, location=store.location, backend="generic").thread_reader()
    finally:
        store.close()


def test_limit_memory_caps_duckdb_and_refuses_what_is_not_a_size(tmp_path: Path) -> None:
    from cxpulse.errors import ConfigError

    with Workspace.init(tmp_path / "ws.duckdb") as ws:
        ws.store.limit_memory("512MB")
        reader = ws.store.thread_reader()  # the server's per-thread readers share the cap
        (limit,) = reader.con.raw_sql("SELECT current_setting('memory_limit')").fetchone()
        assert limit == "488.2 MiB"  # 512 MB as DuckDB prints it
        with pytest.raises(ConfigError, match="a size such as 1GB"):
            ws.store.limit_memory("1GB'; DROP TABLE customers; --")


def _memory_limit(ws: Workspace) -> str:
    (limit,) = ws.store.con.raw_sql("SELECT current_setting('memory_limit')").fetchone()
    return str(limit)


def test_memory_bounded_lowers_duckdbs_limit_for_a_bulk_write_and_restores_it(
    tmp_path: Path,
) -> None:
    with Workspace.init(tmp_path / "ws.duckdb") as ws:
        default = _memory_limit(ws)  # 80 % of the machine
        with ws.store.memory_bounded("1GB"):
            assert _memory_limit(ws) == "953.6 MiB"
            with ws.store.memory_bounded("2GB"):  # nested: the outer bound holds
                assert _memory_limit(ws) == "953.6 MiB"
            assert _memory_limit(ws) == "953.6 MiB"
        assert _memory_limit(ws) == default and ws.store.memory_limit is None

        ws.store.limit_memory("512MB")  # the server's own, lower limit is kept
        with ws.store.memory_bounded("1GB"):
            assert _memory_limit(ws) == "488.2 MiB"
        with pytest.raises(RuntimeError), ws.store.memory_bounded("256MB"):
            assert _memory_limit(ws) == "244.1 MiB"
            raise RuntimeError("the write failed")
        assert _memory_limit(ws) == "488.2 MiB"  # restored on failure too


def test_memory_bounded_around_a_failed_transaction_restores_the_limit_outside(
    tmp_path: Path,
) -> None:
    """Inside a failed transaction DuckDB refuses the SET that restores the limit: the
    statement's own error is raised, and the outer block (outside it) restores the limit."""
    import duckdb

    with Workspace.init(tmp_path / "ws.duckdb") as ws:
        default = _memory_limit(ws)
        store = ws.store
        with (
            pytest.raises(duckdb.ConversionException),
            store.memory_bounded("1GB"),
            store.transaction(),
            store.memory_bounded("512MB"),  # inside the transaction
        ):
            store.con.raw_sql("SELECT CAST('x' AS INTEGER)")
        assert _memory_limit(ws) == default and store.memory_limit is None
