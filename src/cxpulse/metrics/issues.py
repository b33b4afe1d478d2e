"""Issue categories: which come up most over time, and which are followed by churn.

- **Top categories**: tickets created per category and period (the ``volume`` metric split by
  ``category``), ranked within each period, with their share of the period's tickets.
- **Categories followed by churn**: for each category, the customers who opened a ticket of it
  while subscribed, anchored at their first such ticket (with ``horizon_days`` of data after
  it); the share who churned within ``horizon_days`` after it (churn as in :mod:`negatives`),
  with a Wilson interval, against the same share after any ticket. One customer counts once
  per category, so a category's interval is honest, but categories overlap (a customer can
  appear under several), so compare each with the baseline, not with each other's sum.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import ibis
import pandas as pd

from cxpulse.errors import QueryError
from cxpulse.metrics.engine import compute
from cxpulse.metrics.negatives import add_share, as_instant, subscribed_at, with_churn_after

if TYPE_CHECKING:
    from cxpulse.context import Context

ANY_TICKET = "(any ticket)"


def top_categories(
    ws: Context,
    *,
    by: str = "month",
    top: int = 5,
    start: date | str | None = None,
    end: date | str | None = None,
    filters: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """The ``top`` categories of each period: period, rank, category, tickets, share (% of the
    period's tickets), change (tickets, on the previous period)."""
    if top < 1:
        raise QueryError("top must be at least 1")
    df = compute(ws, "volume", by=by, segment="category", start=start, end=end, filters=filters)
    if df.empty:
        return pd.DataFrame(columns=["period", "rank", "category", "tickets", "share", "change"])
    df = df.rename(columns={"value": "tickets"}).astype({"tickets": "int64"})
    df["share"] = 100 * df["tickets"] / df.groupby("period")["tickets"].transform("sum")
    df = df.sort_values(["period_start", "tickets", "category"], ascending=[True, False, True])
    df["rank"] = df.groupby("period").cumcount() + 1
    df = df[df["rank"] <= top]
    cols = ["period", "rank", "category", "tickets", "share", "change"]
    return df[cols].reset_index(drop=True)


def churn_after_category(
    ws: Context,
    *,
    horizon_days: int = 90,
    as_of: date | datetime | str | None = None,
    min_customers: int = 1,
) -> pd.DataFrame:
    """Share of customers churning within ``horizon_days`` after a ticket of each category.

    Columns: category, customers, churned, churn_rate (%), ci_low, ci_high, lift (churn_rate /
    the rate after any ticket, first row). Sorted by churn rate, highest first.
    """
    if horizon_days < 1:
        raise QueryError("horizon_days must be at least 1")
    end = as_instant(as_of, ws)
    t = ws.table("tickets")
    t = t.filter(t.customer_id.notnull() & (t.created_at <= end))
    t = t.mutate(category=ibis.coalesce(t.category, "(none)"))
    t = subscribed_at(ws, t.select("customer_id", "category", happened=t.created_at))
    per_category = t.group_by(["customer_id", "category"]).aggregate(happened=t.happened.min())
    per_customer = t.group_by("customer_id").aggregate(
        category=ibis.literal(ANY_TICKET), happened=t.happened.min()
    )
    anchors = per_category.union(per_customer)
    anchors = anchors.filter(anchors.happened <= end - timedelta(days=horizon_days))
    marked = with_churn_after(ws, anchors, horizon_days=horizon_days, as_of=end)
    counts: pd.DataFrame = (
        marked.group_by("category")
        .aggregate(
            customers=marked.count().cast("int64"),
            churned=marked.churned.ifelse(1, 0).sum().cast("int64"),
        )
        .execute()
    )
    out = add_share(counts, "customers", "churned", "churn_rate", ws.settings.confidence)
    base = out.loc[out.category == ANY_TICKET, "churn_rate"]
    out["lift"] = out["churn_rate"] / (float(base.iloc[0]) if len(base) else float("nan"))
    out = out[(out.customers >= min_customers) | (out.category == ANY_TICKET)]
    first = out[out.category == ANY_TICKET]
    rest = out[out.category != ANY_TICKET].sort_values(
        ["churn_rate", "customers"], ascending=[False, False]
    )
    cols = ["category", "customers", "churned", "churn_rate", "ci_low", "ci_high", "lift"]
    return pd.concat([first, rest])[cols].reset_index(drop=True)
