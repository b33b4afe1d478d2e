"""Each built-in report on the demo workspace, through the library (``run``), with what its
page and twin show."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from cxpulse.errors import QueryError
from cxpulse.records import frame_records
from cxpulse.reports import Direct, Report, run
from cxpulse.reports.blocks import SHOWN_PERIODS, window_start
from cxpulse.reports.feedback import Feedback
from cxpulse.reports.journey import Journey
from cxpulse.reports.metric import Metric
from cxpulse.reports.revenue import CARDS, Revenue
from cxpulse.reports.scorecard import Scorecard
from cxpulse.reports.support import Support
from cxpulse.reports.website import Website
from tests.reports.conftest import TODAY


def _cards(data: dict[str, Any]) -> set[str]:
    return {c["metric"] for c in data["cards"]} | set(data["problems"])


def test_scorecard(ctx: Direct) -> None:
    data = run(ctx, Scorecard, {})
    assert data["by"] == "month" and data["as_of"] == "2026-11-02"
    assert {r["period"] for r in data["rows"] if r["period"]} == {"2026-10"}
    every = run(ctx, Scorecard, {"all": True})
    assert len(every["rows"]) > len(data["rows"])
    assert Scorecard.tables(data)[0].rows[0][0] == data["rows"][0]["metric"]


def test_metric_shows_the_first_segment_of_the_last_complete_period(ctx: Direct) -> None:
    data = run(ctx, Metric, {"metric": "nps", "by": "month"})
    assert data["segment"] == data["metric"]["segments"][0]
    assert {r["period"] for r in data["breakdown"]} == {"2026-10"}
    assert data["chart"]["periods"] == [r["period"] for r in data["rows"] if not r["partial"]]
    # the form's empty choice: no breakdown
    assert run(ctx, Metric, {"metric": "nps", "segment": ""})["breakdown"] == []


def test_family_support(ctx: Direct) -> None:
    data = run(ctx, Support, {"by": "quarter", "from": "2025-01-01"})
    assert data["table"] == "tickets" and data["from"] == "2025-01-01"
    assert "first_response_time" in _cards(data)
    assert set(data["trends"]) == {c["metric"] for c in data["cards"]}


def test_family_website_adds_the_problem_pages(ctx: Direct) -> None:
    data = run(ctx, Website, {})
    assert data["problem_pages"]["to"] == "2026-10-31"
    assert Website.tables(data)[0].title.startswith("Website by month")


def test_feedback(ctx: Direct) -> None:
    data = run(ctx, Feedback, {"type": "nps", "size": 5})
    assert _cards(data) == {"nps", "csat", "ces"}
    assert len(data["verbatims"]["rows"]) <= 5
    assert set(data["distribution"]) <= {"nps", "csat", "ces"}
    with pytest.raises(QueryError, match="type is one of nps, csat, ces"):
        run(ctx, Feedback, {"type": "rating"})


def test_revenue(ctx: Direct) -> None:
    data = run(ctx, Revenue, {"cohorts": 6})
    assert _cards(data) == set(CARDS)
    assert len(data["cohorts"]["cohorts"]) <= 6
    assert set(data["heatmaps"]) == {"logo", "revenue"}
    with pytest.raises(QueryError, match="unknown period 'day'"):
        run(ctx, Revenue, {"by": "day"})


def test_journey(ctx: Direct) -> None:
    data = run(ctx, Journey, {})
    assert data["period"] == "2026-10"
    assert [r["touchpoint"] for r in data["rows"]] == data["touchpoints"]
    table = Journey.tables(data)[0]
    assert [row[0] for row in table.rows] == data["touchpoints"]


def test_a_report_is_computed_once_per_context(ctx: Direct) -> None:
    first = run(ctx, Support, {})
    assert run(ctx, Support, {"to": "2026-10-31"}) is first  # the same range, one entry


def _same_rows(got: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    assert [r["period"] for r in got] == [r["period"] for r in expected]
    for g, e in zip(got, expected, strict=True):
        assert g.keys() == e.keys()
        for key, value in e.items():
            if isinstance(value, float):
                assert g[key] == pytest.approx(value, nan_ok=True), (g["period"], key)
            else:
                assert g[key] == value, (g["period"], key)


@pytest.mark.parametrize(
    ("metric", "by"),
    [("nps", "month"), ("nps", "week"), ("bounce_rate", "month"), ("nrr", "quarter")],
)
def test_metric_page_computes_only_its_window_and_matches_the_whole_history(
    ctx: Direct, metric: str, by: str
) -> None:
    data = run(ctx, Metric, {"metric": metric, "by": by})
    first = window_start(by, TODAY)
    assert first is not None and data["from"] == first.isoformat()
    # every engine call started at the window or at the breakdown's period, never before
    starts = {key[1].start for key in ctx._memo if key[0] == "metric"}
    assert starts and all(s is not None and s >= first for s in starts)
    # the shown periods (changes and partial flags included) are the whole history's
    whole = frame_records(ctx.ws.metric(metric, by=by, as_of=TODAY))
    _same_rows(data["rows"], [r for r in whole if r["period_start"] >= first.isoformat()])
    assert 0 < len(data["rows"]) <= SHOWN_PERIODS[by]
    segment = data["segment"]
    if segment:
        last = data["breakdown"][0]["period"] if data["breakdown"] else None
        by_segment = frame_records(ctx.ws.metric(metric, by=by, segment=[segment], as_of=TODAY))
        _same_rows(data["breakdown"], [r for r in by_segment if r["period"] == last])


@pytest.mark.parametrize("report", [Support, Website, Feedback, Revenue])
def test_dashboard_pages_compute_only_their_window(ctx: Direct, report: type[Report]) -> None:
    data = run(ctx, report, {})
    first = window_start("month", date(2026, 10, 31))
    assert first == date(2025, 10, 1) and data["from"] == first.isoformat()
    starts = {key[1].start for key in ctx._memo if key[0] == "metric"}
    assert starts == {first}
    for trend in data["trends"].values():
        assert len(trend["periods"]) <= SHOWN_PERIODS["month"]
