"""Subscription metrics through Workspace.metric: known answers from
docs/worked-examples.md, variants and
properties."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from cxpulse import Workspace
from tests.conftest import add_rows
from tests.metrics.test_mrr import books, sub

MARCH = {"start": "2025-03-01", "end": "2025-03-31"}
BEFORE = datetime(2025, 1, 10)
IN_MARCH = datetime(2025, 3, 15)


def value(ws: Workspace, name: str, variant: str | None = None, **kw: Any) -> float:
    df = ws.metric(name, variant=variant, **{**MARCH, **kw})
    assert len(df) == 1, df
    return float(df["value"].iloc[0])


def test_mrr_churn_known_answers(ws: Workspace) -> None:
    """docs/worked-examples.md: MRR 100, churn 10, contraction 10, expansion 10 give gross MRR
    churn 20 %, net 10 %, NRR 90 %."""
    add_rows(
        ws,
        "subscriptions",
        [
            sub("churns", 10, BEFORE, IN_MARCH),
            sub("contracts", 40, BEFORE, plan="a"),
            sub("contracts", 10, BEFORE, IN_MARCH, plan="b"),  # one of two boxes cancelled
            sub("expands", 40, BEFORE, plan="a"),
            sub("expands", 10, IN_MARCH, plan="b"),
        ],
    )
    assert value(ws, "gross_mrr_churn_rate") == pytest.approx(20.0)
    assert value(ws, "net_mrr_churn_rate") == pytest.approx(10.0)
    assert value(ws, "nrr") == pytest.approx(90.0)
    assert value(ws, "grr") == pytest.approx(80.0)
    assert value(ws, "expansion_rate") == pytest.approx(10.0)
    assert value(ws, "quick_ratio") == pytest.approx(0.5)
    assert value(ws, "customer_churn_rate") == pytest.approx(100 / 3)  # a contraction is no churn

    # new and reactivated MRR change neither NRR nor GRR; reactivation is netted by default only
    add_rows(
        ws,
        "subscriptions",
        [
            sub("new", 25, IN_MARCH),
            sub("back", 5, datetime(2024, 6, 1), datetime(2024, 9, 1)),
            sub("back", 5, IN_MARCH, plan="again"),
        ],
    )
    assert value(ws, "nrr") == pytest.approx(90.0)
    assert value(ws, "net_mrr_churn_rate") == pytest.approx(5.0)
    assert value(ws, "net_mrr_churn_rate", "no_reactivation") == pytest.approx(10.0)
    assert value(ws, "quick_ratio") == pytest.approx((25 + 10 + 5) / 20)
    assert value(ws, "mrr") == pytest.approx(100 - 10 - 10 + 10 + 25 + 5)
    assert value(ws, "arr") == pytest.approx(12 * 120.0)
    assert value(ws, "active_customers") == 4
    assert value(ws, "arpa") == pytest.approx(120.0 / 4)


def test_customer_churn_known_answer(ws: Workspace) -> None:
    """docs/worked-examples.md: 100 customers at start, 11 cancel, one of whom joined this
    month: 10 %."""
    rows = [sub(f"C{i}", 20, BEFORE, IN_MARCH if i < 10 else None) for i in range(100)]
    rows.append(sub("joiner", 20, datetime(2025, 3, 2), IN_MARCH))
    rows.append(sub("stays", 20, datetime(2025, 3, 2)))
    add_rows(ws, "subscriptions", rows)
    churn = ws.metric("customer_churn_rate", **MARCH).iloc[0]
    assert (churn["value"], churn["n"]) == (pytest.approx(10.0), 100)
    assert churn["ci_low"] < 10 < churn["ci_high"]  # a share: Wilson interval
    retention = ws.metric("customer_retention_rate", **MARCH).iloc[0]
    assert retention["value"] == pytest.approx(90.0)  # (E - N) / S = (91 - 1) / 100


def test_churn_variants_disagree_where_their_sources_do(ws: Workspace) -> None:
    add_rows(
        ws,
        "subscriptions",
        [
            *[sub(f"C{i}", 10, BEFORE) for i in range(8)],
            sub("leaves", 10, BEFORE, datetime(2025, 3, 20)),
            # churns early in March, back before the month ends: ProfitWell counts the churn
            sub("blip", 10, BEFORE, datetime(2025, 3, 3)),
            sub("blip", 10, datetime(2025, 3, 25), plan="again"),
            # joins and leaves inside the last 30 days: Baremetrics counts it too
            sub("quick", 10, datetime(2025, 3, 10), datetime(2025, 3, 28)),
        ],
    )
    assert value(ws, "customer_churn_rate") == pytest.approx(10.0)  # 1 / 10
    assert value(ws, "customer_churn_rate", "profitwell") == pytest.approx(20.0)  # 2 / 10
    # the 30 days before 1 April start on 2 March: leaves, blip and quick churned in them
    assert value(ws, "customer_churn_rate", "rolling30") == pytest.approx(30.0)
    rolling = ws.metric("customer_churn_rate", variant="rolling30", **MARCH)
    assert math.isnan(rolling["ci_low"].iloc[0])  # a ratio, not a share
    assert "Baremetrics" in rolling["definition"].iloc[0]


def test_cohort_retention_follows_signup_cohorts_to_the_range_end(ws: Workspace) -> None:
    add_rows(
        ws,
        "subscriptions",
        [
            sub("a", 10, datetime(2025, 1, 5)),
            sub("b", 10, datetime(2025, 1, 9), datetime(2025, 2, 9)),
            sub("c", 10, datetime(2025, 2, 3)),
            sub("old", 10, datetime(2024, 11, 3)),  # before the range: no cohort shown
        ],
    )
    df = ws.metric(
        "customer_retention_rate", variant="cohort", start="2025-01-01", end="2025-03-31"
    )
    assert df[["period", "value", "n"]].values.tolist() == [
        ["2025-01", pytest.approx(50.0), 2],
        ["2025-02", pytest.approx(100.0), 1],
    ]


def test_metrics_split_by_customer_segment(ws: Workspace) -> None:
    add_rows(ws, "customers", [{"customer_id": "A", "segment": "smb"}])
    add_rows(ws, "customers", [{"customer_id": "B", "segment": "enterprise"}])
    december = datetime(2024, 12, 10)
    add_rows(
        ws,
        "subscriptions",
        [sub("A", 10, december, IN_MARCH), sub("B", 90, december)],
    )
    df = ws.metric("gross_mrr_churn_rate", segment="segment", **MARCH)
    assert dict(zip(df["segment"], df["value"], strict=True)) == {"enterprise": 0.0, "smb": 100.0}
    by_quarter = ws.metric("nrr", by="quarter", start="2024-10-01", end="2025-06-30")
    assert by_quarter[["period", "value"]].fillna(-1).values.tolist() == [
        ["2024-Q4", -1],  # nobody paid at the start of Q4: undefined
        ["2025-Q1", pytest.approx(90.0)],
        ["2025-Q2", pytest.approx(100.0)],
    ]


# -- properties -------------------------------------------------------------------------------
@settings(
    max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=books())
def test_grr_never_exceeds_100_and_churn_plus_retention_is_100(
    ws: Workspace, rows: list[dict[str, Any]]
) -> None:
    ws.store.con.truncate_table("subscriptions")
    add_rows(ws, "subscriptions", rows)
    span = {"start": "2025-01-01", "end": "2025-12-31"}
    grr = ws.metric("grr", **span)["value"].dropna()
    nrr = ws.metric("nrr", **span)["value"].dropna()
    assert (grr <= 100 + 1e-9).all() and (grr >= 0).all()
    assert len(grr) == len(nrr) and (grr.to_numpy() <= nrr.to_numpy() + 1e-9).all()
    churn = ws.metric("customer_churn_rate", **span).set_index("period")["value"]
    retention = ws.metric("customer_retention_rate", **span).set_index("period")["value"]
    both = (churn + retention).dropna()
    assert both.sub(100).abs().max() < 1e-9 if len(both) else True


def test_a_plan_change_is_not_churn_of_the_old_plan(ws: Workspace) -> None:
    rows = [
        sub("mover", 20, BEFORE, IN_MARCH, plan="basic"),
        sub("mover", 50, IN_MARCH, plan="pro"),  # moves up: an expansion, not a churn
        sub("leaver", 20, BEFORE, IN_MARCH, plan="basic"),
        sub("stayer", 50, BEFORE, plan="pro"),
    ]
    add_rows(ws, "subscriptions", rows)
    total = ws.metric("customer_churn_rate", **MARCH).iloc[0]
    by_plan = ws.metric("customer_churn_rate", segment="plan", **MARCH).set_index("plan")
    assert (total["value"], total["n"]) == (pytest.approx(100 / 3), 3)
    # the mover counts in the plan they started March in, as a customer who stayed
    assert by_plan.loc["basic", "value"] == pytest.approx(50.0)
    assert by_plan.loc["basic", "n"] == 2 and by_plan.loc["pro", "n"] == 1
    nrr = ws.metric("nrr", segment="plan", **MARCH).set_index("plan")["value"]
    assert nrr["basic"] == pytest.approx(50 / 40 * 100)  # 40 at start: 50 kept, 20 churned


@settings(
    max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=books())
def test_customer_rates_by_plan_add_up_to_the_total(
    ws: Workspace, rows: list[dict[str, Any]]
) -> None:
    ws.store.con.truncate_table("subscriptions")
    add_rows(ws, "subscriptions", rows)
    span = {"start": "2025-01-01", "end": "2025-12-31"}
    for name in ("customer_churn_rate", "customer_retention_rate"):
        total = ws.metric(name, **span).set_index("period")
        parts = ws.metric(name, segment="plan", **span)
        n = parts.groupby("period")["n"].sum()
        hits = (parts["value"].fillna(0) * parts["n"]).groupby(parts["period"]).sum()
        assert n.to_dict() == total["n"].to_dict()
        weighted = (hits / n.where(n > 0)).dropna()
        for period, share in weighted.items():
            assert share == pytest.approx(total.loc[period, "value"], abs=1e-9)


def test_mrr_by_plan_is_each_plans_own_subscriptions(ws: Workspace) -> None:
    rows = [
        sub("mover", 10, BEFORE, IN_MARCH, plan="basic"),
        sub("mover", 50, IN_MARCH, plan="pro"),
        sub("two", 50, BEFORE, plan="pro"),
        sub("two", 5, BEFORE, plan="addon"),
    ]
    add_rows(ws, "subscriptions", rows)
    mrr = ws.metric("mrr", segment="plan", **MARCH).set_index("plan")["value"]
    assert mrr.to_dict() == {"addon": 5.0, "basic": 0.0, "pro": 100.0}  # basic ended in March
    assert mrr.sum() == value(ws, "mrr")
    active = ws.metric("active_customers", segment="plan", **MARCH).set_index("plan")["value"]
    assert active.to_dict() == {"addon": 1.0, "basic": 0.0, "pro": 2.0}
