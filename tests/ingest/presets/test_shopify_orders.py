"""Shopify's orders export into orders: one order per line-item group, refunds netted
(sample: fixtures/presets/shopify_orders.csv)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from cxpulse.errors import ImportRejected
from cxpulse.ingest.presets import import_with_preset
from cxpulse.settings import Settings
from cxpulse.store import Store

from ..conftest import FIXTURES, records, write_csv

CSV = FIXTURES / "presets" / "shopify_orders.csv"
UTC = Settings(timezone="UTC")


def test_line_items_collapse_to_one_order_each(store: Store) -> None:
    report = import_with_preset(store, UTC, "shopify-orders", CSV)
    assert (report.rows_new, report.rows_rejected) == (4, 0)  # #1002 has two line items
    rows = {r["order_id"]: r for r in records(store, "orders")}
    assert set(rows) == {"5501001", "5501002", "5501003", "5501004"}
    first = rows["5501001"]
    assert {k: first[k] for k in (
        "customer_id", "ordered_at", "amount", "currency", "channel", "status",
        "delivered_at", "source",
    )} == {
        "customer_id": "ren@example.com", "ordered_at": datetime(2025, 5, 1, 8, 1, 54),
        "amount": 55.0, "currency": "EUR", "channel": "web", "status": "delivered",
        "delivered_at": datetime(2025, 5, 2, 13, 30), "source": "shopify_orders.csv",
    }  # fmt: skip
    two_items = rows["5501002"]  # the first row's total (both items, after the code) less
    assert (two_items["amount"], two_items["status"]) == (45.0, "delivered")  # tax and refund
    refunded = rows["5501003"]  # refunded in full (tax and shipping too): nothing left
    assert (refunded["amount"], refunded["status"], refunded["channel"]) == (
        0.0, "returned", "store",
    )  # fmt: skip
    assert refunded["delivered_at"] is None
    assert (rows["5501004"]["status"], rows["5501004"]["amount"]) == ("cancelled", 25.0)
    again = import_with_preset(store, UTC, "shopify-orders", CSV)
    assert (again.rows_new, again.rows_unchanged) == (0, 4)


def test_a_malformed_row_is_refused_with_its_line(store: Store, tmp_path: Path) -> None:
    text = CSV.read_text(encoding="utf-8").replace(",9.00,54.00,", ",9.00,fifty-four,", 1)
    path = write_csv(tmp_path / "orders_export.csv", text)
    # line 5: the line item of #1002 on line 4 is not an order of its own
    with pytest.raises(ImportRejected, match='orders_export.csv, line 5, column "amount"'):
        import_with_preset(store, UTC, "shopify-orders", path)


def test_the_amount_is_the_connector_s_total_less_tax_and_refunds(
    store: Store, tmp_path: Path
) -> None:
    """Shipping included, tax excluded, as the live sync books the same order; a French
    export's decimal comma read as the import reads it."""
    head = "Name,Email,Currency,Subtotal,Shipping,Taxes,Total,Refunded Amount,Created at,Id\n"
    text = head + (
        '#2001,a@example.com,EUR,"50,00","5,00","11,00","66,00","12,00",2025-05-01 10:00,1\n'
        "#2002,b@example.com,EUR,40.00,0.00,8.00,48.00,60.00,2025-05-01 11:00,2\n"
    )
    import_with_preset(store, UTC, "shopify-orders", write_csv(tmp_path / "fr.csv", text))
    amounts = {r["order_id"]: r["amount"] for r in records(store, "orders")}
    assert amounts == {"1": 43.0, "2": 0.0}  # 66 - 11 - 12; a refund beyond: 0
