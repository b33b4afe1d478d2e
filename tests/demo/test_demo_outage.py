"""Planted pattern 2: a delivery outage around Black Friday 2025 makes November 2025 the one
month where delivery and purchase satisfaction and NPS dip, and delivery tickets spike."""

from __future__ import annotations

import pandas as pd
import pytest

from .conftest import Query

OUTAGE = "2025-11"


@pytest.fixture(scope="module")
def monthly(sql: Query) -> pd.DataFrame:
    return sql(
        """select strftime(responded_at, '%Y-%m') as ym,
             100 * avg((score >= 4)::int) filter (where question_type = 'csat'
               and touchpoint in ('delivery', 'purchase')) csat,
             100 * (avg((score >= 9)::int) filter (where question_type = 'nps')
                  - avg((score <= 6)::int) filter (where question_type = 'nps')) nps
           from survey_responses group by 1 order by 1"""
    ).set_index("ym")


def test_delivery_and_purchase_csat_drops_in_the_outage_month(monthly: pd.DataFrame) -> None:
    csat = monthly.csat
    assert csat.idxmin() == OUTAGE
    assert csat["2025-10"] - csat[OUTAGE] >= 10  # measured: about 30 points
    assert csat["2025-12"] - csat[OUTAGE] >= 10
    others = csat.drop(OUTAGE)
    assert others.min() > csat[OUTAGE] + 10  # only one month dips


def test_nps_drops_in_the_outage_month(monthly: pd.DataFrame) -> None:
    nps = monthly.nps
    assert nps.idxmin() == OUTAGE
    assert min(nps["2025-10"], nps["2025-12"]) - nps[OUTAGE] >= 10


def test_the_other_november_is_normal(monthly: pd.DataFrame) -> None:
    assert abs(monthly.csat["2024-11"] - monthly.csat["2024-10"]) < 8


def test_delivery_tickets_spike(sql: Query) -> None:
    tickets = (
        sql(
            """select strftime(created_at, '%Y-%m') as ym, count(*) n from tickets
           where category = 'delivery' group by 1"""
        )
        .set_index("ym")
        .n
    )
    assert tickets.idxmax() == OUTAGE
    assert tickets[OUTAGE] >= 1.8 * tickets[["2025-09", "2025-10"]].mean()


def test_orders_placed_during_the_outage_arrive_late(sql: Query) -> None:
    days = (
        sql(
            """select ordered_at >= '2025-11-14' and ordered_at < '2025-12-01' outage,
             median(date_diff('hour', ordered_at, delivered_at)) / 24 as days
           from orders where delivered_at is not null group by 1"""
        )
        .set_index("outage")
        .days
    )
    assert days[True] > days[False] + 5


def test_mentions_turn_negative_during_the_outage(sql: Query) -> None:
    share = sql(
        """select strftime(posted_at, '%Y-%m') = '2025-11' outage, count(*) n,
             avg((sentiment < -0.2)::int) negative from mentions
           where posted_at >= '2025-06-01' group by 1"""
    ).set_index("outage")
    assert share.negative[True] > share.negative[False] + 0.15
