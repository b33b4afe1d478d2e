"""The Shopify connector against a local GraphQL Admin API: customers and orders (refunds
netted, fulfilment as order_delivered), incremental by updated_at, the cost bucket, a kill
mid-sync, a refused token, schema surprises, and the webhooks' payloads."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cxpulse import Workspace
from cxpulse.cli.app import app
from cxpulse.errors import ConfigError, SourceAuthError, SourceError
from cxpulse.sources import CONNECTORS, add_source, get_source, sync_source
from cxpulse.sources import shopify as shopify_module
from cxpulse.sources.secrets import reference
from cxpulse.sources.shopify import API_VERSION, Shopify, order_row
from cxpulse.sources.webhook_events import receive
from cxpulse.sources.webhooks import Delivery
from cxpulse.surveys import run_surveys
from cxpulse.surveys.store import add_survey
from tests.sources import shopify_server as ss
from tests.sources.vendor_server import kill_mid_sync
from tests.sources.webhook_signing import HOOK_URL, sign
from tests.surveys.helpers import SUPPORT_CSAT, write

Account = tuple[ss.Shop, str]


def stock(shop: ss.Shop) -> None:
    """Three customers; four orders: paid, partly refunded, cancelled, fulfilled."""
    shop.put(ss.customer(1))
    shop.put(ss.customer(2, tags=[], defaultEmailAddress={
        "emailAddress": "c2@example.com", "marketingState": "UNSUBSCRIBED"}))  # fmt: skip
    shop.put(ss.customer(3, defaultAddress=None, locale=None, defaultEmailAddress={
        "emailAddress": "c3@example.com", "marketingState": "NOT_SUBSCRIBED"}))  # fmt: skip
    shop.put(ss.order(1001))
    # a line of 30.00 (5.00 tax) returned: current total 90.00 with 15.00 tax, 30.00 refunded,
    # then a goodwill refund of 10.00 that removes nothing
    shop.put(ss.order(1002, 2, total="120.00", tax="20.00", current="90.00",
                      current_tax="15.00", refunded="40.00"))  # fmt: skip
    shop.put(ss.order(1003, 3, total="50.00", tax="0.00", current="0.00", current_tax="0.00",
                      refunded="50.00", cancelledAt=ss.ts(3)))  # fmt: skip
    shop.put(ss.order(1004, 1, day=3, displayFulfillmentStatus="FULFILLED", fulfillments=[
        {"createdAt": ss.ts(4), "deliveredAt": ss.ts(6, 15)},
        {"createdAt": ss.ts(4, 11), "deliveredAt": ss.ts(7, 12)}]))  # fmt: skip


@pytest.fixture
def shopify() -> Iterator[Account]:
    shop = ss.Shop(page_size=2)  # pages of two, to page through both connections
    stock(shop)
    with ss.serve(shop) as url:
        yield shop, url


@pytest.fixture
def ws(tmp_path: Path, shopify: Account, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.setenv("SHOPIFY_TOKEN", ss.TOKEN)
    ws = Workspace.init(tmp_path / "ws.duckdb")
    add_source(ws, "shopify", "shop", {"shop": "acme", "base_url": shopify[1]},
               reference(env="SHOPIFY_TOKEN"), ss.now())  # fmt: skip
    return ws


def sync(ws: Workspace, **kw: Any) -> Any:
    kw.setdefault("sleep", lambda _: None)
    return sync_source(ws, "shop", now=ss.now(), **kw)


def rows(ws: Workspace, table: str, key: str) -> dict[str, dict[str, Any]]:
    return {r[key]: r for r in ws.store.table(table).to_pyarrow().to_pylist()}


def test_shopify_is_a_registered_connector_that_checks_its_shop_name() -> None:
    assert CONNECTORS.builtins().get("shopify") is Shopify
    assert Shopify.base_url({"shop": "acme"}) == "https://acme.myshopify.com"
    with pytest.raises(ConfigError, match="--shop is the first part"):
        Shopify.check({"shop": "evil.example#"})
    with pytest.raises(ConfigError, match="needs --shop"):
        Shopify.check({})


def test_a_full_sync_maps_customers_and_orders_with_refunds_netted(
    ws: Workspace, shopify: Account
) -> None:
    shop, _ = shopify
    report = sync(ws)
    assert report.new == {"customers": 3, "orders": 4}
    assert report.pages == 4  # two pages of each connection
    assert {b["variables"].get("query") for b in shop.bodies} == {None}  # a first sync: all
    assert [b["variables"]["after"] is None for b in shop.bodies] == [True, False, True, False]
    customers = rows(ws, "customers", "customer_id")
    one = customers["1"]
    assert (one["name"], one["email"], one["country"], one["language"]) == (
        "Camille Martin1", "c1@example.com", "FR", "fr",
    )  # fmt: skip
    assert (one["segment"], one["email_consent"], one["source"]) == ("vip", True, "shop")
    assert one["created_at"] == datetime(2025, 12, 1, 8)
    assert (customers["2"]["segment"], customers["2"]["email_consent"]) == (None, False)
    three = customers["3"]  # not subscribed to marketing says nothing of surveys
    assert (three["email_consent"], three["country"], three["language"]) == (None, None, None)
    orders = rows(ws, "orders", "order_id")
    paid = orders["1001"]
    assert (paid["amount"], paid["currency"], paid["status"], paid["channel"]) == (
        100.0, "EUR", "placed", "web",
    )  # fmt: skip
    assert (paid["customer_id"], paid["ordered_at"]) == ("1", datetime(2026, 3, 2, 8))
    # min(90, 120 - 40) - 15: the return and the goodwill refund both come off, once
    assert orders["1002"]["amount"] == 65.0 and orders["1002"]["status"] == "placed"
    assert (orders["1003"]["amount"], orders["1003"]["status"]) == (0.0, "cancelled")
    fulfilled = orders["1004"]
    assert fulfilled["status"] == "delivered"
    assert fulfilled["delivered_at"] == datetime(2026, 3, 7, 12)  # the last parcel's arrival
    customer_ids = [f"gid://shopify/Customer/{n}" for n in (1, 2, 3)]  # one second: all three
    assert get_source(ws, "shop").cursor == {
        "customers": {"updated_at": ss.ts(1), "ids": customer_ids},
        "orders": {"updated_at": ss.ts(3, 10), "ids": ["gid://shopify/Order/1004"]},
    }


def test_requests_pin_the_api_version_and_send_the_token_in_shopifys_header(
    ws: Workspace, shopify: Account
) -> None:
    shop, _ = shopify
    sync(ws)  # the server answers 401 to any other header and 404 to any other version
    assert API_VERSION == ss.VERSION and len(shop.requests) == 4
    assert all(p == f"/admin/api/{API_VERSION}/graphql.json" for p in shop.requests)
    assert "sortKey: UPDATED_AT" in shop.bodies[0]["query"]


def test_the_next_sync_asks_for_changes_since_the_cursor_ties_included(
    ws: Workspace, shopify: Account
) -> None:
    shop, _ = shopify
    sync(ws)
    shop.bodies.clear()
    again = sync(ws)
    assert again.rows == 0 and again.new == {}  # the rows of the cursor's second are skipped
    assert [b["variables"]["query"] for b in shop.bodies] == [
        f"updated_at:>='{ss.ts(1)}'",  # three customers of that second: two pages
        f"updated_at:>='{ss.ts(1)}'",
        f"updated_at:>='{ss.ts(3, 10)}'",
    ]
    # a partial refund of the paid order, a new order in the cursor's very second, a new name
    shop.put(ss.order(1001, current="96.00", current_tax="16.00", refunded="24.00",
                      updatedAt=ss.ts(8)))  # fmt: skip
    shop.put(ss.order(1005, 2, day=3))  # updatedAt == the cursor's: a tie, not yet seen
    shop.put(ss.customer(2, day=8, lastName="Dupont"))
    report = sync(ws)
    assert report.new == {"orders": 1} | {"customers": 0}
    assert report.updated == {"customers": 1, "orders": 1}
    orders = rows(ws, "orders", "order_id")
    assert orders["1001"]["amount"] == 80.0 and "1005" in orders
    assert rows(ws, "customers", "customer_id")["2"]["name"] == "Camille Dupont"
    assert get_source(ws, "shop").cursor["orders"] == {
        "updated_at": ss.ts(8),
        "ids": ["gid://shopify/Order/1001"],
    }


def test_a_change_the_search_index_shows_late_is_read_by_the_next_sync(
    ws: Workspace, shopify: Account
) -> None:
    """A stream that ends within INDEX_LAG of the sync starts its next pass that far back."""
    shop, _ = shopify
    shop.put(ss.order(1006, 2, updatedAt=ss.ts(9, 23, 58)))  # two minutes before the sync
    sync(ws)
    assert get_source(ws, "shop").cursor["orders"] == {"updated_at": ss.ts(9, 23, 55), "ids": []}
    # written at 23:57 but indexed only after that sync: the next one still reads it
    shop.put(ss.order(1007, 2, updatedAt=ss.ts(9, 23, 57)))
    shop.bodies.clear()
    report = sync(ws)
    assert report.new.get("orders") == 1 and "1007" in rows(ws, "orders", "order_id")
    orders_query = next(b for b in shop.bodies if "orders(" in b["query"])
    assert orders_query["variables"]["query"] == f"updated_at:>='{ss.ts(9, 23, 55)}'"


def test_a_bulk_edit_of_one_second_is_read_again_rather_than_kept_id_by_id(
    ws: Workspace, shopify: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cursor is written with every page: past MAX_TIE_IDS rows in its second it keeps
    none of their ids, and the next pass reads that second again, changing nothing."""
    monkeypatch.setattr(shopify_module, "MAX_TIE_IDS", 2)
    sync(ws)
    assert get_source(ws, "shop").cursor["customers"] == {"updated_at": ss.ts(1), "ids": []}
    again = sync(ws)
    assert again.rows == 0 and again.pages == 3  # the three customers' second, read again


