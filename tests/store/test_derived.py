"""Derived tables maintained on write: after any write (insert, upsert, update, delete, replace,
inside a transaction or not) the derived rows equal the from-scratch computation, commit with
the source rows or roll back with them, and are rebuilt when their version changes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ibis.expr.types import Table

from cxpulse.store import Store, open_store
from cxpulse.store.derived import Keep, Maintainer, Since, stored_version
from cxpulse.store.migrations import migrate
from tests.postgres.conftest import pg_server, pg_url  # noqa: F401  (real PostgreSQL)

SOURCE = {"id": dt.string, "k": dt.string, "v": dt.int64}


def per_key(hits: Table) -> Table:
    """The derived rows: per key, how many source rows, their total and the largest id."""
    return hits.group_by("k").aggregate(
        n=hits.count().cast("int64"), total=hits.v.sum().cast("int64"), last_id=hits.id.max()
    )


class Toy:
    """A maintainer of ``per_k`` from ``hits``, recording how many source rows each build saw
    (all of them: a rebuild; fewer: a refresh of some keys)."""

    def __init__(self, version: str = "1") -> None:
        self.version = version
        self.seen: list[int] = []

    def build(self, sources: Mapping[str, Table], keep: Keep) -> Iterator[tuple[str, Table]]:
        hits = keep(sources["hits"])
        self.seen.append(int(hits.count().execute()))
        yield "per_k", per_key(hits)

    def maintainer(self) -> Maintainer:
        return Maintainer(
            name="toy",
            sources=("hits",),
            key="k",
            tables=("per_k",),
            version=lambda: self.version,
            build=self.build,
            order={"per_k": "k"},
        )


def _tables(store: Store) -> None:
    migrate(store)  # the versions table
    store.con.create_table("hits", schema=ibis.schema(SOURCE))
    derived = {"k": dt.string, "n": dt.int64, "total": dt.int64, "last_id": dt.string}
    store.con.create_table("per_k", schema=ibis.schema(derived))


@pytest.fixture(params=["duckdb", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "postgres":
        location = request.getfixturevalue("pg_url")
    else:
        location = str(tmp_path / "w.duckdb")
    opened = open_store(location)
    _tables(opened)
    try:
        yield opened
    finally:
        opened.close()


def stored(store: Store) -> list[dict[str, Any]]:
    return sorted(store.table("per_k").to_pyarrow().to_pylist(), key=lambda r: r["k"])


def expected(store: Store) -> list[dict[str, Any]]:
    return sorted(per_key(store.table("hits")).to_pyarrow().to_pylist(), key=lambda r: r["k"])


def rows(*triples: tuple[str, str, int]) -> pa.Table:
    ids, ks, vs = zip(*triples, strict=True)
    return pa.table({"id": list(ids), "k": list(ks), "v": list(vs)})


def test_every_write_keeps_the_derived_rows(store: Store) -> None:
    toy = Toy()
    store.derived.register(toy.maintainer())
    store.derived.rebuild_stale(store)  # first use: the version is recorded
    assert stored_version(store, "toy") == "1"
    store.insert("hits", rows(("1", "a", 1), ("2", "a", 2), ("3", "b", 5), ("5", "e", 1)))
    assert stored(store) == expected(store) and len(stored(store)) == 3
    # an upsert that moves row 3 from key b to key c: b loses its only row
    store.upsert("hits", rows(("3", "c", 7), ("4", "a", 1)), on="id")
    assert stored(store) == expected(store)
    assert [r["k"] for r in stored(store)] == ["a", "c", "e"]
    assert toy.seen[-1] == 4  # the rows of the keys touched (a, b, c), not the whole table
    # an update that moves rows to another key refreshes both keys
    assert store.update("hits", {"k": "a"}, {"k": "d", "v": 10}) == 3
    assert stored(store) == expected(store)
    assert store.delete_where("hits", {"id": ["3"]}) == 1
    assert stored(store) == expected(store)
    store.replace_all("hits", rows(("9", "z", 9)))
    assert stored(store) == expected(store) == [{"k": "z", "n": 1, "total": 9, "last_id": "9"}]


def test_derived_rows_commit_and_roll_back_with_the_write(store: Store) -> None:
    toy = Toy()
    store.derived.register(toy.maintainer())
    store.derived.rebuild_stale(store)
    store.insert("hits", rows(("1", "a", 1)))
    with pytest.raises(RuntimeError), store.transaction():
        store.insert("hits", rows(("2", "a", 2), ("3", "b", 3)))
        raise RuntimeError("the import failed half-way")
    assert stored(store) == expected(store) == [{"k": "a", "n": 1, "total": 1, "last_id": "1"}]
    calls = len(toy.seen)
    with store.transaction():  # several writes of one transaction: one refresh at its end
        store.insert("hits", rows(("2", "a", 2)))
        store.insert("hits", rows(("3", "b", 3)))
        store.delete_where("hits", {"id": "1"})
    assert len(toy.seen) == calls + 1
    assert stored(store) == expected(store)


# -- a maintainer that refreshes from each key's earliest touched time ------------------------
def ranked(hits: Table) -> Table:
    """Each row with its rank in its key, by ``v`` then ``id`` (like a session number)."""
    w = ibis.window(group_by=hits.k, order_by=[hits.v, hits.id])
    return hits.select("k", "id", "v", rank=(ibis.row_number().over(w) + 1).cast("int64"))


class Ranks:
    """A maintainer of ``ranks`` with a :class:`Since` on ``v``: rows of a key below its
    earliest touched ``v`` keep their rank, the later ones are ranked after them."""

    def __init__(self) -> None:
        self.touched: list[dict[str, Any]] = []  # the (key, since) each refresh received

    def build(self, sources: Mapping[str, Table], keep: Keep) -> Iterator[tuple[str, Table]]:
        yield "ranks", ranked(sources["hits"])

    def recompute(
        self, sources: Mapping[str, Table], derived: Mapping[str, Table], touched: Table, keep: Keep
    ) -> tuple[Table, Iterator[tuple[str, Table]]]:
        self.touched = sorted(touched.to_pyarrow().to_pylist(), key=lambda r: r["k"])
        r, t = derived["ranks"], touched.rename(_k="k")
        kept = r.join(t, r.k == t._k).filter(t.since.notnull() & (r.v < t.since))
        before = kept.group_by("k").aggregate(_n=kept["rank"].max())
        b = t.left_join(before, t._k == before.k)
        n = b._n.coalesce(0)
        bounds = keep(b.select(k=b._k, rank=n + 1, _before=n, _since=b.since))
        h = sources["hits"]
        later = h.join(bounds.rename(_k="k"), h.k == bounds.k)
        later = later.filter(later._since.isnull() | (later.v >= later._since))
        out = ranked(later)
        offset = later.select("id", "_before")
        out = out.join(offset, "id")
        rows = out.select("k", "id", "v", rank=out["rank"] + out._before)
        return bounds, iter([("ranks", rows)])

    def maintainer(self) -> Maintainer:
        return Maintainer(
            name="ranks",
            sources=("hits",),
            key="k",
            tables=("ranks",),
            version=lambda: "1",
            build=self.build,
            since=Since(column="v", cut="rank", recompute=self.recompute),
        )


def test_a_maintainer_gets_each_keys_earliest_touched_time(tmp_path: Path) -> None:
    """Inserts give each key the least time of its new rows; an update or a delete gives none
    (every row of the key); the rows stay equal to the from-scratch ones."""
    store = open_store(tmp_path / "w.duckdb")
    _tables(store)
    store.con.create_table(
        "ranks",
        schema=ibis.schema({"k": dt.string, "id": dt.string, "v": dt.int64, "rank": dt.int64}),
    )
    ranks = Ranks()
    store.derived.register(ranks.maintainer())
    store.derived.rebuild_stale(store)

    def check() -> None:
        got = sorted(store.table("ranks").to_pyarrow().to_pylist(), key=lambda r: r["id"])
        want = sorted(ranked(store.table("hits")).to_pyarrow().to_pylist(), key=lambda r: r["id"])
        assert got == want

    store.insert("hits", rows(("1", "a", 10), ("2", "a", 20), ("3", "a", 30), ("4", "b", 5)))
    check()
    with store.transaction():
        store.insert("hits", rows(("5", "a", 25)))
        store.insert("hits", rows(("6", "a", 15), ("7", "b", 9)))
    assert ranks.touched == [{"k": "a", "since": 15}, {"k": "b", "since": 9}]
    check()
    with store.transaction():
        store.insert("hits", rows(("8", "a", 1)))
        store.update("hits", {"id": "4"}, {"v": 50})
    assert ranks.touched == [{"k": "a", "since": 1}, {"k": "b", "since": None}]
    check()
    assert store.delete_where("hits", {"id": ["2"]}) == 1
    assert ranks.touched == [{"k": "a", "since": None}]
    check()
    store.close()


def test_most_of_the_table_or_all_of_it_is_rebuilt_whole(tmp_path: Path) -> None:
    store = open_store(tmp_path / "w.duckdb")
    _tables(store)
    toy = Toy()
    store.derived.register(toy.maintainer())
    store.insert("hits", rows(*((str(i), f"k{i}", i) for i in range(1500))))
    assert toy.seen[-1] == 1500  # stale (never built): rebuilt whole
    store.insert("hits", rows(*((f"x{i}", f"k{i}", 1) for i in range(1200))))
    assert toy.seen[-1] == 2700  # 1200 of 1500 keys: rebuilt whole
    store.insert("hits", rows(("y", "k1", 1)))
    assert toy.seen[-1] == 3  # one key: its rows only
    store.delete_where("hits", {})
    assert toy.seen[-1] == 0 and stored(store) == []


def test_a_new_version_rebuilds_once(tmp_path: Path) -> None:
    store = open_store(tmp_path / "w.duckdb")
    _tables(store)
    store.insert("hits", rows(("1", "a", 1)))  # no maintainer yet: an old workspace
    toy = Toy()
    store.derived.register(toy.maintainer())
    assert [m.name for m in store.derived.stale(store)] == ["toy"]
    assert store.derived.rebuild_stale(store) == ["toy"]
    assert stored(store) == expected(store) and stored_version(store, "toy") == "1"
    assert store.derived.rebuild_stale(store) == []  # up to date: nothing to do
    toy.version = "2"  # a setting it depends on changed
    assert store.derived.rebuild_stale(store) == ["toy"]
    assert stored_version(store, "toy") == "2"


def test_a_store_without_the_maintainer_forgets_the_version(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    store = open_store(path)
    _tables(store)
    store.derived.register(Toy().maintainer())
    store.derived.rebuild_stale(store)
    store.close()
    bare = open_store(path)  # a store nobody registered the maintainer on (a copy, a script)
    bare.insert("hits", rows(("1", "a", 1)))
    assert stored_version(bare, "toy") is None  # out of date: the next Workspace rebuilds
    bare.insert("hits", rows(("2", "a", 1)))  # and writes on, unwatched
    bare.close()


# -- any sequence of writes ----------------------------------------------------------------
KEYS = st.sampled_from(["a", "b", "c", "d"])
IDS = st.sampled_from([str(i) for i in range(8)])
ROW = st.tuples(IDS, KEYS, st.integers(0, 9))
WRITE = st.one_of(
    st.tuples(st.just("insert"), st.lists(ROW, min_size=1, max_size=4)),
    st.tuples(st.just("upsert"), st.lists(ROW, min_size=1, max_size=4, unique_by=lambda r: r[0])),
    st.tuples(st.just("update"), st.tuples(IDS, KEYS)),
    st.tuples(st.just("delete"), st.lists(KEYS, max_size=2)),
    st.tuples(st.just("replace"), st.lists(ROW, max_size=3)),
)


def _apply(store: Store, write: tuple[str, Any]) -> None:
    kind, arg = write
    if kind == "insert":
        store.insert("hits", rows(*arg))
    elif kind == "upsert":
        store.upsert("hits", rows(*arg), on="id")
    elif kind == "update":
        store.update("hits", {"id": arg[0]}, {"k": arg[1]})
    elif kind == "delete":
        store.delete_where("hits", {"k": arg})
    else:
        store.replace_all("hits", rows(*arg) if arg else [], schema=SOURCE)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    batches=st.lists(st.tuples(st.booleans(), st.lists(WRITE, min_size=1, max_size=3)), max_size=4)
)
def test_any_writes_leave_the_from_scratch_rows(tmp_path: Path, batches: list[Any]) -> None:
    store = open_store(tmp_path / f"h{len(list(tmp_path.iterdir()))}.duckdb")  # one per example
    try:
        _tables(store)
        store.derived.register(Toy().maintainer())
        store.derived.rebuild_stale(store)
        for in_one_transaction, writes in batches:
            if in_one_transaction:
                with store.transaction():
                    for write in writes:
                        _apply(store, write)
            else:
                for write in writes:
                    _apply(store, write)
            assert stored(store) == expected(store)
    finally:
        store.close()
