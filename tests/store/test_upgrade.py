"""Workspaces written by older cxpulse versions upgrade to exactly what a new one holds.

The fixtures (``fixtures/``, how they were made in its README) were written by the code of
the commits that introduced migrations 1, 6 and 11. Each is upgraded by today's migrations and
compared table by table, column by column (names, order, types) and index by index with a
freshly created workspace; the rows it held must survive, changed only as the migrations say.
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest

from cxpulse.store import open_store
from cxpulse.store.migrations import MIGRATIONS, current_version, migrate

FIXTURES = Path(__file__).parent / "fixtures"
OLD = sorted(FIXTURES.glob("v*.duckdb.gz"))

Layout = dict[str, list[tuple[str, str]]]


def _unpack(gz: Path, to: Path) -> Path:
    with gzip.open(gz, "rb") as src, to.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    return to


def _layout(path: Path) -> tuple[Layout, set[tuple[str, str, str]]]:
    """Every table's (column, type) in order, and every index as (name, table, SQL)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables: Layout = {}
        for table, column, type_ in con.execute(
            "SELECT table_name, column_name, data_type FROM duckdb_columns() "
            "WHERE NOT internal ORDER BY table_name, column_index"
        ).fetchall():
            tables.setdefault(table, []).append((column, type_))
        indexes = set(
            con.execute("SELECT index_name, table_name, sql FROM duckdb_indexes()").fetchall()
        )
        return tables, indexes
    finally:
        con.close()


def _rows(path: Path) -> dict[str, list[dict[str, Any]]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = {}
        for (table,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall():
            cur = con.execute(f"SELECT * FROM {table}")
            names = [d[0] for d in cur.description]
            out[table] = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
        return out
    finally:
        con.close()


def _migrated(path: Path) -> int:
    store = open_store(path)
    try:
        migrate(store)
        return current_version(store)
    finally:
        store.close()


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> tuple[Layout, set[tuple[str, str, str]]]:
    path = tmp_path_factory.mktemp("fresh") / "new.duckdb"
    _migrated(path)
    return _layout(path)


def test_there_are_fixtures_of_three_versions() -> None:
    assert [p.name.split("-")[0] for p in OLD] == ["v01", "v06", "v11"]


@pytest.mark.parametrize("gz", OLD, ids=[p.name.split(".")[0] for p in OLD])
def test_an_old_workspace_upgrades_to_what_a_new_one_holds(
    gz: Path, tmp_path: Path, fresh: tuple[Layout, set[tuple[str, str, str]]]
) -> None:
    path = _unpack(gz, tmp_path / "old.duckdb")
    before = _rows(path)
    old_version = max(r["version"] for r in before["cxpulse_migrations"])
    assert f"v{old_version:02d}" == gz.name.split("-")[0]

    assert _migrated(path) == MIGRATIONS[-1].version
    tables, indexes = _layout(path)
    fresh_tables, fresh_indexes = fresh
    assert sorted(tables) == sorted(fresh_tables)
    for name, columns in fresh_tables.items():
        assert tables[name] == columns, name
    assert indexes == fresh_indexes

    after = _rows(path)
    for table, rows in before.items():
        if table == "cxpulse_migrations":
            continue
        expected = [_as_migrated(table, row, old_version) for row in rows]
        kept = [{k: row[k] for k in rows[0]} for row in after[table]] if rows else []
        assert _sorted([r for r in expected if r is not None]) == _sorted(kept), table
    if "survey_deliveries" in before and old_version < 10:  # migration 10 moved the waiting
        # survey email to the outbox
        (moved,) = after["automation_outbox"]
        assert moved["outbox_key"] == "survey:I1:email" and moved["status"] == "pending"


def _as_migrated(table: str, row: dict[str, Any], version: int) -> dict[str, Any] | None:
    """The row as the migrations after ``version`` leave it (None: removed)."""
    if table == "survey_deliveries" and row["address"] == "visitor:V9":
        return None  # migration 12: an anonymous visitor's unanswered offer is no delivery
    if table == "survey_invitations" and row["source"] == "cxpulse-widget":
        return None  # ... nor an invitation
    if table == "survey_deliveries" and version < 10 and row["status"] == "pending":
        return {**row, "status": "queued"}  # migration 10: it waits in the outbox now
    return row


def _sorted(rows: list[dict[str, Any]]) -> list[list[tuple[str, str]]]:
    return sorted(sorted((k, repr(v)) for k, v in r.items()) for r in rows)
