"""Cohort tables: logo and revenue retention of signup cohorts, period by period.

A customer's cohort is the period of their first paid subscription (their ``new`` MRR
movement; ``customers.created_at`` is the account, which in shops often precedes subscribing).
At k = 0, 1, 2... periods later:

* logo retention = cohort customers active (MRR > 0) at the end of period cohort + k / cohort
  customers;
* revenue retention = the cohort's MRR at the end of that period / its starting MRR (each
  customer's MRR at their first paid instant); above 100 % when expansion beats churn.

Periods after the end of the range are not observed: NaN, never 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cxpulse.errors import QueryError
from cxpulse.metrics import periods as cal
from cxpulse.metrics.mrr import balances, paid_subscriptions, period_context
from cxpulse.metrics.revenue import count_if

if TYPE_CHECKING:
    from cxpulse.context import Context

COHORT_GRAINS = ("week", "month", "quarter", "year")
LONG_COLUMNS = [
    "cohort",
    "cohort_start",
    "k",
    "period",
    "customers",
    "start_mrr",
    "active",
    "mrr",
    "logo_retention",
    "revenue_retention",
]


@dataclass(frozen=True)
class Cohorts:
    """``long`` has one row per cohort and k; :meth:`matrix` pivots it."""

    by: str
    periods: int
    long: pd.DataFrame

    def matrix(self, kind: str = "logo") -> pd.DataFrame:
        """Cohorts as rows, k = 0..periods-1 as columns, retention in %; ``customers`` and
        ``start_mrr`` first."""
        column = {"logo": "logo_retention", "revenue": "revenue_retention"}.get(kind)
        if column is None:
            raise QueryError(f"cohort tables are 'logo' or 'revenue', not {kind!r}")
        if self.long.empty:
            return pd.DataFrame(columns=["customers", "start_mrr", *range(self.periods)])
        grid = self.long.pivot(index="cohort", columns="k", values=column)
        sizes = self.long.groupby("cohort")[["customers", "start_mrr"]].first()
        return sizes.join(grid).reindex(columns=["customers", "start_mrr", *range(self.periods)])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: one entry per cohort with its logo and revenue retention lists (null
        where not observed)."""
        cohorts = []
        for cohort, rows in self.long.groupby("cohort", sort=True):
            rows = rows.sort_values("k")
            cohorts.append(
                {
                    "cohort": cohort,
                    "cohort_start": rows["cohort_start"].iloc[0].isoformat(),
                    "customers": int(rows["customers"].iloc[0]),
                    "start_mrr": float(rows["start_mrr"].iloc[0]),
                    "logo": [_num(v) for v in rows["logo_retention"]],
                    "revenue": [_num(v) for v in rows["revenue_retention"]],
                }
            )
        return {"by": self.by, "periods": self.periods, "cohorts": cohorts}


def _num(v: Any) -> float | None:
    return None if pd.isna(v) else float(v)


def cohort_table(
    ws: Context,
    by: str = "month",
    periods: int = 12,
    start: date | str | None = None,
    end: date | str | None = None,
    filters: Mapping[str, Any] | None = None,
) -> Cohorts:
    """Logo and revenue retention of the cohorts that started in ``start``..``end`` (local days;
    default all), observed at k = 0..``periods``-1 periods, up to the end of the range."""
    if by not in COHORT_GRAINS:
        raise QueryError(f"cohorts are by {', '.join(COHORT_GRAINS)}, not {by!r}")
    if isinstance(periods, bool) or not isinstance(periods, int) or periods < 1:
        raise QueryError(f"the number of periods must be a whole number >= 1, not {periods!r}")
    ctx = period_context(ws, by, None, filters, start, end)
    if ctx is None:
        return Cohorts(by, periods, pd.DataFrame(columns=LONG_COLUMNS))
    subs = paid_subscriptions(ctx)
    bounds = ctx.periods.aggregate(_lo=ctx.periods._start.min(), _hi=ctx.periods._end.max())

    # cohort members and their MRR at the first paid instant
    first = subs.filter(
        subs.started_at <= subs._first, subs.ended_at.isnull() | (subs.ended_at > subs._first)
    )
    people = first.group_by("customer_id").aggregate(_f0=first._first.min(), _mrr0=first._mrr.sum())
    people = people.cross_join(bounds).filter(lambda t: (t._f0 >= t._lo) & (t._f0 < t._hi))
    people = people.mutate(_cohort=ctx.period_of(people._f0))
    sizes = people.group_by("_cohort").aggregate(
        customers=people.count().cast("int64"), start_mrr=people._mrr0.sum()
    )

    b = balances(subs, ctx.periods, ["customer_id"])
    b = b.join(people.select("customer_id", "_cohort"), "customer_id")
    held = b.group_by(["_cohort", "_period"]).aggregate(
        active=count_if(b.mrr_end > 0), mrr=b.mrr_end.sum()
    )
    return Cohorts(by, periods, _grid(sizes.execute(), held.execute(), ctx, periods))


def _grid(sizes: pd.DataFrame, held: pd.DataFrame, ctx: Any, k_max: int) -> pd.DataFrame:
    """Every cohort x k, 0 where nobody is left, NaN after the last period of the range."""
    if sizes.empty:
        return pd.DataFrame(columns=LONG_COLUMNS)
    grain = ctx.grain
    order = sorted(pd.Timestamp(p).date() for p in ctx.frame["_period"])
    last = order[-1]
    found = {
        (pd.Timestamp(c).date(), pd.Timestamp(p).date()): (a, m)
        for c, p, a, m in zip(held._cohort, held._period, held.active, held.mrr, strict=True)
    }
    rows = []
    sizes = sizes.sort_values("_cohort")
    for first, customers, start_mrr in zip(
        sizes._cohort, sizes.customers, sizes.start_mrr, strict=True
    ):
        cohort = pd.Timestamp(first).date()
        for k in range(k_max):
            when = cal.shift(cohort, grain, k)
            active, mrr = found.get((cohort, when), (0, 0.0))
            seen = when <= last
            rows.append(
                {
                    "cohort": cal.label(cohort, grain),
                    "cohort_start": cohort,
                    "k": k,
                    "period": cal.label(when, grain),
                    "customers": int(customers),
                    "start_mrr": float(start_mrr),
                    "active": int(active) if seen else np.nan,
                    "mrr": float(mrr) if seen else np.nan,
                }
            )
    df = pd.DataFrame(rows)
    df["logo_retention"] = 100.0 * df["active"] / df["customers"]
    df["revenue_retention"] = 100.0 * df["mrr"] / df["start_mrr"].where(df["start_mrr"] > 0)
    return df[LONG_COLUMNS]
