"""Migration 14: every natural key is a unique index; copies stored before are merged or refused.

The same checks run on DuckDB here and on PostgreSQL in tests/postgres/test_keys.py.
"""

from __future__ import annotations

from pathlib import Path

import ibis
import pytest

from cxpulse import Workspace
from cxpulse.errors import WorkspaceError
from cxpulse.store.migrations import KEY_INDEXES, MIGRATIONS_TABLE
from tests.conftest import add_rows


def before_migration_14(ws: Workspace) -> None:
    """Make ``ws`` look as a workspace written before migration 14 did."""
    for index, _, _ in KEY_INDEXES:
        ws.store.con.raw_sql(f"DROP INDEX {index}")
    ws.store.con.raw_sql(f"DELETE FROM {MIGRATIONS_TABLE} WHERE version = 14")


def stored_twice(location: str | Path, *, same: bool) -> None:
    with Workspace.init(location) as ws:
        before_migration_14(ws)
        add_rows(ws, "customers", [{"customer_id": "c1", "name": "Ann"}] * 2)
        add_rows(ws, "customers", [{"customer_id": "c2", "name": "Bob"}])
        add_rows(ws, "customers", [{"customer_id": "c2", "name": "Bob" if same else "Rob"}])


def test_identical_copies_are_merged_into_one(tmp_path: Path) -> None:
    stored_twice(tmp_path / "ws.duckdb", same=True)
    with Workspace.open(tmp_path / "ws.duckdb") as ws:
        rows = ws.table("customers").order_by("customer_id").execute()
        assert rows.customer_id.tolist() == ["c1", "c2"]
        assert rows.name.tolist() == ["Ann", "Bob"]


def test_different_copies_are_refused_with_the_keys_and_nothing_changes(tmp_path: Path) -> None:
    stored_twice(tmp_path / "ws.duckdb", same=False)
    with pytest.raises(
        WorkspaceError, match=r"customers holds rows with the same customer_id.*'c2'"
    ):
        Workspace.open(tmp_path / "ws.duckdb")
    # the merge of c1 was rolled back with the refusal
    con = ibis.duckdb.connect(str(tmp_path / "ws.duckdb"))
    assert con.table("customers").count().execute() == 4
    con.disconnect()


def test_the_database_refuses_a_key_stored_twice(tmp_path: Path) -> None:
    with Workspace.init(tmp_path / "ws.duckdb") as ws:
        add_rows(ws, "customers", [{"customer_id": "c1"}])
        with pytest.raises(Exception, match="(?i)duplicate key"):
            add_rows(ws, "customers", [{"customer_id": "c1"}])
        assert ws.counts()["customers"] == 1