def test_a_sync_killed_mid_orders_resumes_with_nothing_lost_or_duplicated(
    ws: Workspace, shopify: Account
) -> None:
    """A real `kill -9` of `cxpulse sources sync` while it waits for the second page of
    orders: the customers and the first page of orders are committed with their cursor; the
    next sync asks for orders since that cursor and ends with every row once."""
    shop, _ = shopify
    location = ws.store.location
    ws.close()
    kill_mid_sync(shop, location, "shop", {"SHOPIFY_TOKEN": ss.TOKEN}, at=4)

    ws = Workspace.open(location)
    assert sorted(rows(ws, "orders", "order_id")) == ["1001", "1002"]
    assert get_source(ws, "shop").cursor["orders"] == {  # both updated in that second
        "updated_at": ss.ts(2, 10),
        "ids": ["gid://shopify/Order/1001", "gid://shopify/Order/1002"],
    }
    shop.bodies.clear()
    sync_source(ws, "shop", sleep=lambda _: None)
    first_orders = next(b for b in shop.bodies if "orders(" in b["query"])
    assert first_orders["variables"]["query"] == f"updated_at:>='{ss.ts(2, 10)}'"
    assert sorted(rows(ws, "orders", "order_id")) == ["1001", "1002", "1003", "1004"]
    assert ws.store.table("orders").count().execute() == 4
    assert ws.store.table("customers").count().execute() == 3


