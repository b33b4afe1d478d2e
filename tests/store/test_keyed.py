"""Keyed reads and writes: DuckDB's native path and the Ibis path give the same rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import duckdb
import ibis.expr.datatypes as dt
import pytest

from cxpulse import Workspace
from cxpulse.store import keyed
from cxpulse.store.migrations import LOOKUP_INDEXES

SCHEMA = {"id": dt.string, "n": dt.int64, "x": dt.float64, "seen": dt.Timestamp(), "ok": dt.boolean}
AT = datetime(2026, 3, 1, 9, 30)


@pytest.fixture(params=["native", "ibis"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if request.param == "ibis":  # what every other backend runs
        monkeypatch.setattr(keyed, "_native", lambda store: False)
    yield request.param


@pytest.fixture
def table(ws: Workspace) -> str:
    # columns stored in another order than SCHEMA, as after a migration added one at the end
    ws.store.con.raw_sql(
        "CREATE TABLE things (ok BOOLEAN, seen TIMESTAMP, id TEXT, x DOUBLE, n BIGINT)"
    )
    ws.store.con.raw_sql(
        "INSERT INTO things VALUES (true, TIMESTAMP '2026-01-01 08:00', 'a', 1.5, 1), "
        "(NULL, NULL, 'b', NULL, 2), (false, TIMESTAMP '2026-01-02 08:00', 'c', 3.5, 3)"
    )
    return "things"


def _all(ws: Workspace) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in keyed.rows_where_in(ws.store, "things", "id", ["a", "b", "c", "d"])}


def test_rows_by_key_are_plain_values(ws: Workspace, table: str, path: str) -> None:
    rows = keyed.rows_where_in(ws.store, table, "id", ["b", "a", "a", "zz"])
    by_id = {r["id"]: r for r in rows}
    assert set(by_id) == {"a", "b"}
    assert by_id["a"] == {"ok": True, "seen": datetime(2026, 1, 1, 8), "id": "a", "x": 1.5, "n": 1}
    assert by_id["b"] == {"ok": None, "seen": None, "id": "b", "x": None, "n": 2}  # NULL -> None
    assert keyed.rows_where_in(ws.store, table, "id", []) == []
    assert keyed.rows_where_in(ws.store, table, "id", ["a"], ["n"]) == [{"n": 1}]


def test_replace_updates_and_adds(ws: Workspace, table: str, path: str) -> None:
    rows = [
        {"id": "a", "n": 10, "x": None, "seen": AT, "ok": False},
        {"id": "d", "n": 4, "x": 4.5, "seen": AT, "ok": True},
    ]
    keyed.replace_rows(ws.store, table, rows, "id", SCHEMA)
    got = _all(ws)
    assert set(got) == {"a", "b", "c", "d"}
    assert got["a"] == {"ok": False, "seen": AT, "id": "a", "x": None, "n": 10}
    assert got["d"]["x"] == 4.5 and got["c"]["n"] == 3  # untouched rows stay


def test_replace_told_which_keys_are_stored(ws: Workspace, table: str, path: str) -> None:
    rows = [
        {"id": "b", "n": 20, "x": 2.0, "seen": AT, "ok": True},
        {"id": "e", "n": 5, "x": 5.0, "seen": AT, "ok": True},
    ]
    keyed.replace_rows(ws.store, table, rows, "id", SCHEMA, stored={"b"})
    got = keyed.rows_where_in(ws.store, table, "id", ["b", "e"])
    assert sorted((r["id"], r["n"]) for r in got) == [("b", 20), ("e", 5)]  # no duplicate b


def test_a_failed_replace_loses_nothing(ws: Workspace, table: str) -> None:
    before = _all(ws)
    bad = [
        {"id": "a", "n": 11, "x": 1.0, "seen": AT, "ok": True},
        {"id": "c", "n": "not a number", "x": 1.0, "seen": AT, "ok": True},
    ]
    with pytest.raises(duckdb.Error):
        keyed.replace_rows(ws.store, table, bad, "id", SCHEMA)
    assert _all(ws) == before  # the delete of a and c was rolled back with the insert


def test_replace_nothing_is_a_no_op(ws: Workspace, table: str, path: str) -> None:
    before = _all(ws)
    keyed.replace_rows(ws.store, table, [], "id", SCHEMA)
    assert _all(ws) == before


def test_workspaces_index_the_survey_lookups(ws: Workspace) -> None:
    found = {
        r[0] for r in ws.store.con.con.execute("SELECT index_name FROM duckdb_indexes()").fetchall()
    }
    assert {name for name, _, _ in LOOKUP_INDEXES} <= found
