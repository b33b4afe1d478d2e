"""MRR per customer and period, its movements and the MRR bridge (cxpulse.metrics.mrr)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxpulse import Workspace
from cxpulse.errors import QueryError
from cxpulse.metrics.mrr import MOVEMENTS, mrr_bridge, mrr_movements
from tests.conftest import add_rows

PARIS_MIDNIGHT_FEB = datetime(2025, 1, 31, 23)  # 1 February 00:00 in Paris, as naive UTC
MONTHS = {"month": 1, "quarter": 3, "year": 12}


def sub(
    customer: str,
    price: float,
    start: datetime,
    end: datetime | None = None,
    *,
    period: str = "month",
    plan: str = "basic",
    cancelled: datetime | None = None,
) -> dict[str, Any]:
    """A subscriptions row for ``add_rows``."""
    return {
        "customer_id": customer,
        "price": price,
        "billing_period": period,
        "plan": plan,
        "started_at": start,
        "ended_at": end,
        "cancelled_at": cancelled,
        "source": "test",
    }


def moves(df: pd.DataFrame, customer: str) -> dict[str, tuple[str | None, float]]:
    """period -> (movement, amount) of one customer."""
    rows = df[df["customer_id"] == customer]
    out = {}
    for r in rows.to_dict("records"):
        name = r["movement"] if isinstance(r["movement"], str) else None
        out[r["period"]] = (name, round(r[name], 6) if name else 0.0)
    return out


def test_a_two_subscription_customer_contracts_then_churns_then_reactivates(
    ws: Workspace,
) -> None:
    add_rows(
        ws,
        "subscriptions",
        [
            sub("C1", 100, datetime(2025, 1, 10, 12), datetime(2025, 6, 10, 12)),
            # a second box, 150 a quarter = 50 a month; cancel asked in March, term ends in May
            sub(
                "C1",
                150,
                datetime(2025, 2, 10, 12),
                datetime(2025, 5, 10, 12),
                period="quarter",
                plan="extra",
                cancelled=datetime(2025, 3, 5, 12),
            ),
            sub("C1", 100, datetime(2025, 8, 15, 12)),
            sub("C2", 1200, datetime(2025, 1, 20, 12), period="year"),  # 100 a month
        ],
    )
    df = mrr_movements(ws, start="2025-01-01", end="2025-08-31")
    assert moves(df, "C1") == {
        "2025-01": ("new", 100.0),
        "2025-02": ("expansion", 50.0),
        "2025-03": (None, 0.0),  # the cancel request moves nothing
        "2025-04": (None, 0.0),
        "2025-05": ("contraction", 50.0),  # one of two boxes ends: not churn
        "2025-06": ("churn", 100.0),
        "2025-08": ("reactivation", 100.0),
    }
    c2 = df[df["customer_id"] == "C2"].iloc[0]
    assert (c2["movement"], c2["mrr_end"]) == ("new", pytest.approx(100.0))  # annual / 12
    june = df[(df["customer_id"] == "C1") & (df["period"] == "2025-06")].iloc[0]
    assert (june["mrr_start"], june["mrr_end"]) == (100.0, 0.0)


def test_churn_is_booked_when_the_paid_term_ends_in_local_time(ws: Workspace) -> None:
    add_rows(
        ws,
        "subscriptions",
        [
            sub("A", 30, datetime(2024, 12, 5), PARIS_MIDNIGHT_FEB, cancelled=datetime(2025, 1, 3)),
            sub("B", 20, datetime(2025, 2, 28, 23)),  # 1 March 00:00 in Paris
        ],
    )
    df = mrr_movements(ws, start="2025-01-01", end="2025-03-31")
    assert moves(df, "A") == {"2025-01": (None, 0.0), "2025-02": ("churn", 30.0)}
    assert moves(df, "B") == {"2025-03": ("new", 20.0)}
    bridge = mrr_bridge(ws, start="2025-01-01", end="2025-03-31")
    assert list(bridge["mrr_end"]) == [30.0, 0.0, 20.0]


def test_the_bridge_balances_and_chains(ws: Workspace) -> None:
    add_rows(
        ws,
        "subscriptions",
        [
            sub("A", 10, datetime(2025, 1, 5), datetime(2025, 3, 5)),
            sub("B", 40, datetime(2025, 1, 6), datetime(2025, 2, 6)),
            sub("B", 60, datetime(2025, 2, 6)),  # plan change at the same instant: expansion
            sub("C", 25, datetime(2025, 2, 1), datetime(2025, 2, 20)),  # in and out: no movement
            sub("A", 12, datetime(2025, 4, 2)),
        ],
    )
    bridge = mrr_bridge(ws, start="2025-01-01", end="2025-04-30")
    assert bridge[["period", "mrr_start", "mrr_end"]].values.tolist() == [
        ["2025-01", 0.0, 50.0],
        ["2025-02", 50.0, 70.0],
        ["2025-03", 70.0, 60.0],
        ["2025-04", 60.0, 72.0],
    ]
    assert bridge.loc[1, ["expansion", "new", "churn"]].tolist() == [20.0, 0.0, 0.0]
    assert bridge.loc[2, "churn"] == 10.0 and bridge.loc[3, "reactivation"] == 12.0
    assert list(bridge["customers_end"]) == [2, 2, 1, 2]


def test_split_by_plan_a_plan_change_leaves_one_plan_and_joins_another(ws: Workspace) -> None:
    change = datetime(2025, 2, 10)
    add_rows(
        ws,
        "subscriptions",
        [
            sub("A", 40, datetime(2025, 1, 5), change, plan="small"),
            sub("A", 60, change, plan="large"),
        ],
    )
    whole = mrr_bridge(ws, start="2025-02-01", end="2025-02-28")
    assert whole[["expansion", "churn", "new"]].values.tolist() == [[20.0, 0.0, 0.0]]
    by_plan = mrr_bridge(ws, start="2025-02-01", end="2025-02-28", segment="plan")
    assert by_plan.set_index("plan")[["churn", "new"]].to_dict("index") == {
        "large": {"churn": 0.0, "new": 60.0},
        "small": {"churn": 40.0, "new": 0.0},
    }


def test_customer_columns_split_and_filter(ws: Workspace) -> None:
    add_rows(ws, "customers", [{"customer_id": "A", "segment": "smb"}])
    add_rows(ws, "customers", [{"customer_id": "B", "segment": "enterprise"}])
    add_rows(
        ws,
        "subscriptions",
        [sub("A", 10, datetime(2025, 1, 5)), sub("B", 90, datetime(2025, 1, 6))],
    )
    df = mrr_bridge(ws, start="2025-01-01", end="2025-01-31", segment="segment")
    assert dict(zip(df["segment"], df["mrr_end"], strict=True)) == {"enterprise": 90, "smb": 10}
    only = mrr_movements(ws, start="2025-01-01", end="2025-01-31", filters={"segment": "smb"})
    assert list(only["customer_id"]) == ["A"]


# -- bad input --------------------------------------------------------------------------------
def test_overlapping_duplicates_are_refused_with_their_ids(ws: Workspace) -> None:
    add_rows(
        ws,
        "subscriptions",
        [
            {**sub("A", 10, datetime(2025, 1, 5)), "subscription_id": "S-1"},
            {**sub("A", 10, datetime(2025, 1, 5), datetime(2025, 5, 1)), "subscription_id": "S-2"},
            # a second box of the same plan started another day is a real subscription
            {**sub("A", 10, datetime(2025, 2, 5)), "subscription_id": "S-5"},
            # back to back is a renewal, not a duplicate
            {**sub("B", 10, datetime(2025, 1, 5), datetime(2025, 2, 5)), "subscription_id": "S-3"},
            {**sub("B", 10, datetime(2025, 2, 5)), "subscription_id": "S-4"},
        ],
    )
    message = r"same customer, plan, price and start.*S-1 and S-2 \(customer A, plan basic"
    with pytest.raises(QueryError, match=message) as caught:
        mrr_bridge(ws)
    assert "S-3" not in str(caught.value) and "S-5" not in str(caught.value)
    with pytest.raises(QueryError, match="S-1 and S-2"):
        ws.metric("mrr")


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (sub("A", -5, datetime(2025, 1, 5)), "negative price"),
        (sub("A", 5, datetime(2025, 3, 5), datetime(2025, 1, 5)), "ended_at before started_at"),
        (sub("A", 5, datetime(2025, 3, 5), period="week"), "billing_period not month"),
    ],
)
def test_rows_mrr_cannot_use_are_named(ws: Workspace, row: dict[str, Any], reason: str) -> None:
    add_rows(ws, "subscriptions", [{**row, "subscription_id": "BAD-1"}])
    with pytest.raises(QueryError, match=rf"BAD-1 \({reason}"):
        ws.metric("customer_churn_rate")


# -- property: the bridge always balances, against a brute-force reference ----------------------
def reference(rows: list[dict[str, Any]], edges: list[datetime]) -> list[float]:
    """Total MRR just before each edge, computed the slow way."""
    totals = []
    for edge in edges:
        total = 0.0
        for r in rows:
            active = r["started_at"] < edge and (r["ended_at"] is None or r["ended_at"] >= edge)
            if active and r["price"] > 0:
                total += r["price"] / MONTHS[r["billing_period"]]
        totals.append(total)
    return totals


@st.composite
def books(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Up to 12 subscriptions of 4 customers in 2025, on distinct plans per customer so that no
    two rows are overlapping duplicates."""
    rows = []
    for i in range(draw(st.integers(1, 12))):
        start = datetime(2025, 1, 1) + timedelta(hours=draw(st.integers(0, 24 * 300)))
        length = draw(st.none() | st.integers(0, 24 * 200))
        rows.append(
            sub(
                f"C{draw(st.integers(0, 3))}",
                draw(st.sampled_from([0.0, 9.99, 10.0, 25.5, 120.0])),
                start,
                None if length is None else start + timedelta(hours=length),
                period=draw(st.sampled_from(list(MONTHS))),
                plan=f"p{i}",
            )
        )
    return rows


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=books())
def test_the_bridge_always_balances(ws: Workspace, rows: list[dict[str, Any]]) -> None:
    ws.store.con.truncate_table("subscriptions")
    add_rows(ws, "subscriptions", rows)
    bridge = mrr_bridge(ws, start="2025-01-01", end="2025-12-31")  # raises if it does not
    if bridge.empty:  # only free plans and zero-length terms, which never count
        assert all(r["price"] == 0 or r["ended_at"] == r["started_at"] for r in rows)
        return
    moved = bridge[list(MOVEMENTS[:3])].sum(axis=1) - bridge[["contraction", "churn"]].sum(axis=1)
    assert (bridge["mrr_start"] + moved - bridge["mrr_end"]).abs().max() < 1e-6
    months = [date(2025, m, 1) for m in range(1, 13)] + [date(2026, 1, 1)]
    edges = [_utc(d) for d in months]
    expected = reference(rows, edges)
    got = dict(zip(bridge["period_start"], bridge["mrr_end"], strict=True))
    for d, end_edge_total in zip(months[:-1], expected[1:], strict=True):
        # customer MRR is rounded to 1e-6 (see mrr.DIGITS): a few millionths of slack
        assert got.get(d, 0.0) == pytest.approx(end_edge_total, abs=1e-5)


def _utc(d: date) -> datetime:
    from zoneinfo import ZoneInfo

    local = datetime(d.year, d.month, d.day, tzinfo=ZoneInfo("Europe/Paris"))
    return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
