"""DuckDB forgets each in-memory table after the call that used it (tests/postgres/test_temporary.py
checks the same on PostgreSQL, where they are temporary tables)."""

from __future__ import annotations

from pathlib import Path

import ibis
import pytest

from cxpulse import Workspace
from cxpulse.store import keyed

KEYED = {"key": "string", "value": "string"}


def registered(ws: Workspace) -> int:
    """The in-memory tables DuckDB holds for this connection (temporary views)."""
    found = ws.store.con.raw_sql(
        "SELECT count(*) FROM duckdb_views() WHERE temporary AND NOT internal"
    ).fetchone()
    assert found is not None
    return int(found[0])


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace.init(tmp_path / "ws.duckdb")


def test_writes_and_queries_leave_nothing_registered(ws: Workspace, tmp_path: Path) -> None:
    csv = tmp_path / "customers.csv"
    for round_ in range(3):
        csv.write_text("customer_id,created_at\n" + "".join(f"c{i},2025-01-02\n" for i in range(9)))
        ws.import_file(csv, "customers")
        ws.set_setting("targets.nps", str(30 + round_))
        rows = [{"key": f"k{round_}", "value": "v"}]
        keyed.replace_rows(ws.store, "cxpulse_settings", rows, "key", KEYED)
        ws.metric("active_customers", by="month", end="2025-12-31")
        assert registered(ws) == 0


def test_a_failed_write_leaves_nothing_registered(ws: Workspace) -> None:
    with pytest.raises(Exception, match="no_such_table"):
        ws.store.con.insert("no_such_table", ibis.memtable({"customer_id": ["c1", "c1"]}))
    assert registered(ws) == 0


def test_a_memtable_used_twice_is_registered_again(ws: Workspace) -> None:
    t = ibis.memtable({"customer_id": ["a", "b"]})
    assert ws.store.con.execute(t.count()) == 2
    assert ws.store.con.execute(t.count()) == 2
    assert registered(ws) == 0
