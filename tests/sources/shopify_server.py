"""A local Shopify GraphQL Admin API for the connector's tests, answering in the documented shapes.

- ``POST /admin/api/{version}/graphql.json`` with ``X-Shopify-Access-Token``; a wrong token
  is ``401 {"errors": "[API] Invalid API key or access token (unrecognized login or wrong
  password)"}`` (https://shopify.dev/docs/api/usage/authentication). The body is
  ``{"query", "variables"}``; the query text is read only as far as needed: which connection
  (``customers`` or ``orders``), and the variables ``first``, ``after``, ``query`` (only the
  ``updated_at:>='...'`` / ``updated_at:>'...'`` filter). Results are sorted by
  ``UPDATED_AT`` then id; ``pageInfo { hasNextPage endCursor }`` and a cursor that encodes the
  last node's sort key, so it stays valid across requests
  (https://shopify.dev/docs/api/usage/pagination-graphql).
- nodes as https://shopify.dev/docs/api/admin-graphql/latest/objects/Customer and
  .../objects/Order show them: global ids (``gid://shopify/Order/1001``), ``MoneyBag``s with
  ``shopMoney``/``presentmentMoney`` ``{amount, currencyCode}`` (amounts as decimal strings),
  ``fulfillments { createdAt deliveredAt }``, ``displayFulfillmentStatus``.
- every answer carries ``extensions.cost`` {requestedQueryCost, actualQueryCost,
  throttleStatus {maximumAvailable, currentlyAvailable, restoreRate}}; a throttled query is
  HTTP 200 ``{"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED",
  "documentation": "https://shopify.dev/api/usage/rate-limits"}}]}`` with
  ``actualQueryCost: null`` (https://shopify.dev/docs/api/usage/rate-limits).

Knobs: ``token``, ``throttle`` (that many queries answered THROTTLED first), ``unavailable``
(then 503), ``page_size``, ``hang_at`` (the request number that waits for ``release``),
``available`` (the bucket's points reported on a success), ``denied`` (answer ACCESS_DENIED),
``error`` (answer a GraphQL error with this message).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.sources import vendor_server
from tests.sources.vendor_server import Account, VendorHandler

TOKEN = "shpat_0123456789abcdef"
VERSION = "2025-07"
COST = {"customers": 102, "orders": 312}
MAXIMUM, RESTORE = 2000.0, 100.0  # a Shopify Plus shop's bucket


def ts(day: int, hour: int = 9, minute: int = 0) -> str:
    return f"2026-03-{day:02d}T{hour:02d}:{minute:02d}:00Z"


def money(amount: str, currency: str = "EUR") -> dict[str, Any]:
    return {
        "shopMoney": {"amount": amount, "currencyCode": currency},
        "presentmentMoney": {"amount": amount, "currencyCode": currency},
    }


def customer(n: int, day: int = 1, **extra: Any) -> dict[str, Any]:
    """A customer node as the Customer object documents it (fields cxpulse does not read
    included)."""
    body: dict[str, Any] = {
        "id": f"gid://shopify/Customer/{n}",
        "firstName": "Camille",
        "lastName": f"Martin{n}",
        "displayName": f"Camille Martin{n}",
        "createdAt": "2025-12-01T08:00:00Z",
        "updatedAt": ts(day),
        "locale": "fr-FR",
        "note": None,
        "verifiedEmail": True,
        "tags": ["vip"],
        "numberOfOrders": "2",
        "amountSpent": {"amount": "120.00", "currencyCode": "EUR"},
        "defaultEmailAddress": {
            "emailAddress": f"c{n}@example.com",
            "marketingState": "SUBSCRIBED",
            "marketingOptInLevel": "SINGLE_OPT_IN",
        },
        "defaultAddress": {"city": "Lyon", "countryCodeV2": "FR", "zip": "69001"},
    }
    body.update(extra)
    return body


def order(
    n: int,
    customer_n: int = 1,
    day: int = 2,
    total: str = "120.00",
    tax: str = "20.00",
    refunded: str = "0.00",
    current: str | None = None,
    current_tax: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """An order node as the Order object documents it."""
    body: dict[str, Any] = {
        "id": f"gid://shopify/Order/{n}",
        "name": f"#{n}",
        "createdAt": ts(day, 8),
        "processedAt": ts(day, 8),
        "updatedAt": ts(day, 10),
        "cancelledAt": None,
        "cancelReason": None,
        "sourceName": "web",
        "displayFinancialStatus": "PAID",
        "displayFulfillmentStatus": "UNFULFILLED",
        "customer": {"id": f"gid://shopify/Customer/{customer_n}"},
        "totalPriceSet": money(total),
        "currentTotalPriceSet": money(current or total),
        "currentTotalTaxSet": money(current_tax or tax),
        "totalTaxSet": money(tax),
        "totalRefundedSet": money(refunded),
        "fulfillments": [],
    }
    body.update(extra)
    return body


def _key(node: dict[str, Any]) -> tuple[str, int]:
    return (node["updatedAt"], int(str(node["id"]).rsplit("/", 1)[-1]))


def _cursor(key: tuple[str, int]) -> str:
    return base64.b64encode(json.dumps({"last_id": key[1], "last_value": key[0]}).encode()).decode()


def _after(cursor: str) -> tuple[str, int]:
    data = json.loads(base64.b64decode(cursor))
    return (data["last_value"], int(data["last_id"]))


@dataclass
class Shop(Account):
    """The shop's data (changed by the tests between syncs) and its knobs."""

    customers: dict[int, dict[str, Any]] = field(default_factory=dict)
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    token: str = TOKEN
    available: float = MAXIMUM
    denied: bool = False
    error: str | None = None
    page_size: int = 250
    """At most this many nodes a page, whatever ``first`` asks (Shopify's cap is 250)."""
    bodies: list[dict[str, Any]] = field(default_factory=list)

    def put(self, node: dict[str, Any]) -> None:
        """Add or change a customer or order (its updatedAt says when)."""
        n = int(str(node["id"]).rsplit("/", 1)[-1])
        (self.customers if "/Customer/" in node["id"] else self.orders)[n] = node

    def asked(self, number: int) -> dict[str, Any]:
        """The variables of GraphQL request ``number`` (0 the first)."""
        variables: dict[str, Any] = self.bodies[number]["variables"]
        return variables


