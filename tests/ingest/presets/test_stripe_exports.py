"""Stripe Dashboard's subscriptions and invoices exports, booked as the Stripe connector
books the same objects (samples: fixtures/presets/stripe_*.csv)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from cxpulse.errors import ConfigError, ImportRejected
from cxpulse.ingest.presets import import_with_preset
from cxpulse.settings import Settings
from cxpulse.store import Store

from ..conftest import FIXTURES, records, write_csv

SUBSCRIPTIONS = FIXTURES / "presets" / "stripe_subscriptions.csv"
INVOICES = FIXTURES / "presets" / "stripe_invoices.csv"
PARIS = Settings(timezone="Europe/Paris")  # the export's "(UTC)" wins over the workspace


def test_subscriptions_with_mrr_as_the_connector_books_it(store: Store) -> None:
    report = import_with_preset(store, PARIS, "stripe-subscriptions", SUBSCRIPTIONS)
    assert (report.rows_new, report.rows_rejected) == (5, 0)
    rows = {r["subscription_id"]: r for r in records(store, "subscriptions")}
    annual = rows["sub_1PaA01"]  # 960.00 a seat a year, three seats
    assert {k: annual[k] for k in (
        "customer_id", "plan", "price", "currency", "billing_period", "started_at",
        "cancelled_at", "ended_at", "source",
    )} == {
        "customer_id": "cus_Q001", "plan": "Business Annual", "price": 2880.0,
        "currency": "EUR", "billing_period": "year", "started_at": datetime(2026, 1, 10, 9),
        "cancelled_at": None, "ended_at": None, "source": "stripe_subscriptions.csv",
    }  # fmt: skip
    canceled = rows["sub_1PaA02"]  # the plan is only a price id: the product names it
    assert (canceled["plan"], canceled["price"], canceled["billing_period"]) == (
        "Cxpulse Team", 100.0, "month",
    )  # fmt: skip
    assert canceled["cancelled_at"] == datetime(2026, 4, 20, 8)  # asked, then
    assert canceled["ended_at"] == datetime(2026, 5, 1, 10)  # churned at the period's end
    trial = rows["sub_1PaA03"]  # yen have no minor unit; revenue starts when the trial ends
    assert (trial["price"], trial["currency"]) == (6000.0, "JPY")
    assert trial["started_at"] == datetime(2026, 3, 15)
    weekly = rows["sub_1PaA04"]  # x 52 / 12, booked per month; past_due still counts
    assert weekly["billing_period"] == "month"
    assert weekly["price"] == pytest.approx(12 * 52 / 12)
    gone = rows["sub_1PaA05"]  # incomplete_expired: never revenue
    assert (gone["price"], gone["ended_at"]) == (0.0, datetime(2026, 3, 3))
    again = import_with_preset(store, PARIS, "stripe-subscriptions", SUBSCRIPTIONS)
    assert (again.rows_new, again.rows_unchanged) == (0, 5)


def test_paid_one_off_invoices_are_orders(store: Store) -> None:
    report = import_with_preset(store, PARIS, "stripe-invoices", INVOICES)
    # a subscription's invoice (its MRR) and an open one are left out
    assert (report.rows_new, report.rows_rejected) == (2, 0)
    one_off, other = records(store, "orders")
    assert {k: one_off[k] for k in (
        "order_id", "customer_id", "ordered_at", "amount", "currency", "status", "source",
    )} == {
        "order_id": "in_1Qb002", "customer_id": "cus_Q002",
        "ordered_at": datetime(2026, 3, 5, 10, 2), "amount": 250.0, "currency": "EUR",
        "status": "placed", "source": "stripe_invoices.csv",
    }  # fmt: skip
    assert (other["order_id"], other["amount"], other["currency"]) == ("in_1Qb004", 99.0, "USD")


def test_a_malformed_row_is_refused_with_its_line(store: Store, tmp_path: Path) -> None:
    text = SUBSCRIPTIONS.read_text(encoding="utf-8").replace(",week,12.00,", ",week,12 EUR,")
    path = write_csv(tmp_path / "subs.csv", text)
    with pytest.raises(ImportRejected, match="subs.csv, line 5, column \"price\": '12 EUR'"):
        import_with_preset(store, PARIS, "stripe-subscriptions", path)


def test_a_decimal_comma_is_read_as_the_import_reads_it(store: Store, tmp_path: Path) -> None:
    """A French export writes 100,00: a hundred, not ten thousand."""
    text = SUBSCRIPTIONS.read_text(encoding="utf-8").replace(",month,100.00,", ',month,"100,00",')
    import_with_preset(store, PARIS, "stripe-subscriptions", write_csv(tmp_path / "s.csv", text))
    rows = {r["subscription_id"]: r for r in records(store, "subscriptions")}
    assert rows["sub_1PaA02"]["price"] == 100.0
    invoices = INVOICES.read_text(encoding="utf-8").replace(
        ",250.00,50.00,300.00", ',"250,00","50,00","300,00"'
    )
    import_with_preset(store, PARIS, "stripe-invoices", write_csv(tmp_path / "i.csv", invoices))
    orders = {r["order_id"]: r for r in records(store, "orders")}
    assert orders["in_1Qb002"]["amount"] == 250.0


def test_an_amount_beyond_a_number_is_a_row_refused(store: Store, tmp_path: Path) -> None:
    text = SUBSCRIPTIONS.read_text(encoding="utf-8").replace(",month,100.00,", ",month,1e400,")
    path = write_csv(tmp_path / "subs.csv", text)
    with pytest.raises(ImportRejected, match='subs.csv, line 3, column "price"'):
        import_with_preset(store, PARIS, "stripe-subscriptions", path)


def test_invoices_without_a_status_are_refused(store: Store, tmp_path: Path) -> None:
    """Drafts and voided invoices cannot be told from paid ones: nothing is booked."""
    lines = [line.split(",") for line in INVOICES.read_text(encoding="utf-8").splitlines()]
    at = lines[0].index("Status")
    text = "\n".join(",".join(c for i, c in enumerate(cells) if i != at) for cells in lines)
    path = write_csv(tmp_path / "invoices.csv", text + "\n")
    with pytest.raises(ConfigError, match='no "Status" column.*stripe-invoices.*only paid'):
        import_with_preset(store, PARIS, "stripe-invoices", path)
    assert records(store, "orders") == []