def test_a_throttle_storm_waits_for_the_bucket_to_refill_as_shopify_says(
    ws: Workspace, shopify: Account
) -> None:
    shop, _ = shopify
    shop.throttle = 5  # HTTP 200 THROTTLED, 200 points short at 100 a second: 2 s each
    waits: list[float] = []
    said: list[str] = []
    report = sync(ws, sleep=waits.append, progress=said.append)
    assert waits == [2.0] * 5 and report.waits == 5
    assert report.new == {"customers": 3, "orders": 4}
    assert "Shopify's query cost bucket is empty; trying again in 2 s (try 2 of 8)" in said[0]


def test_an_endless_throttle_fails_in_one_line_and_the_cursor_keeps_its_place(
    ws: Workspace, shopify: Account
) -> None:
    shop, _ = shopify
    sync(ws)
    before = get_source(ws, "shop").cursor
    shop.throttle = 100
    with pytest.raises(SourceError, match="Shopify still throttles after 8 tries") as raised:
        sync(ws)
    assert "\n" not in str(raised.value) and "source 'shop'" in str(raised.value)
    assert get_source(ws, "shop").cursor == before
    assert get_source(ws, "shop").last_status == "error"


def test_a_low_bucket_waits_before_the_next_query_rather_than_be_throttled(
    ws: Workspace, shopify: Account
) -> None:
    shop, _ = shopify
    shop.available = 62.0  # orders cost 312: 2.5 s to refill; customers 102: 0.4 s
    waits: list[float] = []
    sync(ws, sleep=waits.append)
    assert waits == [pytest.approx(0.4), pytest.approx(0.4), pytest.approx(2.5)]
    assert len(shop.requests) == 4  # nothing throttled, nothing asked twice


