"""Temporary tables on PostgreSQL: every write and query drops what it created.

Ibis loads each in-memory table into a temporary table and, left alone, drops it only when the
process exits: a long-running server kept one per write until PostgreSQL ran out of lock slots.
These tests count the temporary relations of the connection while it works (cxpulse.store.postgres).
"""

from __future__ import annotations

from pathlib import Path

import ibis
import pytest

from cxpulse import Workspace
from cxpulse.store import keyed

KEYED = {"key": "string", "value": "string"}


def temporary(ws: Workspace) -> int:
    """Temporary tables of this connection's session."""
    row = ws.store.con.con.execute(  # type: ignore[attr-defined]
        "SELECT count(*) FROM pg_class WHERE relnamespace = pg_my_temp_schema() AND relkind = 'r'"
    ).fetchone()
    assert row is not None
    return int(row[0])


def test_writes_and_queries_leave_no_temporary_table(pg_ws: Workspace, tmp_path: Path) -> None:
    start = temporary(pg_ws)
    csv = tmp_path / "customers.csv"
    for round_ in range(5):
        csv.write_text(
            "customer_id,created_at,segment\n"
            + "".join(f"c{i},2025-01-0{1 + i % 9},s{round_}\n" for i in range(20))
        )
        pg_ws.import_file(csv, "customers")  # classify (a join) and upsert: two memtables
        pg_ws.set_setting("targets.nps", str(30 + round_))
        rows = [{"key": f"k{round_}", "value": "v"}]
        keyed.replace_rows(pg_ws.store, "cxpulse_settings", rows, "key", KEYED)
        pg_ws.metric("active_customers", by="month", end="2025-12-31")  # a memtable of periods
        assert temporary(pg_ws) == start, f"round {round_}"


def test_a_failed_write_drops_its_temporary_table(pg_ws: Workspace) -> None:
    start = temporary(pg_ws)
    twice = ibis.memtable({"customer_id": ["c1", "c1"], "name": ["a", "b"]})  # a key twice
    for _ in range(3):
        with pytest.raises(Exception, match="duplicate key"):
            pg_ws.store.con.insert("customers", twice)
        with pytest.raises(Exception, match="second time"), pg_ws.store.transaction():
            pg_ws.store.con.upsert("customers", twice, on="customer_id")
    assert temporary(pg_ws) == start
    assert pg_ws.counts()["customers"] == 0


def test_a_memtable_used_twice_is_loaded_again(pg_ws: Workspace) -> None:
    t = ibis.memtable({"customer_id": ["a", "b"]})
    assert pg_ws.store.con.execute(t.count()) == 2
    assert pg_ws.store.con.execute(t.count()) == 2  # dropped after the first, registered again
    assert temporary(pg_ws) == 0
