"""CLV on a workspace's orders: fit BG/NBD + Gamma-Gamma, check them on a holdout, score customers.

What ``cxpulse clv fit`` and ``cxpulse clv score`` run. Orders count unless cancelled or
returned; orders of one customer on one local calendar day are one transaction
(docs/metrics/orders.md).
Time is in weeks. Predicted CLV is the discounted expected revenue over ``months`` times the
workspace's ``gross_margin``, so it is a margin, like the subscription LTV.

Fit quality comes from a second fit on the calibration period only (everything up to
``calibration_end``), compared with what customers did in the holdout
(:func:`holdout_comparison`); the scores come from the fit on all the orders. Both fits are
kept, so both sets of parameters can be shown, each labelled.

Orders that cannot enter the models are left out and counted (:class:`OrderDays`): cancelled or
returned, without a customer, or with an amount of 0 (Gamma-Gamma models spend above 0).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import ibis
import numpy as np
import pandas as pd

from cxpulse import schema
from cxpulse.errors import ImportRejected
from cxpulse.models.beta_geo import BetaGeo
from cxpulse.models.clv import PERIODS_PER_MONTH
from cxpulse.models.errors import ModelInputError
from cxpulse.models.fit_quality import HoldoutComparison, holdout_comparison
from cxpulse.models.gamma_gamma import GammaGamma
from cxpulse.models.rfm import rfm_summary
from cxpulse.schema import CLV_SCORES_SCHEMA, CLV_SCORES_TABLE

if TYPE_CHECKING:
    from cxpulse.context import Context

MODEL_NAME = "BG/NBD + Gamma-Gamma"
MIN_HOLDOUT_DAYS = 28


@dataclass(frozen=True)
class OrderDays:
    """Customer-day transactions (customer_id, day, amount) and, per reason, the orders left
    out ("8 orders with an amount of 0")."""

    frame: pd.DataFrame
    left_out: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClvFit:
    transactions: int
    calibration_end: date
    holdout_end: date
    months: int
    purchases: BetaGeo
    """Fitted on all the orders; predicts the scores."""
    spend: GammaGamma
    """Fitted on all the orders."""
    calibration_purchases: BetaGeo
    """Fitted on the calibration period only; its predictions are checked on the holdout."""
    comparison: HoldoutComparison
    """Of :attr:`calibration_purchases`, against the holdout."""
    scores: pd.DataFrame
    """One row per customer (index customer_id), highest predicted_clv first."""
    left_out: tuple[str, ...] = ()
    """Orders left out and why (see :class:`OrderDays`)."""


def _left_out(cancelled: int, anonymous: int, zero: int) -> tuple[str, ...]:
    notes = []
    if cancelled:
        notes.append(f"{cancelled:,} cancelled or returned orders")
    if anonymous:
        notes.append(f"{anonymous:,} orders without a customer")
    if zero:
        notes.append(
            f"{zero:,} orders with an amount of 0 (Gamma-Gamma models spend above 0; a free "
            "order is not a purchase here)"
        )
    return tuple(notes)


def workspace_days(ws: Context) -> OrderDays:
    """customer_id, day (local calendar day) and amount per customer-day, from the workspace."""
    from cxpulse.metrics import periods
    from cxpulse.metrics.orders import kept

    every = ws.table("orders")
    o = kept(every)
    counts = o.aggregate(
        kept=o.count(),
        anonymous=o.customer_id.isnull().sum(),
        zero=(o.customer_id.notnull() & (o.amount.isnull() | (o.amount <= 0))).sum(),
    ).execute()
    total = int(every.count().execute())
    left_out = _left_out(
        total - int(counts["kept"].iloc[0]),
        int(counts["anonymous"].iloc[0] or 0),
        int(counts["zero"].iloc[0] or 0),
    )
    o = o.filter(o.customer_id.notnull(), o.amount > 0)
    bounds = o.aggregate(lo=o.ordered_at.min(), hi=o.ordered_at.max()).execute()
    if len(bounds) == 0 or pd.isna(bounds["lo"].iloc[0]):
        raise ModelInputError("the workspace has no orders to fit (cancelled and returned skipped)")
    lo, hi = (pd.Timestamp(bounds[c].iloc[0]).to_pydatetime() for c in ("lo", "hi"))
    spans = periods.offset_spans(ws.settings.zone, lo, hi)
    o = o.mutate(day=periods.local_time(o.ordered_at, spans).date())
    per_day = o.group_by(["customer_id", "day"]).aggregate(amount=o.amount.sum())
    frame: pd.DataFrame = per_day.execute()
    return OrderDays(frame, left_out)


def file_days(path: Path, ws: Context, mapping: Mapping[str, str] | None = None) -> OrderDays:
    """The same from a CSV, Parquet or JSON-lines file of orders, read and checked as
    ``cxpulse import`` would (order_id may be absent)."""
    from cxpulse.ingest.mapping import apply_mapping
    from cxpulse.ingest.readers import read_file
    from cxpulse.ingest.validate import validate_frame

    raw = read_file(Path(path))
    frame = raw.frame
    mapped_to = set((mapping or {}).values())
    if "order_id" not in mapped_to and "order_id" not in {str(c).lower() for c in frame.columns}:
        frame = frame.assign(order_id=[str(n) for n in raw.lines])  # transaction logs lack ids
    mapped, _ = apply_mapping(frame, mapping or {}, schema.ORDERS, raw.label, raw.header_line)
    typed, problems = validate_frame(
        mapped, schema.ORDERS, ws.settings, file_label=raw.label, lines=raw.lines
    )
    problems = [*raw.problems, *problems]
    if problems:
        shown = "\n".join(f"  {p}" for p in problems[:10])
        more = f"\n  ... and {len(problems) - 10:,} more." if len(problems) > 10 else ""
        raise ImportRejected(
            f"{raw.label} cannot be used: {len(problems):,} problem(s).\n{shown}{more}", problems
        )
    cancelled = typed["status"].isin(["cancelled", "returned"])
    anonymous = ~cancelled & typed["customer_id"].isna()
    zero = ~cancelled & ~anonymous & ~(typed["amount"] > 0)
    left_out = _left_out(int(cancelled.sum()), int(anonymous.sum()), int(zero.sum()))
    typed = typed[~(cancelled | anonymous | zero)]
    if typed.empty:
        raise ModelInputError(f"{raw.label} has no orders with a customer and an amount above 0")
    local = typed["ordered_at"].dt.tz_localize("UTC").dt.tz_convert(ws.settings.zone)
    days = pd.DataFrame(
        {
            "customer_id": typed["customer_id"].astype(str),
            "day": local.dt.tz_localize(None).dt.normalize(),
            "amount": typed["amount"].astype(float),
        }
    )
    merged: pd.DataFrame = days.groupby(["customer_id", "day"], as_index=False).agg(
        amount=("amount", "sum")
    )
    return OrderDays(merged, left_out)


def fit_clv(
    days: pd.DataFrame | OrderDays,
    *,
    gross_margin: float = 1.0,
    months: int = 12,
    discount_rate: float = 0.01,
    holdout_days: int | None = None,
    calibration_end: date | str | None = None,
) -> ClvFit:
    """Fit on customer-day transactions (customer_id, day, amount).

    The calibration period ends ``calibration_end``, or ``holdout_days`` before the last order
    (default: a quarter of the observed span, at least 28 days); give one of the two."""
    left_out = days.left_out if isinstance(days, OrderDays) else ()
    orders = days.frame if isinstance(days, OrderDays) else days
    if orders.empty:
        raise ModelInputError("there are no orders to fit")
    day = pd.to_datetime(orders["day"])
    first, last = day.min().date(), day.max().date()
    span = (last - first).days
    if calibration_end is not None:
        if holdout_days is not None:
            raise ModelInputError("give the calibration end or the holdout days, not both")
        named = _day(calibration_end)
        if not first < named < last:
            raise ModelInputError(
                f"the calibration end {named} must fall between the first order ({first}) and "
                f"the last ({last})"
            )
        holdout = (last - named).days
    else:
        holdout = holdout_days if holdout_days is not None else max(MIN_HOLDOUT_DAYS, span // 4)
    if holdout < 1 or span - holdout < 2 * MIN_HOLDOUT_DAYS:
        raise ModelInputError(
            f"the orders span {span} days: too short for a {holdout}-day holdout and a "
            f"calibration period of at least {2 * MIN_HOLDOUT_DAYS} days (use --holdout-days "
            "or --calibration-end)"
        )
    cal_end = last - timedelta(days=holdout)
    frame = orders.assign(day=day)
    cal = rfm_summary(
        frame, "customer_id", "day", "amount", calibration_end=cal_end, holdout_end=last
    )
    calibrated = BetaGeo().fit(cal)
    comparison = holdout_comparison(calibrated, cal)

    summary = rfm_summary(frame, "customer_id", "day", "amount")
    purchases = BetaGeo().fit(summary)
    spend = GammaGamma().fit(summary)
    x, tx, age, m = (summary[c] for c in ("frequency", "recency", "T", "monetary_value"))
    value = spend.conditional_expected_average_profit(x, m)
    clv = spend.customer_lifetime_value(
        purchases, x, tx, age, m, time=months, discount_rate=discount_rate, freq="W"
    )
    scores = (
        summary[["frequency", "recency", "T", "monetary_value"]]
        .astype(float)
        .assign(
            probability_alive=purchases.conditional_probability_alive(x, tx, age),
            expected_purchases=purchases.predict(months * PERIODS_PER_MONTH["W"], x, tx, age),
            expected_order_value=value,
            predicted_clv=np.asarray(clv) * gross_margin,
        )
    )
    undefined = ~np.isfinite(scores["predicted_clv"].to_numpy())
    if undefined.any():
        shown = ", ".join(f"{k}={v:.4g}" for k, v in purchases.params_.items())
        raise ModelInputError(
            f"the fitted models give no finite CLV for {int(undefined.sum())} customer(s) "
            f"(BG/NBD {shown}): drop-out is not identified in these orders. Try a longer "
            "period or more customers."
        )
    scores = scores.sort_values(["predicted_clv"], ascending=False, kind="stable")
    return ClvFit(
        len(orders),
        cal_end,
        last,
        months,
        purchases,
        spend,
        calibrated,
        comparison,
        scores,
        left_out,
    )


def _day(value: date | str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ModelInputError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def write_scores(ws: Context, fit: ClvFit) -> int:
    """Replace the workspace's ``clv_scores`` with this fit's; return the rows written."""
    frame = fit.scores.reset_index().rename(columns={fit.scores.index.name: "customer_id"})
    frame = frame.assign(
        scored_at=datetime.now(UTC).replace(tzinfo=None),
        model=MODEL_NAME,
        horizon_months=fit.months,
        customer_id=frame["customer_id"].astype(str),
    )[list(CLV_SCORES_SCHEMA)]
    table = ibis.memtable(frame, schema=ibis.schema(CLV_SCORES_SCHEMA))
    with ws.store.transaction():
        ws.store.replace_all(CLV_SCORES_TABLE, table)
    return len(frame)
