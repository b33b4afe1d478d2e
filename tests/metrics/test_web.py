"""Website metrics through the engine: docs/worked-examples.md's exit/bounce example, the GA4
engaged-session rule, durations, scroll, known users, periods and filters on whole sessions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
import pytest
from scipy.stats import binomtest

from cxpulse import Workspace
from cxpulse.demo import create_demo
from cxpulse.errors import QueryError
from cxpulse.metrics.pages import problem_pages
from tests.conftest import add_rows

DAY = datetime(2025, 3, 10, 10, 0)  # 11:00 in Paris


def add_sessions(
    ws: Workspace, sessions: list[list[dict[str, Any]]], start: datetime = DAY
) -> None:
    """Each session is a list of hits with ``s`` = seconds after its start; sessions are two
    hours apart, each from its own visitor unless a hit says otherwise."""
    rows = []
    for i, hits in enumerate(sessions):
        begin = start + timedelta(hours=2 * i)
        for h in hits:
            row = {"visitor_id": f"V{i}", "event_type": "page_view", "source": "test"}
            row |= {k: v for k, v in h.items() if k != "s"}
            row["occurred_at"] = begin + timedelta(seconds=h["s"])
            rows.append(row)
    add_rows(ws, "web_events", rows)


def walk(*pages: str) -> list[dict[str, Any]]:
    return [{"page": p, "s": 60 * i} for i, p in enumerate(pages)]


def by_page(df: pd.DataFrame) -> dict[str, float]:
    return {p: round(v, 1) for p, v in zip(df["page"], df["value"], strict=True)}


def test_worked_example_exit_versus_bounce(ws: Workspace) -> None:
    # docs/worked-examples.md: sessions B>A>C, B, A>C>B, C, B>C>A
    add_sessions(
        ws, [walk("B", "A", "C"), walk("B"), walk("A", "C", "B"), walk("C"), walk("B", "C", "A")]
    )
    bounce = ws.metric("bounce_rate", by="all", segment="page", variant="single_page")
    assert by_page(bounce) == {"A": 0.0, "B": 33.3, "C": 100.0}
    assert list(bounce["n"]) == [1, 3, 1]  # per page, only sessions that start there
    exits = ws.metric("exit_rate", by="all", segment="page")
    assert by_page(exits) == {"A": 33.3, "B": 50.0, "C": 50.0}
    assert list(exits["n"]) == [3, 4, 4]  # page views
    site = ws.metric("exit_rate", by="all")
    assert site["value"].iloc[0] == pytest.approx(100 * 5 / 11)  # sessions / page views
    low, high = exits["ci_low"].iloc[0], exits["ci_high"].iloc[0]
    assert 0 < low < 100 / 3 < high < 100  # Wilson interval


def test_ga4_engaged_sessions(ws: Workspace) -> None:
    add_sessions(
        ws,
        [
            [{"s": 0}],  # one page view, nothing else: bounce
            [{"s": 0}, {"s": 15, "event_type": "engagement", "engagement_ms": 15000}],  # > 10 s
            [{"s": 0}, {"s": 8, "event_type": "engagement", "engagement_ms": 8000}],  # 8 s
            [{"s": 0}, {"s": 10, "event_type": "engagement", "engagement_ms": 10000}],  # = 10 s
            [{"s": 0}, {"s": 3, "page": "/b"}],  # two page views
            [{"s": 0}, {"s": 2, "event_type": "key_event"}],  # a key event
            [{"s": 0}, {"s": 4, "event_type": "engagement", "engagement_ms": 30000}],  # read 30 s
        ],
    )
    engaged = ws.metric("engagement_rate", by="all")
    assert engaged["value"].iloc[0] == pytest.approx(100 * 4 / 7)
    bounce = ws.metric("bounce_rate", by="all")
    assert bounce["value"].iloc[0] == pytest.approx(100 - 100 * 4 / 7)  # 1 - engagement rate
    assert "GA4" in bounce["definition"].iloc[0]
    single = ws.metric("bounce_rate", by="all", variant="single_page")
    assert single["value"].iloc[0] == pytest.approx(100 * 5 / 7)  # one page view, no key event


def test_durations_pages_and_scroll(ws: Workspace) -> None:
    add_sessions(
        ws,
        [
            [
                {"s": 0, "page": "/a"},
                {"s": 20, "event_type": "engagement", "page": "/a", "scroll_percent": 85.0},
                {"s": 30, "page": "/b"},
                {"s": 90, "event_type": "engagement", "page": "/b", "scroll_percent": 50.0},
            ],
            [{"s": 0, "page": "/a"}],
            [{"s": 0, "page": "/a"}, {"s": 100, "page": "/b"}, {"s": 200, "page": "/c"}],
        ],
    )
    assert ws.metric("avg_session_duration", by="all")["value"].iloc[0] == pytest.approx(
        (90 + 0 + 200) / 3
    )
    median = ws.metric("avg_session_duration", by="all", variant="median")
    assert median["value"].iloc[0] == pytest.approx(90) and median["ci_low"].isna().all()
    assert ws.metric("pages_per_session", by="all")["value"].iloc[0] == pytest.approx(2)
    on_page = ws.metric("avg_time_on_page", by="all", segment="page")
    # /a: 30 and 100 (the lone /a view has no later hit: unknown); /b: 60 (last page, ping) and 100
    assert by_page(on_page) == {"/a": 65.0, "/b": 80.0}
    scroll = ws.metric("scroll_depth", by="all")
    assert scroll["value"].iloc[0] == pytest.approx(67.5) and scroll["n"].iloc[0] == 2
    assert ws.metric("deep_scroll_rate", by="all")["value"].iloc[0] == pytest.approx(50)


def test_known_users_and_time_on_site_per_visitor(ws: Workspace) -> None:
    add_sessions(
        ws,
        [
            [{"s": 0, "visitor_id": "x"}, {"s": 60, "visitor_id": "x", "customer_id": "C1"}],
            [{"s": 0, "visitor_id": "x"}, {"s": 120, "visitor_id": "x"}],
            [{"s": 0, "visitor_id": "y"}],
            [{"s": 0, "visitor_id": "z"}, {"s": 30, "visitor_id": "z"}],
        ],
    )
    known = ws.metric("known_user_rate", by="all")
    assert known["value"].iloc[0] == pytest.approx(25) and known["n"].iloc[0] == 4
    site = ws.metric("avg_time_on_site", by="all")
    assert site["value"].iloc[0] == pytest.approx((180 + 0 + 30) / 3) and site["n"].iloc[0] == 3


def test_a_session_belongs_to_the_period_it_started_in(ws: Workspace) -> None:
    # 31 January 23:50 in Paris, then hits every 20 minutes past midnight: one session
    start = datetime(2025, 1, 31, 22, 50)
    add_sessions(ws, [[{"s": 0}, {"s": 1200, "page": "/b"}, {"s": 2400, "page": "/c"}]], start)
    df = ws.metric("pages_per_session")
    assert list(df["period"]) == ["2025-01"] and df["value"].iloc[0] == 3
    feb = ws.metric("pages_per_session", start="2025-02-01", end="2025-02-28")
    assert feb.empty  # the session started in January; its February hits do not make one
    views = ws.metric("exit_rate", by="day")  # page views count on their own day
    assert list(views["period"]) == ["2025-01-31", "2025-02-01"] and list(views["n"]) == [1, 2]


def test_filters_and_segments_apply_to_whole_sessions(ws: Workspace) -> None:
    add_sessions(ws, [walk("/pricing", "/signup"), walk("/pricing"), walk("/", "/pricing")])
    landed = ws.metric("pages_per_session", by="all", filters={"page": "/pricing"})
    assert landed["value"].iloc[0] == pytest.approx(1.5) and landed["n"].iloc[0] == 2
    exits = ws.metric("exit_rate", by="all", segment="exit")
    assert dict(zip(exits["exit"], exits["n"], strict=True)) == {False: 2, True: 3}


def test_the_session_timeout_is_a_setting(ws: Workspace) -> None:
    add_sessions(ws, [[{"s": 0}, {"s": 20 * 60, "page": "/b"}]])
    assert ws.metric("pages_per_session", by="all")["n"].iloc[0] == 1
    ws.set_setting("session_gap_minutes", "15")
    assert ws.metric("pages_per_session", by="all")["n"].iloc[0] == 2


# -- problem pages ----------------------------------------------------------------------------
def test_problem_pages_rank_by_the_interval_not_the_raw_rate(ws: Workspace) -> None:
    sessions = []
    for page, views, exits in [("/p1", 50, 10), ("/p2", 50, 10), ("/p3", 50, 10),
                               ("/p4", 50, 10), ("/bad", 60, 36), ("/tiny", 3, 3)]:  # fmt: skip
        sessions += [walk("/home", page)] * exits
        sessions += [walk("/home", page, "/home")] * (views - exits)
    add_sessions(ws, sessions)
    report = problem_pages(ws)
    first = report.pages.iloc[0]
    assert (first["page"], first["rank"], bool(first["flagged"])) == ("/bad", 1, True)
    assert list(report.flagged["page"]) == ["/bad"]
    tiny = report.pages.set_index("page").loc["/tiny"]
    assert tiny["rate"] == 100 and tiny["views"] == 3 and not tiny["flagged"]
    assert tiny["excess"] > 0  # its interval alone would clear the site rate...
    assert problem_pages(ws, min_views=1).flagged["page"].tolist() == ["/bad", "/tiny"]
    assert report.site_rate == pytest.approx(100 * 263 / (263 + 263 + 184))
    exact = binomtest(36, 60, report.site_rate / 100, alternative="greater").pvalue
    assert report.pages.set_index("page").loc["/bad", "p_value"] == pytest.approx(exact)
    assert report.to_dict()["pages"][0]["page"] == "/bad"


def test_problem_pages_by_bounce_rate_and_errors(ws: Workspace) -> None:
    add_sessions(ws, [walk("/a")] * 40 + [walk("/a", "/b")] * 10 + [walk("/b", "/a")] * 50)
    report = problem_pages(ws, metric="bounce_rate", variant="single_page")
    assert report.flagged["page"].tolist() == ["/a"] and report.variant == "single_page"
    with pytest.raises(QueryError, match="exit_rate or bounce_rate"):
        problem_pages(ws, metric="nps")
    with pytest.raises(QueryError, match="at least 1"):
        problem_pages(ws, min_views=0)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    with create_demo(path, scale=0.01, end=date(2026, 1, 1)) as workspace:
        yield workspace


def test_the_demo_checkout_shipping_page_comes_first(demo: Workspace) -> None:
    report = problem_pages(demo)
    first = report.pages.iloc[0]
    assert first["page"] == "/checkout/shipping" and first["flagged"]
    assert 45 < first["rate"] < 65 and report.site_rate < 35
    assert (report.flagged["views"] >= demo.settings.min_n).all()
    assert report.flagged["page"].tolist() == ["/checkout/shipping"]


def test_page_views_count_page_view_hits_by_page(ws: Workspace) -> None:
    when = datetime(2025, 5, 5, 10)
    hits = [
        {"visitor_id": "v", "occurred_at": when, "event_type": kind, "page": page}
        for kind, page in (
            ("page_view", "/a"),
            ("page_view", "/a"),
            ("page_view", "/b"),
            ("engagement", "/a"),  # a scroll ping is no page view
        )
    ]
    add_rows(ws, "web_events", hits)
    assert ws.metric("page_views").iloc[0]["value"] == 3
    by_page = ws.metric("page_views", segment="page").set_index("page")["value"]
    assert by_page.to_dict() == {"/a": 2, "/b": 1}