def test_a_refused_token_is_one_line_naming_the_source_and_the_variable(
    ws: Workspace, shopify: Account
) -> None:
    shop, _ = shopify
    shop.token = "shpat_rotated"
    with pytest.raises(SourceAuthError) as caught:
        sync(ws)
    message = str(caught.value)
    assert "\n" not in message and ss.TOKEN not in message
    assert message.startswith("source 'shop': the vendor refused its token (401")
    assert "the environment variable SHOPIFY_TOKEN" in message
    assert get_source(ws, "shop").last_error == message


def test_a_missing_scope_says_which_scopes_to_grant(ws: Workspace, shopify: Account) -> None:
    shop, _ = shopify
    shop.denied = True
    with pytest.raises(SourceError, match="ACCESS_DENIED.*read_customers and read_orders"):
        sync(ws)


@pytest.mark.parametrize("before", [0, 160])  # 160: the token straddles the 200-character cut
def test_a_graphql_error_quoting_the_token_never_shows_it(
    ws: Workspace, shopify: Account, before: int
) -> None:
    shop, _ = shopify
    shop.error = "x" * before + f" header X-Shopify-Access-Token={ss.TOKEN} is malformed"
    with pytest.raises(SourceError) as caught:
        sync(ws)
    shown = [str(caught.value), get_source(ws, "shop").last_error or ""]
    assert all(ss.TOKEN[:6] not in text for text in shown), shown


def test_unknown_fields_are_ignored_missing_ones_empty_and_rows_missing_a_required_one_skipped(
    ws: Workspace, shopify: Account
) -> None:
    shop, _ = shopify
    shop.put(ss.customer(4, aFieldFrom2030={"nested": True}, defaultEmailAddress=None))
    no_creation = ss.customer(5)
    del no_creation["createdAt"]
    shop.put(no_creation)
    no_amount = ss.order(1006)
    del no_amount["currentTotalPriceSet"]
    shop.put(no_amount)
    report = sync(ws)
    customers = rows(ws, "customers", "customer_id")
    assert customers["4"]["email"] is None and "5" not in customers
    assert "1006" not in rows(ws, "orders", "order_id")
    assert sorted(report.skipped_rows, key=lambda r: r["id"]) == [
        {"table": "orders", "id": "1006", "reason": "amount: required; this cell is empty"},
        {"table": "customers", "id": "5", "reason": "created_at: required; this cell is empty"},
    ]


