"""MRR per customer and period, and its movements (docs/metrics/revenue.md).

A subscription's MRR is its price per month (quarterly / 3, annual / 12). It counts from
``started_at`` (included) to ``ended_at`` (excluded): churn is booked when the paid term ends,
never at ``cancelled_at`` (kept in the table, used by nothing here). Balances are taken *just
before* an instant, so a period's closing MRR is the next period's opening MRR and a change at
instant t belongs to the period holding t (a term ending at midnight on 1 February churns in
February).

A customer's movement in a period is the net change of their MRR from its start to its end:
``new`` (first MRR > 0 ever), ``reactivation`` (from 0 after an earlier paid term),
``expansion`` (up), ``contraction`` (down, still > 0), ``churn`` (to 0). Cancelling one of two
subscriptions is therefore a contraction. A customer who starts and leaves inside one period
has no net movement: they are in neither the period's new MRR nor its churn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import ibis
import pandas as pd

from cxpulse.errors import QueryError
from cxpulse.metrics import engine, periods, selection
from cxpulse.metrics.spec import MetricSpec, PeriodContext, Table
from cxpulse.metrics.subscription_checks import BILLING_MONTHS, check_subscriptions
from cxpulse.settings import Settings

if TYPE_CHECKING:
    from cxpulse.context import Context

MOVEMENTS = ("new", "expansion", "reactivation", "contraction", "churn")
DIGITS = 6
"""MRR sums are rounded to 1e-6: the same subscriptions summed in another order must compare
equal, or an unchanged customer would show a 1e-15 expansion."""

# Only used to name the table in messages of the engine's column lookup.
_SPEC = MetricSpec("mrr", "MRR", "subscriptions", "started_at", "currency", variants={})


def monthly(price: Any, billing_period: Any) -> Any:
    """Ibis expression: the price normalised to a month (NULL for an unknown billing period)."""
    months = ibis.cases(*((billing_period == p, float(m)) for p, m in BILLING_MONTHS.items()))
    return price.cast("float64") / months


def settings_of(ctx: PeriodContext) -> Settings:
    """The workspace settings behind a period context (defaults for a bare table source)."""
    found = getattr(ctx.tables, "settings", None)
    return found if isinstance(found, Settings) else Settings()


# -- building blocks (Ibis) -------------------------------------------------------------------
def paid_subscriptions(
    ctx: PeriodContext, *, churn_events: bool = False, per_customer: bool = False
) -> Table:
    """Checked subscriptions with MRR > 0, the segment columns, ``_mrr`` and ``_first`` (the
    customer's first paid instant within the segment; with ``per_customer``, over all of the
    customer's subscriptions).

    With ``churn_events``, ``_churn_end`` marks the rows whose end takes the customer's MRR
    (within the segment; with ``per_customer``, in all) to 0 (their churn instant), for the
    event-based variants.
    """
    check_subscriptions(ctx.tables)
    subs = ctx.attach(ctx.tables.table("subscriptions"))
    subs = subs.mutate(_mrr=monthly(subs.price, subs.billing_period))
    # free plans and zero-length rows never make anyone a paying customer
    subs = subs.filter(subs._mrr > 0, subs.ended_at.isnull() | (subs.ended_at > subs.started_at))
    keys = ["customer_id"] if per_customer else ["customer_id", *ctx.segments]
    first = subs.started_at.min().over(ibis.window(group_by=[subs[k] for k in keys]))
    subs = subs.mutate(_first=first)
    if churn_events:
        subs = subs.mutate(_churn_end=subs.subscription_id.isin(_churn_ends(subs, keys)))
    return subs


def _churn_ends(subs: Table, keys: list[str]) -> Any:
    """Ids of the subscriptions whose end leaves the customer without MRR: a running sum of +MRR
    at each start and -MRR at each end, all events of one instant together."""
    cols = [*keys, "subscription_id"]
    starts = subs.select(*cols, _t=subs.started_at, _d=subs._mrr)
    ends = subs.filter(subs.ended_at.notnull()).select(*cols, _t=subs.ended_at, _d=-subs._mrr)
    events = starts.union(ends)
    window = ibis.range_window(
        group_by=[events[k] for k in keys], order_by=events._t, preceding=None, following=0
    )
    events = events.mutate(_run=events._d.sum().over(window).round(DIGITS))
    return events.filter((events._d < 0) & (events._run <= 0)).subscription_id


def balances(subs: Table, period_table: Table, keys: Sequence[str]) -> Table:
    """One row per (keys, period) with MRR just before the period's start (``mrr_start``) and
    just before its end (``mrr_end``), the first paid instant, and ``churned_in`` (a churn
    event inside the period) when ``subs`` has ``_churn_end``."""
    j = subs.cross_join(period_table)
    j = j.filter(j.started_at < j._end, j.ended_at.isnull() | (j.ended_at >= j._start))
    at_start = (j.started_at < j._start) & (j.ended_at.isnull() | (j.ended_at >= j._start))
    at_end = j.ended_at.isnull() | (j.ended_at >= j._end)
    aggs = {
        "first_paid": j._first.min(),
        "mrr_start": at_start.ifelse(j._mrr, 0.0).sum().round(DIGITS),
        "mrr_end": at_end.ifelse(j._mrr, 0.0).sum().round(DIGITS),
    }
    if "_churn_end" in subs.columns:
        inside = j._churn_end & (j.ended_at >= j._start) & (j.ended_at < j._end)
        aggs["churned_in"] = inside.fill_null(False).ifelse(1, 0).max() == 1
    return j.group_by([*keys, "_period", "_start", "_end"]).aggregate(**aggs)


def customer_balances(
    ctx: PeriodContext, period_table: Table, *, churn_events: bool = False
) -> Table:
    """:func:`balances` per customer and period, each customer in exactly one segment of a
    period: the one holding the largest part of their MRR at its start (at its end for a
    customer with none at the start).

    Customer rates by segment (churn, retention, NRR by plan) therefore add up to the total: a
    customer who moves from one plan to another has neither churned from the old plan nor
    joined the new one; the move is an expansion or contraction of the plan they started in.
    """
    subs = paid_subscriptions(ctx, churn_events=churn_events, per_customer=True)
    b = balances(subs, period_table, ["customer_id"])
    if not ctx.segments:
        return b
    seg = balances(subs, period_table, ["customer_id", *ctx.segments])
    order = [ibis.desc(seg.mrr_start), ibis.desc(seg.mrr_end), *(seg[k] for k in ctx.segments)]
    first = ibis.row_number().over(
        ibis.window(group_by=[seg.customer_id, seg._period], order_by=order)
    )
    seg = seg.mutate(_rank=first)
    seg = seg.filter(seg._rank == 0).select(
        _cid=seg.customer_id, _p=seg._period, **{k: seg[k] for k in ctx.segments}
    )
    joined = b.join(seg, [b.customer_id == seg._cid, b._period == seg._p])
    return joined.drop("_cid", "_p")


def with_movements(b: Table) -> Table:
    """Add the five movement amounts (each >= 0) and the movement's name."""
    o, c = b.mrr_start, b.mrr_end
    up = (o == 0) & (c > 0)
    first_time = b.first_paid >= b._start
    b = b.mutate(
        new=(up & first_time).ifelse(c, 0.0),
        reactivation=(up & ~first_time).ifelse(c, 0.0),
        expansion=((o > 0) & (c > o)).ifelse(c - o, 0.0),
        contraction=((o > 0) & (c > 0) & (c < o)).ifelse(o - c, 0.0),
        churn=((o > 0) & (c == 0)).ifelse(o, 0.0),
    )
    return b.mutate(
        movement=ibis.cases(*((b[m] > 0, m) for m in MOVEMENTS), else_=ibis.null("string"))
    )


def customer_movements(ctx: PeriodContext) -> Table:
    keys = ["customer_id", *ctx.segments]
    return with_movements(balances(paid_subscriptions(ctx), ctx.periods, keys))


# -- the period context, as the engine builds it ---------------------------------------------
def period_context(
    ws: Context,
    by: str = "month",
    segment: str | Sequence[str] | None = None,
    filters: Mapping[str, Any] | None = None,
    start: date | str | None = None,
    end: date | str | None = None,
) -> PeriodContext | None:
    """What the engine gives a periodic metric, for the functions below (None: no data).

    Without ``start``/``end`` the range runs from the first to the last subscription start, as
    for the metrics."""
    grain = periods.check_grain(by)
    start_d, end_d = periods.parse_day(start, "start"), periods.parse_day(end, "end")
    if start_d and end_d and end_d < start_d:
        raise QueryError(f"the range ends ({end_d}) before it starts ({start_d})")
    return engine.period_context(
        ws, _SPEC, grain, selection.as_list(segment), dict(filters or {}), start_d, end_d
    )


# -- public functions -------------------------------------------------------------------------
def mrr_movements(
    ws: Context,
    by: str = "month",
    start: date | str | None = None,
    end: date | str | None = None,
    segment: str | Sequence[str] | None = None,
    filters: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """One row per customer and period in which the customer had MRR: opening and closing MRR,
    the movement's name and the five movement amounts."""
    ctx = period_context(ws, by, segment, filters, start, end)
    columns = ["customer_id", "period", "period_start", *(ctx.segments if ctx else [])]
    columns += ["mrr_start", "mrr_end", "movement", *MOVEMENTS]
    if ctx is None:
        return pd.DataFrame(columns=columns)
    b = customer_movements(ctx)
    b = b.filter((b.mrr_start > 0) | (b.mrr_end > 0))
    df = b.order_by(["_period", "customer_id"]).execute()
    return _label(df, ctx)[columns]


def _label(df: pd.DataFrame, ctx: PeriodContext) -> pd.DataFrame:
    df = df.copy()
    df["period_start"] = [pd.Timestamp(p).date() for p in df.pop("_period")]
    df["period"] = [periods.label(d, ctx.grain) for d in df["period_start"]]  # type: ignore[arg-type]
    return df


def mrr_bridge(
    ws: Context,
    by: str = "month",
    start: date | str | None = None,
    end: date | str | None = None,
    segment: str | Sequence[str] | None = None,
    filters: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """MRR at each period's start, its movements and MRR at its end, by segment.

    Checks that start + new + expansion + reactivation - contraction - churn = end and that each
    period starts where the previous one ended; raises :class:`QueryError` if not.
    """
    ctx = period_context(ws, by, segment, filters, start, end)
    segs = ctx.segments if ctx else []
    columns = ["period", "period_start", *segs, "mrr_start", *MOVEMENTS, "mrr_end"]
    columns += ["net_change", "customers_start", "customers_end"]
    if ctx is None:
        return pd.DataFrame(columns=columns)
    b = customer_movements(ctx)
    agg = b.group_by(["_period", *segs]).aggregate(
        mrr_start=b.mrr_start.sum(),
        **{m: b[m].sum() for m in MOVEMENTS},
        mrr_end=b.mrr_end.sum(),
        customers_start=(b.mrr_start > 0).ifelse(1, 0).sum().cast("int64"),
        customers_end=(b.mrr_end > 0).ifelse(1, 0).sum().cast("int64"),
    )
    df = _label(agg.execute(), ctx).sort_values([*segs, "period_start"], kind="stable")
    df["net_change"] = df["mrr_end"] - df["mrr_start"]
    check_bridge(df, segs, ctx.grain)  # type: ignore[arg-type]
    return df.reset_index(drop=True)[columns]


def check_bridge(df: pd.DataFrame, segments: list[str], grain: periods.Grain) -> None:
    """Raise if movements do not add up, or a period does not open where the last one closed."""
    moved = df["new"] + df["expansion"] + df["reactivation"] - df["contraction"] - df["churn"]
    tolerance = 1e-6 * (1.0 + df["mrr_start"].abs() + df["mrr_end"].abs())
    off = (df["mrr_start"] + moved - df["mrr_end"]).abs() > tolerance
    if off.any():
        row = df[off].iloc[0]
        raise QueryError(
            f"the MRR bridge does not balance in {row['period']}: start {row['mrr_start']:.2f} "
            f"+ movements {moved[off].iloc[0]:.2f} != end {row['mrr_end']:.2f}. This is a bug "
            "in cxpulse; please report it."
        )
    if grain == "all":
        return
    following = df[[*segments, "period_start", "mrr_start"]].rename(columns={"mrr_start": "_next"})
    following["period_start"] = [periods.shift(d, grain, -1) for d in following["period_start"]]
    both = df.merge(following, on=[*segments, "period_start"])
    gap = (both["_next"] - both["mrr_end"]).abs() > 1e-6 * (1.0 + both["_next"].abs())
    if gap.any():
        row = both[gap].iloc[0]
        raise QueryError(
            f"MRR at the end of {row['period']} ({row['mrr_end']:.2f}) differs from the next "
            f"period's opening MRR ({row['_next']:.2f}). This is a bug in cxpulse."
        )
