"""Website hits: sessions derivable with the 30-minute rule, the planted exit rate on
/checkout/shipping (pattern 3), engagement hits and traffic seasonality."""

from __future__ import annotations

import pandas as pd
import pytest

from .conftest import Query

SESSIONS = """
with hits as (
  select *, occurred_at - lag(occurred_at) over w gap from web_events
  window w as (partition by visitor_id order by occurred_at, event_id)),
marked as (
  select *, sum((gap is null or gap > interval 30 minutes)::int) over (
    partition by visitor_id order by occurred_at, event_id rows unbounded preceding) as sid
  from hits)
select * from marked
"""


@pytest.fixture(scope="module")
def exits(sql: Query) -> pd.DataFrame:
    return sql(
        f"""with s as ({SESSIONS}),
           pv as (select page, row_number() over (partition by visitor_id, sid
                    order by occurred_at desc, event_id desc) from_end
                  from s where event_type = 'page_view')
           select page, count(*) as views, avg((from_end = 1)::int) exit_rate
           from pv group by 1 order by views desc"""
    ).set_index("page")


def test_checkout_shipping_has_an_abnormal_exit_rate(exits: pd.DataFrame) -> None:
    shipping = exits.loc["/checkout/shipping"]
    assert 0.45 < shipping.exit_rate < 0.65  # measured: ~0.55
    comparable = exits[(exits.views >= 0.5 * shipping.views)].drop("/checkout/shipping")
    assert len(comparable) >= 5
    assert comparable.exit_rate.between(0.12, 0.35).all()
    assert shipping.exit_rate - comparable.exit_rate.max() > 0.15


def test_sessions_are_unambiguous_under_the_30_minute_rule(sql: Query) -> None:
    gaps = sql(
        """select date_diff('second', lag(occurred_at) over (partition by visitor_id
             order by occurred_at), occurred_at) g from web_events"""
    ).g.dropna()
    assert not gaps.between(26 * 60, 31 * 60 - 1).any()  # within: < 26 min; between: > 31 min
    assert (gaps > 31 * 60).sum() > 1000  # returning visitors


def test_hits_are_shaped_like_analytics_hits(sql: Query) -> None:
    e = sql(
        """select event_type, count(*) n, count(engagement_ms) ms, count(scroll_percent) sc,
             count(referrer) refs from web_events group by 1"""
    ).set_index("event_type")
    assert e.n["engagement"] > 0.5 * e.n["page_view"] > e.n["key_event"] > 0
    assert e.ms["page_view"] == 0 and e.ms["engagement"] == e.n["engagement"]
    assert e.sc["engagement"] == e.n["engagement"] and e.refs["engagement"] == 0
    keys = sql("select distinct page from web_events where event_type = 'key_event'").page
    assert list(keys) == ["/checkout/confirmation"]
    pages = set(sql("select distinct page from web_events").page)
    assert {"/", "/pricing", "/checkout/cart", "/checkout/payment", "/account"} <= pages
    assert any(p.startswith("/shop/") for p in pages) and any(p.startswith("/help/") for p in pages)


def test_known_visitors_and_bounces(sql: Query) -> None:
    per_session = sql(
        f"""with s as ({SESSIONS})
            select visitor_id, sid, bool_or(customer_id is not null) known,
              count(*) filter (where event_type = 'page_view') as views,
              count(distinct customer_id) customers
            from s group by 1, 2"""
    )
    assert (per_session.customers <= 1).all()
    assert 0.15 < per_session.known.mean() < 0.45
    assert 0.2 < (per_session.views == 1).mean() < 0.5  # single-page sessions
    assert 2.5 < per_session.views.mean() < 4.5


def test_traffic_follows_hours_weekdays_and_months(sql: Query) -> None:
    by_hour = (
        sql(
            "select hour(occurred_at) h, count(*) n from web_events "
            "where event_type = 'page_view' group by 1"
        )
        .set_index("h")
        .n.sort_index()
    )
    assert by_hour.loc[19:21].mean() > 3 * by_hour.loc[2:4].mean()
    by_month = (
        sql("select strftime(occurred_at, '%Y-%m') as ym, count(*) n from web_events group by 1")
        .set_index("ym")
        .n
    )
    assert by_month["2025-12"] > by_month["2025-10"] > by_month["2024-10"]
    by_day = (
        sql("select dayofweek(occurred_at) d, count(*) n from web_events group by 1")
        .set_index("d")
        .n.sort_index()
    )
    assert by_day[6] < by_day[1]  # Saturday is quieter than Monday