def test_cli_sources_add_shopify_then_sync(
    tmp_path: Path, shopify: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, url = shopify
    db = str(tmp_path / "cli.duckdb")
    Workspace.init(db).close()
    monkeypatch.setenv("SHOPIFY_TOKEN", ss.TOKEN)
    runner = CliRunner()
    add = ["sources", "add", "shopify", "store", "--shop", "acme", "--token-env", "SHOPIFY_TOKEN"]
    added = runner.invoke(app, [*add, "--base-url", url, "-w", db])
    assert added.exit_code == 0, added.stdout + added.stderr
    synced = runner.invoke(app, ["sources", "sync", "store", "-w", db])
    assert synced.exit_code == 0, synced.stdout + synced.stderr
    assert "customers: 3 new" in synced.stdout and "orders: 4 new" in synced.stdout
    bad = runner.invoke(app, ["sources", "add", "shopify", "other", "--shop", "a.b/c",
                              "--token-env", "SHOPIFY_TOKEN", "-w", db])  # fmt: skip
    assert bad.exit_code != 0 and "--shop is the first part" in bad.stdout + bad.stderr
    assert "Traceback" not in bad.stdout + bad.stderr


@settings(max_examples=300, deadline=None)
@given(
    total=st.decimals(0, 10_000, places=2),
    returned=st.decimals(0, 1, places=2),
    goodwill=st.decimals(0, 1, places=2),
    tax_rate=st.decimals(0, Decimal("0.3"), places=2),
)
def test_the_netted_amount_is_what_is_kept_before_tax(
    total: Decimal, returned: Decimal, goodwill: Decimal, tax_rate: Decimal
) -> None:
    """Whatever mix of returns (lines removed and refunded) and goodwill refunds (money back,
    nothing removed), the amount is the total less every refund, once, less the current tax,
    and never below zero."""
    removed = (total * returned).quantize(Decimal("0.01"))
    current = total - removed
    extra = (current * goodwill).quantize(Decimal("0.01"))
    tax = (current * tax_rate / (1 + tax_rate)).quantize(Decimal("0.01"))
    row = order_row("s", order_id="1", customer_id=None, ordered_at=None, total=total,
                    current=current, tax=tax, refunded=removed + extra, currency="EUR",
                    cancelled=False, delivered_at=None, channel=None)  # fmt: skip
    kept = total - removed - extra - tax
    assert row["amount"] == f"{max(kept, Decimal(0)):.2f}"


# -- webhooks -----------------------------------------------------------------------------------
WEBHOOK_NOW = datetime(2026, 3, 9, 12)


@pytest.fixture
def hooks(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.setenv("SHOPIFY_HOOK_SECRET", "shpss_test_app_secret")
    add_source(ws, "webhook", "shop-hooks", {"vendor": "shopify"},
               reference(env="SHOPIFY_HOOK_SECRET"), WEBHOOK_NOW)  # fmt: skip
    return ws


def deliver(ws: Workspace, topic: str, payload: dict[str, Any], event_id: str) -> str:
    body = json.dumps(payload).encode()
    headers = sign("shopify", body, WEBHOOK_NOW, event_id=event_id) | {"X-Shopify-Topic": topic}
    lowered = {k.lower(): v for k, v in headers.items()}
    return receive(ws, "shop-hooks", Delivery("POST", HOOK_URL, lowered, body), WEBHOOK_NOW).mapped


def rest_order(**extra: Any) -> dict[str, Any]:
    """An order as a webhook sends it (REST shape: https://shopify.dev/docs/api/webhooks,
    topic orders/create, its example payload's fields)."""
    body: dict[str, Any] = {
        "id": 820982911946154508,
        "admin_graphql_api_id": "gid://shopify/Order/820982911946154508",
        "name": "#9999",
        "created_at": "2026-03-08T10:00:00-05:00",
        "processed_at": "2026-03-08T10:00:00-05:00",
        "updated_at": "2026-03-08T10:00:00-05:00",
        "cancelled_at": None,
        "currency": "USD",
        "presentment_currency": "EUR",
        "source_name": "web",
        "financial_status": "paid",
        "fulfillment_status": None,
        "total_price": "110.00",
        "current_total_price": "110.00",
        "current_total_tax": "10.00",
        "total_price_set": {"shop_money": {"amount": "110.00", "currency_code": "USD"},
                            "presentment_money": {"amount": "100.00", "currency_code": "EUR"}},
        "current_total_price_set": {"shop_money": {"amount": "110.00", "currency_code": "USD"},
                                    "presentment_money": {"amount": "100.00",
                                                          "currency_code": "EUR"}},
        "current_total_tax_set": {"shop_money": {"amount": "10.00", "currency_code": "USD"},
                                  "presentment_money": {"amount": "9.09", "currency_code": "EUR"}},
        "customer": {"id": 115310627314723954, "email": "john@example.com",
                     "created_at": "2026-01-05T09:00:00-05:00", "first_name": "John",
                     "last_name": "Smith", "tags": "", "default_address": {"country_code": "US"},
                     "email_marketing_consent": {"state": "subscribed",
                                                 "opt_in_level": "single_opt_in"}},
        "fulfillments": [],
        "refunds": [],
        "line_items": [{"id": 866550311766439020, "price": "100.00", "quantity": 1}],
    }  # fmt: skip
    body.update(extra)
    return body


def fulfilled_order(refunds: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The order of rest_order, fulfilled at 07:00 on March 9th (no carrier tracking)."""
    return rest_order(
        fulfillment_status="fulfilled",
        refunds=refunds or [],
        updated_at="2026-03-09T08:00:00Z",
        fulfillments=[{"id": 1, "created_at": "2026-03-09T07:00:00Z", "shipment_status": None,
                       "updated_at": "2026-03-09T07:00:00Z"}],
    )  # fmt: skip


def test_order_webhooks_write_the_order_its_customer_and_the_delivery_time(
    hooks: Workspace,
) -> None:
    note = deliver(hooks, "orders/create", rest_order(), "e1")
    assert note == "customers: 1; orders: 1"
    order = rows(hooks, "orders", "order_id")["820982911946154508"]
    assert (order["amount"], order["currency"], order["status"]) == (100.0, "USD", "placed")
    assert order["ordered_at"] == datetime(2026, 3, 8, 15)  # UTC
    assert order["customer_id"] == "115310627314723954" and order["delivered_at"] is None
    john = rows(hooks, "customers", "customer_id")["115310627314723954"]
    assert (john["email"], john["country"], john["email_consent"]) == (
        "john@example.com", "US", True,
    )  # fmt: skip
    refund = {"id": 1, "transactions": [{"kind": "refund", "status": "success", "amount": "22.00"}]}
    # the note counts the rows each event wrote (its customer again, unchanged, and the order)
    fulfilled = deliver(hooks, "orders/fulfilled", fulfilled_order([refund]), "e2")
    assert fulfilled == "customers: 1; orders: 1"
    order = rows(hooks, "orders", "order_id")["820982911946154508"]
    assert (order["amount"], order["status"]) == (78.0, "delivered")  # 110 - 22 - 10
    # what the surveys' order_delivered trigger reads
    assert order["delivered_at"] == datetime(2026, 3, 9, 7)


def test_a_fulfilled_order_webhook_sends_its_order_delivered_survey_a_day_later(
    hooks: Workspace, tmp_path: Path
) -> None:
    """No sync: the orders/fulfilled webhook alone writes the delivery time the survey
    trigger reads, and the survey is due 24 hours after it, for the order's customer."""
    survey = SUPPORT_CSAT.replace("ticket_solved", "order_delivered")
    add_survey(hooks, write(tmp_path, "delivery", survey), WEBHOOK_NOW)
    deliver(hooks, "orders/fulfilled", fulfilled_order(), "f1")  # fulfilled at 07:00
    assert run_surveys(hooks, datetime(2026, 3, 10, 6, 30), send=False).invited == []
    due = run_surveys(hooks, datetime(2026, 3, 10, 7, 30), send=False).invited
    assert [d.candidate.customer_id for d in due] == ["115310627314723954"]


def test_customer_webhooks_write_the_customer_and_a_refund_waits_for_its_order(
    hooks: Workspace,
) -> None:
    customer = {"id": 706405506930370084, "email": "bob@example.com",
                "created_at": "2026-02-01T10:00:00Z", "first_name": "Bob", "last_name": "Biller",
                "tags": "wholesale, vip", "email_marketing_consent": {"state": "unsubscribed"},
                "default_address": {"country_code": "CA"}}  # fmt: skip
    assert deliver(hooks, "customers/update", customer, "c1") == "customers: 1"
    bob = rows(hooks, "customers", "customer_id")["706405506930370084"]
    assert (bob["name"], bob["segment"], bob["email_consent"], bob["country"]) == (
        "Bob Biller", "wholesale", False, "CA",
    )  # fmt: skip
    note = deliver(hooks, "refunds/create", {"id": 9, "order_id": 450789469}, "r1")
    assert note == "refund of order 450789469: netted by orders/updated"


def test_delete_webhooks_delete_what_no_pull_can_see(hooks: Workspace) -> None:
    sync(hooks)
    assert deliver(hooks, "orders/delete", {"id": 1003}, "d1") == "orders: 1 deleted"
    assert deliver(hooks, "customers/delete", {"id": 3}, "d2") == "customers: 1 deleted"
    assert "1003" not in rows(hooks, "orders", "order_id")
    assert sorted(rows(hooks, "customers", "customer_id")) == ["1", "2"]
    assert deliver(hooks, "orders/delete", {"id": 1003}, "d1") == "repeat"  # a retry
