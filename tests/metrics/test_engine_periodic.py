"""Metrics defined on the calendar (balances at period end) through the engine's period hook."""

from __future__ import annotations

from datetime import datetime

import pytest

from cxpulse import Workspace
from cxpulse.metrics.engine import compute
from cxpulse.metrics.spec import MetricSpec, PeriodContext, Registry, Table, Variant
from tests.conftest import add_rows


def customers_at_end(ctx: PeriodContext) -> Table:
    """Customers signed up before each period's end: a balance, not a flow."""
    cust = ctx.attach(ctx.tables.table("customers"))
    joined = cust.cross_join(ctx.periods).filter(lambda t: t.created_at < t._end)
    return joined.group_by(["_period", *ctx.segments]).aggregate(
        n=joined.count().cast("int64"), v=joined.count().cast("float64")
    )


REGISTRY = Registry()
REGISTRY.add(
    MetricSpec(
        name="customers_total",
        label="Customers",
        table="customers",
        time_column="created_at",
        unit="customers",
        variants={
            "default": Variant(
                "default",
                "customers signed up by the end of the period",
                "value",
                periodic=customers_at_end,
                multiplier=1.0,
            )
        },
    )
)


def test_a_balance_is_evaluated_at_each_period_end(ws: Workspace) -> None:
    add_rows(
        ws,
        "customers",
        [
            {"created_at": datetime(2025, 1, 10), "segment": "smb"},
            {"created_at": datetime(2025, 1, 31, 23, 30), "segment": "smb"},  # 1 Feb in Paris
            {"created_at": datetime(2025, 3, 2), "segment": "enterprise"},
        ],
    )
    df = compute(ws, "customers_total", registry=REGISTRY)
    assert list(df["period"]) == ["2025-01", "2025-02", "2025-03"]
    assert list(df["value"]) == [1, 2, 3]  # February exists although nobody signed up in it
    assert list(df["change"].fillna(-1)) == [-1, 1, 1]
    assert not df["significant"].any() and df["ci_low"].isna().all()
    by_seg = compute(
        ws,
        "customers_total",
        registry=REGISTRY,
        segment="segment",
        start="2025-03-01",
        end="2025-03-31",
    )
    assert dict(zip(by_seg["segment"], by_seg["value"], strict=True)) == {"enterprise": 1, "smb": 2}
    only = compute(
        ws, "customers_total", registry=REGISTRY, filters={"segment": "smb"}, by="quarter"
    )
    assert only[["period", "value"]].to_dict("records") == [
        {"period": "2025-Q1", "value": pytest.approx(2)}
    ]


def test_a_variant_has_either_a_row_aggregation_or_a_period_hook() -> None:
    with pytest.raises(ValueError, match="exactly one of aggregate or periodic"):
        Variant("x", "neither", "value")
    with pytest.raises(ValueError, match="exactly one of aggregate or periodic"):
        Variant("x", "both", "value", aggregate=lambda t, k: t, periodic=customers_at_end)


def test_the_period_frame_is_what_executing_the_period_table_gives() -> None:
    # metrics read ctx.frame instead of executing ctx.periods, which alone runs on Ibis's
    # default DuckDB connection: one per process, and two server threads using it deadlocked
    from datetime import date
    from zoneinfo import ZoneInfo

    from cxpulse.metrics import engine

    for grain in ("day", "week", "month", "quarter", "year", "all"):
        zone = ZoneInfo("Asia/Kathmandu")
        args = (date(2025, 12, 30), date(2026, 3, 2), grain, zone)
        executed = engine.period_table(*args).execute()
        frame = engine._as_executed(engine.period_frame(*args))
        assert list(frame["_period"]) == list(executed["_period"])
        assert list(frame["_start"]) == list(executed["_start"])
        assert list(frame["_end"]) == list(executed["_end"])
