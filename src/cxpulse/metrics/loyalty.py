"""Loyalty programme metrics from loyalty_ledger (docs/metrics/loyalty.md).

Every ledger row moves a positive number of points; its ``kind`` gives the direction: ``earn``
and ``adjust`` (goodwill, corrections) add to the member's balance, ``redeem`` and ``expire``
take away. Flows (earned, redeemed, expired, the redemption rate) are summed by the period
the points moved in; the outstanding balance and the active member rate are evaluated on the
calendar (at each period's end, over each period) through the engine's period hook.
"""

from __future__ import annotations

from typing import Any

from cxpulse.metrics.spec import REGISTRY, MetricSpec, PeriodContext, Table, Tables, Variant

CREDIT = ("earn", "adjust")
DEBIT = ("redeem", "expire")
ACTIVE = ("earn", "redeem")


def count_if(cond: Any) -> Any:
    # ifelse + sum casts portably (Spark would otherwise sum booleans as decimals)
    return cond.ifelse(1, 0).sum().cast("int64")


def signed_points(t: Table) -> Any:
    """Points with the sign of their effect on the balance (Ibis expression)."""
    points = t.points.cast("float64")
    return t.kind.isin(CREDIT).ifelse(points, -points)


def _of_kind(kind: str) -> Any:
    def prepare(t: Table, _: Tables) -> Table:
        return t.filter(t.kind == kind)

    return prepare


def _points_sum(t: Table, keys: list[str]) -> Table:
    return t.group_by(keys).aggregate(n=t.count().cast("int64"), v=t.points.cast("float64").sum())


def _redemption_ratio(t: Table, keys: list[str]) -> Table:
    points = t.points.cast("float64")
    return t.group_by(keys).aggregate(
        n=t.count().cast("int64"),
        num=(t.kind == "redeem").ifelse(points, 0.0).sum(),
        den=(t.kind == "earn").ifelse(points, 0.0).sum(),
    )


def _outstanding(ctx: PeriodContext) -> Table:
    """The points balance of all members at each period's end."""
    ledger = ctx.attach(ctx.tables.table("loyalty_ledger"))
    ledger = ledger.mutate(_signed=signed_points(ledger))
    joined = ledger.cross_join(ctx.periods).filter(lambda t: t.occurred_at < t._end)
    return joined.group_by(["_period", *ctx.segments]).aggregate(
        n=joined.customer_id.nunique().cast("int64"), v=joined._signed.sum()
    )


def _active_members(ctx: PeriodContext) -> Table:
    """Members (a first ledger entry before the period's end) and those of them who earned
    or redeemed points during the period."""
    ledger = ctx.tables.table("loyalty_ledger")
    members = ledger.group_by("customer_id").aggregate(_joined=ledger.occurred_at.min())
    members = ctx.attach(members)
    per_period = members.cross_join(ctx.periods).filter(lambda t: t._joined < t._end)
    moves = ledger.filter(ledger.kind.isin(ACTIVE))
    active = (
        moves.cross_join(ctx.periods)
        .filter(lambda t: (t.occurred_at >= t._start) & (t.occurred_at < t._end))
        .select(_cid="customer_id", _p="_period")
        .distinct()
    )
    flagged = per_period.left_join(
        active, [per_period.customer_id == active._cid, per_period._period == active._p]
    )
    return flagged.group_by(["_period", *ctx.segments]).aggregate(
        n=flagged.count().cast("int64"), k=count_if(flagged._cid.notnull())
    )


def _spec(name: str, label: str, unit: str, variant: Variant, **kw: Any) -> None:
    REGISTRY.add(
        MetricSpec(
            name=name,
            label=label,
            table="loyalty_ledger",
            time_column="occurred_at",
            unit=unit,
            variants={"default": variant},
            **kw,
        )
    )


for _kind, _verb in (("earn", "earned"), ("redeem", "redeemed"), ("expire", "expired")):
    _spec(
        f"points_{_verb}",
        f"Loyalty points {_verb}",
        "loyalty points",
        Variant(
            "default",
            f"points {_verb} in the period (ledger rows of kind {_kind}); n = ledger rows"
            + ("; by reward with --segment reward_type" if _kind == "redeem" else ""),
            "value",
            _points_sum,
            _of_kind(_kind),
            multiplier=1.0,
        ),
        segments=("reward_type",) if _kind == "redeem" else (),
        higher_is_better=_kind != "expire",
    )
_spec(
    "loyalty_redemption_rate",
    "Loyalty redemption rate",
    "%",
    Variant(
        "default",
        "100 x points redeemed / points earned in the period (goodwill adjustments and "
        "expiries count as neither); exact, no interval",
        "ratio",
        _redemption_ratio,
    ),
)
_spec(
    "points_outstanding",
    "Outstanding loyalty points (liability)",
    "loyalty points",
    Variant(
        "default",
        "points balance of all members at the end of the period: earned + adjusted - "
        "redeemed - expired since the start of the programme; n = members with a ledger entry "
        "by then; multiply by the value of a point for the liability in money",
        "value",
        multiplier=1.0,
        periodic=_outstanding,
    ),
    higher_is_better=False,
)
_spec(
    "active_member_rate",
    "Active loyalty members",
    "%",
    Variant(
        "default",
        "100 x members who earned or redeemed points in the period / members (customers with "
        "a ledger entry before the period's end); Wilson interval",
        "share",
        periodic=_active_members,
    ),
)
