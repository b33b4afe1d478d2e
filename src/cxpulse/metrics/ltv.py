"""Subscription LTV, and monthly-to-annual conversions.

LTV = ARPA x gross margin / monthly customer churn (docs/metrics/revenue.md). Churn is the default
``customer_churn_rate`` of each period, turned into a monthly rate (a quarter's 12 % is
1 - 0.88^(1/3) a month) so that LTV means the same at every period grain, and averaged over the
6 periods before the one shown (the shown period may be incomplete). With no churn LTV is
undefined (NaN), never infinite.
"""

from __future__ import annotations

import math
from typing import Any

import ibis
import pandas as pd

from cxpulse.metrics import engine, periods
from cxpulse.metrics.mrr import customer_balances, paid_subscriptions, settings_of
from cxpulse.metrics.revenue import _f, count_if, spec, variant
from cxpulse.metrics.spec import PeriodContext, Table

MONTH_DAYS = 365.2425 / 12
PERIOD_MONTHS: dict[str, float] = {
    "day": 1 / MONTH_DAYS,
    "week": 7 / MONTH_DAYS,
    "month": 1.0,
    "quarter": 3.0,
    "year": 12.0,
}
CHURN_WINDOW = 6  # previous complete periods averaged for LTV


# -- conversions (plain numbers, for notebooks, docs and the CLI) ------------------------------
def annual_churn_from_monthly(monthly: float) -> float:
    """Share of customers lost over 12 months at a constant monthly churn: 1 - (1 - m)^12."""
    return 1.0 - (1.0 - monthly) ** 12


def monthly_churn_from_annual(annual: float) -> float:
    """The constant monthly churn that loses ``annual`` of the customers in a year."""
    return float(1.0 - (1.0 - annual) ** (1.0 / 12))


def arr_from_mrr(mrr: float) -> float:
    """ARR = 12 x MRR."""
    return 12.0 * mrr


def ltv_value(arpa: float, monthly_churn: float, gross_margin: float = 1.0) -> float:
    """ARPA x gross margin / monthly churn; NaN (not infinite) when churn is 0."""
    if not monthly_churn > 0:
        return math.nan
    return arpa * gross_margin / monthly_churn


# -- shared pieces ---------------------------------------------------------------------------
def _months(ctx: PeriodContext, frame: pd.DataFrame) -> float:
    if ctx.grain != "all":
        return PERIOD_MONTHS[ctx.grain]
    days = (pd.Timestamp(frame["_end"].max()) - pd.Timestamp(frame["_start"].min())).days
    return max(days, 1) / MONTH_DAYS


def _period_stats(ctx: PeriodContext, subs: Table, table: Table, months: float) -> Table:
    """Per period and segment: customers at start, churned, MRR and customers at end, acquired,
    and the monthly churn rate (NULL without customers at the start)."""
    b = customer_balances(ctx, table)
    start = b.mrr_start > 0
    s = b.group_by(["_period", *ctx.segments]).aggregate(
        _n=count_if(start),
        _churned=count_if(start & (b.mrr_end == 0)),
        _mrr=b.mrr_end.sum(),
        _active=count_if(b.mrr_end > 0),
    )
    rate = _f(s._churned) / _f(s._n)
    monthly = 1.0 - (1.0 - rate) ** (1.0 / months)
    return s.mutate(_m=(s._n > 0).ifelse(monthly, ibis.null("float64")))


def ltv_table(ctx: PeriodContext, *, window: int) -> Table:
    """Per shown period and segment: ``_active`` customers and ``_ltv`` (NULL when undefined).

    ``window`` = 0 uses the period's own churn (variant ``simple``)."""
    margin = settings_of(ctx).gross_margin
    frame = ctx.frame
    months = _months(ctx, frame)
    subs = paid_subscriptions(ctx)
    segs = ctx.segments
    if window == 0 or ctx.grain == "all":
        cur = _period_stats(ctx, subs, ctx.periods, months)
        churn = cur._m if window == 0 else ibis.null("float64")
        cur = cur.mutate(_c=churn)
    else:
        targets = [pd.Timestamp(p).date() for p in frame["_period"]]
        first = periods.shift(min(targets), ctx.grain, -window)  # type: ignore[arg-type]
        wider = engine.period_table(first, max(targets), ctx.grain, settings_of(ctx).zone)  # type: ignore[arg-type]
        stats = _period_stats(ctx, subs, wider, months)
        pairs = ibis.memtable(
            pd.DataFrame(
                [
                    (t, periods.shift(t, ctx.grain, -i))  # type: ignore[arg-type]
                    for t in targets
                    for i in range(1, window + 1)
                ],
                columns=["_target", "_src"],
            ),
            schema=ibis.schema({"_target": "date", "_src": "date"}),
        )
        prev = stats.join(pairs, stats._period == pairs._src)
        avg = prev.group_by(["_target", *segs]).aggregate(_c=prev._m.mean())
        avg = avg.rename({f"_k{i}": s for i, s in enumerate(segs)})
        cur = stats.filter(stats._period.isin(targets))
        on = [cur._period == avg._target]
        on += [cur[s].identical_to(avg[f"_k{i}"]) for i, s in enumerate(segs)]
        cur = cur.left_join(avg, on).select(*cur.columns, "_c")
    arpa = _f(cur._mrr) / _f(cur._active)
    ltv = ((cur._c > 0) & (cur._active > 0)).ifelse(arpa * margin / cur._c, ibis.null("float64"))
    return cur.mutate(_ltv=ltv)


def _ltv_hook(window: int) -> Any:
    def hook(ctx: PeriodContext) -> Table:
        t = ltv_table(ctx, window=window)
        keys = ["_period", *ctx.segments]
        # ratio kind: ltv / 1, so an undefined LTV (NULL) shows as NaN and no interval is made up
        return t.select(*keys, n=t._active, num=t._ltv, den=ibis.literal(1.0))

    return hook


spec(
    "ltv",
    "Customer lifetime value (subscriptions)",
    "currency",
    {
        "default": variant(
            "default",
            "LTV = ARPA x gross_margin (setting, default 0.8) / monthly customer churn, churn "
            f"averaged over the {CHURN_WINDOW} periods before this one (periods without "
            "customers skipped) and turned into a monthly rate at other grains; ARPA at the end "
            "of the period; undefined (NaN) when churn is 0",
            "ratio",
            _ltv_hook(CHURN_WINDOW),
            multiplier=1.0,
        ),
        "simple": variant(
            "simple",
            "LTV = ARPA x gross_margin / the period's own customer churn (monthly rate); "
            "undefined (NaN) when churn is 0",
            "ratio",
            _ltv_hook(0),
            multiplier=1.0,
        ),
    },
)
