"""Negative support interactions per customer, and how churn rises with their number.

Definitions (docs/metrics/support.md, "Negative interactions"):

- A **negative interaction** is a ticket with sentiment below -0.3, or escalated, or rated below
  the satisfied boxes on a CSAT answer linked to it (``survey_responses.ticket_id``; below 4 on
  1-5, below 6 on 1-7, see :mod:`scales`). It happens when the ticket is created.
- **Customer churn** ("last subscription ends"): a subscription ends (``ended_at``, when the paid
  term ends) while no other subscription of the same customer is running, i.e. started by then
  and not ended by then. A customer who drops one of two subscriptions has not churned.
- **Churn by number of negative interactions** ("anchored at the peak"): each customer with a
  ticket counts once, with k = the most negative interactions they had within any
  ``window_days`` (capped at ``max_count``, shown as "8+"), anchored at the first moment they
  reached k (k = 0: their first ticket). Counted only when subscribed at the anchor and when the
  anchor leaves ``horizon_days`` of data after it; the outcome is churn within ``horizon_days``
  after the anchor. Each customer appears once, so the Wilson intervals are honest.

Everything row-level runs in Ibis; only the per-customer or per-k results come back.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import ibis
import numpy as np
import pandas as pd

from cxpulse.errors import QueryError
from cxpulse.metrics import scales, stats

if TYPE_CHECKING:
    from cxpulse.context import Context

NEGATIVE_SENTIMENT = -0.3
FAR_FUTURE = datetime(2200, 1, 1)
Table = Any


def negative_tickets(ws: Context, *, sentiment_below: float = NEGATIVE_SENTIMENT) -> Table:
    """Ibis table of negative tickets: ticket_id, customer_id, happened and the three reasons."""
    t = ws.table("tickets")
    r = ws.table("survey_responses")
    scale = ibis.coalesce(r.scale_max, 5)
    low = r.filter(
        (r.question_type == "csat")
        & r.ticket_id.notnull()
        & r.score.notnull()
        & (r.score < scales.lookup_expr(scales.CSAT_TOP2_MIN, scale))
    )
    t = t.filter(t.customer_id.notnull()).mutate(
        negative_sentiment=ibis.coalesce(t.sentiment < sentiment_below, False),
        escalated=ibis.coalesce(t.escalated, False),
        low_csat=t.ticket_id.isin(low.ticket_id),
    )
    t = t.filter(t.negative_sentiment | t.escalated | t.low_csat)
    return t.select(
        "ticket_id",
        "customer_id",
        happened=t.created_at,
        negative_sentiment=t.negative_sentiment,
        escalated=t.escalated,
        low_csat=t.low_csat,
    )


def data_end(ws: Context) -> datetime:
    """The latest ticket creation: the default "now" of a study on past data."""
    t = ws.table("tickets")
    value = t.created_at.max().execute()
    if pd.isna(value):
        raise QueryError(
            "there are no tickets yet; import some with `cxpulse import --table tickets`"
        )
    return pd.Timestamp(value).to_pydatetime()


def as_instant(as_of: date | datetime | str | None, ws: Context) -> datetime:
    if as_of is None:
        return data_end(ws)
    if isinstance(as_of, str):
        try:
            as_of = datetime.fromisoformat(as_of)
        except ValueError:
            raise QueryError(f"as_of {as_of!r} is not a date; write YYYY-MM-DD") from None
    if not isinstance(as_of, datetime):  # a day means its end
        as_of = datetime(as_of.year, as_of.month, as_of.day) + timedelta(days=1)
    return as_of


def negative_interactions(
    ws: Context,
    *,
    as_of: date | datetime | str | None = None,
    window_days: int = 90,
    sentiment_below: float = NEGATIVE_SENTIMENT,
) -> pd.DataFrame:
    """Per customer, negative interactions in the ``window_days`` before ``as_of`` (default:
    the latest ticket), most first: customer_id, negative_interactions, the count of each
    reason (a ticket can have several) and the last one's time."""
    if window_days < 1:
        raise QueryError("window_days must be at least 1")
    end = as_instant(as_of, ws)
    neg = negative_tickets(ws, sentiment_below=sentiment_below)
    neg = neg.filter((neg.happened > end - timedelta(days=window_days)) & (neg.happened <= end))
    out = neg.group_by("customer_id").aggregate(
        negative_interactions=neg.count().cast("int64"),
        negative_sentiment=_count_if(neg.negative_sentiment),
        escalated=_count_if(neg.escalated),
        low_csat=_count_if(neg.low_csat),
        last_at=neg.happened.max(),
    )
    df: pd.DataFrame = out.order_by([ibis.desc("negative_interactions"), "customer_id"]).execute()
    return df.reset_index(drop=True)


def _count_if(cond: Any) -> Any:
    return cond.ifelse(1, 0).sum().cast("int64")


# -- churn ------------------------------------------------------------------------------------
def churn_events(ws: Context, *, as_of: datetime | None = None) -> Table:
    """Ibis table customer_id, churned_at: a subscription ending with no other one running."""
    s = ws.table("subscriptions")
    ended = s.filter(s.ended_at.notnull())
    if as_of is not None:
        ended = ended.filter(ended.ended_at <= as_of)
    other = s.select(_c=s.customer_id, _start=s.started_at, _end=s.ended_at)
    churn = ended.anti_join(
        other,
        [
            ended.customer_id == other._c,
            other._start <= ended.ended_at,
            ibis.coalesce(other._end, FAR_FUTURE) > ended.ended_at,
        ],
    )
    return churn.select("customer_id", churned_at=churn.ended_at).distinct()


