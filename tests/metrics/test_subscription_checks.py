"""The checks of the subscriptions table: both kinds of problem from one query, bad rows named
before duplicates, the first five in id order, and one check per sharing block."""

from __future__ import annotations

from datetime import datetime

import pytest

from cxpulse import Workspace
from cxpulse.errors import QueryError
from cxpulse.metrics.subscription_checks import check_subscriptions
from tests.conftest import add_rows
from tests.metrics.test_mrr import sub


def duplicates(ws: Workspace) -> None:
    add_rows(
        ws,
        "subscriptions",
        [
            {**sub("A", 10, datetime(2025, 1, 5)), "subscription_id": "DUP-1"},
            {**sub("A", 10, datetime(2025, 1, 5)), "subscription_id": "DUP-2"},
        ],
    )


def test_bad_rows_are_named_before_duplicates_five_in_id_order(ws: Workspace) -> None:
    duplicates(ws)
    bad = [{**sub("B", -1, datetime(2025, 1, 5)), "subscription_id": f"BAD-{i}"} for i in range(7)]
    add_rows(ws, "subscriptions", bad[::-1])
    with pytest.raises(QueryError) as caught:
        check_subscriptions(ws)
    text = str(caught.value)
    listed = ", ".join(f"BAD-{i} (negative price)" for i in range(5))
    assert f"cannot be computed from: {listed} and more." in text
    assert "DUP-1" not in text and "BAD-5" not in text


def test_duplicates_alone_are_named(ws: Workspace) -> None:
    duplicates(ws)
    with pytest.raises(QueryError, match=r"DUP-1 and DUP-2 \(customer A, plan basic\)\. Delete"):
        check_subscriptions(ws)


def test_a_sharing_block_checks_once_for_every_revenue_metric(ws: Workspace) -> None:
    add_rows(ws, "subscriptions", [{**sub("A", 10, datetime(2025, 1, 5)), "subscription_id": "S"}])
    with ws.sharing():
        check_subscriptions(ws)  # clean: kept for the block
        duplicates(ws)  # rows written during a block are not seen by what it shares
        check_subscriptions(ws)
        ws.metric("customer_churn_rate")
    with pytest.raises(QueryError, match="DUP-1 and DUP-2"):  # a new block checks again
        check_subscriptions(ws)