class _Handler(VendorHandler):
    def do_POST(self) -> None:
        shop: Shop = self.server.account
        arrival = self.arrive()
        length = int(self.headers.get("Content-Length") or 0)
        if self.headers.get("X-Shopify-Access-Token") != shop.token:
            self.send_json(401, {"errors": "[API] Invalid API key or access token "
                                 "(unrecognized login or wrong password)"})  # fmt: skip
            return
        if self.path != f"/admin/api/{VERSION}/graphql.json":
            self.send_json(404, {"errors": "Not Found"})
            return
        body = json.loads(self.rfile.read(length) or b"{}")
        with shop.lock:
            shop.bodies.append(body)
        query, variables = str(body.get("query", "")), dict(body.get("variables") or {})
        connection = "customers" if "customers(" in query else "orders"
        cost = COST[connection]
        if arrival == "throttled":
            self.send_json(200, {
                "errors": [{"message": "Throttled", "extensions": {
                    "code": "THROTTLED",
                    "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
                "extensions": {"cost": {
                    "requestedQueryCost": cost, "actualQueryCost": None,
                    "throttleStatus": {"maximumAvailable": MAXIMUM,
                                       "currentlyAvailable": cost - 2 * RESTORE,
                                       "restoreRate": RESTORE}}},
            })  # fmt: skip
            return
        if arrival == "unavailable":
            self.send_json(503, {"errors": "Service Unavailable"})
            return
        if shop.error is not None:
            self.send_json(200, {"data": None, "errors": [{"message": shop.error}]})
            return
        if shop.denied:
            self.send_json(200, {
                "data": None,
                "errors": [{"message": f"Access denied for {connection} field.",
                            "extensions": {"code": "ACCESS_DENIED"}}],
            })  # fmt: skip
            return
        nodes = shop.customers if connection == "customers" else shop.orders
        self.send_json(200, {
            "data": {connection: self._page(list(nodes.values()), variables)},
            "extensions": {"cost": {
                "requestedQueryCost": cost, "actualQueryCost": cost // 2,
                "throttleStatus": {"maximumAvailable": MAXIMUM,
                                   "currentlyAvailable": shop.available,
                                   "restoreRate": RESTORE}}},
        })  # fmt: skip

    def _page(self, nodes: list[dict[str, Any]], variables: dict[str, Any]) -> dict[str, Any]:
        wanted = sorted(nodes, key=_key)
        search = str(variables.get("query") or "")
        if search:
            op, moment = search.removeprefix("updated_at:").split("'")[:2]
            wanted = [n for n in wanted if n["updatedAt"] >= moment]
            if op == ">":
                wanted = [n for n in wanted if n["updatedAt"] > moment]
        if variables.get("after"):
            last = _after(variables["after"])
            wanted = [n for n in wanted if _key(n) > last]
        page = wanted[: min(int(variables["first"]), self.server.account.page_size)]
        return {
            "edges": [{"cursor": _cursor(_key(n)), "node": n} for n in page],
            "nodes": page,
            "pageInfo": {
                "hasNextPage": len(wanted) > len(page),
                "hasPreviousPage": bool(variables.get("after")),
                "startCursor": _cursor(_key(page[0])) if page else None,
                "endCursor": _cursor(_key(page[-1])) if page else None,
            },
        }


def serve(shop: Shop) -> Iterator[str]:
    """Serve ``shop`` on a free local port; yields its base URL."""
    return vendor_server.serve(shop, _Handler)


def now() -> datetime:
    return datetime(2026, 3, 10, tzinfo=UTC).replace(tzinfo=None)
