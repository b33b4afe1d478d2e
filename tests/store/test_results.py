"""Stored results: read back while every table they read is unchanged, computed again (and
stored) after any write to one of them, never stale."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ibis
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxpulse.schema import RESULTS_TABLE
from cxpulse.store import Store, open_store
from cxpulse.store.migrations import migrate
from cxpulse.store.results import (
    forget,
    reading,
    remembered,
    stored,
    table_versions,
)
from tests.postgres.conftest import pg_server, pg_url  # noqa: F401  (real PostgreSQL)

SOURCES = ("a", "b")


@pytest.fixture(params=["duckdb", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "postgres":
        location = request.getfixturevalue("pg_url")
    else:
        location = str(tmp_path / "w.duckdb")
    s = open_store(location)
    migrate(s)
    for name in SOURCES:
        s.con.create_table(name, schema=ibis.schema({"v": "int64"}))
    yield s
    s.close()


class Total:
    """A result: the sum of table ``a`` (and of ``b`` when asked), counting its computations."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.runs = 0

    def compute(self, tables: tuple[str, ...]) -> dict[str, int]:
        self.runs += 1
        return {t: int(self.store.table(t).v.sum().execute() or 0) for t in tables}

    def read(self, tables: tuple[str, ...] = ("a",), depends: str = "s1") -> Any:
        return remembered(
            self.store, "total", {"tables": list(tables)}, depends, lambda: self.compute(tables)
        )


def test_a_current_result_is_read_not_computed(store: Store) -> None:
    total = Total(store)
    store.insert("a", [{"v": 2}])
    assert total.read() == {"a": 2}
    assert total.read() == {"a": 2}
    assert total.runs == 1
    store.insert("b", [{"v": 5}])  # a table it did not read
    assert total.read() == {"a": 2}
    assert total.runs == 1


def test_a_write_to_a_table_it_read_computes_it_again(store: Store) -> None:
    total = Total(store)
    store.insert("a", [{"v": 2}])
    assert total.read() == {"a": 2}
    store.update("a", {"v": 2}, {"v": 3})
    assert total.read() == {"a": 3}
    store.delete_where("a", {})
    assert total.read() == {"a": 0}
    assert total.runs == 3


def test_other_settings_or_params_are_other_results(store: Store) -> None:
    total = Total(store)
    total.read()
    total.read(depends="s2")
    total.read(("a", "b"))
    assert total.runs == 3
    total.read(depends="s2")
    assert total.runs == 3


def test_a_write_while_it_computes_leaves_it_stale(store: Store) -> None:
    store.insert("a", [{"v": 1}])

    def racing() -> dict[str, int]:
        value = {"a": int(store.table("a").v.sum().execute())}
        store.insert("a", [{"v": 10}])  # lands after the read, before the result is stored
        return value

    assert remembered(store, "racing", {}, "s", racing) == {"a": 1}
    assert stored(store, "racing", {}, "s") is None  # never taken as current
    assert Total(store).read() == {"a": 11}


def test_a_rolled_back_write_keeps_the_versions(store: Store) -> None:
    store.insert("a", [{"v": 1}])
    before = table_versions(store)
    with pytest.raises(RuntimeError), store.transaction():
        store.insert("a", [{"v": 1}])
        raise RuntimeError("undone")
    assert table_versions(store) == before


def test_reads_are_recorded_also_nested(store: Store) -> None:
    with reading() as outer:
        store.table("a")
        with reading() as inner:
            store.table("b")
    assert (outer, inner) == ({"a", "b"}, {"b"})


def test_forget(store: Store) -> None:
    total = Total(store)
    total.read()
    assert forget(store, "total") == 1
    total.read()
    assert total.runs == 2
    assert store.table(RESULTS_TABLE).count().execute() == 1


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.one_of(
            st.tuples(st.just("insert"), st.sampled_from(SOURCES), st.integers(-5, 5)),
            st.tuples(st.just("delete"), st.sampled_from(SOURCES), st.integers(-5, 5)),
            st.tuples(st.just("read"), st.sampled_from([("a",), ("b",), ("a", "b")]), st.none()),
        ),
        max_size=12,
    )
)
def test_a_read_always_gives_what_computing_gives(
    store: Store, ops: list[tuple[str, Any, Any]]
) -> None:
    """Any mix of writes (inside transactions or not) and reads: every read answers what a
    computation from scratch answers then."""
    forget(store)
    for name in SOURCES:
        store.delete_where(name, {})
    total = Total(store)
    for op, what, value in ops:
        if op == "insert":
            with store.transaction():
                store.insert(what, [{"v": value}])
        elif op == "delete":
            store.delete_where(what, {"v": value})
        else:
            assert total.read(what) == total.compute(what)


