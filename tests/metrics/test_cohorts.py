"""Cohort tables: logo and revenue retention of first-payment cohorts."""

from __future__ import annotations

import json
import math
from datetime import datetime

import pytest

from cxpulse import Workspace
from cxpulse.errors import QueryError
from cxpulse.metrics.cohorts import cohort_table
from tests.conftest import add_rows
from tests.metrics.test_mrr import sub

RANGE = {"start": "2025-01-01", "end": "2025-04-30"}


@pytest.fixture
def book(ws: Workspace) -> Workspace:
    add_rows(
        ws,
        "subscriptions",
        [
            sub("a", 100, datetime(2025, 1, 5)),
            sub("b", 100, datetime(2025, 1, 6), datetime(2025, 2, 15)),
            sub("c", 100, datetime(2025, 1, 7)),
            sub("c", 50, datetime(2025, 3, 3), plan="extra"),  # expansion in March
            sub("d", 100, datetime(2025, 1, 8), datetime(2025, 1, 20)),  # gone in its first month
            sub("e", 200, datetime(2025, 2, 2), datetime(2025, 3, 10)),
        ],
    )
    return ws


def rows(df, cohort):  # type: ignore[no-untyped-def]
    return [None if math.isnan(v) else round(v, 2) for v in df.loc[cohort, list(range(5))]]


def test_logo_and_revenue_retention_by_month(book: Workspace) -> None:
    table = cohort_table(book, "month", 5, **RANGE)
    logo, revenue = table.matrix("logo"), table.matrix("revenue")
    assert list(logo.index) == ["2025-01", "2025-02"]
    assert logo.loc["2025-01", "customers"] == 4 and logo.loc["2025-01", "start_mrr"] == 400
    assert rows(logo, "2025-01") == [75.0, 50.0, 50.0, 50.0, None]  # May is after the range
    assert rows(logo, "2025-02") == [100.0, 0.0, 0.0, None, None]  # nobody left: 0, not blank
    assert rows(revenue, "2025-01") == [75.0, 50.0, 62.5, 62.5, None]  # expansion counts
    assert rows(revenue, "2025-02") == [100.0, 0.0, 0.0, None, None]


def test_quarter_cohorts_and_json(book: Workspace) -> None:
    table = cohort_table(book, "quarter", 2, **RANGE)
    payload = json.loads(json.dumps(table.to_dict()))
    assert payload["by"] == "quarter" and payload["periods"] == 2
    (q1,) = payload["cohorts"]
    assert (q1["cohort"], q1["customers"], q1["start_mrr"]) == ("2025-Q1", 5, 600.0)
    assert q1["logo"] == [pytest.approx(40.0), pytest.approx(40.0)]  # a and c still run
    assert q1["revenue"][0] == pytest.approx(250 / 6)


def test_bad_cohort_requests(book: Workspace) -> None:
    with pytest.raises(QueryError, match="cohorts are by week, month, quarter, year"):
        cohort_table(book, "day")
    with pytest.raises(QueryError, match="whole number"):
        cohort_table(book, "month", 0)
    with pytest.raises(QueryError, match="'logo' or 'revenue'"):
        cohort_table(book, "month", 3).matrix("profit")


def test_an_empty_workspace_has_no_cohorts(ws: Workspace) -> None:
    table = cohort_table(ws)
    assert table.long.empty and table.to_dict()["cohorts"] == []
    assert list(table.matrix().columns[:2]) == ["customers", "start_mrr"]
