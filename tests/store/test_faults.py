"""A damaged file, a full disk, a read-only mount: real files, real mounts, clear messages.

The mount tests need root (tmpfs, bind mounts); they are skipped with the reason otherwise.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from cxpulse import Workspace
from cxpulse.cli.app import app
from cxpulse.errors import DiskFullError, WorkspaceDamagedError, WorkspaceReadOnlyError
from cxpulse.store.faults import damage_marker, storage_error

# DuckDB's file layout: three 4 KiB headers, then blocks of 256 KiB.
_HEADERS, _BLOCK = 3 * 4096, 262_144


def _workspace_with_orders(path: Path, rows: int = 100_000) -> Path:
    with Workspace.init(path) as ws:
        ws.store.con.raw_sql(
            "INSERT INTO orders (order_id, ordered_at, amount, source) "
            "SELECT 'O' || i, TIMESTAMP '2025-01-01' + INTERVAL (i) MINUTE, i % 100, 'test' "
            f"FROM range({rows}) t(i)"
        )
        ws.store.con.raw_sql("CHECKPOINT")
    return path


def _damage_orders(path: Path) -> None:
    """Overwrite bytes inside a block that holds the orders table, as a bad sector would."""
    with duckdb.connect(str(path), read_only=True) as con:
        found = con.execute(
            "SELECT max(block_id) FROM pragma_storage_info('orders') WHERE block_id >= 0"
        ).fetchone()
    assert found is not None and found[0] is not None
    with path.open("r+b") as f:
        f.seek(_HEADERS + found[0] * _BLOCK + 100)
        f.write(os.urandom(512))


@pytest.fixture
def damaged(tmp_path: Path) -> Path:
    path = _workspace_with_orders(tmp_path / "ws.duckdb")
    _damage_orders(path)
    return path


def _orders_csv(path: Path, rows: int, prefix: str = "N") -> Path:
    lines = ["order_id,ordered_at,amount,channel"]
    lines += [f"{prefix}{i},2025-03-01 10:00,{i % 90}.5,web shop {i}" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_damaged_file_is_named_as_such_and_never_written_again(
    damaged: Path, tmp_path: Path
) -> None:
    with Workspace.open(damaged) as ws:  # the catalog is intact: it opens
        assert ws.settings.timezone == "UTC"
    data = _orders_csv(tmp_path / "new.csv", 10)
    refused = pytest.raises(WorkspaceDamagedError, match="is damaged.*Restore it from your latest")
    with refused, Workspace.open(damaged) as ws:
        ws.import_file(data, "orders")  # the checksum pass before writing finds it
    assert damage_marker(damaged).exists()

    with Workspace.open(damaged) as ws:
        assert ws.store.read_only and ws.store.damage
        with pytest.raises(WorkspaceDamagedError, match="will not write to it again"):
            ws.set_setting("min_n", "31")
        with pytest.raises(WorkspaceDamagedError):
            ws.import_file(data, "orders")

    # a restored backup is a new file: writable again, the stale marker gone
    shutil.copy(_workspace_with_orders(tmp_path / "backup.duckdb"), damaged)
    with Workspace.open(damaged) as ws:
        assert ws.store.read_only is None
        ws.set_setting("min_n", "31")
    assert not damage_marker(damaged).exists()


def test_a_marker_on_a_file_changed_since_is_checked_not_dropped(damaged: Path) -> None:
    with pytest.raises(WorkspaceDamagedError), Workspace.open(damaged) as ws:
        ws.store.verify()  # found and marked
    os.utime(damaged, ns=(1, 1))  # written to since (a checkpoint, a server), still damaged
    with Workspace.open(damaged) as ws:
        assert ws.store.damage  # every block read again: the damage is still there
    assert damage_marker(damaged).exists()


def test_damage_found_by_a_read_stops_this_process_writing(damaged: Path) -> None:
    """As in a server: the same store that met the damage refuses every later write."""
    with Workspace.open(damaged) as ws:
        assert ws.store.damage is None
        with pytest.raises(duckdb.Error) as met:
            ws.table("orders").amount.sum().execute()
        assert isinstance(ws.store.explain(met.value), WorkspaceDamagedError)
        with pytest.raises(WorkspaceDamagedError, match="will not write to it again"):
            ws.set_setting("min_n", "31")


def test_a_read_that_meets_damage_is_a_message_not_a_bug(damaged: Path) -> None:
    result = CliRunner().invoke(app, ["metric", "average_order_value", "-w", str(damaged)])
    assert result.exit_code == 1, result.output
    assert "is damaged" in result.output and "bug" not in result.output
    assert damage_marker(damaged).exists()


def test_verify_passes_on_a_sound_file(tmp_path: Path) -> None:
    with Workspace.open(_workspace_with_orders(tmp_path / "ok.duckdb")) as ws:
        ws.store.verify()


def _mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True, check=False)
    if done.returncode:
        pytest.skip(f"cannot mount here (needs root): {done.stderr.strip()}")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 3 MiB tmpfs: room for a workspace, not for a big import."""
    disk = tmp_path / "disk"
    disk.mkdir()
    _mount("-t", "tmpfs", "-o", "size=3m", "tmpfs", str(disk))
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def test_a_full_disk_is_named_and_loses_nothing(small_disk: Path, tmp_path: Path) -> None:
    path = small_disk / "ws.duckdb"
    with Workspace.init(path) as ws:
        ws.import_file(_orders_csv(tmp_path / "first.csv", 50), "orders")
    big = _orders_csv(tmp_path / "big.csv", 200_000, prefix="B")
    full = pytest.raises(DiskFullError, match="is full.*No space left.*intact")
    with full, Workspace.open(path) as ws:
        ws.import_file(big, "orders")
    with Workspace.open(path) as ws:
        assert ws.counts()["orders"] == 50


