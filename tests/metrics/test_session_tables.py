"""The sessions and page views kept on write equal the from-scratch sessionisation of every hit,
after any writes (late and out-of-order hits across a session gap and a period boundary,
upserts that move hits, deletes), and the website metrics read from them equal the raw path."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxpulse import Workspace, schema
from cxpulse.customers.privacy import erase_customer
from cxpulse.metrics import session_tables
from cxpulse.metrics import sessions as sx
from cxpulse.schema import DERIVED_VERSIONS_TABLE, WEB_PAGEVIEWS_TABLE, WEB_SESSIONS_TABLE
from cxpulse.store.derived import stored_version
from cxpulse.store.parquet import export_parquet, import_parquet

# the last evening of January in Paris: Feb 1 starts at 23:00 UTC, mid-way through the hits
START = datetime(2026, 1, 31, 22, 0)
WEB_METRICS = ("bounce_rate", "exit_rate", "avg_time_on_page", "avg_session_duration")


def hit_rows(hits: list[dict[str, Any]]) -> pa.Table:
    """Full web_events rows (columns left out are null) in the table's Arrow types."""
    names = schema.table("web_events").names
    arrow = ibis.schema(schema.table("web_events").ibis_schema()).to_pyarrow()
    return pa.table(
        {n: pa.array([h.get(n) for h in hits], type=arrow.field(n).type) for n in names}
    )


def hit(event_id: str, visitor: str, minute: int, kind: str, **more: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "visitor_id": visitor,
        "occurred_at": START + timedelta(minutes=minute),
        "event_type": kind,
        "page": more.get("page", "/a"),
        "source": "test",
        **more,
    }


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    keys = ["visitor_id", "session_number", *(["_pv_seq"] if "_pv_seq" in df else [])]
    return df.sort_values(keys).reset_index(drop=True)


def assert_kept(ws: Workspace) -> None:
    hits = sx.sessionize(ws.table("web_events"), ws.settings.session_gap_minutes)
    want_s = _sorted(sx.session_table(hits).execute())
    want_p = _sorted(sx.pageview_table(hits).execute())
    got_s = _sorted(ws.store.table(WEB_SESSIONS_TABLE).execute())
    got_p = _sorted(ws.store.table(WEB_PAGEVIEWS_TABLE).execute())
    assert _values(got_s) == _values(want_s[list(got_s.columns)])
    assert _values(got_p) == _values(want_p[list(got_p.columns)])


def _values(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts, every missing value None (an all-null column reads as object from an
    expression and as float64 from a table)."""
    return list(df.astype(object).where(df.notna(), None).to_dict("records"))


def metrics(ws: Workspace) -> dict[str, pd.DataFrame]:
    return {n: ws.metric(n, by="day", end="2026-02-02", as_of="2026-03-01") for n in WEB_METRICS}


def raw_metrics(ws: Workspace) -> dict[str, pd.DataFrame]:
    """The same metrics from the raw hits: the kept tables' version forgotten, then rebuilt."""
    ws.store.delete_where(DERIVED_VERSIONS_TABLE, {})
    try:
        return metrics(ws)
    finally:
        ws.store.derived.rebuild_stale(ws.store)


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Workspace]:
    with Workspace.init(tmp_path / "ws.duckdb", timezone="Europe/Paris") as ws:
        yield ws


# -- any writes ------------------------------------------------------------------------------
VISITORS = st.sampled_from(["v1", "v2", "v3"])
KINDS = st.sampled_from([sx.PAGE_VIEW, sx.PAGE_VIEW, sx.ENGAGEMENT, sx.KEY_EVENT])
HIT = st.builds(
    dict,
    visitor=VISITORS,
    minute=st.integers(0, 150),  # gaps either side of 30 minutes, both sides of 23:00 UTC
    kind=KINDS,
    page=st.sampled_from(["/a", "/b"]),
    scroll_percent=st.sampled_from([None, 40.0, 90.0]),
    engagement_ms=st.sampled_from([None, 5_000, 30_000]),
    customer_id=st.sampled_from([None, "c1"]),
)
WRITE = st.one_of(
    st.tuples(st.just("insert"), st.lists(HIT, min_size=1, max_size=5)),
    # an upsert moves stored hits (ids 0..) to another time or visitor
    st.tuples(st.just("upsert"), st.lists(st.tuples(st.integers(0, 9), HIT), max_size=3)),
    st.tuples(st.just("delete"), st.lists(st.integers(0, 9), min_size=1, max_size=3)),
)


