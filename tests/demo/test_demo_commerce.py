"""Orders and the loyalty ledger."""

from __future__ import annotations

import pandas as pd

from .conftest import Query


def test_december_is_the_peak_month_for_orders(sql: Query) -> None:
    monthly = sql(
        "select month(ordered_at) m, year(ordered_at) y, count(*) n from orders group by 1, 2"
    )
    for year in (2024, 2025):
        one = monthly[monthly.y == year].set_index("m").n
        assert one.idxmax() == 12, year
        assert one[12] > 1.3 * one[[9, 10]].mean()


def test_orders_are_delivered_after_they_are_placed(sql: Query) -> None:
    o = sql("select * from orders")
    delivered = o[o.delivered_at.notna()]
    assert (delivered.delivered_at > delivered.ordered_at).all()
    assert set(o.status) == {"placed", "delivered", "returned", "cancelled"}
    assert o[o.status == "cancelled"].delivered_at.isna().all()
    assert o[o.status == "placed"].ordered_at.min() > pd.Timestamp("2025-12-01")
    assert ((o.margin > 0) & (o.margin < o.amount)).all()
    assert 30 < o.amount.median() < 80
    assert set(o.channel) == {"web", "app", "phone"}


def test_repeat_buyers_exist(sql: Query) -> None:
    per = sql("select customer_id, count(*) n from orders group by 1").n
    assert (per >= 2).mean() > 0.3 and per.max() >= 10


def test_loyalty_balances_never_go_negative(sql: Query) -> None:
    lowest = sql(
        """select min(balance) low from (
             select sum(case when kind = 'redeem' or kind = 'expire' then -points else points end)
               over (partition by customer_id order by occurred_at, entry_id) balance
             from loyalty_ledger)"""
    ).low[0]
    assert lowest >= 0


def test_loyalty_entries_tie_to_orders(sql: Query) -> None:
    kinds = sql("select kind, count(*) n from loyalty_ledger group by 1").set_index("kind").n
    assert set(kinds.index) == {"earn", "redeem", "expire", "adjust"}
    assert kinds["earn"] > kinds["redeem"] > 0
    rewards = set(sql("select distinct reward_type from loyalty_ledger where kind = 'redeem'")
                  .reward_type)  # fmt: skip
    assert rewards == {"voucher", "free_shipping", "product"}
    orphans = sql(
        "select count(*) n from loyalty_ledger where kind in ('earn', 'redeem') and "
        "order_id not in (select order_id from orders)"
    ).n[0]
    assert orphans == 0
    earned = sql(
        """select count(*) n from loyalty_ledger l join orders o using (order_id)
           where l.kind = 'earn' and l.points != greatest(floor(o.amount), 1)"""
    ).n[0]
    assert earned == 0
