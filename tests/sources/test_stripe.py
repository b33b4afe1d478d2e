"""The Stripe connector against a local Stripe API: backfill, events, MRR as ChartMogul books it,
rate limits and a revoked key."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cxpulse import Workspace
from cxpulse.cli.app import app
from cxpulse.errors import SourceAuthError, SourceError
from cxpulse.metrics.subscription_checks import BILLING_MONTHS
from cxpulse.sources import CONNECTORS, add_source, get_source, sync_source
from cxpulse.sources.secrets import reference
from cxpulse.sources.stripe import API_VERSION, Stripe
from tests.sources import stripe_server as ss
from tests.sources.vendor_server import kill_mid_sync

Account = tuple[ss.Stripe, str]
FEB = ss.epoch(1, 2)
ANNUAL = ss.price(120_000, "year", nickname="Business")  # 1,200.00 EUR a year
MARCH_MRR = 80.0 + 100.0 + 10 * 52 / 12  # annual -20 %, 2 x 50 monthly, 10 weekly; trial 0


def book(account: ss.Stripe) -> None:
    """Four customers: an annual plan with a 20 % coupon, two seats past due, a weekly plan,
    and a trial ending in April; a one-off invoice and a subscription's invoice."""
    for n in (1, 2, 3, 4):
        account.put("customers", ss.customer(n), "customer.created", FEB)
    subs = [
        ss.subscription(1, 1, [(ANNUAL, 1)], discount=ss.discount(percent_off=20)),
        ss.subscription(2, 2, [(ss.price(5_000), 2)], status="past_due"),
        ss.subscription(3, 3, [(ss.price(1_000, "week", nickname="Lite"), 1)]),
        ss.subscription(
            4,
            4,
            [(ss.price(3_000), 1)],
            status="trialing",
            trial_start=FEB,
            trial_end=ss.epoch(20, 4),
        ),
    ]
    for s in subs:
        account.put("subscriptions", s, "customer.subscription.created", FEB)
    account.put("invoices", ss.invoice(1, 1, 2_500), "invoice.paid", FEB)
    account.put("invoices", ss.invoice(2, 2, 10_000, subscription="sub_0002"), "invoice.paid", FEB)


@pytest.fixture
def stripe() -> Iterator[Account]:
    account = ss.Stripe(page_size=2)  # pages of two, to page through every list
    book(account)
    with ss.serve(account) as url:
        yield account, url


