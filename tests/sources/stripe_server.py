"""A local Stripe API for the connector's tests, answering in the documented shapes.

- lists (``GET /v1/customers``, ``/v1/subscriptions?status=``, ``/v1/invoices?status=``,
  ``/v1/events?created[gte]=&types[]=``): ``{"object": "list", "url", "has_more", "data"}``,
  newest first, ``limit`` (default 10, at most 100) and ``starting_after`` (the objects after
  that id). https://docs.stripe.com/api/pagination ; the subscriptions list returns canceled
  ones only with ``status=all`` https://docs.stripe.com/api/subscriptions/list ; events are
  kept 30 days https://docs.stripe.com/api/events/list
- objects as the API reference's examples show them, fields cxpulse does not read included:
  the customer https://docs.stripe.com/api/customers/object , the subscription with its
  ``items`` list, each item's ``price`` (``unit_amount`` in the currency's smallest unit,
  ``recurring.interval`` day|week|month|year, ``interval_count``, ``usage_type``) and the
  ``discount`` with its ``coupon`` (``percent_off`` | ``amount_off``, ``duration``
  once|repeating|forever) https://docs.stripe.com/api/subscriptions/object ,
  https://docs.stripe.com/api/prices/object , https://docs.stripe.com/api/discounts/object ;
  the invoice https://docs.stripe.com/api/invoices/object ; the event
  https://docs.stripe.com/api/events/object
- ``GET /v1/customers/{id}`` (and subscriptions, invoices): the object, or 404
  ``resource_missing``.
- authentication: HTTP basic with the secret key as the user name and no password; a wrong or
  revoked key is ``401`` with ``{"error": {"type": "invalid_request_error", "message":
  "Invalid API Key provided: ..."}}`` https://docs.stripe.com/api/authentication ,
  https://docs.stripe.com/api/errors
- rate limit: ``429`` with ``{"error": {"type": "invalid_request_error", "code":
  "rate_limit"}}`` and no Retry-After: Stripe asks for an exponential backoff
  https://docs.stripe.com/rate-limits#handling-limiting-gracefully

Knobs: ``key``, ``throttle`` (answer 429 to that many requests first), ``page_size`` (the
largest ``limit`` honoured, to make pages without 100 objects), ``hang_at`` (the request number
that waits until ``release`` is set, for a kill mid-sync).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

from tests.sources import vendor_server
from tests.sources.vendor_server import Account, VendorHandler

KEY = "sk_test_51Hcxpulse0000secret"
VERSION = "2024-06-20"


def epoch(day: int, month: int = 3, hour: int = 9) -> int:
    return int(datetime(2026, month, day, hour, tzinfo=UTC).timestamp())


def now() -> datetime:
    return datetime(2026, 3, 10, 12)


def customer(n: int, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": f"cus_{n:04d}",
        "object": "customer",
        "address": {"city": "Lyon", "country": "FR", "line1": None, "postal_code": None},
        "balance": 0,
        "created": epoch(1, 1),
        "currency": "eur",
        "default_source": None,
        "delinquent": False,
        "description": None,
        "discount": None,
        "email": f"c{n}@example.com",
        "invoice_prefix": "0759376C",
        "invoice_settings": {"custom_fields": None, "default_payment_method": None},
        "livemode": False,
        "metadata": {"segment": "smb"},
        "name": f"Customer {n}",
        "next_invoice_sequence": 1,
        "phone": None,
        "preferred_locales": ["fr-FR"],
        "shipping": None,
        "tax_exempt": "none",
        "test_clock": None,
    }
    body.update(extra)
    return body


def price(
    amount: int, interval: str = "month", count: int = 1, nickname: str = "Pro", **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": f"price_{nickname.lower()}_{interval}_{amount}",
        "object": "price",
        "active": True,
        "billing_scheme": "per_unit",
        "created": epoch(1, 1),
        "currency": "eur",
        "custom_unit_amount": None,
        "livemode": False,
        "lookup_key": None,
        "metadata": {},
        "nickname": nickname,
        "product": "prod_NWjs8kKbJWmuuc",
        "recurring": {
            "aggregate_usage": None,
            "interval": interval,
            "interval_count": count,
            "trial_period_days": None,
            "usage_type": "licensed",
        },
        "tax_behavior": "unspecified",
        "tiers_mode": None,
        "transform_quantity": None,
        "type": "recurring",
        "unit_amount": amount,
        "unit_amount_decimal": str(amount),
    }
    body.update(extra)
    return body


def discount(
    percent_off: float | None = None,
    amount_off: int | None = None,
    duration: str = "forever",
    end: int | None = None,
) -> dict[str, Any]:
    return {
        "id": "di_1MtJUtLkdIwHu7ixAe3mHn2X",
        "object": "discount",
        "checkout_session": None,
        "coupon": {
            "id": "wsd6M0Ps",
            "object": "coupon",
            "amount_off": amount_off,
            "created": epoch(1, 1),
            "currency": "eur" if amount_off is not None else None,
            "duration": duration,
            "duration_in_months": 12 if duration == "repeating" else None,
            "livemode": False,
            "max_redemptions": None,
            "metadata": {},
            "name": "Launch",
            "percent_off": percent_off,
            "redeem_by": None,
            "times_redeemed": 1,
            "valid": True,
        },
        "customer": None,
        "end": end,
        "invoice": None,
        "invoice_item": None,
        "promotion_code": None,
        "start": epoch(1, 2),
        "subscription": None,
    }


def subscription(
    n: int,
    cust: int,
    items: list[tuple[dict[str, Any], int]],
    status: str = "active",
    start: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    start = start if start is not None else epoch(1, 2)
    sub_id = f"sub_{n:04d}"
    body: dict[str, Any] = {
        "id": sub_id,
        "object": "subscription",
        "application": None,
        "billing_cycle_anchor": start,
        "cancel_at": None,
        "cancel_at_period_end": False,
        "canceled_at": None,
        "cancellation_details": {"comment": None, "feedback": None, "reason": None},
        "collection_method": "charge_automatically",
        "created": start,
        "currency": "eur",
        "current_period_end": start + 30 * 86_400,
        "current_period_start": start,
        "customer": f"cus_{cust:04d}",
        "default_payment_method": None,
        "description": None,
        "discount": None,
        "discounts": [],
        "ended_at": None,
        "items": {
            "object": "list",
            "data": [
                {
                    "id": f"si_{n:04d}_{k}",
                    "object": "subscription_item",
                    "created": start,
                    "metadata": {},
                    "price": p,
                    "quantity": q,
                    "subscription": sub_id,
                    "tax_rates": [],
                }
                for k, (p, q) in enumerate(items)
            ],
            "has_more": False,
            "total_count": len(items),
            "url": f"/v1/subscription_items?subscription={sub_id}",
        },
        "latest_invoice": None,
        "livemode": False,
        "metadata": {},
        "pause_collection": None,
        "start_date": start,
        "status": status,
        "test_clock": None,
        "trial_end": None,
        "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}},
        "trial_start": None,
    }
    body.update(extra)
    return body


def invoice(n: int, cust: int, amount: int, day: int = 5, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": f"in_{n:04d}",
        "object": "invoice",
        "amount_due": amount,
        "amount_paid": amount,
        "amount_remaining": 0,
        "billing_reason": "manual",
        "created": epoch(day),
        "currency": "eur",
        "customer": f"cus_{cust:04d}",
        "customer_email": f"c{cust}@example.com",
        "description": None,
        "discount": None,
        "livemode": False,
        "metadata": {},
        "number": f"0759376C-{n:04d}",
        "paid": True,
        "status": "paid",
        "status_transitions": {"finalized_at": epoch(day), "paid_at": epoch(day, hour=10)},
        "subscription": None,
        "subtotal": amount,
        "tax": None,
        "total": amount,
        "total_excluding_tax": amount,
    }
    body.update(extra)
    return body


@dataclass
class Stripe(Account):
    """The fake account's objects, newest last, and its event log."""

    objects: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {"customers": [], "subscriptions": [], "invoices": []}
    )
    events: list[dict[str, Any]] = field(default_factory=list)
    key: str = KEY
    page_size: int = 100
    versions: list[str | None] = field(default_factory=list)

    def put(
        self,
        kind: str,
        obj: dict[str, Any],
        event: str,
        created: int,
        rendered: dict[str, Any] | None = None,
        version: str = VERSION,
    ) -> None:
        """Create or change an object (its place in the list is kept) and log the event,
        its object ``rendered`` in an account's other API ``version`` if given."""
        found = self.objects[kind]
        for i, old in enumerate(found):
            if old["id"] == obj["id"]:
                found[i] = obj
                break
        else:
            found.append(obj)
        self.events.append(
            {
                "id": f"evt_{len(self.events) + 1:06d}",
                "object": "event",
                "api_version": version,
                "created": created,
                "data": {
                    "object": json.loads(json.dumps(rendered or obj)),
                    "previous_attributes": {},
                },
                "livemode": False,
                "pending_webhooks": 0,
                "request": {"id": None, "idempotency_key": None},
                "type": event,
            }
        )

    asked = Account.query


