"""Order metrics: frequency, order value, repeat purchases, gaps, historical CLV and the
"buying more often but spending less" flag."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from cxpulse import Workspace
from cxpulse.metrics.orders import frequency_value_divergence, historical_clv_by_customer
from tests.conftest import add_rows

MARCH = {"start": "2025-03-01", "end": "2025-03-31"}


def order(
    customer: str | None, day: tuple[int, int], amount: float, **extra: Any
) -> dict[str, Any]:
    return {
        "customer_id": customer,
        "ordered_at": datetime(2025, *day, 12),
        "amount": amount,
        "source": "test",
        **extra,
    }


@pytest.fixture
def shop(ws: Workspace) -> Workspace:
    add_rows(
        ws,
        "orders",
        [
            order("A", (3, 3), 50, margin=10.0),
            order("A", (3, 3), 10, margin=10.0),  # same day: one purchase day for the gaps
            order("A", (3, 20), 40, margin=10.0),
            order("A", (4, 10), 100, margin=10.0),
            order("B", (1, 15), 25),
            order("B", (3, 5), 30),
            order("C", (2, 1), 20, margin=5.0),
            order("C", (3, 25), 20, status="returned"),
            order("C", (3, 26), 70, status="cancelled"),
            order(None, (3, 7), 60),  # a guest
        ],
    )
    return ws


def march(ws: Workspace, name: str, variant: str | None = None) -> float:
    return float(ws.metric(name, variant=variant, **MARCH)["value"].iloc[0])


def test_order_metrics_known_answers(shop: Workspace) -> None:
    assert march(shop, "purchase_frequency") == pytest.approx(4 / 2)  # guests have no frequency
    assert march(shop, "average_order_value") == pytest.approx((50 + 10 + 40 + 30 + 60) / 5)
    assert march(shop, "repeat_purchase_rate") == pytest.approx(50.0)  # A ordered twice or more
    assert march(shop, "repeat_purchase_rate", "returning") == pytest.approx(50.0)  # B had before
    assert march(shop, "time_between_purchases") == pytest.approx((17 + 49) / 2)
    assert march(shop, "time_between_purchases", "median") == pytest.approx(33)
    april = shop.metric("time_between_purchases", start="2025-04-01", end="2025-04-30")
    assert april["value"].iloc[0] == pytest.approx(21)
    # margins where known, amount x gross_margin (0.8) elsewhere; customers with orders by then
    assert march(shop, "historical_clv") == pytest.approx((30 + 0.8 * 55 + 5) / 3)


def test_historical_clv_per_customer(shop: Workspace) -> None:
    df = historical_clv_by_customer(shop, end="2025-03-31")
    assert df.to_dict("records") == [
        {"customer_id": "B", "orders": 2, "revenue": 55.0, "margin": pytest.approx(44.0)},
        {"customer_id": "A", "orders": 3, "revenue": 100.0, "margin": 30.0},
        {"customer_id": "C", "orders": 1, "revenue": 20.0, "margin": 5.0},
    ]


def test_buying_more_often_but_spending_less_is_flagged_per_segment(ws: Workspace) -> None:
    rows = [order(c, (2, 10), 100, channel="app") for c in "AB"]
    rows += [order(c, (3, d), 20, channel="app") for c in "AB" for d in (3, 12, 24)]
    rows += [order("C", (2, 10), 50, channel="web"), order("C", (3, 10), 80, channel="web")]
    add_rows(ws, "orders", rows)
    df = frequency_value_divergence(ws, "channel", start="2025-02-01", end="2025-03-31")
    march_rows = df[df["period"] == "2025-03"].set_index("channel")
    assert march_rows.loc["app", ["frequency_change", "aov_change"]].tolist() == [2.0, -80.0]
    assert march_rows["flagged"].to_dict() == {"app": True, "web": False}
    assert not df[df["period"] == "2025-02"]["flagged"].any()  # nothing to compare with
    strict = frequency_value_divergence(ws, "channel", start="2025-02-01", min_change=5.0)
    assert not strict["flagged"].any()  # frequency tripled: +200 %, not above +500 %