@pytest.fixture
def ws(tmp_path: Path, stripe: Account, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.setenv("STRIPE_KEY", ss.KEY)
    ws = Workspace.init(tmp_path / "ws.duckdb")
    add_source(ws, "stripe", "billing", {"base_url": stripe[1]}, reference(env="STRIPE_KEY"),
               ss.now())  # fmt: skip
    return ws


def sync(ws: Workspace, now: datetime | None = None, **kw: Any) -> Any:
    return sync_source(ws, "billing", now=now or ss.now(), sleep=lambda _: None, **kw)


def rows(ws: Workspace, table: str, key: str) -> dict[str, dict[str, Any]]:
    return {r[key]: r for r in ws.store.table(table).to_pyarrow().to_pylist()}


def nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {table: n for table, n in counts.items() if n}


def march_mrr(ws: Workspace) -> float:
    values = ws.metric("mrr", start="2026-03-01", end="2026-03-31")["value"]
    return float(values.iloc[0]) if len(values) else 0.0  # no paid subscription: no row


def test_stripe_is_a_registered_connector() -> None:
    assert CONNECTORS.builtins().get("stripe") is Stripe


def test_a_full_sync_maps_customers_subscriptions_and_one_off_invoices(
    ws: Workspace, stripe: Account
) -> None:
    account, _ = stripe
    report = sync(ws)
    assert report.new == {"customers": 4, "subscriptions": 4, "orders": 1}
    assert set(account.versions) == {API_VERSION}  # every request pins the version
    pages = [account.asked(i) for i in range(len(account.requests))]
    assert [p.get("starting_after") for p in pages[:2]] == [None, ["cus_0003"]]  # newest first
    c = rows(ws, "customers", "customer_id")["cus_0001"]
    assert (c["name"], c["email"], c["country"], c["language"], c["segment"]) == (
        "Customer 1", "c1@example.com", "FR", "fr", "smb",
    )  # fmt: skip
    assert c["created_at"] == datetime(2026, 1, 1, 9)
    subs = rows(ws, "subscriptions", "subscription_id")
    annual = subs["sub_0001"]
    assert (annual["price"], annual["billing_period"], annual["currency"]) == (960.0, "year", "EUR")
    assert annual["plan"] == "Business" and annual["started_at"] == datetime(2026, 2, 1, 9)
    assert (subs["sub_0002"]["price"], subs["sub_0002"]["billing_period"]) == (100.0, "month")
    weekly = subs["sub_0003"]  # weekly x 52 / 12, booked per month
    assert weekly["billing_period"] == "month"
    assert weekly["price"] == pytest.approx(10 * 52 / 12)
    trial = subs["sub_0004"]  # revenue starts when the trial ends
    assert trial["started_at"] == datetime(2026, 4, 20, 9) and trial["price"] == 30.0
    (order,) = rows(ws, "orders", "order_id").values()
    assert (order["order_id"], order["customer_id"], order["amount"]) == (
        "in_0001",
        "cus_0001",
        25.0,
    )
    assert order["ordered_at"] == datetime(2026, 3, 5, 10)
    assert march_mrr(ws) == pytest.approx(MARCH_MRR)
    now = Stripe._epoch(ss.now())
    assert get_source(ws, "billing").cursor["billing"] == {
        "phase": "events",
        "since": now,
        "checked": now,
    }


def test_the_next_sync_replays_events_an_upgrade_and_a_cancellation(
    ws: Workspace, stripe: Account
) -> None:
    account, _ = stripe
    sync(ws)
    later = ss.epoch(11)
    upgraded = ss.subscription(2, 2, [(ss.price(8_000, nickname="Max"), 2)], status="active")
    account.put("subscriptions", upgraded, "customer.subscription.updated", later)
    canceled = ss.subscription(3, 3, [(ss.price(1_000, "week", nickname="Lite"), 1)],
                               status="canceled", canceled_at=later, ended_at=later)  # fmt: skip
    account.put("subscriptions", canceled, "customer.subscription.deleted", later + 60)
    account.put("customers", ss.customer(5), "customer.created", later)
    before = len(account.requests)
    report = sync(ws, now=ss.now() + timedelta(days=2))
    assert nonzero(report.new) == {"customers": 1}
    assert nonzero(report.updated) == {"subscriptions": 2}
    asked = account.asked(before)  # events only: no list read again
    assert all(p.startswith("/v1/events?") for p in account.requests[before:])
    assert asked["created[gte]"] == [str(Stripe._epoch(ss.now()))]
    assert "customer.subscription.updated" in asked["types[]"]
    subs = rows(ws, "subscriptions", "subscription_id")
    assert (subs["sub_0002"]["price"], subs["sub_0002"]["plan"]) == (160.0, "Max")
    assert subs["sub_0003"]["ended_at"] == datetime(2026, 3, 11, 9)
    assert march_mrr(ws) == pytest.approx(80.0 + 160.0)
    # the chunk's last second is the next start: read again, nothing duplicated
    again = sync(ws, now=ss.now() + timedelta(days=3))
    assert (
        nonzero(again.new) == {}
        and get_source(ws, "billing").cursor["billing"]["since"] == later + 60
    )


def test_an_event_rendered_in_another_api_version_is_read_again_in_ours(
    ws: Workspace, stripe: Account
) -> None:
    account, _ = stripe
    sync(ws)
    # an account on 2025-03-31.basil: its events carry discount ids in `discounts`, no coupon
    two_seats = ss.subscription(1, 1, [(ANNUAL, 2)], discount=ss.discount(percent_off=20))
    basil = {k: v for k, v in two_seats.items() if k != "discount"} | {"discounts": ["di_1"]}
    account.put("subscriptions", two_seats, "customer.subscription.updated", ss.epoch(11),
                rendered=basil, version="2025-03-31.basil")  # fmt: skip
    before = len(account.requests)
    sync(ws, now=ss.now() + timedelta(days=2))
    assert account.requests[before + 1 :] == ["/v1/subscriptions/sub_0001"]
    assert rows(ws, "subscriptions", "subscription_id")["sub_0001"]["price"] == 1920.0


def test_a_sync_killed_mid_backfill_resumes_at_its_page_with_nothing_lost_or_duplicated(
    ws: Workspace, stripe: Account
) -> None:
    """A real `kill -9` of `cxpulse sources sync` while it waits for the first page of
    subscriptions: both pages of customers and the cursor are committed; the next sync
    starts at the subscriptions and ends with every row once."""
    account, _ = stripe
    location = ws.store.location
    ws.close()
    kill_mid_sync(account, location, "billing", {"STRIPE_KEY": ss.KEY}, at=3)

    ws = Workspace.open(location)
    assert sorted(rows(ws, "customers", "customer_id")) == [f"cus_{n:04d}" for n in (1, 2, 3, 4)]
    assert get_source(ws, "billing").cursor["billing"]["phase"] == "subscriptions"
    account.requests.clear()
    sync_source(ws, "billing", sleep=lambda _: None)  # the clock the killed run started
    assert account.requests[0] == "/v1/subscriptions?limit=100&status=all"
    assert ws.store.table("subscriptions").count().execute() == 4
    assert ws.store.table("customers").count().execute() == 4
    assert march_mrr(ws) == pytest.approx(MARCH_MRR)


def test_a_coupon_that_ends_reads_its_subscription_again(ws: Workspace, stripe: Account) -> None:
    account, _ = stripe
    sync(ws)
    coupon = ss.discount(percent_off=20) | {"subscription": "sub_0001"}
    full_price = ss.subscription(1, 1, [(ANNUAL, 1)])
    account.put("subscriptions", full_price, "customer.discount.deleted", ss.epoch(11),
                rendered=coupon)  # fmt: skip
    before = len(account.requests)
    sync(ws, now=ss.now() + timedelta(days=2))
    assert account.requests[before + 1 :] == ["/v1/subscriptions/sub_0001"]
    assert rows(ws, "subscriptions", "subscription_id")["sub_0001"]["price"] == 1200.0


def test_a_source_unsynced_longer_than_stripe_keeps_events_asks_for_a_full_sync(
    ws: Workspace,
) -> None:
    sync(ws)
    assert sync(ws, now=ss.now() + timedelta(days=20)).pages == 1  # no event: a quiet month
    quiet = get_source(ws, "billing").cursor["billing"]
    assert quiet["since"] == Stripe._epoch(ss.now())  # kept: nothing newer was seen ...
    assert quiet["checked"] == Stripe._epoch(ss.now() + timedelta(days=20))  # ... till then
    assert sync(ws, now=ss.now() + timedelta(days=45)).pages == 1  # 25 days after the check
    with pytest.raises(SourceError, match=r"more than 30 days old.*sources sync billing --full"):
        sync(ws, now=ss.now() + timedelta(days=76))
    later = ss.now() + timedelta(days=76)
    assert sync(ws, now=later, full=True).pages == 6  # 2 + 2 + 1 list pages, 1 of events
    assert get_source(ws, "billing").cursor["billing"]["since"] == Stripe._epoch(later)


def test_a_429_storm_backs_off_exponentially_as_stripe_asks(ws: Workspace, stripe: Account) -> None:
    account, _ = stripe
    account.throttle = 5  # Stripe sends no Retry-After: double the wait each time
    waits: list[float] = []
    report = sync_source(ws, "billing", now=ss.now(), sleep=waits.append)
    assert waits == [1, 2, 4, 8, 16]
    assert report.new["subscriptions"] == 4 and report.waits == 5


def test_a_revoked_key_is_one_line_naming_the_source_and_the_variable(
    ws: Workspace, stripe: Account
) -> None:
    account, _ = stripe
    account.key = "sk_test_rolled"
    with pytest.raises(SourceAuthError) as caught:
        sync(ws)
    message = str(caught.value)
    assert "\n" not in message and ss.KEY not in message
    assert message.startswith("source 'billing': the vendor refused its token (401")
    assert "the environment variable STRIPE_KEY" in message
    assert get_source(ws, "billing").last_error == message


def test_unknown_fields_are_ignored_and_a_subscription_without_a_unit_amount_is_reported(
    ws: Workspace, stripe: Account
) -> None:
    account, _ = stripe
    tiered = ss.price(0, nickname="Tiered", billing_scheme="tiered", unit_amount=None,
                      unit_amount_decimal=None)  # fmt: skip
    account.put("subscriptions", ss.subscription(9, 1, [(tiered, 3)]), "x", FEB)
    account.objects["customers"][0]["a_field_from_2030"] = {"nested": True}
    report = sync(ws)
    assert report.new["customers"] == 4 and report.new["subscriptions"] == 4
    assert report.skipped_rows == [
        {
            "table": "subscriptions",
            "id": "sub_0009",
            "reason": "price: required; this cell is empty",
        }
    ]


@pytest.mark.parametrize(
    ("coupon", "expected"),
    [
        ({"percent_off": 20}, 80.0),
        ({"amount_off": 12_000}, 90.0),  # 120.00 off each yearly invoice
        ({"percent_off": 50, "duration": "once"}, 100.0),  # a one-off, not recurring
        ({"percent_off": 50, "duration": "repeating", "end": ss.epoch(1, 3)}, 100.0),  # over
        ({"percent_off": 50, "duration": "repeating", "end": ss.epoch(1, 9)}, 50.0),
    ],
)
def test_coupons_recurring_at_the_sync_lower_the_mrr(
    ws: Workspace, stripe: Account, coupon: dict[str, Any], expected: float
) -> None:
    account, _ = stripe
    account.objects["subscriptions"] = [
        ss.subscription(1, 1, [(ANNUAL, 1)], discount=ss.discount(**coupon))
    ]
    sync(ws)
    assert march_mrr(ws) == pytest.approx(expected)


def test_a_trial_canceled_before_it_ended_never_counts(ws: Workspace, stripe: Account) -> None:
    account, _ = stripe
    account.objects["subscriptions"] = [
        ss.subscription(1, 1, [(ss.price(3_000), 1)], status="canceled", trial_start=FEB,
                        trial_end=ss.epoch(15), canceled_at=ss.epoch(5), ended_at=ss.epoch(5))
    ]  # fmt: skip
    assert sync(ws).skipped == 0
    assert march_mrr(ws) == 0.0


def test_cli_sources_add_stripe_then_metric_mrr(
    tmp_path: Path, stripe: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, url = stripe
    db = str(tmp_path / "cli.duckdb")
    Workspace.init(db).close()
    monkeypatch.setenv("STRIPE_KEY", ss.KEY)
    runner = CliRunner()
    for args in (
        ["sources", "add", "stripe", "billing", "--token-env", "STRIPE_KEY", "--base-url", url],
        ["sources", "sync", "billing"],
    ):
        result = runner.invoke(app, [*args, "-w", db])
        assert result.exit_code == 0, result.stdout + result.stderr
    result = runner.invoke(app, ["metric", "mrr", "--from", "2026-03-01", "--to", "2026-03-31",
                                 "--format", "json", "-w", db])  # fmt: skip
    assert result.exit_code == 0, result.stdout + result.stderr
    (march,) = json.loads(result.stdout)
    assert (march["period"], march["value"]) == ("2026-03", pytest.approx(MARCH_MRR))


@settings(max_examples=200, deadline=None)
@given(
    interval=st.sampled_from(["day", "week", "month", "year"]),
    count=st.integers(1, 12),
    unit=st.integers(0, 10_000_000),
    quantity=st.integers(1, 500),
    percent_off=st.none() | st.floats(0, 100),
)
def test_the_booked_price_is_always_the_invoiced_amount_per_month(
    interval: str, count: int, unit: int, quantity: int, percent_off: float | None
) -> None:
    """Whatever the period, the canonical row's price over its billing period's months (what
    the MRR metrics compute) is Stripe's amount per invoice over the months it covers."""
    item = [(ss.price(unit, interval, count), quantity)]
    coupon = {} if percent_off is None else {"discount": ss.discount(percent_off=percent_off)}
    connector = Stripe("billing", {}, None, ss.now())  # type: ignore[arg-type]  # maps only
    row = connector._subscription(ss.subscription(1, 1, item, **coupon))
    assert row["billing_period"] is not None and row["price"] is not None
    per_invoice = unit / 100 * quantity * (1 - (percent_off or 0) / 100)
    months = {"day": 12 / 365, "week": 12 / 52, "month": 1, "year": 12}[interval] * count
    booked = float(row["price"]) / BILLING_MONTHS[row["billing_period"]]
    assert booked == pytest.approx(per_invoice / months, rel=1e-6, abs=1e-5)


def test_amounts_in_each_currencys_minor_unit_and_seats_as_given() -> None:
    # found in review: three-decimal currencies were divided by 100 (10x the MRR) and a
    # quantity of 0 was booked as one seat
    from cxpulse.ingest.stripe_billing import quantity as _quantity
    from cxpulse.ingest.stripe_billing import units as _units

    assert _units(5120, "kwd") == pytest.approx(5.12)  # Stripe: 5.120 KWD is amount=5120
    assert _units(1999, "eur") == pytest.approx(19.99)
    assert _units(500, "jpy") == 500
    assert _quantity({"quantity": 0}) == 0 and _quantity({}) == 1
    assert _quantity({"quantity": 3}) == 3