LISTED = {
    "/v1/customers": "customers",
    "/v1/subscriptions": "subscriptions",
    "/v1/invoices": "invoices",
}


class _Handler(VendorHandler):
    content_type = "application/json"
    extra_headers: ClassVar[dict[str, str]] = {"Request-Id": "req_test"}

    def do_GET(self) -> None:
        st: Stripe = self.server.account
        st.versions.append(self.headers.get("Stripe-Version"))
        throttled = self.arrive() == "throttled"
        expected = "Basic " + base64.b64encode(f"{st.key}:".encode()).decode()
        if self.headers.get("Authorization") != expected:
            message = "Invalid API Key provided: sk_test_****cret"
            self._send(401, {"error": {"type": "invalid_request_error", "message": message}})
            return
        if throttled:
            message = "Too many requests hit the API too quickly."
            error = {"type": "invalid_request_error", "code": "rate_limit", "message": message}
            self._send(429, {"error": error})
            return
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        if url.path in LISTED:
            found = list(st.objects[LISTED[url.path]])
            status = query.get("status", [None])[-1]
            if url.path == "/v1/subscriptions" and status != "all":
                found = [s for s in found if s["status"] != "canceled"]
            elif status and status != "all":
                found = [o for o in found if o.get("status") == status]
        elif url.path.rsplit("/", 1)[0] in LISTED:  # retrieve one object
            kind, wanted = LISTED[url.path.rsplit("/", 1)[0]], url.path.rsplit("/", 1)[1]
            one = [o for o in st.objects[kind] if o["id"] == wanted]
            if one:
                self._send(200, one[0])
            else:
                message = f"No such {kind[:-1]}: '{wanted}'"
                error = {"type": "invalid_request_error", "code": "resource_missing"}
                self._send(404, {"error": {**error, "message": message}})
            return
        elif url.path == "/v1/events":
            since = int(query.get("created[gte]", ["0"])[-1])
            types = set(query.get("types[]", []))
            found = [
                e for e in st.events if e["created"] >= since and (not types or e["type"] in types)
            ]
        else:
            error = {"type": "invalid_request_error", "message": "Unrecognized request URL"}
            self._send(404, {"error": error})
            return
        self._send(200, self._page(url.path, found[::-1], query, st.page_size))

    @staticmethod
    def _page(
        path: str, newest_first: list[dict[str, Any]], query: dict[str, list[str]], most: int
    ) -> dict[str, Any]:
        limit = min(int(query.get("limit", ["10"])[-1]), most)
        start = 0
        after = query.get("starting_after", [None])[-1]
        if after:
            start = next(i for i, o in enumerate(newest_first) if o["id"] == after) + 1
        page = newest_first[start : start + limit]
        return {
            "object": "list",
            "url": path,
            "has_more": start + limit < len(newest_first),
            "data": page,
        }

    _send = VendorHandler.send_json


def serve(stripe: Stripe) -> Iterator[str]:
    """Serve ``stripe`` on a free local port; yields its base URL."""
    return vendor_server.serve(stripe, _Handler)
