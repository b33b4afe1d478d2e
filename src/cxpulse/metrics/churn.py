"""Customer churn and retention rates, with the vendors' variants (docs/metrics/revenue.md).

Default: net, per period: a customer active at the start and not at the end churned. Where
sources disagree the other readings are variants: ProfitWell counts a churn that comes back
within the period; Baremetrics looks at the 30 days before the period's end. Retention has a
signup-cohort variant. Customer-count rates are shares with a Wilson interval.
"""

from __future__ import annotations

import ibis

from cxpulse.metrics.mrr import customer_balances, paid_subscriptions
from cxpulse.metrics.revenue import ACTIVE, NET, _f, count_if, movements_hook, spec, variant
from cxpulse.metrics.spec import PeriodContext, Table


def _churned(b: Table, keys: list[str]) -> Table:
    start = b.mrr_start > 0
    return b.group_by(keys).aggregate(n=count_if(start), k=count_if(start & (b.mrr_end == 0)))


def _event_balances(ctx: PeriodContext, period_table: Table) -> Table:
    return customer_balances(ctx, period_table, churn_events=True)


def _churn_event_hook(ctx: PeriodContext) -> Table:
    """ProfitWell: active at the start and churned at any moment of the period."""
    b = _event_balances(ctx, ctx.periods)
    start = b.mrr_start > 0
    return b.group_by(["_period", *ctx.segments]).aggregate(
        n=count_if(start), k=count_if(start & b.churned_in)
    )


def _rolling30_hook(ctx: PeriodContext) -> Table:
    """Baremetrics: churned in the 30 days before the period's end / active 30 days before."""
    b = _event_balances(ctx, ctx.periods.mutate(_start=ctx.periods._end - ibis.interval(days=30)))
    return b.group_by(["_period", *ctx.segments]).aggregate(
        n=count_if(b.mrr_start > 0),
        num=_f(count_if(b.churned_in)),
        den=_f(count_if(b.mrr_start > 0)),
    )


def _retained(b: Table, keys: list[str]) -> Table:
    start = b.mrr_start > 0
    return b.group_by(keys).aggregate(n=count_if(start), k=count_if(start & (b.mrr_end > 0)))


def _cohort_hook(ctx: PeriodContext) -> Table:
    """Customers by the period of their first paid instant; k = still active at the range end."""
    subs = paid_subscriptions(ctx)
    bounds = ctx.periods.aggregate(_lo=ctx.periods._start.min(), _hi=ctx.periods._end.max())
    s = subs.cross_join(bounds)
    alive = (s.started_at < s._hi) & (s.ended_at.isnull() | (s.ended_at >= s._hi))
    keys = ["customer_id", *ctx.segments]
    people = s.group_by(keys).aggregate(
        _f0=s._first.min(), _lo=s._lo.min(), _hi=s._hi.min(), _alive=alive.ifelse(1, 0).max()
    )
    people = people.filter(people._f0 >= people._lo, people._f0 < people._hi)
    people = people.mutate(_period=ctx.period_of(people._f0))
    return people.group_by(["_period", *ctx.segments]).aggregate(
        n=people.count().cast("int64"), k=count_if(people._alive == 1)
    )


CHURN_TEXT = (
    "customers active at the start of the period and not at its end / customers active at its "
    f"start; {ACTIVE}; {NET}, so customers who join and leave inside the period are in neither "
    "count; Wilson interval"
)
PROFITWELL_TEXT = (
    "ProfitWell: as the default, but a customer active at the start who churns and comes back "
    "within the period counts as churned (churn is an event, booked when the paid term ends; new "
    "customers who leave in their first period are ignored); Wilson interval"
)
ROLLING30_TEXT = (
    "Baremetrics: customers whose MRR fell to 0 in the 30 days before the period's end "
    "(customers who joined in those 30 days included) / customers active 30 days before the "
    "period's end, whatever the period; no interval (the numerator is not a subset of the "
    "denominator)"
)
spec(
    "customer_churn_rate",
    "Customer churn rate",
    "%",
    {
        "default": variant(
            "default", CHURN_TEXT, "share", movements_hook(_churned), rolls_up="customers"
        ),
        "profitwell": variant("profitwell", PROFITWELL_TEXT, "share", _churn_event_hook),
        "rolling30": variant("rolling30", ROLLING30_TEXT, "ratio", _rolling30_hook),
    },
    higher=False,
)
RETENTION_TEXT = (
    "(E - N) / S: customers active at the end minus those not active at the start (new and "
    f"reactivated), over customers active at the start; 100 - customer_churn_rate; {ACTIVE}; "
    "Wilson interval"
)
COHORT_TEXT = (
    "signup cohorts: the customers whose first paid subscription started in the period, and the "
    "share of them still active at the end of the queried range (k = periods from the cohort "
    "to the range end; `cxpulse cohorts` shows every k); Wilson interval"
)
spec(
    "customer_retention_rate",
    "Customer retention rate",
    "%",
    {
        "default": variant(
            "default", RETENTION_TEXT, "share", movements_hook(_retained), rolls_up="customers"
        ),
        "cohort": variant("cohort", COHORT_TEXT, "share", _cohort_hook),
    },
)
