"""Sessionisation as Ibis windows: the 30-minute rule, midnight, page views, and properties
(every hit in exactly one session; the input order does not matter) against a plain Python
reference."""

from __future__ import annotations

import itertools
import random
from datetime import datetime, timedelta
from typing import Any

import ibis
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxpulse import schema
from cxpulse.metrics.sessions import pageview_table, session_table, sessionize

T0 = datetime(2025, 3, 1, 12, 0)
CON = ibis.duckdb.connect()  # one in-memory database for the whole module
_names = itertools.count()


def events(rows: list[dict[str, Any]]) -> Any:
    """A web_events table expression from partial rows (ids, type and page defaulted)."""
    full = []
    for i, row in enumerate(rows):
        values: dict[str, Any] = {c: None for c in schema.WEB_EVENTS.names}
        values |= {"event_id": f"E{i:05d}", "event_type": "page_view", "page": "/"}
        values |= row
        full.append(values)
    frame = pd.DataFrame(full, columns=schema.WEB_EVENTS.names)
    table = ibis.memtable(frame, schema=ibis.schema(schema.WEB_EVENTS.ibis_schema()))
    return CON.create_table(f"web_events_{next(_names)}", table, temp=True)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_thirty_minutes_of_silence_end_a_session_exactly_thirty_do_not() -> None:
    t = events(
        [
            {"visitor_id": "v", "occurred_at": at(0)},
            {"visitor_id": "v", "occurred_at": at(30)},  # exactly 30 min: same session
            {"visitor_id": "v", "occurred_at": at(60) + timedelta(seconds=1)},  # new
            {"visitor_id": "w", "occurred_at": at(1)},
        ]
    )
    hits = sessionize(t).order_by("event_id").execute()
    assert list(hits.session_number) == [1, 1, 2, 1]
    assert list(hits.session_id) == ["v#1", "v#1", "v#2", "w#1"]
    assert list(sessionize(t, gap_minutes=10).order_by("event_id").execute().session_number) == [
        1,
        2,
        3,
        1,
    ]


def test_midnight_does_not_start_a_session() -> None:
    t = events(
        [
            {"visitor_id": "v", "occurred_at": datetime(2025, 3, 1, 23, 50)},
            {"visitor_id": "v", "occurred_at": datetime(2025, 3, 2, 0, 10)},
        ]
    )
    s = session_table(sessionize(t)).execute()
    assert len(s) == 1 and s.duration_s.iloc[0] == pytest.approx(20 * 60)


def test_session_and_page_view_tables() -> None:
    t = events(
        [
            {"visitor_id": "v", "occurred_at": at(0), "page": "/a", "referrer": "google"},
            {
                "visitor_id": "v",
                "occurred_at": at(0.5),
                "event_type": "engagement",
                "page": "/a",
                "engagement_ms": 25000,
                "scroll_percent": 40.0,
            },
            {
                "visitor_id": "v",
                "occurred_at": at(0.6),
                "event_type": "engagement",
                "page": "/a",
                "scroll_percent": 90.0,
            },
            {"visitor_id": "v", "occurred_at": at(1), "page": "/b", "customer_id": "C1"},
            {"visitor_id": "v", "occurred_at": at(3), "page": "/c"},
            {"visitor_id": "v", "occurred_at": at(3.25), "event_type": "key_event", "page": "/c"},
        ]
    )
    hits = sessionize(t)
    s = session_table(hits).execute().iloc[0]
    assert (s.pageviews, s.key_events, s.hits) == (3, 1, 6)
    assert (s.landing_page, s.exit_page, s.referrer, s.customer_id) == ("/a", "/c", "google", "C1")
    assert s.known and s.engaged and not s.single_page
    assert s.duration_s == pytest.approx(195)
    p = pageview_table(hits).order_by("viewed_at").execute()
    assert list(p.page) == ["/a", "/b", "/c"]
    assert list(p.exit) == [False, False, True]
    assert list(p.time_on_page_s) == pytest.approx([60, 120, 15])
    assert p.max_scroll.iloc[0] == 90 and p.max_scroll.iloc[1:].isna().all()


def test_last_page_without_a_later_hit_has_no_time_on_page() -> None:
    t = events(
        [
            {"visitor_id": "v", "occurred_at": at(0), "page": "/a"},
            {"visitor_id": "v", "occurred_at": at(2), "page": "/b"},
        ]
    )
    p = pageview_table(sessionize(t)).order_by("viewed_at").execute()
    assert p.time_on_page_s.iloc[0] == pytest.approx(120) and pd.isna(p.time_on_page_s.iloc[1])


def test_a_ping_after_the_timeout_is_a_session_without_page_views() -> None:
    t = events(
        [
            {"visitor_id": "v", "occurred_at": at(0), "page": "/a"},
            {"visitor_id": "v", "occurred_at": at(45), "event_type": "engagement", "page": "/a"},
        ]
    )
    hits = sessionize(t)
    s = session_table(hits).order_by("session_number").execute()
    assert list(s.pageviews) == [1, 0] and pd.isna(s.landing_page.iloc[1])
    assert len(pageview_table(hits).execute()) == 1  # the lone ping is not a page view


# -- properties -------------------------------------------------------------------------------
def reference_sessions(frame: pd.DataFrame, gap_minutes: float) -> dict[str, str]:
    """event_id -> session id, by the definition, in plain Python."""
    out: dict[str, str] = {}
    for visitor, rows in frame.sort_values(["occurred_at", "event_id"]).groupby("visitor_id"):
        number, previous = 0, None
        for row in rows.itertuples():
            if previous is None or row.occurred_at - previous > timedelta(minutes=gap_minutes):
                number += 1
            out[row.event_id] = f"{visitor}#{number}"
            previous = row.occurred_at
    return out


hit = st.tuples(
    st.sampled_from(["v1", "v2", "v3"]),
    # seconds after T0: gaps around 30 minutes, often exactly 30 (multiples of 10 minutes)
    st.integers(0, 36).map(lambda k: k * 600) | st.integers(0, 6 * 3600),
    st.sampled_from(["page_view", "engagement", "key_event"]),
    st.sampled_from(["/a", "/b"]),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(hit, min_size=1, max_size=40), st.randoms(use_true_random=False))
def test_every_hit_is_in_exactly_one_session_whatever_the_order(
    hits: list[tuple[str, int, str, str]], rnd: random.Random
) -> None:
    rows = [
        {"visitor_id": v, "occurred_at": T0 + timedelta(seconds=s), "event_type": e, "page": p}
        for v, s, e, p in hits
    ]
    frame = pd.DataFrame(rows).assign(event_id=[f"E{i:05d}" for i in range(len(rows))])
    expected = reference_sessions(frame, 30)

    shuffled = frame.sample(frac=1, random_state=rnd.randrange(2**32)).to_dict("records")
    for order in (frame.to_dict("records"), shuffled):
        table = events(order)
        out = sessionize(table).execute()
        assert len(out) == len(rows) and out.event_id.is_unique  # each hit once
        assert dict(zip(out.event_id, out.session_id, strict=True)) == expected
        sessions = session_table(sessionize(table)).execute()
        assert len(sessions) == len(set(expected.values()))
        assert sessions.hits.sum() == len(rows)
