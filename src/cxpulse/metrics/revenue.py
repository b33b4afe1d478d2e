"""Subscription metrics: MRR, ARR, ARPA, MRR churn, NRR/GRR, quick ratio
(docs/metrics/revenue.md), and the helpers the other revenue modules share. Customer churn and
retention are in :mod:`churn`, LTV and CAC in :mod:`ltv` and :mod:`cac`, order metrics in
:mod:`orders`; all are registered by importing this module.

Every metric is evaluated on the calendar through the engine's ``periodic`` hook: MRR per
customer just before each period's start and end (see :mod:`mrr`), then counted. A customer is
*active* while their MRR is above 0 (free plans do not count). Customer-count rates are shares
with a Wilson interval; MRR rates are exact ratios of the whole book, without interval.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ibis

from cxpulse.metrics.mrr import balances, customer_balances, paid_subscriptions, with_movements
from cxpulse.metrics.spec import (
    REGISTRY,
    Benchmark,
    MetricSpec,
    PeriodContext,
    Rollup,
    Table,
    Variant,
)
from cxpulse.metrics.stats import Kind

Stats = Callable[[Table, list[str]], Table]

SEGMENTS = ("plan", "billing_period", "currency")
ACTIVE = "a customer is active while their MRR (price per month, annual / 12) is above 0"
NET = (
    "movements are each customer's net MRR change over the period; churn is booked when the "
    "paid term ends (ended_at), not at the cancel request"
)


def count_if(cond: Table) -> Table:
    return cond.ifelse(1, 0).sum().cast("int64")


def _f(x: Table) -> Table:  # Spark would compute ratios of integer sums in decimal
    return x.cast("float64")


def movements_hook(stats: Stats) -> Callable[[PeriodContext], Table]:
    """A periodic hook for customer rates (churn, retention, NRR, MRR churn): per-customer
    movements of each period, reduced by ``stats``; by segment, each customer counts in the
    segment they started the period in (:func:`~cxpulse.metrics.mrr.customer_balances`), so
    the segments add up to the total."""

    def hook(ctx: PeriodContext) -> Table:
        b = with_movements(customer_balances(ctx, ctx.periods))
        return stats(b, ["_period", *ctx.segments])

    return hook


def balances_hook(stats: Stats) -> Callable[[PeriodContext], Table]:
    """A periodic hook for balances at the period's end (MRR, ARR, paying customers, ARPA):
    by segment, each segment's own subscriptions (a customer on two plans adds each plan's
    MRR to that plan)."""

    def hook(ctx: PeriodContext) -> Table:
        b = balances(paid_subscriptions(ctx), ctx.periods, ["customer_id", *ctx.segments])
        return stats(b, ["_period", *ctx.segments])

    return hook


def variant(
    name: str,
    text: str,
    kind: Kind,
    hook: Callable[[PeriodContext], Table],
    multiplier: float = 100.0,
    rolls_up: Rollup = None,
) -> Variant:
    return Variant(name, text, kind, periodic=hook, multiplier=multiplier, rolls_up=rolls_up)


def spec(
    name: str,
    label: str,
    unit: str,
    variants: dict[str, Variant],
    higher: bool = True,
    benchmark: Benchmark | None = None,
) -> MetricSpec:
    return REGISTRY.add(
        MetricSpec(
            name=name,
            label=label,
            table="subscriptions",
            time_column="started_at",
            unit=unit,
            variants=variants,
            higher_is_better=higher,
            benchmark=benchmark,
            segments=SEGMENTS,
        )
    )


def one(
    name: str,
    label: str,
    unit: str,
    text: str,
    kind: Kind,
    hook: Callable[[PeriodContext], Table],
    multiplier: float = 100.0,
    higher: bool = True,
    benchmark: Benchmark | None = None,
) -> MetricSpec:
    """A metric with only a default definition."""
    default = variant("default", text, kind, hook, multiplier)
    return spec(name, label, unit, {"default": default}, higher, benchmark)


# -- balances ---------------------------------------------------------------------------------
def _mrr(factor: float) -> Stats:
    def stats(b: Table, keys: list[str]) -> Table:
        return b.group_by(keys).aggregate(n=count_if(b.mrr_end > 0), v=b.mrr_end.sum() * factor)

    return stats


def _active(b: Table, keys: list[str]) -> Table:
    return b.group_by(keys).aggregate(n=count_if(b.mrr_end > 0), v=_f(count_if(b.mrr_end > 0)))


def _arpa(b: Table, keys: list[str]) -> Table:
    return b.group_by(keys).aggregate(
        n=count_if(b.mrr_end > 0), num=b.mrr_end.sum(), den=_f(count_if(b.mrr_end > 0))
    )


MRR_TEXT = (
    "MRR at the end of the period: sum of the active subscriptions' prices per month "
    "(quarterly / 3, annual / 12)"
)
ARR_TEXT = "ARR = 12 x MRR at the end of the period"
ACTIVE_TEXT = f"customers active at the end of the period; {ACTIVE}"
ARPA_TEXT = "ARPA = MRR / active customers, both at the end of the period"
one("mrr", "Monthly recurring revenue", "currency", MRR_TEXT, "value", balances_hook(_mrr(1)), 1)
one("arr", "Annual recurring revenue", "currency", ARR_TEXT, "value", balances_hook(_mrr(12)), 1)
one(
    "active_customers",
    "Paying customers",
    "customers",
    ACTIVE_TEXT,
    "value",
    balances_hook(_active),
    1,
)
one("arpa", "Average revenue per account", "currency", ARPA_TEXT, "ratio", balances_hook(_arpa), 1)


# -- MRR churn, expansion, NRR/GRR, quick ratio -------------------------------------------------
def _mrr_ratio(num: Callable[[Table], Table], den: Callable[[Table], Table] | None = None) -> Any:
    def stats(b: Table, keys: list[str]) -> Table:
        return b.group_by(keys).aggregate(
            n=count_if(b.mrr_start > 0),
            num=num(b).sum(),
            den=(den(b) if den is not None else b.mrr_start).sum(),
        )

    return movements_hook(stats)


def _gross(b: Table) -> Table:
    return b.churn + b.contraction


def _net(b: Table) -> Table:
    return b.churn + b.contraction - b.expansion - b.reactivation


def _net_no_react(b: Table) -> Table:
    return b.churn + b.contraction - b.expansion


def _expansion(b: Table) -> Table:
    return b.expansion


def _nrr(b: Table) -> Table:  # start + expansion - contraction - churn of the start customers
    return (b.mrr_start > 0).ifelse(b.mrr_end, 0.0)


def _grr(b: Table) -> Table:  # the same without expansion: never above the start MRR
    return (b.mrr_start > 0).ifelse(ibis.least(b.mrr_start, b.mrr_end), 0.0)


def _gained(b: Table) -> Table:
    return b.new + b.expansion + b.reactivation


START = "over MRR at the start of the period"
GROSS_TEXT = f"(churned + contraction MRR) {START}; {NET}"
NET_TEXT = (
    f"(churned + contraction - expansion - reactivation MRR) {START}; negative when the "
    f"existing customers grow; {NET}"
)
NET_NR_TEXT = f"(churned + contraction - expansion MRR) {START}: returning customers not netted"
NRR_TEXT = (
    "NRR = (start + expansion - contraction - churn) MRR / start MRR, over the customers active "
    "at the start (new and reactivated MRR excluded)"
)
GRR_TEXT = (
    "GRR = (start - contraction - churn) MRR / start MRR, over the customers active at the "
    "start; never above 100 %"
)
QUICK_TEXT = (
    "(new + expansion + reactivation MRR) / (churned + contraction MRR); undefined when "
    "nothing was lost"
)
QUICK_BENCHMARK = Benchmark(
    "4 or more is efficient growth", "Mamoon Hamid (Social Capital), who proposed the ratio", 4.0
)
one(
    "gross_mrr_churn_rate",
    "Gross MRR churn rate",
    "%",
    GROSS_TEXT,
    "ratio",
    _mrr_ratio(_gross),
    higher=False,
)
spec(
    "net_mrr_churn_rate",
    "Net MRR churn rate",
    "%",
    {
        "default": variant("default", NET_TEXT, "ratio", _mrr_ratio(_net)),
        "no_reactivation": variant(
            "no_reactivation", NET_NR_TEXT, "ratio", _mrr_ratio(_net_no_react)
        ),
    },
    higher=False,
)
one(
    "expansion_rate",
    "Expansion MRR rate",
    "%",
    f"expansion MRR {START}",
    "ratio",
    _mrr_ratio(_expansion),
)
one("nrr", "Net revenue retention", "%", NRR_TEXT, "ratio", _mrr_ratio(_nrr))
one("grr", "Gross revenue retention", "%", GRR_TEXT, "ratio", _mrr_ratio(_grr))
one(
    "quick_ratio",
    "SaaS quick ratio",
    "x",
    QUICK_TEXT,
    "ratio",
    _mrr_ratio(_gained, _gross),
    1,
    benchmark=QUICK_BENCHMARK,
)


from cxpulse.metrics import cac as _cac  # noqa: E402, F401  (CAC and LTV:CAC)
from cxpulse.metrics import churn as _churn  # noqa: E402, F401  (customer churn, retention)
from cxpulse.metrics import ltv as _ltv  # noqa: E402, F401  (subscription LTV)
from cxpulse.metrics import orders as _orders  # noqa: E402, F401  (registers the order metrics)
