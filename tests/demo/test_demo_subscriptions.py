"""Subscriptions: billing terms, cancellations at the end of the paid term, plan changes,
second subscriptions and reactivations."""

from __future__ import annotations

from .conftest import Query


def test_dates_are_ordered(sql: Query) -> None:
    bad = sql(
        """select
             count(*) filter (where ended_at < started_at) end_before_start,
             count(*) filter (where cancelled_at < started_at) cancel_before_start,
             count(*) filter (where cancelled_at > ended_at) cancel_after_end
           from subscriptions"""
    ).iloc[0]
    assert bad.sum() == 0


def test_cancellation_is_asked_during_the_last_term_and_booked_at_its_end(sql: Query) -> None:
    gaps = sql(
        "select date_diff('day', cancelled_at, ended_at) d from subscriptions "
        "where cancelled_at is not null and ended_at is not null"
    ).d
    assert len(gaps) > 100
    assert (gaps >= 0).all() and gaps.median() >= 3 and gaps.max() <= 31


def test_billing_periods_and_prices(sql: Query) -> None:
    by = sql(
        "select billing_period, count(*) n, min(price) lo, max(price) hi from subscriptions "
        "group by 1"
    ).set_index("billing_period")
    assert set(by.index) == {"month", "quarter", "year"}
    assert by.n["month"] > by.n["year"] > 0
    assert by.lo["year"] > by.hi["month"] / 2  # a year costs more than half a month's top plan
    assert sql("select count(distinct currency) n from subscriptions").n[0] == 1


def test_plan_changes_are_new_rows_starting_when_the_old_one_ends(sql: Query) -> None:
    changes = sql(
        """select a.plan old_plan, b.plan new_plan from subscriptions a join subscriptions b
           on a.customer_id = b.customer_id and b.started_at = a.ended_at
           where a.cancelled_at is null"""
    )
    assert len(changes) >= 20
    assert (changes.old_plan != changes.new_plan).all()


def test_some_customers_hold_two_subscriptions_at_once(sql: Query) -> None:
    overlapping = sql(
        """select count(distinct a.customer_id) n from subscriptions a join subscriptions b
           on a.customer_id = b.customer_id and a.subscription_id < b.subscription_id
           and b.started_at > a.started_at
           and b.started_at < coalesce(a.ended_at, timestamp '2100-01-01')
           and a.ended_at is distinct from b.started_at"""
    ).n[0]
    assert overlapping >= 10


def test_a_few_churned_customers_come_back(sql: Query) -> None:
    comebacks = sql(
        """select count(distinct b.customer_id) n from subscriptions a join subscriptions b
           on a.customer_id = b.customer_id and b.started_at > a.ended_at + interval 20 days
           where not exists (select 1 from subscriptions o where o.customer_id = a.customer_id
             and o.started_at <= a.ended_at and coalesce(o.ended_at, timestamp '2100-01-01')
             > a.ended_at)"""
    ).n[0]
    assert comebacks >= 5


def test_monthly_churn_is_realistic(sql: Query) -> None:
    # Share of customers subscribed at the start of 2025-06 who churned during that month.
    rate = sql(
        """with active as (select distinct customer_id from subscriptions
             where started_at <= '2025-06-01' and coalesce(ended_at, '2100-01-01') > '2025-06-01'),
           gone as (select distinct customer_id from subscriptions s
             where ended_at >= '2025-06-01' and ended_at < '2025-07-01'
             and not exists (select 1 from subscriptions o where o.customer_id = s.customer_id
               and o.started_at <= s.ended_at and coalesce(o.ended_at, '2100-01-01') > s.ended_at))
           select (select count(*) from gone where customer_id in (select * from active))
                  / (select count(*) from active) r"""
    ).r[0]
    assert 0.01 < rate < 0.08


def test_active_subscriptions_have_no_end(sql: Query) -> None:
    assert sql("select count(*) n from subscriptions where ended_at is null").n[0] > 500
    assert sql("select max(ended_at) m from subscriptions").m[0].year <= 2025