class Writer:
    def __init__(self, ws: Workspace) -> None:
        self.ws, self.next_id = ws, 0

    def __call__(self, kind: str, arg: Any) -> None:
        store = self.ws.store
        if kind == "insert":
            rows = []
            for h in arg:
                rows.append(_hit(f"e{self.next_id}", h))
                self.next_id += 1
            store.insert("web_events", hit_rows(rows))
        elif kind == "upsert":
            rows = list({f"e{i}": _hit(f"e{i}", h) for i, h in arg}.values())
            if rows:
                store.upsert("web_events", hit_rows(rows), on="event_id")
        else:
            store.delete_where("web_events", {"event_id": [f"e{i}" for i in arg]})


def _hit(event_id: str, h: dict[str, Any]) -> dict[str, Any]:
    more = {k: h[k] for k in ("page", "scroll_percent", "engagement_ms", "customer_id")}
    return hit(event_id, h["visitor"], h["minute"], h["kind"], **more)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    batches=st.lists(st.tuples(st.booleans(), st.lists(WRITE, min_size=1, max_size=3)), max_size=4)
)
def test_any_writes_keep_the_sessions_equal_to_the_raw_ones(
    tmp_path_factory: pytest.TempPathFactory, batches: list[Any]
) -> None:
    path = tmp_path_factory.mktemp("prop") / "ws.duckdb"
    with Workspace.init(path, timezone="Europe/Paris") as ws:
        write = Writer(ws)
        for in_one_transaction, writes in batches:
            if in_one_transaction:
                with ws.store.transaction():
                    for w in writes:
                        write(*w)
            else:
                for w in writes:
                    write(*w)
            assert_kept(ws)
        if batches:
            got, raw = metrics(ws), raw_metrics(ws)
            for name in WEB_METRICS:
                pd.testing.assert_frame_equal(got[name], raw[name], obj=name)


# -- late hits: only the sessions they can change are recomputed -----------------------------
BASE_MINUTES = st.lists(st.integers(0, 240), min_size=1, max_size=8)
# where a late hit lands, relative to a stored hit: on it, exactly one gap after or before it
# (joins its session), just over a gap (a session of its own), in between (merges two)
# (None: a hit without a time, which sorts after every other)
NUDGES = st.sampled_from([0, 1, -1, 15, -15, 29, 30, 31, -29, -30, -31, 45, -45, None])


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    base=st.tuples(BASE_MINUTES, BASE_MINUTES),
    late=st.lists(
        st.tuples(st.sampled_from([0, 1]), st.integers(0, 7), NUDGES, KINDS, st.booleans()),
        min_size=1,
        max_size=6,
    ),
)
def test_late_hits_keep_the_sessions_equal_to_the_raw_ones(
    tmp_path_factory: pytest.TempPathFactory,
    base: tuple[list[int], list[int]],
    late: list[tuple[int, int, int | None, str, bool]],
) -> None:
    """Late hits near a stored hit (exactly at the gap, merging two sessions, before a
    visitor's first hit), inserted one by one or together, and a visitor seen for the first
    time: the kept sessions stay equal to the from-scratch ones."""
    path = tmp_path_factory.mktemp("late") / "ws.duckdb"
    with Workspace.init(path, timezone="Europe/Paris") as ws:
        stored = [
            hit(f"b{v}-{i}", f"v{v}", m, sx.PAGE_VIEW if i % 3 else sx.ENGAGEMENT)
            for v, minutes in enumerate(base)
            for i, m in enumerate(minutes)
        ]
        ws.store.insert("web_events", hit_rows(stored))
        rows = []
        for n, (v, i, nudge, kind, alone) in enumerate(late):
            minutes = base[v]
            at = minutes[i % len(minutes)] + (nudge or 0)
            rows.append(hit(f"late{n}", f"v{v}", at, kind))
            if nudge is None:
                rows[-1]["occurred_at"] = None
            if alone:
                rows.append(hit(f"new{n}", "v-new", at, sx.PAGE_VIEW))
        half = len(rows) // 2
        ws.store.insert("web_events", hit_rows(rows[:half] or rows))
        assert_kept(ws)
        with ws.store.transaction():  # several late hits of one visitor in one refresh
            if half:
                ws.store.insert("web_events", hit_rows(rows[half:]))
        assert_kept(ws)


