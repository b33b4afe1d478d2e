"""Churn features per customer as of an instant, point-in-time correct.

Every query reads a canonical table through :class:`AsOf`, which keeps only the rows whose time
column is at or before ``as_of``; columns that record a later event on an older row
(``subscriptions.ended_at``, ``cancelled_at``, ``tickets.first_solved_at``) are read as empty
when they lie after ``as_of``. One Ibis aggregate per table, left-joined to the customers in the
database and read as one result: joining eight per-table frames on their string ids in pandas
and converting each frame's ids were about a third of the snapshots' time at scale 1 (py-spy).
Each table's own arithmetic on its columns (trends, days since) runs on the joined frame.
Negative interactions reuse :func:`cxpulse.metrics.negatives.negative_tickets` over the as-of
view, so a CSAT answer given after ``as_of`` cannot make an earlier ticket negative.

Every feature is rounded to :data:`DIGITS` decimals, so the model sees the same input on
every backend: DuckDB and PostgreSQL sum and divide in different orders and convert
timestamps differently, which left features apart in the last bits (``tenure_days`` and
``resolution_hours_90d`` up to 1e-9 relative, ``ces_trend`` 0 against 1.1e-16) and moved
gradient-boosting splits (AUC 0.630 against 0.631). A millionth of a day, an hour or a score
point is far below anything a churn model can use. ``tests/postgres/test_equivalence.py``
checks the features are exactly equal on both.

Known limit: a value overwritten in place after ``as_of`` (a ticket's ``reopens`` or
``sentiment`` updated by a re-import) cannot be rewound; the workspace keeps no history of it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import ibis
import pandas as pd

from cxpulse import schema
from cxpulse.metrics.mrr import monthly
from cxpulse.metrics.negatives import negative_tickets
from cxpulse.workspace import Workspace

Expr = Any
DAY = timedelta(days=1)

FAMILIES: dict[str, str] = {
    "tenure_days": "account",
    "segment": "account",
    "plan": "account",
    "mrr": "revenue",
    "mrr_change_90d": "revenue",
    "downgraded_90d": "revenue",
    "nps_last": "touchpoint scores",
    "nps_trend": "touchpoint scores",
    "csat_last": "touchpoint scores",
    "csat_trend": "touchpoint scores",
    "ces_last": "touchpoint scores",
    "ces_trend": "touchpoint scores",
    "negatives_30d": "support outcomes",
    "negatives_90d": "support outcomes",
    "tickets_90d": "support outcomes",
    "reopens_90d": "support outcomes",
    "resolution_hours_90d": "support outcomes",
    "open_tickets": "support outcomes",
    "web_hits_30d": "web behaviour",
    "web_days_30d": "web behaviour",
    "web_hits_90d": "web behaviour",
    "points_earned_90d": "loyalty",
    "points_redeemed_90d": "loyalty",
    "orders_90d": "orders",
    "order_value_90d": "orders",
    "order_value_trend": "orders",
    "days_since_order": "orders",
}
"""Model features and the family each belongs to (drivers are summed by family)."""
FEATURES = list(FAMILIES)
DIGITS = 6
"""Decimals every feature is rounded to (see the module's docstring)."""
CATEGORICAL = ("segment", "plan")


class AsOf:
    """A read-only view of a workspace that sees only rows dated at or before ``as_of``."""

    def __init__(self, ws: Workspace, as_of: datetime) -> None:
        self.ws = ws
        self.as_of = as_of
        self.settings = ws.settings

    def table(self, name: str) -> Expr:
        t = self.ws.table(name)
        t = t.filter(t[schema.table(name).time_column] <= self.as_of)
        if name == "subscriptions":
            t = t.mutate(
                ended_at=_before(t.ended_at, self.as_of),
                cancelled_at=_before(t.cancelled_at, self.as_of),
            )
        if name == "tickets":
            t = t.mutate(
                first_solved_at=_before(t.first_solved_at, self.as_of),
                solved_at=_before(t.solved_at, self.as_of),
            )
        return t


def _before(col: Expr, at: datetime) -> Expr:
    return (col <= at).ifelse(col, ibis.null("timestamp"))


def _count_if(cond: Expr) -> Expr:
    return cond.ifelse(1, 0).sum().cast("float64")


Part = tuple[Expr, Callable[[pd.DataFrame], pd.DataFrame]]
"""One table's per-customer aggregate (keyed by ``customer_id``) and what turns its columns, as
read, into features (columns starting with ``_`` are helpers it consumes)."""


def _as_read(df: pd.DataFrame) -> pd.DataFrame:
    return df


def customer_features(ws: Workspace, as_of: datetime) -> pd.DataFrame:
    """One row per customer known at ``as_of`` (index customer_id): the columns of
    :data:`FEATURES` plus ``active`` (a paid subscription running) and ``cancel_requested``."""
    v = AsOf(ws, as_of)
    at = as_of
    parts = [
        _customers(v, at),
        _subscriptions(v, at),
        _responses(v),
        _tickets(v, at),
        _negatives(v, at),
        _web(v, at),
        _loyalty(v, at),
        _orders(v, at),
    ]
    joined = parts[0][0]
    for k, (expr, _) in enumerate(parts[1:]):
        key = f"customer_id_{k}"  # each part's key, dropped once joined
        joined = joined.left_join(expr, "customer_id", rname=f"{{name}}_{k}").drop(key)
    read: pd.DataFrame = joined.execute().set_index("customer_id")
    done, at_col = [], 0
    for expr, finish in parts:
        width = len(expr.columns) - 1
        done.append(finish(read.iloc[:, at_col : at_col + width].copy()))
        at_col += width
    out = pd.concat(done, axis=1)
    counts = [c for c in out.columns if c.endswith(("_30d", "_90d")) and "trend" not in c]
    counts = [c for c in counts if c not in ("mrr_change_90d", "resolution_hours_90d")]
    counts = [c for c in counts if c != "order_value_90d"]
    out[counts] = out[counts].fillna(0.0)
    out["mrr"] = out["mrr"].fillna(0.0)
    out["active"] = out["mrr"] > 0
    out["open_tickets"] = out["open_tickets"].fillna(0.0)
    out["cancel_requested"] = out["cancel_requested"].fillna(0).astype(bool)
    out["downgraded_90d"] = (out["mrr_change_90d"] < 0).astype(float)
    numeric = [c for c in FEATURES if c in out.columns and c not in CATEGORICAL]
    out[numeric] = out[numeric].astype(float).round(DIGITS)
    out.insert(0, "as_of", pd.Timestamp(as_of))
    return out.sort_index()


def _customers(v: AsOf, at: datetime) -> Part:
    c = v.table("customers")

    def finish(df: pd.DataFrame) -> pd.DataFrame:
        created = pd.to_datetime(df.pop("_created_at"))
        df["tenure_days"] = (pd.Timestamp(at) - created).dt.total_seconds() / 86400.0
        return df

    return c.select("customer_id", "segment", _created_at=c.created_at), finish


def _subscriptions(v: AsOf, at: datetime) -> Part:
    s = v.table("subscriptions")
    m = monthly(s.price, s.billing_period)
    before = at - 90 * DAY

    def running(t: datetime) -> Expr:
        return (s.started_at <= t) & (s.ended_at.isnull() | (s.ended_at > t))

    now = running(at)
    q = s.group_by("customer_id").aggregate(
        mrr=now.ifelse(m, 0.0).sum(),
        _mrr_before=running(before).ifelse(m, 0.0).sum(),
        # where=, not a null key: PostgreSQL's argmax (array_agg ordered DESC) puts null keys
        # first, so a customer with an ended subscription got no plan there
        plan=s.plan.argmax(s.started_at, where=now),
        cancel_requested=(now & s.cancelled_at.notnull()).ifelse(1, 0).max(),
    )

    def finish(df: pd.DataFrame) -> pd.DataFrame:
        df["mrr_change_90d"] = df["mrr"] - df.pop("_mrr_before")
        return df

    return q, finish


def _norm(r: Expr) -> Expr:
    """A score on 0-1, 1 = good (a CES scored high_is_hard is flipped)."""
    lo = ibis.coalesce(r.scale_min, 1).cast("float64")
    hi = ibis.coalesce(r.scale_max, 5).cast("float64")
    x = (r.score.cast("float64") - lo) / (hi - lo)
    return (r.polarity == "high_is_hard").ifelse(1 - x, x)


def _responses(v: AsOf) -> Part:
    r = v.table("survey_responses")
    r = r.filter(r.customer_id.notnull() & r.score.notnull())
    r = r.mutate(_x=(r.question_type == "nps").ifelse(r.score.cast("float64"), _norm(r)))
    aggs: dict[str, Expr] = {}
    for q in ("nps", "csat", "ces"):
        w = r.question_type == q
        aggs[f"{q}_last"] = r._x.argmax(r.responded_at, where=w)
        aggs[f"_{q}_n"] = _count_if(w)
        aggs[f"_{q}_sum"] = r._x.sum(where=w)

    def finish(df: pd.DataFrame) -> pd.DataFrame:
        for q in ("nps", "csat", "ces"):
            n, total, last = df.pop(f"_{q}_n"), df.pop(f"_{q}_sum"), df[f"{q}_last"]
            earlier = (total - last) / (n - 1).where(n > 1)
            df[f"{q}_trend"] = last - earlier  # last answer against the mean of the earlier ones
        return df

    return r.group_by("customer_id").aggregate(**aggs), finish


def _tickets(v: AsOf, at: datetime) -> Part:
    t = v.table("tickets")
    t = t.filter(t.customer_id.notnull())
    recent = t.created_at > at - 90 * DAY
    hours = (t.first_solved_at.epoch_seconds() - t.created_at.epoch_seconds()) / 3600.0
    q = t.group_by("customer_id").aggregate(
        tickets_90d=_count_if(recent),
        reopens_90d=ibis.coalesce(t.reopens, 0).sum(where=recent).cast("float64"),
        resolution_hours_90d=hours.mean(where=recent),
        open_tickets=_count_if(t.first_solved_at.isnull()),
    )
    return q, _as_read


def _negatives(v: AsOf, at: datetime) -> Part:
    n = negative_tickets(v)  # type: ignore[arg-type]  # reads only .table()
    q = n.group_by("customer_id").aggregate(
        negatives_30d=_count_if(n.happened > at - 30 * DAY),
        negatives_90d=_count_if(n.happened > at - 90 * DAY),
    )
    return q, _as_read


def _web(v: AsOf, at: datetime) -> Part:
    w = v.table("web_events")
    w = w.filter(w.customer_id.notnull() & (w.occurred_at > at - 90 * DAY))
    last30 = w.occurred_at > at - 30 * DAY
    q = w.group_by("customer_id").aggregate(
        web_hits_30d=_count_if(last30),
        web_days_30d=w.occurred_at.date().nunique(where=last30).cast("float64"),
        web_hits_90d=w.count().cast("float64"),
    )
    return q, _as_read


def _loyalty(v: AsOf, at: datetime) -> Part:
    x = v.table("loyalty_ledger")
    x = x.filter(x.occurred_at > at - 90 * DAY)
    q = x.group_by("customer_id").aggregate(
        points_earned_90d=x.points.sum(where=x.kind == "earn").cast("float64"),
        points_redeemed_90d=x.points.sum(where=x.kind == "redeem").cast("float64"),
    )
    return q, _as_read


def _orders(v: AsOf, at: datetime) -> Part:
    o = v.table("orders")
    o = o.filter(o.customer_id.notnull())
    recent = o.ordered_at > at - 90 * DAY
    year = (o.ordered_at > at - 365 * DAY) & ~recent
    q = o.group_by("customer_id").aggregate(
        orders_90d=_count_if(recent),
        order_value_90d=o.amount.mean(where=recent),
        _value_before=o.amount.mean(where=year),
        _last=o.ordered_at.max(),
    )

    def finish(df: pd.DataFrame) -> pd.DataFrame:
        df["order_value_trend"] = df["order_value_90d"] - df.pop("_value_before")
        last = pd.to_datetime(df.pop("_last"))
        df["days_since_order"] = (pd.Timestamp(at) - last).dt.total_seconds() / 86400.0
        return df

    return q, finish
