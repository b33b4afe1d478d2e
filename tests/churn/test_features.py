"""Point-in-time features: rows dated after as_of never change the features as of it."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from cxpulse import Workspace
from cxpulse.churn.features import FEATURES, customer_features
from tests.conftest import add_rows

D = datetime(2025, 6, 1)
LATER = datetime(2025, 6, 20)


def test_features_ignore_the_future(ws: Workspace) -> None:
    add_rows(ws, "customers", [{"customer_id": "A", "segment": "smb"}])
    add_rows(
        ws,
        "subscriptions",
        [
            {
                "customer_id": "A",
                "plan": "pro",
                "price": 30.0,
                "billing_period": "month",
                "started_at": datetime(2024, 3, 1),
                "source": "t",
            }
        ],
    )
    add_rows(
        ws,
        "tickets",
        [
            {
                "customer_id": "A",
                "created_at": datetime(2025, 5, 1),
                "first_solved_at": datetime(2025, 5, 2),
                "sentiment": -0.8,
                "reopens": 1,
            }
        ],
    )
    add_rows(
        ws,
        "survey_responses",
        [{"customer_id": "A", "score": 8, "responded_at": datetime(2025, 4, 1)}],
    )
    before = customer_features(ws, D)

    # the future: a cancellation, a new ticket, a low NPS, a CSAT on the old ticket, an order,
    # web hits, loyalty points, and a solve time on a ticket still open at D
    ws.store.con.raw_sql(
        "UPDATE subscriptions SET cancelled_at = TIMESTAMP '2025-06-10', "
        "ended_at = TIMESTAMP '2025-07-01'"
    )
    add_rows(ws, "tickets", [{"customer_id": "A", "created_at": LATER, "escalated": True}])
    old = ws.table("tickets").ticket_id.execute().iloc[0]
    add_rows(
        ws,
        "survey_responses",
        [
            {"customer_id": "A", "score": 0, "responded_at": LATER},
            {
                "customer_id": "A",
                "score": 1,
                "scale_min": 1,
                "scale_max": 5,
                "question_type": "csat",
                "ticket_id": old,
                "responded_at": LATER,
            },
        ],
    )
    add_rows(ws, "orders", [{"customer_id": "A", "ordered_at": LATER, "amount": 50.0}])
    add_rows(
        ws,
        "web_events",
        [
            {
                "customer_id": "A",
                "visitor_id": "v",
                "occurred_at": LATER,
                "event_type": "page_view",
                "page": "/",
            }
        ],
    )
    add_rows(
        ws,
        "loyalty_ledger",
        [{"customer_id": "A", "occurred_at": LATER, "kind": "earn", "points": 10}],
    )
    add_rows(ws, "customers", [{"customer_id": "B", "created_at": LATER}])
    after = customer_features(ws, D)
    pd.testing.assert_frame_equal(before, after)
    assert bool(before.loc["A", "active"]) and not bool(before.loc["A", "cancel_requested"])
    assert before.loc["A", "negatives_90d"] == 1
    # and the later view does see them
    late = customer_features(ws, datetime(2025, 6, 30))
    assert late.loc["A", "nps_last"] == 0 and late.loc["A", "negatives_90d"] == 2


def test_feature_columns(demo: Workspace) -> None:
    f = customer_features(demo, datetime(2026, 6, 1))
    assert set(FEATURES) <= set(f.columns)
    assert f.index.is_unique and f["active"].sum() > 500


def test_a_customer_in_no_other_table_keeps_one_row_of_empty_features(ws: Workspace) -> None:
    # the per-table aggregates are left-joined to the customers in one query: a customer
    # without subscriptions, answers, tickets, hits, points or orders is still one row, its
    # counts 0 and its last scores, plan and days since an order missing; a customer with two
    # subscriptions and two answers is one row too
    add_rows(ws, "customers", [{"customer_id": "A"}, {"customer_id": "B"}])
    sub = {"customer_id": "B", "price": 10.0, "billing_period": "month", "source": "t"}
    add_rows(
        ws,
        "subscriptions",
        [
            {**sub, "plan": "basic", "started_at": datetime(2024, 1, 1)},
            {**sub, "plan": "pro", "started_at": datetime(2025, 1, 1)},
        ],
    )
    add_rows(
        ws,
        "survey_responses",
        [
            {"customer_id": "B", "score": 4, "responded_at": datetime(2025, 3, 1)},
            {"customer_id": "B", "score": 9, "responded_at": datetime(2025, 5, 1)},
        ],
    )
    f = customer_features(ws, D)
    assert list(f.index) == ["A", "B"]
    a, b = f.loc["A"], f.loc["B"]
    assert a["tickets_90d"] == 0 and a["web_hits_90d"] == 0 and a["orders_90d"] == 0
    assert a["mrr"] == 0 and not a["active"] and not a["cancel_requested"]
    assert pd.isna(a["plan"]) and pd.isna(a["nps_last"]) and pd.isna(a["days_since_order"])
    assert b["mrr"] == 20.0 and b["plan"] == "pro" and b["active"]
    assert b["nps_last"] == 9 and b["nps_trend"] == 5.0  # the last against the earlier mean


def test_revenue_at_risk_before_any_score_says_so_rather_than_zero() -> None:
    import pandas as pd

    from cxpulse.churn.revenue_at_risk import revenue_at_risk

    features = pd.DataFrame(
        {"mrr": [10.0, 20.0, 0.0], "nps_last": [3, 9, 2]}, index=["a", "b", "c"]
    )
    unscored = revenue_at_risk(features, None).set_index("group")
    assert unscored.loc["detractors", "customers"] == 1
    assert pd.isna(unscored.loc["high risk (>= 30%)", "customers"])  # unknown, not 0
    assert "cxpulse churn score" in unscored.attrs["note"]
    scores = pd.DataFrame({"customer_id": ["a", "b"], "risk": [0.9, 0.1]})
    scored = revenue_at_risk(features, scores).set_index("group")
    assert scored.loc["high risk (>= 30%)", "customers"] == 1
    assert scored.loc["detractors at high risk", "mrr"] == 10.0
    assert "note" not in scored.attrs