def test_a_late_hit_leaves_the_earlier_sessions_alone(fresh: Workspace) -> None:
    """The sessions that ended more than a gap before a late hit are not rewritten (their
    DuckDB row ids stay), the later ones are, numbered after them."""
    store = fresh.store
    store.insert(
        "web_events",
        hit_rows([hit("a", "v", 0, "page_view"), hit("b", "v", 60, "page_view"),
                  hit("c", "v", 120, "page_view"), hit("d", "v", 180, "page_view")]),
    )  # fmt: skip
    raw = store.con.con  # type: ignore[attr-defined]

    def row_ids(table: str) -> list[tuple[int, int]]:
        found = raw.execute(f"SELECT session_number, rowid FROM {table} ORDER BY 1").fetchall()
        return [(int(n), int(r)) for n, r in found]

    before = row_ids(WEB_SESSIONS_TABLE), row_ids(WEB_PAGEVIEWS_TABLE)
    store.insert("web_events", hit_rows([hit("late", "v", 150, "page_view")]))  # 120..150..180
    after = row_ids(WEB_SESSIONS_TABLE), row_ids(WEB_PAGEVIEWS_TABLE)
    for was, now in zip(before, after, strict=True):
        assert now[:2] == was[:2]  # sessions 1 and 2 (ended at 0 and 60) untouched
        assert {r for _, r in now[2:]}.isdisjoint(r for _, r in was)  # the rest rewritten
    sessions = store.table(WEB_SESSIONS_TABLE).order_by("session_number").execute()
    assert sessions.session_id.tolist() == ["v#1", "v#2", "v#3"]
    assert sessions.pageviews.tolist() == [1, 1, 3]
    assert_kept(fresh)


def test_a_hit_without_a_time_moves_to_the_last_session(fresh: Workspace) -> None:
    """A hit without a time sorts after every other: a later session takes it over."""
    untimed = hit("u", "v", 0, "engagement") | {"occurred_at": None}
    fresh.store.insert("web_events", hit_rows([hit("a", "v", 0, "page_view"), untimed]))
    fresh.store.insert("web_events", hit_rows([hit("b", "v", 100, "page_view")]))
    sessions = fresh.store.table(WEB_SESSIONS_TABLE).order_by("session_number").execute()
    assert sessions.hits.tolist() == [1, 2]
    assert_kept(fresh)


# -- known cases -------------------------------------------------------------------------------
def test_a_late_hit_merges_two_sessions_and_renumbers_the_later_ones(fresh: Workspace) -> None:
    store = fresh.store
    store.insert(
        "web_events",
        hit_rows([hit("a", "v", 0, "page_view"), hit("b", "v", 40, "page_view"),
                  hit("c", "v", 100, "page_view", page="/b")]),
    )  # fmt: skip
    sessions = fresh.store.table(WEB_SESSIONS_TABLE).order_by("session_number").execute()
    assert sessions.session_number.tolist() == [1, 2, 3]
    store.insert("web_events", hit_rows([hit("late", "v", 20, "engagement")]))  # 0..20..40
    sessions = fresh.store.table(WEB_SESSIONS_TABLE).order_by("session_number").execute()
    assert sessions.session_number.tolist() == [1, 2] and sessions.pageviews.tolist() == [2, 1]
    assert sessions.session_id.tolist() == ["v#1", "v#2"]
    assert_kept(fresh)


