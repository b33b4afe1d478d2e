"""The store's writes give the same rows on DuckDB and on a real PostgreSQL server, bind every
value (quotes and percent signs are data, not SQL), and join the caller's transaction."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import ibis.expr.datatypes as dt
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cxpulse
from cxpulse.store import NOT_NULL, Store, open_store
from tests.postgres.conftest import pg_server, pg_url  # noqa: F401  (real PostgreSQL)

SCHEMA = {"id": dt.string, "n": dt.int64, "note": dt.string, "seen": dt.Timestamp()}
AT = datetime(2026, 3, 1, 9, 30)
ROWS = [
    {"id": "a", "n": 1, "note": "it's", "seen": AT},
    {"id": "b", "n": 2, "note": None, "seen": None},
    {"id": "c'; DROP TABLE things; --", "n": 3, "note": "100%", "seen": AT},
]


@pytest.fixture(params=["duckdb", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "postgres":
        location = request.getfixturevalue("pg_url")
    else:
        location = str(tmp_path / "w.duckdb")
    opened = open_store(location)
    # a name that needs quoting, and a percent sign psycopg must not read as a placeholder
    opened.con.raw_sql('CREATE TABLE "my things%" (id TEXT, n BIGINT, note TEXT, seen TIMESTAMP)')
    opened.insert("my things%", ROWS, schema=SCHEMA)
    try:
        yield opened
    finally:
        opened.close()


T = "my things%"


def rows(store: Store) -> dict[str, dict[str, Any]]:
    got = store.table(T).to_pyarrow().to_pylist()
    return {r["id"]: r for r in got}


def test_insert_takes_dicts_arrow_and_frames(store: Store) -> None:
    store.insert(T, pa.table({"n": [4], "id": ["d"]}))  # columns by name, the rest NULL
    store.insert(T, [{"id": "e", "n": 5, "note": "x", "seen": AT}], schema=SCHEMA)
    got = rows(store)
    assert got["d"] == {"id": "d", "n": 4, "note": None, "seen": None}
    assert got["e"]["note"] == "x" and len(got) == 5


def test_upsert_and_replace_all(store: Store) -> None:
    store.upsert(T, [{"id": "a", "n": 10, "note": None, "seen": AT}], on="id", schema=SCHEMA)
    assert rows(store)["a"]["n"] == 10 and len(rows(store)) == 3
    store.replace_all(T, [{"id": "z", "n": 0, "note": None, "seen": None}], schema=SCHEMA)
    assert list(rows(store)) == ["z"]


def test_update_binds_values_and_counts(store: Store) -> None:
    evil = ROWS[2]["id"]
    assert store.update(T, {"id": evil}, {"note": "o'clock 50%", "n": 30}) == 1
    assert rows(store)[evil] == {"id": evil, "n": 30, "note": "o'clock 50%", "seen": AT}
    assert store.update(T, {"note": None}, {"note": "was empty"}) == 1
    assert store.update(T, {"id": ["a", "b", "nobody"], "seen": NOT_NULL}, {"n": 7}) == 1
    assert store.update(T, {"id": []}, {"n": 0}) == 0  # an empty list matches nothing
    got = rows(store)
    assert (got["a"]["n"], got["b"]["n"], got["b"]["note"]) == (7, 2, "was empty")
    assert store.update(T, {}, {"seen": None}) == 3  # no where: every row
    with pytest.raises(ValueError, match="at least one column"):
        store.update(T, {"id": "a"}, {})


def test_delete_where_counts(store: Store) -> None:
    assert store.delete_where(T, {"id": "nobody"}) == 0
    assert store.delete_where(T, {"seen": None}) == 1
    assert store.delete_where(T, {"id": ("a",), "note": "it's"}) == 1
    assert list(rows(store)) == [ROWS[2]["id"]]
    assert store.delete_where(T, {}) == 1
    assert rows(store) == {}


def test_writes_join_the_transaction(store: Store) -> None:
    before = rows(store)
    with pytest.raises(RuntimeError, match="stop"), store.transaction():
        store.update(T, {"id": "a"}, {"n": 100})
        store.delete_where(T, {"id": "b"})
        store.insert(T, [{"id": "f", "n": 6, "note": None, "seen": None}], schema=SCHEMA)
        raise RuntimeError("stop")
    assert rows(store) == before
    with store.transaction():
        store.update(T, {"id": "a"}, {"n": 100})
        store.delete_where(T, {"id": "b"})
    assert rows(store)["a"]["n"] == 100 and "b" not in rows(store)


def test_base_tables_leave_out_views(store: Store) -> None:
    store.con.create_view("a_view", store.table(T))
    assert store.base_tables() == [T]


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")))
def test_any_text_is_data(tmp_path: Path, text: str) -> None:
    """Whatever a value holds, it is stored and matched as given, never read as SQL (DuckDB)."""
    store = open_store(tmp_path / "p.duckdb")
    try:
        store.con.raw_sql("CREATE OR REPLACE TABLE t (k TEXT, v TEXT)")
        store.insert("t", [{"k": text, "v": None}, {"k": text + "x", "v": None}])
        assert store.update("t", {"k": text}, {"v": text}) == 1
        assert store.table("t").to_pyarrow().to_pylist()[0] == {"k": text, "v": text}
        assert store.delete_where("t", {"v": text, "k": [text]}) == 1
        assert store.table("t").count().execute() == 1
    finally:
        store.close()


def test_other_backends_get_literals_written_by_sqlglot(tmp_path: Path) -> None:
    """A backend without a placeholder cxpulse knows: the same results, values as literals."""
    native = open_store(tmp_path / "g.duckdb")
    try:
        native.con.raw_sql(
            'CREATE TABLE "my things%" (id TEXT, n BIGINT, note TEXT, seen TIMESTAMP)'
        )
        generic = Store(con=native.con, location=native.location, backend="generic")
        generic.insert(T, ROWS, schema=SCHEMA)
        evil = ROWS[2]["id"]
        assert generic.update(T, {"id": [evil, "a"], "seen": AT}, {"note": "it's 5%"}) == 2
        assert generic.update(T, {"seen": None}, {"seen": AT, "n": None}) == 1
        assert generic.delete_where(T, {"id": "nobody"}) == 0
        assert generic.delete_where(T, {"note": "it's 5%", "n": NOT_NULL}) == 2
        assert rows(native) == {"b": {"id": "b", "n": None, "note": None, "seen": AT}}
    finally:
        native.close()


def test_only_the_store_reaches_into_its_connection() -> None:
    """Code above the store writes through its methods: no ``store.con`` and no hand-quoted
    values outside ``cxpulse/store`` (a new one belongs in :mod:`cxpulse.store.writes`)."""
    package = Path(cxpulse.__file__).parent
    found = [
        f"{path.relative_to(package)}:{no}: {line.strip()}"
        for path in sorted(package.rglob("*.py"))
        if "store" not in path.relative_to(package).parts[:1]
        for no, line in enumerate(path.read_text().splitlines(), start=1)
        if re.search(r"\.con\b", line) or """replace("'", "''")""" in line
    ]
    assert found == []
