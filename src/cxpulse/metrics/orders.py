"""Order metrics for non-subscription sales (docs/metrics/orders.md).

Orders count unless cancelled or returned (an empty status counts). Orders without a customer
count in the average order value only: frequency, repeat purchases, gaps and CLV are about
customers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import ibis
import pandas as pd

from cxpulse.metrics.engine import compute
from cxpulse.metrics.mrr import settings_of
from cxpulse.metrics.revenue import _f, count_if
from cxpulse.metrics.spec import REGISTRY, MetricSpec, PeriodContext, Table, Tables, Variant

if TYPE_CHECKING:
    from cxpulse.context import Context

NOT_KEPT = ("cancelled", "returned")
KEPT = "orders that were not cancelled or returned"
SEGMENTS = ("channel", "currency")


def kept(t: Table) -> Table:
    return t.filter(t.status.isnull() | ~t.status.isin(list(NOT_KEPT)))


def _customers_orders(t: Table, _: Tables) -> Table:
    t = kept(t)
    return t.filter(t.customer_id.notnull())


def _kept_rows(t: Table, _: Tables) -> Table:
    return kept(t)


def _frequency(t: Table, keys: list[str]) -> Table:
    buyers = t.customer_id.nunique()
    return t.group_by(keys).aggregate(n=buyers.cast("int64"), num=_f(t.count()), den=_f(buyers))


def _aov(t: Table, keys: list[str]) -> Table:
    return t.group_by(keys).aggregate(
        n=t.count().cast("int64"), num=t.amount.sum(), den=_f(t.count())
    )


def _repeat(t: Table, keys: list[str]) -> Table:
    per = t.group_by([*keys, "customer_id"]).aggregate(_orders=t.count())
    return per.group_by(keys).aggregate(n=per.count().cast("int64"), k=count_if(per._orders >= 2))


def _with_first_order(t: Table, tables: Tables) -> Table:
    t = _customers_orders(t, tables)
    every = _customers_orders(tables.table("orders"), tables)
    first = every.group_by(_cid=every.customer_id).aggregate(_first_any=every.ordered_at.min())
    return t.join(first, t.customer_id == first._cid).drop("_cid")


def _returning(t: Table, keys: list[str]) -> Table:
    per = t.group_by([*keys, "customer_id"]).aggregate(
        _first_in=t.ordered_at.min(), _first_any=t._first_any.min()
    )
    # an order before the customer's first one in this period is before the period
    return per.group_by(keys).aggregate(
        n=per.count().cast("int64"), k=count_if(per._first_any < per._first_in)
    )


def _with_gaps(t: Table, tables: Tables) -> Table:
    """Each order that opens a new purchase day, with the days since the previous one."""
    t = _customers_orders(t, tables)
    every = _customers_orders(tables.table("orders"), tables)
    day = every.ordered_at.date()
    window = ibis.window(group_by=every.customer_id, order_by=[every.ordered_at, every.order_id])
    every = every.mutate(_day=day, _prev=day.lag().over(window))
    every = every.mutate(_gap=every._day.delta(every._prev, unit="day").cast("float64"))
    gaps = every.filter(every._gap > 0).select(_oid=every.order_id, _gap=every._gap)
    return t.join(gaps, t.order_id == gaps._oid).drop("_oid")


def _gap_mean(t: Table, keys: list[str]) -> Table:
    return t.group_by(keys).aggregate(
        n=t.count().cast("int64"), s=t._gap.sum(), ss=(t._gap * t._gap).sum()
    )


def _gap_median(t: Table, keys: list[str]) -> Table:
    return t.group_by(keys).aggregate(n=t.count().cast("int64"), v=t._gap.median())


def _historical_clv(ctx: PeriodContext) -> Table:
    margin = settings_of(ctx).gross_margin
    o = ctx.attach(_customers_orders(ctx.tables.table("orders"), ctx.tables))
    o = o.mutate(_value=ibis.coalesce(o.margin, o.amount * margin))
    j = o.cross_join(ctx.periods).filter(lambda x: x.ordered_at < x._end)
    buyers = j.customer_id.nunique()
    return j.group_by(["_period", *ctx.segments]).aggregate(
        n=buyers.cast("int64"), num=j._value.sum(), den=_f(buyers)
    )


def _spec(name: str, label: str, unit: str, variants: dict[str, Variant]) -> None:
    REGISTRY.add(
        MetricSpec(
            name=name,
            label=label,
            table="orders",
            time_column="ordered_at",
            unit=unit,
            variants=variants,
            segments=SEGMENTS,
        )
    )


_spec(
    "purchase_frequency",
    "Purchase frequency",
    "orders",
    {
        "default": Variant(
            "default",
            f"{KEPT} per customer who ordered in the period",
            "ratio",
            _frequency,
            _customers_orders,
            multiplier=1.0,
        )
    },
)
_spec(
    "average_order_value",
    "Average order value",
    "currency",
    {
        "default": Variant(
            "default",
            f"sum of amount / number of {KEPT} (guest orders included)",
            "ratio",
            _aov,
            _kept_rows,
            multiplier=1.0,
        )
    },
)
_spec(
    "repeat_purchase_rate",
    "Repeat purchase rate",
    "%",
    {
        "default": Variant(
            "default",
            f"share of the customers who ordered in the period who placed 2 or more {KEPT} in "
            "it; Wilson interval",
            "share",
            _repeat,
            _customers_orders,
        ),
        "returning": Variant(
            "returning",
            "share of the customers who ordered in the period who had ordered before it (any "
            "channel); Wilson interval",
            "share",
            _returning,
            _with_first_order,
        ),
    },
)
GAP = (
    "days between a customer's consecutive purchase days (orders of one UTC day merge), "
    "counted in the period of the later purchase"
)
_spec(
    "time_between_purchases",
    "Time between purchases",
    "days",
    {
        "default": Variant(
            "default", f"mean {GAP}; t interval", "mean", _gap_mean, _with_gaps, multiplier=1.0
        ),
        "median": Variant(
            "median", f"median {GAP}", "value", _gap_median, _with_gaps, multiplier=1.0
        ),
    },
)
_spec(
    "historical_clv",
    "Historical customer value",
    "currency",
    {
        "default": Variant(
            "default",
            f"average per customer of the margin of their {KEPT} up to the end of the period "
            "(amount x gross_margin where the margin is unknown), over customers with such an "
            "order by then",
            "ratio",
            periodic=_historical_clv,
            multiplier=1.0,
        )
    },
)


# -- per customer and patterns -----------------------------------------------------------------
def historical_clv_by_customer(ws: Context, end: date | str | None = None) -> pd.DataFrame:
    """Per customer: orders, revenue and margin of the kept orders up to ``end`` (a local day,
    included; default all), largest margin first."""
    from cxpulse.metrics import periods

    o = _customers_orders(ws.table("orders"), ws)
    end_d = periods.parse_day(end, "end")
    if end_d is not None:
        zone = ws.settings.zone
        o = o.filter(o.ordered_at < periods.local_midnight_utc(end_d, zone) + pd.Timedelta("1D"))
    value = ibis.coalesce(o.margin, o.amount * ws.settings.gross_margin)
    per = o.group_by("customer_id").aggregate(
        orders=o.count().cast("int64"), revenue=o.amount.sum(), margin=value.sum()
    )
    frame: pd.DataFrame = per.order_by([ibis.desc("margin"), "customer_id"]).execute()
    return frame


def frequency_value_divergence(
    ws: Context,
    segment: str | Sequence[str],
    by: str = "month",
    start: date | str | None = None,
    end: date | str | None = None,
    min_change: float = 0.0,
) -> pd.DataFrame:
    """ "Buying more often but spending less": per segment and period, purchase frequency and
    average order value with their change on the previous period, ``flagged`` where frequency
    rose and order value fell by more than ``min_change`` (relative, e.g. 0.05 = 5 %)."""
    common: dict[str, Any] = {"by": by, "segment": segment, "start": start, "end": end}
    segs = [segment] if isinstance(segment, str) else list(segment)
    freq = compute(ws, "purchase_frequency", **common)
    aov = compute(ws, "average_order_value", **common)
    keys = ["period", "period_start", *segs]
    if freq.empty or aov.empty:
        return pd.DataFrame(columns=[*keys, "purchase_frequency", "frequency_change",
                                     "average_order_value", "aov_change", "flagged"])  # fmt: skip
    left = freq[[*keys, "value", "change"]].rename(
        columns={"value": "purchase_frequency", "change": "frequency_change"}
    )
    right = aov[[*keys, "value", "change"]].rename(
        columns={"value": "average_order_value", "change": "aov_change"}
    )
    df = left.merge(right, on=keys, how="inner")
    f_rel = df["frequency_change"] / (df["purchase_frequency"] - df["frequency_change"])
    v_rel = df["aov_change"] / (df["average_order_value"] - df["aov_change"])
    df["flagged"] = ((f_rel > min_change) & (v_rel < -min_change)).fillna(False).astype(bool)
    return df.reset_index(drop=True)
