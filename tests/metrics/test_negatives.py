"""Negative interactions per customer, churn events, and the churn curve (known answers, demo)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from cxpulse import Workspace
from cxpulse.demo import create_demo
from cxpulse.errors import QueryError
from cxpulse.metrics.negatives import (
    churn_by_negatives,
    churn_events,
    negative_interactions,
    steepest_jump,
)
from tests.conftest import add_rows

D = datetime(2025, 3, 1)
DAY = timedelta(days=1)


def sub(customer: str, start: datetime, end: datetime | None = None) -> dict[str, object]:
    return {"customer_id": customer, "started_at": start, "ended_at": end, "price": 10.0,
            "billing_period": "month"}  # fmt: skip


def test_a_negative_interaction_is_bad_sentiment_an_escalation_or_a_low_csat(
    ws: Workspace,
) -> None:
    add_rows(
        ws,
        "tickets",
        [
            {"ticket_id": "t1", "customer_id": "A", "created_at": D, "sentiment": -0.5},
            {"ticket_id": "t2", "customer_id": "A", "created_at": D, "escalated": True},
            {"ticket_id": "t3", "customer_id": "A", "created_at": D, "sentiment": 0.2},
            {"ticket_id": "t4", "customer_id": "A", "created_at": D, "sentiment": -0.2},
            {"ticket_id": "t5", "customer_id": "B", "created_at": D},
            {"ticket_id": "t6", "customer_id": "B", "created_at": D - 100 * DAY, "escalated": True},
        ],
    )
    csat = {"question_type": "csat", "scale_min": 1, "responded_at": D}
    add_rows(
        ws,
        "survey_responses",
        [
            {**csat, "ticket_id": "t3", "score": 3, "scale_max": 5},  # below 4 of 5: negative
            {**csat, "ticket_id": "t4", "score": 4, "scale_max": 5},  # satisfied
            {**csat, "ticket_id": "t5", "score": 5, "scale_max": 7},  # below 6 of 7: negative
        ],
    )
    df = negative_interactions(ws, as_of="2025-03-01").set_index("customer_id")
    assert df.loc["A", "negative_interactions"] == 3  # t1, t2, t3
    assert tuple(df.loc["A", ["negative_sentiment", "escalated", "low_csat"]]) == (1, 1, 1)
    assert df.loc["B", "negative_interactions"] == 1  # t6 is more than 90 days old
    wide = negative_interactions(ws, as_of=date(2025, 3, 1), window_days=120)
    assert wide.set_index("customer_id").loc["B", "negative_interactions"] == 2
    with pytest.raises(QueryError, match="window_days"):
        negative_interactions(ws, window_days=0)


def test_churn_is_the_end_of_the_last_running_subscription(ws: Workspace) -> None:
    add_rows(
        ws,
        "subscriptions",
        [
            sub("A", D, D + 30 * DAY),  # A still has the second one then: a contraction
            sub("A", D + 10 * DAY, D + 60 * DAY),  # ... and churns here
            sub("B", D, D + 5 * DAY),  # churns, then comes back
            sub("B", D + 40 * DAY),
            sub("C", D),  # still running
        ],
    )
    df = churn_events(ws).execute().sort_values("customer_id")
    assert list(zip(df.customer_id, df.churned_at, strict=True)) == [
        ("A", D + 60 * DAY),
        ("B", D + 5 * DAY),
    ]


def test_churn_curve_anchors_each_customer_once_at_their_peak(ws: Workspace) -> None:
    """P: 4 negatives within 30 days (peak 4, reached on day 30), churns 20 days later.
    Q: 4 negatives 100 days apart (never 2 within 90 days: k = 1), stays. R: one calm ticket
    (k = 0), churns 200 days later, outside the 90-day horizon. S: negatives but never
    subscribed; U: anchored less than 90 days before the end of the data: both left out."""
    neg = {"escalated": True}
    add_rows(
        ws,
        "tickets",
        [{"customer_id": "P", "created_at": D + k * 10 * DAY, **neg} for k in range(4)]
        + [{"customer_id": "Q", "created_at": D + k * 100 * DAY, **neg} for k in range(4)]
        + [{"customer_id": "R", "created_at": D},
           {"customer_id": "S", "created_at": D, **neg},
           {"customer_id": "U", "created_at": datetime(2026, 5, 1), **neg}],
    )  # fmt: skip
    add_rows(
        ws,
        "subscriptions",
        [sub("P", D - 99 * DAY, D + 50 * DAY), sub("Q", D - 99 * DAY),
         sub("R", D - 99 * DAY, D + 200 * DAY), sub("U", D)],
    )  # fmt: skip
    curve = churn_by_negatives(ws, max_count=4, as_of="2026-06-01")
    assert list(curve.negatives) == ["0", "1", "2", "3", "4+"]
    assert list(curve.customers) == [1, 1, 0, 0, 1] and list(curve.churned) == [0, 0, 0, 0, 1]
    assert curve.churn_rate.iloc[4] == 100 and pd.isna(curve.churn_rate.iloc[2])
    assert curve.ci_low.iloc[4] < 100  # Wilson: one customer proves little
    # with a window of 400 days, Q's four negatives count together (peak 4 at day 300)
    wide = churn_by_negatives(ws, max_count=4, window_days=400, as_of="2026-06-01")
    assert list(wide.customers) == [1, 0, 0, 0, 2] and wide.churned.iloc[4] == 1


# -- on the demo company ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    path = Path(tmp_path_factory.mktemp("demo")) / "demo.duckdb"
    with create_demo(path, scale=0.02, seed=7, end=date(2026, 1, 1)) as ws:
        yield ws


def test_demo_churn_jumps_at_the_fourth_negative_interaction(demo: Workspace) -> None:
    """The demo plants: reaching 4 negatives within 90 days makes 60 % of customers cancel.
    Measured at scale 0.02: 7.7, 12.1, 9.8, 7.4 % for 0-3, then 67.3 % at 4."""
    curve = churn_by_negatives(demo).set_index("k")
    rate = curve.churn_rate
    assert rate.loc[[0, 1, 2, 3]].max() < 20
    assert rate.loc[4] >= 2 * rate.loc[[1, 2, 3]].max() and rate.loc[4] > 40
    assert curve.loc[4, "ci_low"] > curve.loc[[0, 1, 2, 3], "ci_high"].max()
    assert "to 67.3 % at 4 negative" in steepest_jump(curve.reset_index())


def test_demo_customers_with_negative_interactions(demo: Workspace) -> None:
    df = negative_interactions(demo)
    assert len(df) > 100 and df.negative_interactions.is_monotonic_decreasing
    reasons = df[["negative_sentiment", "escalated", "low_csat"]].sum(axis=1)
    assert (reasons >= df.negative_interactions).all()  # a ticket can have several reasons
