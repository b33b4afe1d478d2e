"""Loyalty points: flows by period, the redemption rate, the outstanding balance at each period's
end (a balance, carried through empty months) and the active member rate."""

from __future__ import annotations

from datetime import datetime

import pytest

from cxpulse import Workspace
from tests.conftest import add_rows


def d(month: int, day: int = 10) -> datetime:
    return datetime(2025, month, day, 12)


@pytest.fixture
def ledger(ws: Workspace) -> Workspace:
    add_rows(ws, "customers", [{"customer_id": c} for c in ("A", "B", "C")])
    rows = [
        ("A", d(1), "earn", 500, None),
        ("B", d(1), "earn", 300, None),
        ("A", d(1, 20), "redeem", 200, "voucher"),
        ("C", d(1, 25), "adjust", 150, None),  # goodwill: a member, not active
        ("B", d(3), "redeem", 100, "free_shipping"),
        ("A", d(3), "redeem", 250, "voucher"),
        ("A", d(3), "earn", 100, None),
        ("B", d(3, 20), "expire", 200, None),
    ]
    add_rows(
        ws,
        "loyalty_ledger",
        [
            {"customer_id": c, "occurred_at": t, "kind": k, "points": p, "reward_type": r}
            for c, t, k, p, r in rows
        ],
    )
    return ws


def by_period(df: object) -> dict[str, float]:
    return dict(zip(df["period"], df["value"], strict=True))  # type: ignore[index]


def test_points_earned_redeemed_expired(ledger: Workspace) -> None:
    assert by_period(ledger.metric("points_earned")) == {"2025-01": 800, "2025-03": 100}
    assert by_period(ledger.metric("points_redeemed")) == {"2025-01": 200, "2025-03": 350}
    assert by_period(ledger.metric("points_expired")) == {"2025-03": 200}
    rewards = ledger.metric("points_redeemed", by="all", segment="reward_type")
    assert dict(zip(rewards["reward_type"], rewards["value"], strict=True)) == {
        "free_shipping": 100,
        "voucher": 450,
    }
    assert list(rewards["n"]) == [1, 2]


def test_redemption_rate_is_redeemed_over_earned(ledger: Workspace) -> None:
    rate = ledger.metric("loyalty_redemption_rate")
    assert by_period(rate) == {"2025-01": pytest.approx(25), "2025-03": pytest.approx(350)}
    assert rate["ci_low"].isna().all()


def test_outstanding_points_at_each_period_end(ledger: Workspace) -> None:
    df = ledger.metric("points_outstanding")
    # Jan: 500 + 300 - 200 + 150; Feb: unchanged; Mar: - 100 - 250 + 100 - 200
    assert by_period(df) == {"2025-01": 750, "2025-02": 750, "2025-03": 300}
    assert list(df["n"]) == [3, 3, 3]
    # a period inside the range with nothing before it: the balance of everything earlier
    late = ledger.metric("points_outstanding", start="2025-03-01", end="2025-03-31")
    assert by_period(late) == {"2025-03": 300}


def test_active_member_rate(ledger: Workspace) -> None:
    df = ledger.metric("active_member_rate")
    # Jan: A and B earned or redeemed, C only got goodwill; Feb: nobody; Mar: A and B
    assert by_period(df) == {
        "2025-01": pytest.approx(200 / 3),
        "2025-02": 0,
        "2025-03": pytest.approx(200 / 3),
    }
    assert list(df["n"]) == [3, 3, 3]
    assert 0 < df["ci_low"].iloc[0] < df["value"].iloc[0] < df["ci_high"].iloc[0]