def test_the_metrics_read_the_kept_sessions_of_the_range(fresh: Workspace) -> None:
    fresh.store.insert(
        "web_events",
        hit_rows([hit("a", "v", 0, "page_view"), hit("b", "w", 90, "page_view"),
                  hit("c", "w", 91, "page_view")]),
    )  # fmt: skip
    # the session at 22:00 UTC started on Jan 31 in Paris, the one at 23:30 on Feb 1
    got = fresh.metric("pages_per_session", by="day", start="2026-01-31", end="2026-02-02")
    assert got.set_index("period")["value"].to_dict() == {"2026-01-31": 1.0, "2026-02-01": 2.0}
    before = fresh.store.table(WEB_SESSIONS_TABLE)
    assert session_tables.kept(fresh, WEB_SESSIONS_TABLE, 30.0) is not None
    assert session_tables.kept(fresh, WEB_SESSIONS_TABLE, 45.0) is None  # another gap
    assert before.count().execute() == 2


def test_a_new_session_gap_rebuilds_the_sessions_once_with_a_notice(
    fresh: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    fresh.store.insert(
        "web_events", hit_rows([hit("a", "v", 0, "page_view"), hit("b", "v", 40, "page_view")])
    )
    assert fresh.store.table(WEB_SESSIONS_TABLE).count().execute() == 2
    with caplog.at_level(logging.WARNING, logger="cxpulse.store"):
        fresh.set_setting("session_gap_minutes", "60")
    assert [r.getMessage() for r in caplog.records] == [
        "cxpulse: rebuilding sessions (web_sessions, web_pageviews) from web_events: "
        "its settings changed"
    ]
    assert stored_version(fresh.store, "sessions") == session_tables.version(60.0)
    assert fresh.store.table(WEB_SESSIONS_TABLE).count().execute() == 1
    assert_kept(fresh)


def test_an_old_workspace_is_rebuilt_on_open(tmp_path: Path) -> None:
    path = tmp_path / "ws.duckdb"
    with Workspace.init(path) as ws:
        ws.store.insert("web_events", hit_rows([hit("a", "v", 0, "page_view")]))
        # as an older cxpulse left it: hits, no sessions
        ws.store.con.raw_sql(f"DELETE FROM {WEB_SESSIONS_TABLE}")
        ws.store.delete_where(DERIVED_VERSIONS_TABLE, {})
    with Workspace.open(path) as ws:
        assert ws.store.table(WEB_SESSIONS_TABLE).count().execute() == 1
        assert_kept(ws)


def test_an_import_an_erasure_and_a_parquet_round_trip_keep_them(
    fresh: Workspace, tmp_path: Path
) -> None:
    csv = tmp_path / "hits.csv"
    pd.DataFrame(
        [hit(f"e{i}", f"v{i % 3}", 7 * i, "page_view", customer_id="c1" if i == 4 else None)
         for i in range(12)]
    ).to_csv(csv, index=False)  # fmt: skip
    fresh.import_file(csv, "web_events")
    assert_kept(fresh)
    assert fresh.store.table(WEB_SESSIONS_TABLE).count().execute() > 0
    fresh.store.insert("customers", [{"customer_id": "c1", "source": "test"}])
    erase_customer(
        fresh, "c1", actor="test", now=datetime(2026, 3, 1)
    )  # pseudonymises the visitor of c1
    assert_kept(fresh)
    export_parquet(fresh, tmp_path / "out")
    with Workspace.init(tmp_path / "back.duckdb") as back:
        import_parquet(back, tmp_path / "out")
        assert_kept(back)
        assert back.store.table(WEB_SESSIONS_TABLE).count().execute() == (
            fresh.store.table(WEB_SESSIONS_TABLE).count().execute()
        )