def subscribed_at(ws: Context, anchors: Table, column: str = "happened") -> Table:
    """The rows of ``anchors`` whose customer had a subscription running at ``column``."""
    s = ws.table("subscriptions")
    return anchors.semi_join(
        s,
        [
            anchors.customer_id == s.customer_id,
            s.started_at <= anchors[column],
            ibis.coalesce(s.ended_at, FAR_FUTURE) > anchors[column],
        ],
    )


def with_churn_after(
    ws: Context, anchors: Table, *, horizon_days: int, as_of: datetime, column: str = "happened"
) -> Table:
    """``anchors`` (customer_id, ``column``) with ``churned``: churn in (at, at + horizon]."""
    churn = churn_events(ws, as_of=as_of).rename(_c="customer_id")
    at = anchors[column]
    joined = anchors.left_join(
        churn,
        [
            anchors.customer_id == churn._c,
            churn.churned_at > at,
            churn.churned_at <= at + ibis.interval(days=horizon_days),
        ],
    )
    # a customer can churn twice within the horizon (churn, come back, churn): count once
    return joined.group_by(anchors.columns).aggregate(
        churned=joined.churned_at.notnull().ifelse(1, 0).max() == 1
    )


def churn_by_negatives(
    ws: Context,
    *,
    window_days: int = 90,
    horizon_days: int = 90,
    max_count: int = 8,
    as_of: date | datetime | str | None = None,
    sentiment_below: float = NEGATIVE_SENTIMENT,
) -> pd.DataFrame:
    """Churn rate by the number of negative interactions within ``window_days`` (module doc).

    Columns: negatives (label, "8+" for the cap), k, customers, churned, churn_rate (%),
    ci_low, ci_high (Wilson, the workspace's confidence).
    """
    if min(window_days, horizon_days, max_count) < 1:
        raise QueryError("window_days, horizon_days and max_count must be at least 1")
    end = as_instant(as_of, ws)
    neg = negative_tickets(ws, sentiment_below=sentiment_below)
    neg = neg.filter(neg.happened <= end)
    window = ibis.window(
        group_by=neg.customer_id,
        order_by=neg.happened,
        range=(-ibis.interval(days=window_days), 0),
    )
    rolled = neg.mutate(recent=neg.ticket_id.count().over(window))
    peak = rolled.group_by("customer_id").aggregate(
        _k=ibis.least(rolled.recent.max(), max_count).cast("int64")
    )
    reached = rolled.join(peak, "customer_id")
    reached = reached.filter(reached.recent >= reached._k)
    hot = reached.group_by("customer_id").aggregate(
        k=reached._k.max(), happened=reached.happened.min()
    )
    t = ws.table("tickets")
    t = t.filter(t.customer_id.notnull() & (t.created_at <= end))
    calm = t.anti_join(neg, t.customer_id == neg.customer_id)
    calm = calm.group_by("customer_id").aggregate(
        k=ibis.literal(0, type="int64"), happened=calm.created_at.min()
    )
    anchors = hot.union(calm)
    anchors = anchors.filter(anchors.happened <= end - timedelta(days=horizon_days))
    anchors = subscribed_at(ws, anchors)
    marked = with_churn_after(ws, anchors, horizon_days=horizon_days, as_of=end)
    counts = (
        marked.group_by("k")
        .aggregate(customers=marked.count().cast("int64"), churned=_count_if(marked.churned))
        .order_by("k")
        .execute()
    )
    full = pd.DataFrame({"k": range(max_count + 1)}).merge(counts, on="k", how="left")
    full = full.fillna({"customers": 0, "churned": 0}).astype({"customers": int, "churned": int})
    full.insert(0, "negatives", [f"{k}+" if k == max_count else str(k) for k in full.k])
    return add_share(full, "customers", "churned", "churn_rate", ws.settings.confidence)


def add_share(df: pd.DataFrame, n: str, k: str, name: str, confidence: float) -> pd.DataFrame:
    """Add ``name`` = 100 k / n with its Wilson interval (NaN where n is 0)."""
    out = df.copy()
    out[name] = stats.share_point(out[n], out[k]) * 100
    low, high = stats.wilson_interval(out[n], out[k], confidence=confidence)
    out["ci_low"], out["ci_high"] = low * 100, high * 100
    return out


def steepest_jump(curve: pd.DataFrame, *, min_customers: int = 30) -> str:
    """One sentence naming the largest rise of the churn curve between neighbouring counts
    (buckets with fewer than ``min_customers`` customers are skipped as too noisy)."""
    rows = curve[curve["customers"] >= min_customers].reset_index(drop=True)
    if len(rows) < 2:
        return "Too few customers to compare churn between counts."
    rise = rows["churn_rate"].diff().to_numpy()
    i = int(np.nanargmax(rise))
    before, after = rows.iloc[i - 1], rows.iloc[i]
    return (
        f"Churn jumps most from {before.churn_rate:.1f} % at {before.negatives} to "
        f"{after.churn_rate:.1f} % at {after.negatives} negative interactions "
        f"({int(after.customers):,} customers there)."
    )