@pytest.fixture
def read_only_copy(tmp_path: Path) -> Iterator[Path]:
    """A workspace seen through a read-only bind mount (root ignores file permissions)."""
    source, view = tmp_path / "rw", tmp_path / "ro"
    source.mkdir()
    view.mkdir()
    _workspace_with_orders(source / "ws.duckdb", rows=100)
    _mount("--bind", str(source), str(view))
    try:
        _mount("-o", "remount,ro,bind", str(view))
        yield view / "ws.duckdb"
    finally:
        subprocess.run(["umount", str(view)], check=True)


def test_a_read_only_workspace_answers_queries_and_refuses_writes(
    read_only_copy: Path, tmp_path: Path
) -> None:
    with Workspace.open(read_only_copy) as ws:
        assert ws.store.read_only and "cannot be written" in ws.store.read_only
        assert ws.counts()["orders"] == 100
        with pytest.raises(WorkspaceReadOnlyError, match="open read-only.*Nothing was changed"):
            ws.import_file(_orders_csv(tmp_path / "x.csv", 3), "orders")
        with pytest.raises(WorkspaceReadOnlyError):
            ws.set_setting("min_n", "31")
    result = CliRunner().invoke(app, ["config", "set", "min_n", "31", "-w", str(read_only_copy)])
    assert result.exit_code == 1
    assert result.output.count("open read-only") == 2  # the note on open, then the refusal


def test_a_full_disk_under_a_file_cxpulse_writes_is_named(tmp_path: Path) -> None:
    disk = tmp_path / "tiny"
    disk.mkdir()
    _mount("-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk))
    try:
        with contextlib.suppress(OSError):  # fill it
            (disk / "filler").write_bytes(b"x" * 1_000_000)
        bad = tmp_path / "orders.csv"
        bad.write_text("order_id,ordered_at,amount\nO1,2025-01-01,-1\n", encoding="utf-8")
        with Workspace.init(tmp_path / "ws.duckdb") as ws, pytest.raises(OSError) as caught:
            ws.import_file(bad, "orders", on_error="skip", rejects_path=disk / "r.csv")
        explained = storage_error(caught.value, None)
        assert isinstance(explained, DiskFullError)
        assert "the disk is full: could not write" in str(explained)
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def test_the_blocks_are_checked_once_per_connection(tmp_path: Path) -> None:
    """Every import used to read the whole file first (12 s of a 14 s import through the
    server at scale 1); the blocks written since the check are this process's own."""
    with Workspace.open(_workspace_with_orders(tmp_path / "ok.duckdb", rows=1000)) as ws:
        assert not ws.store.checked.done
        ws.import_file(_orders_csv(tmp_path / "a.csv", 10), "orders")
        assert ws.store.checked.done
        # the web server's reader cursors read the same file: checked too
        assert ws.store.thread_reader().checked.done
    with Workspace.open(tmp_path / "ok.duckdb") as ws:  # a new connection checks again
        assert not ws.store.checked.done


def test_a_failed_check_is_not_taken_as_done(damaged: Path) -> None:
    with Workspace.open(damaged) as ws:
        with pytest.raises(WorkspaceDamagedError):
            ws.store.verify()
        assert not ws.store.checked.done