def test_a_write_drops_the_results_that_read_its_table(store: Store) -> None:
    """Nothing out of date is kept (an erased customer's numbers included)."""
    total = Total(store)
    total.read(("a",))
    total.read(("b",))
    store.delete_where("a", {"v": 1})
    kept = store.table(RESULTS_TABLE).key.execute().tolist()
    assert kept == ['["total",{"tables":["b"]}]']


def test_a_keyed_replace_is_a_write_too(store: Store) -> None:
    """Public survey answers are written by keyed.replace_rows, past Writes: the table still
    gets a new version, new rows and replaced ones alike."""
    from cxpulse.store.keyed import replace_rows

    store.con.create_table("k", schema=ibis.schema({"id": "string", "v": "int64"}))
    total = Total(store)

    def read() -> Any:
        return remembered(store, "k", {}, "s1", lambda: total.compute(("k",)))

    schema = {"id": "string", "v": "int64"}
    replace_rows(store, "k", [{"id": "x", "v": 2}], "id", schema, stored=())
    assert read() == {"k": 2}
    replace_rows(store, "k", [{"id": "y", "v": 5}], "id", schema, stored=())  # a new row
    assert read() == {"k": 7}
    replace_rows(store, "k", [{"id": "x", "v": 1}], "id", schema)  # a replaced one
    assert read() == {"k": 6}
    assert total.runs == 3


# -- the code's version: a hash of its source files, part of every result's key ---------------
def test_editing_a_module_changes_the_source_fingerprint(tmp_path: Path) -> None:
    import os

    from cxpulse.store.results import source_fingerprint

    package = tmp_path / "pkg"
    (package / "sub" / "__pycache__").mkdir(parents=True)
    module = package / "sub" / "mod.py"
    module.write_text("X = 1\n")
    (package / "data.yaml").write_text("a: 1\n")
    first = source_fingerprint(package)
    assert source_fingerprint(package) == first
    (package / "sub" / "__pycache__" / "mod.cpython-311.pyc").write_bytes(b"\0")
    (package / "notes.txt").write_text("not a source file")
    assert source_fingerprint(package) == first  # compiled files and others do not count
    st = module.stat()
    os.utime(module, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000))  # touched, same content
    touched = source_fingerprint(package)
    assert touched != first
    module.write_text("X = 2\n")  # edited
    assert source_fingerprint(package) not in (first, touched)
    (package / "sub" / "new.py").write_text("")
    assert len({first, touched, source_fingerprint(package)}) == 3


def test_a_result_stored_by_other_code_is_not_read(tmp_path: Path) -> None:
    from pathlib import Path as P

    import cxpulse
    from cxpulse.store.results import code_version, fingerprint, source_fingerprint

    assert code_version() == source_fingerprint(P(cxpulse.__file__).parent)
    store = open_store(tmp_path / "w.duckdb")
    try:
        migrate(store)
        store.con.create_table("a", schema=ibis.schema({"v": "int64"}))
        total = Total(store)
        assert total.read() == {"a": 0}
        row = store.table(RESULTS_TABLE).execute().iloc[0]
        assert row["settings"] == fingerprint("s1", code_version())
        assert stored(store, "total", {"tables": ["a"]}, "s1") == {"a": 0}
        # as a cxpulse with another source (same version number) would have stored it
        store.update(RESULTS_TABLE, {"key": row["key"]}, {"settings": fingerprint("s1", "old")})
        assert stored(store, "total", {"tables": ["a"]}, "s1") is None
        assert total.read() == {"a": 0} and total.runs == 2
    finally:
        store.close()
