"""Issue categories: the top ones per period, and the ones followed by churn."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from cxpulse import Workspace
from cxpulse.errors import QueryError
from cxpulse.metrics import stats
from cxpulse.metrics.issues import ANY_TICKET, churn_after_category, top_categories
from tests.conftest import add_rows

D = datetime(2025, 3, 3, 12)
DAY = timedelta(days=1)


def test_top_categories_rank_each_period(ws: Workspace) -> None:
    """March: 3 billing, 2 delivery, 1 bug (6 tickets); April: 2 bug, 1 billing."""
    cats = ["billing"] * 3 + ["delivery"] * 2 + ["bug"]
    rows = [{"created_at": D, "category": c} for c in cats]
    rows += [{"created_at": D + 31 * DAY, "category": c} for c in ["bug", "bug", "billing"]]
    add_rows(ws, "tickets", rows)
    df = top_categories(ws, top=2)
    assert df[["period", "rank", "category", "tickets"]].values.tolist() == [
        ["2025-03", 1, "billing", 3],
        ["2025-03", 2, "delivery", 2],
        ["2025-04", 1, "bug", 2],
        ["2025-04", 2, "billing", 1],
    ]
    assert df.share.tolist() == pytest.approx([50, 100 / 3, 200 / 3, 100 / 3])
    assert df.change.iloc[2] == 1 and df.change.iloc[3] == -2  # bug 1 -> 2, billing 3 -> 1
    with pytest.raises(QueryError, match="top"):
        top_categories(ws, top=0)


def test_churn_after_each_category_counts_customers_once(ws: Workspace) -> None:
    """A: billing ticket, churns 30 days later. B: billing then delivery, stays. C: delivery,
    churns 100 days later (outside the 90 days). D: billing while not subscribed: left out.
    billing 1 of 2 = 50 %; delivery 0 of 2; any ticket 1 of 3; lift of billing 1.5."""
    add_rows(
        ws,
        "tickets",
        [
            {"customer_id": "A", "created_at": D, "category": "billing"},
            {"customer_id": "B", "created_at": D, "category": "billing"},
            {"customer_id": "B", "created_at": D + 5 * DAY, "category": "billing"},
            {"customer_id": "B", "created_at": D + 9 * DAY, "category": "delivery"},
            {"customer_id": "C", "created_at": D, "category": "delivery"},
            {"customer_id": "D", "created_at": D, "category": "billing"},
            {"customer_id": "B", "created_at": D + 300 * DAY, "category": "bug"},
        ],
    )
    start = D - 50 * DAY
    add_rows(
        ws,
        "subscriptions",
        [{"customer_id": c, "started_at": start, "ended_at": end, "price": 9.0,
          "billing_period": "month"}
         for c, end in [("A", D + 30 * DAY), ("B", None), ("C", D + 100 * DAY)]],
    )  # fmt: skip
    df = churn_after_category(ws).set_index("category")
    assert list(df.index) == [ANY_TICKET, "billing", "delivery"]  # bug: too late to judge
    assert (df.loc["billing", "customers"], df.loc["billing", "churned"]) == (2, 1)
    assert df.loc["billing", "churn_rate"] == 50 and df.loc["delivery", "churn_rate"] == 0
    assert df.loc[ANY_TICKET, "churn_rate"] == pytest.approx(100 / 3)
    assert df.loc["billing", "lift"] == pytest.approx(1.5)
    low, high = stats.wilson_interval(2, 1, confidence=0.95)
    assert df.loc["billing", "ci_low"] == pytest.approx(100 * low)
    assert df.loc["billing", "ci_high"] == pytest.approx(100 * high)
    assert list(churn_after_category(ws, horizon_days=120).set_index("category").churned) == [
        2, 1, 1
    ]  # fmt: skip
    assert list(churn_after_category(ws, min_customers=3).category) == [ANY_TICKET]
