"""CAC and LTV:CAC from the acquisition costs in the settings (``acquisition_costs``).

A key that is a period label (2025-03, 2025-Q1, 2025, 2025-W11, 2025-03-14) is the money spent
on acquisition in that period; CAC = that spend / the customers acquired in the period (their
first paid subscription started in it). Any other key is a ``customers.segment`` value and the
cost of acquiring one customer of that segment. Spend is used where it covers the period and
no split by segment is asked; per-segment costs otherwise.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import ibis
import pandas as pd

from cxpulse.errors import ConfigError, QueryError
from cxpulse.metrics import engine, periods
from cxpulse.metrics.ltv import CHURN_WINDOW, ltv_table
from cxpulse.metrics.mrr import balances, paid_subscriptions, settings_of
from cxpulse.metrics.revenue import _f, count_if, spec, variant
from cxpulse.metrics.spec import Benchmark, PeriodContext, Table

_LABELS: tuple[tuple[str, str], ...] = (
    (r"\d{4}", "year"),
    (r"\d{4}-Q[1-4]", "quarter"),
    (r"\d{4}-\d{2}", "month"),
    (r"\d{4}-W\d{2}", "week"),
    (r"\d{4}-\d{2}-\d{2}", "day"),
)


def label_span(label: str) -> tuple[date, date] | None:
    """First day and the day after the last of a period label (2025, 2025-Q1, 2025-03,
    2025-W11, 2025-03-14), or None when ``label`` is not one (then it names a segment)."""
    for pattern, grain in _LABELS:
        if re.fullmatch(pattern, label):
            try:
                if grain == "year":
                    first = date(int(label), 1, 1)
                elif grain == "quarter":
                    first = date(int(label[:4]), 3 * int(label[-1]) - 2, 1)
                elif grain == "week":
                    first = date.fromisocalendar(int(label[:4]), int(label[-2:]), 1)
                elif grain == "month":
                    first = date(int(label[:4]), int(label[5:]), 1)
                else:
                    first = date.fromisoformat(label)
            except ValueError:
                return None
            return first, periods.shift(first, grain, 1)  # type: ignore[arg-type]
    return None


def split_costs(costs: dict[str, float]) -> tuple[dict[tuple[date, date], float], dict[str, float]]:
    """(spend per period span, cost of one customer per segment)."""
    spends: dict[tuple[date, date], float] = {}
    per_segment: dict[str, float] = {}
    for key, value in costs.items():
        span = label_span(key)
        if span is None:
            per_segment[key] = float(value)
        else:
            spends[span] = spends.get(span, 0.0) + float(value)
    return spends, per_segment


def _spend_by_period(ctx: PeriodContext, frame: pd.DataFrame, spends: Any) -> pd.DataFrame:
    """Spend falling wholly inside each queried period (a quarter's spend is not split into
    months)."""
    zone = settings_of(ctx).zone
    rows = []
    for p, s_utc, e_utc in zip(frame["_period"], frame["_start"], frame["_end"], strict=True):
        lo = engine.local_day(s_utc, zone)
        hi = engine.local_day(pd.Timestamp(e_utc) - timedelta(microseconds=1), zone)
        total = [v for (a, b), v in spends.items() if a >= lo and b - timedelta(days=1) <= hi]
        if total:
            rows.append((pd.Timestamp(p).date(), float(sum(total))))
    return pd.DataFrame(rows, columns=["_period", "_spend"])


def cac_table(ctx: PeriodContext) -> Table:
    """Per period and segment: ``_new`` customers and ``_cac`` (NULL when costs are missing)."""
    spends, per_segment = split_costs(settings_of(ctx).acquisition_costs)
    if not spends and not per_segment:
        raise ConfigError(
            "no acquisition costs: set the spend of a period (`cxpulse config set "
            "acquisition_costs.2025-03 12000`) or the cost of one customer of a segment "
            "(`cxpulse config set acquisition_costs.smb 150`)"
        )
    if ctx.segments and not per_segment:
        raise QueryError(
            "acquisition costs are given per period only, as totals: they cannot be split by "
            "segment. Give a cost per customer segment (acquisition_costs.SEGMENT) instead."
        )
    b = balances(paid_subscriptions(ctx), ctx.periods, ["customer_id", *ctx.segments])
    b = b.filter(b.first_paid >= b._start, b.first_paid < b._end)  # acquired in the period
    cust = ctx.tables.table("customers")
    cost = ibis.memtable(
        pd.DataFrame({"_seg": list(per_segment), "_cost": list(per_segment.values())}),
        schema=ibis.schema({"_seg": "string", "_cost": "float64"}),
    )
    who = cust.select(_cid=cust.customer_id, _seg=cust.segment.cast("string"))
    who = who.left_join(cost, who._seg == cost._seg).select("_cid", "_cost")
    b = b.left_join(who, b.customer_id == who._cid)
    t = b.group_by(["_period", *ctx.segments]).aggregate(
        _new=b.count().cast("int64"),
        _cost=b._cost.sum(),
        _missing=count_if(b._cost.isnull()),
    )
    per_customer = (t._missing == 0).ifelse(t._cost / _f(t._new), ibis.null("float64"))
    if ctx.segments or not spends:
        return t.mutate(_cac=per_customer)
    frame = ctx.frame
    spend = ibis.memtable(
        _spend_by_period(ctx, frame, spends),
        schema=ibis.schema({"_period": "date", "_spend": "float64"}),
    ).rename(_p="_period")
    t = t.left_join(spend, t._period == spend._p).select(*t.columns, "_spend")
    # the money actually spent in the period wins over per-segment estimates
    return t.mutate(_cac=t._spend.notnull().ifelse(t._spend / _f(t._new), per_customer))


def _cac_hook(ctx: PeriodContext) -> Table:
    t = cac_table(ctx)
    return t.select("_period", *ctx.segments, n=t._new, num=t._cac, den=ibis.literal(1.0))


def _ltv_cac_hook(ctx: PeriodContext) -> Table:
    c = cac_table(ctx)
    v = ltv_table(ctx, window=CHURN_WINDOW)
    v = v.select("_period", *ctx.segments, "_active", "_ltv").rename(
        {"_vp": "_period", **{f"_k{i}": s for i, s in enumerate(ctx.segments)}}
    )
    on = [c._period == v._vp]
    on += [c[s].identical_to(v[f"_k{i}"]) for i, s in enumerate(ctx.segments)]
    j = c.left_join(v, on)
    return j.select("_period", *ctx.segments, n=j._new, num=j._ltv, den=j._cac)


COSTS = (
    "acquisition costs from the acquisition_costs setting: the spend of a period (key "
    "2025-03, 2025-Q1...) divided by the customers acquired in it (first paid subscription), "
    "or else the cost per customer of their customers.segment (key = segment), averaged over "
    "the customers acquired; NaN when a cost is missing"
)
spec(
    "cac",
    "Customer acquisition cost",
    "currency",
    {"default": variant("default", f"CAC: {COSTS}", "ratio", _cac_hook, multiplier=1.0)},
    higher=False,
)
spec(
    "ltv_to_cac",
    "LTV to CAC ratio",
    "x",
    {
        "default": variant(
            "default",
            f"LTV (default definition) / CAC of the same period and segment; CAC: {COSTS}",
            "ratio",
            _ltv_cac_hook,
            multiplier=1.0,
        )
    },
    benchmark=Benchmark(
        "about 3 or more", "David Skok, 'SaaS Metrics 2.0' (a widely quoted rule of thumb)", 3.0
    ),
)
