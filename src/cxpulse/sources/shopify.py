"""Shopify: customers and orders (refunds netted, fulfilment as the ``order_delivered`` time),
read from the GraphQL Admin API in the version pinned by :data:`API_VERSION`.

GraphQL, not REST: Shopify made the REST Admin API legacy on 2024-10-01 and new public apps
must use GraphQL since 2025-04-01 (https://shopify.dev/docs/api/admin-rest). Shapes as Shopify
documents them (the test server, tests/sources/shopify_server.py, answers the same):

- ``POST /admin/api/{version}/graphql.json`` with ``X-Shopify-Access-Token``; the
  ``customers`` and ``orders`` connections with ``first``, ``after``, ``sortKey: UPDATED_AT``,
  ``query: "updated_at:>='...'"`` and ``pageInfo { hasNextPage endCursor }``.
  https://shopify.dev/docs/api/usage/pagination-graphql,
  https://shopify.dev/docs/api/admin-graphql/latest/queries/orders,
  https://shopify.dev/docs/api/admin-graphql/latest/queries/customers
- rate limits: a bucket of query cost (``extensions.cost.throttleStatus``: maximumAvailable,
  currentlyAvailable, restoreRate points a second). A query the bucket cannot pay for is
  answered HTTP 200 with ``errors[].extensions.code == "THROTTLED"``; it succeeds again once
  enough points are restored, so the connector waits (requested cost - available) /
  restoreRate, and before a query it knows the bucket cannot pay for.
  https://shopify.dev/docs/api/usage/rate-limits

Each stream is incremental by ``updated_at``: the cursor is the last ``updatedAt`` seen and
the ids seen at that moment (several rows can share a second: the next pass asks for
``updated_at:>=`` it and skips those ids; a row of that second not seen yet is read). The
``query:`` filter goes through Shopify's search index, which can trail writes (Shopify's docs
say nothing of how far, so this is a precaution, as for HubSpot's search): a finished stream's
next pass starts at most :data:`INDEX_LAG` before the sync, so a change indexed late is read
by the next sync (read again, it is an upsert: free). A pull
cannot see deletions (a deleted customer or order is simply no longer listed): they arrive by
the ``customers/delete`` and ``orders/delete`` webhooks. Without the ``read_all_orders``
scope Shopify lists only the last 60 days of orders. A first sync pages at the bucket's pace
(about 50 orders a page, each page 752 points); Shopify's bulk operations (one asynchronous
JSONL export) would backfill a large shop faster, but give no page to commit with its cursor:
not used yet.

An order's ``amount`` is what the customer still pays, before tax, in the shop's currency:
``currentTotalPriceSet`` (after returns and edits) less any refund those do not explain
(``totalRefundedSet`` beyond ``totalPriceSet - currentTotalPriceSet``: a goodwill refund
returns money without removing a line), less ``currentTotalTaxSet``; that is
``min(current, total - refunded) - tax``. A cancelled order is ``cancelled``; one refunded in
full ``returned``; one fulfilled ``delivered`` at the carrier's ``deliveredAt``, else at its
last fulfilment (the surveys' ``order_delivered`` trigger reads that time).

Why plain httpx (the shared :class:`~cxpulse.sources.http.Http`) and not the ``shopifyapi``
SDK: its ``Session`` rewrites any shop address to ``<first label>.myshopify.com`` (a test
server or proxy is reachable only by changing the process-wide ``Session.protocol``,
``myshopify_domain`` and ``port``), the session itself is process-wide state
(``ShopifyResource.activate_session``), and ``GraphQL.execute`` is a bare urllib POST that
prints error bodies to stdout and knows nothing of the cost bucket; the sync must own each page
boundary and see the raw JSON, for one POST endpoint.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from cxpulse.errors import ConfigError, SourceError
from cxpulse.sources.connector import Connector, Option, Page, Row
from cxpulse.sources.http import Auth, TokenHeader, vendor_words
from cxpulse.sources.webhook_mapping import Mapped, obj, text
from cxpulse.sources.webhooks import Verified

API_VERSION = "2025-07"
"""Pinned so answers keep one shape (https://shopify.dev/docs/api/usage/versioning); it has
``Customer.defaultEmailAddress`` (2025-04 and later)."""
GRAPHQL_PATH = f"/admin/api/{API_VERSION}/graphql.json"
PAGE_SIZES = {"customers": 250, "orders": 50}
"""Nodes a page, within Shopify's 1,000-point ceiling on one query's requested cost (an object
costs 1, a connection 2 plus ``first`` times its node): a customer costs 3 (750 a page), an
order 15 (its customer, four MoneyBags of two objects, five fulfilments: 752 a page).
https://shopify.dev/docs/api/usage/rate-limits#cost-calculation"""

MAX_TIE_IDS = 250
"""Ids of one second kept in the cursor: it is written with every page."""
INDEX_LAG = timedelta(minutes=5)
"""How far before the sync a finished stream's next pass starts at the latest: the ``query:``
filter reads Shopify's search index, which may trail writes (a precaution; HubSpot's
connector keeps the same margin, ``INDEX_LAG_MS``)."""

CUSTOMER_FIELDS = """
      id firstName lastName createdAt updatedAt locale tags
      defaultEmailAddress { emailAddress marketingState }
      defaultAddress { countryCodeV2 }"""
MONEY = "shopMoney { amount currencyCode }"
ORDER_FIELDS = f"""
      id name createdAt processedAt updatedAt cancelledAt sourceName displayFulfillmentStatus
      customer {{ id }}
      totalPriceSet {{ {MONEY} }} currentTotalPriceSet {{ {MONEY} }}
      currentTotalTaxSet {{ {MONEY} }} totalRefundedSet {{ {MONEY} }}
      fulfillments(first: 5) {{ createdAt deliveredAt }}"""
MONEY_FIELDS = ("totalPriceSet", "currentTotalPriceSet", "currentTotalTaxSet", "totalRefundedSet")
QUERIES = {
    stream: f"""query {stream.title()}($first: Int!, $after: String, $query: String) {{
  {stream}(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{{fields}
    }}
  }}
}}"""
    for stream, fields in (("customers", CUSTOMER_FIELDS), ("orders", ORDER_FIELDS))
}

# Shopify's email marketing state -> email_consent: an unsubscribe is honoured; "not
# subscribed" to marketing says nothing of a service survey (left empty)
CONSENT = {"SUBSCRIBED": "true", "UNSUBSCRIBED": "false"}
# Order.sourceName (REST source_name) -> the canonical sales channels
CHANNELS = {"web": "web", "pos": "store", "iphone": "app", "android": "app",
            "shopify_draft_order": "draft"}  # fmt: skip

_SHOP = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


class Shopify(Connector):
    name = "shopify"
    title = "Shopify"
    options: ClassVar[tuple[Option, ...]] = (
        Option("shop", "Your shop's name: acme for acme.myshopify.com.", True),
        Option("base_url", "Another address of the API (a proxy, or a test server)."),
    )
    streams = ("customers", "orders")
    _pause = 0.0

    @classmethod
    def check(cls, options: Mapping[str, str | None]) -> dict[str, str]:
        checked = super().check(options)
        # the token goes to https://{shop}.myshopify.com: "evil.example#" would send it to
        # evil.example (what follows # is no longer the host)
        if not _SHOP.fullmatch(checked["shop"]):
            raise ConfigError(
                "--shop is the first part of your shop's address (acme for acme.myshopify.com):"
                f" letters, digits and -, not {checked['shop']!r}"
            )
        return checked

    @classmethod
    def base_url(cls, options: Mapping[str, str]) -> str:
        return options.get("base_url") or f"https://{options['shop']}.myshopify.com"

    @classmethod
    def auth(cls, options: Mapping[str, str], token: str) -> Auth:
        return TokenHeader("X-Shopify-Access-Token", token)

    def pages(self, stream: str, cursor: Any) -> Iterator[Page]:
        state = dict(cursor or {})
        since: str | None = state.get("updated_at")
        seen = set(state.get("ids") or [])
        variables: dict[str, Any] = {"first": PAGE_SIZES[stream], "after": None}
        if since:
            variables["query"] = f"updated_at:>='{since}'"
        while True:
            connection = obj(self._query(QUERIES[stream], variables).get(stream))
            nodes = [n for n in connection.get("nodes") or [] if isinstance(n, dict)]
            fresh = [n for n in nodes if not (n.get("updatedAt") == since and n.get("id") in seen)]
            for node in nodes:  # sorted by updatedAt: the last one is the newest
                moment = node.get("updatedAt")
                if isinstance(moment, str) and moment != since:
                    since, seen = moment, set()
                if moment == since and node.get("id") is not None:
                    seen.add(str(node["id"]))
            info = obj(connection.get("pageInfo"))
            more = bool(info.get("hasNextPage")) and bool(info.get("endCursor"))
            mapped = [self._customer(n) if stream == "customers" else self._order(n) for n in fresh]
            yield Page(
                rows={stream: mapped} if mapped else {},
                cursor=_cursor(since, seen) if more else _behind_index(since, seen, self.now),
                done=not more,
            )
            if not more:
                return
            variables["after"] = info["endCursor"]

    # -- the GraphQL call, with Shopify's cost bucket -------------------------------------------
    def _query(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """The ``data`` of a query, waiting for the cost bucket as Shopify asks."""
        http = self.http
        if self._pause:  # the last answer said the bucket cannot pay for this query yet
            http.wait(self._pause, "Shopify's query cost bucket is low")
            self._pause = 0.0
        for attempt in range(1, http.attempts + 1):
            body = obj(http.post(GRAPHQL_PATH, {"query": query, "variables": variables}))
            cost = obj(obj(body.get("extensions")).get("cost"))
            errors = [obj(e) for e in body.get("errors") or []] if isinstance(
                body.get("errors"), list
            ) else []  # fmt: skip
            if any(obj(e.get("extensions")).get("code") == "THROTTLED" for e in errors):
                if attempt == http.attempts:
                    raise SourceError(
                        f"source {self.source!r}: Shopify still throttles after {attempt} "
                        "tries; the next sync resumes where this one stopped"
                    )
                wait = _refill(cost)
                http.wait(
                    http.backoff * 2 ** (attempt - 1) if wait is None else wait,
                    "Shopify's query cost bucket is empty",
                    attempt,
                    http.attempts,
                )
                continue
            if errors or not isinstance(body.get("data"), dict):
                first = errors[0] if errors else {}
                code = obj(first.get("extensions")).get("code")
                raise SourceError(
                    f"source {self.source!r}: Shopify answered "
                    f"{code or 'an error'}: "
                    f"{vendor_words(str(first.get('message') or body), http.masked)}"
                    + (
                        ": give the app the read_customers and read_orders access scopes"
                        if code == "ACCESS_DENIED"
                        else ""
                    )
                )
            # the next query costs about as much: wait before it rather than be throttled
            self._pause = _refill(cost) or 0.0
            data: dict[str, Any] = body["data"]
            return data
        raise AssertionError("unreachable")  # pragma: no cover

    # -- mapping ------------------------------------------------------------------------------
    def _customer(self, c: dict[str, Any]) -> Row:
        return customer_row(self.source, c)

    def _order(self, o: dict[str, Any]) -> Row:
        money = {name: _money(o.get(name)) for name in MONEY_FIELDS}
        delivered = _delivered(
            o.get("displayFulfillmentStatus") == "FULFILLED",
            [(f.get("deliveredAt"), f.get("createdAt")) for f in _dicts(o.get("fulfillments"))],
        )
        return order_row(
            self.source,
            order_id=_id(o.get("id")),
            customer_id=_id(obj(o.get("customer")).get("id")),
            ordered_at=o.get("processedAt") or o.get("createdAt"),
            total=money["totalPriceSet"][0],
            current=money["currentTotalPriceSet"][0],
            tax=money["currentTotalTaxSet"][0],
            refunded=money["totalRefundedSet"][0],
            currency=money["currentTotalPriceSet"][1] or money["totalPriceSet"][1],
            cancelled=bool(o.get("cancelledAt")),
            delivered_at=delivered,
            channel=o.get("sourceName"),
        )


def _behind_index(since: str | None, seen: set[str], now: datetime) -> dict[str, Any]:
    """A finished stream's cursor: at most :data:`INDEX_LAG` before ``now`` (with no ids: all
    of that moment on is read again), so what the search index had not caught up with yet is
    read by the next sync."""
    latest = (now if now.tzinfo else now.replace(tzinfo=UTC)) - INDEX_LAG
    try:
        moment = datetime.fromisoformat(since) if since else None
    except ValueError:
        moment = None
    if moment is None or (moment if moment.tzinfo else moment.replace(tzinfo=UTC)) <= latest:
        return _cursor(since, seen)
    return _cursor(latest.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), set())


def _cursor(since: str | None, seen: set[str]) -> dict[str, Any]:
    """Where the next pass starts: the last ``updatedAt`` and the ids read at it, or none of
    them when a bulk edit changed more than :data:`MAX_TIE_IDS` rows in that second (the next
    pass reads that second again: upserts of the same rows change nothing)."""
    if not since:
        return {}
    return {"updated_at": since, "ids": sorted(seen) if len(seen) <= MAX_TIE_IDS else []}


def _refill(cost: dict[str, Any]) -> float | None:
    """Seconds until the bucket holds the query's requested cost again (None: not said)."""
    status = obj(cost.get("throttleStatus"))
    try:
        needed = float(cost.get("requestedQueryCost") or 0)
        available = float(status["currentlyAvailable"])
        rate = float(status["restoreRate"])
    except (KeyError, TypeError, ValueError):
        return None
    if rate <= 0:
        return None
    return max(needed - available, 0.0) / rate


def customer_row(source: str, c: dict[str, Any]) -> Row:
    """A customer of the GraphQL API (camelCase) or of a webhook (REST snake_case)."""
    email = obj(c.get("defaultEmailAddress"))
    consent = obj(c.get("email_marketing_consent") or c.get("emailMarketingConsent"))
    state = email.get("marketingState") or consent.get("state") or consent.get("marketingState")
    address = obj(c.get("defaultAddress") or c.get("default_address"))
    tags = c.get("tags")
    if isinstance(tags, str):  # REST sends "vip, wholesale"
        tags = [t.strip() for t in tags.split(",")]
    first = c.get("firstName", c.get("first_name"))
    last = c.get("lastName", c.get("last_name"))
    locale = str(c.get("locale") or "")
    return {
        "customer_id": _id(c.get("id")),
        "name": " ".join(str(p) for p in (first, last) if p) or None,
        "email": text(email.get("emailAddress") or c.get("email")),
        "created_at": text(c.get("createdAt") or c.get("created_at")),
        "country": text(address.get("countryCodeV2") or address.get("country_code")),
        "language": locale.split("-")[0].lower() or None,
        # Shopify's tags are the merchant's segments: the first one as Shopify lists them
        "segment": next((str(t) for t in tags or [] if t), None),
        "email_consent": CONSENT.get(str(state or "").upper()),
        "source": source,
    }


def order_row(
    source: str,
    *,
    order_id: str | None,
    customer_id: str | None,
    ordered_at: Any,
    total: Decimal | None,
    current: Decimal | None,
    tax: Decimal | None,
    refunded: Decimal | None,
    currency: str | None,
    cancelled: bool,
    delivered_at: str | None,
    channel: Any,
) -> Row:
    """An order row, netted as the module says, from either API's amounts."""
    amount = None
    if current is not None:
        paid = current if total is None else min(current, total - (refunded or Decimal(0)))
        amount = max(paid - (tax or Decimal(0)), Decimal(0))
    if cancelled:
        status = "cancelled"
    elif refunded and total is not None and refunded >= total > 0:
        status = "returned"
    elif delivered_at:
        status = "delivered"
    else:
        status = "placed"
    return {
        "order_id": order_id,
        "customer_id": customer_id,
        "ordered_at": text(ordered_at),
        "amount": None if amount is None else f"{amount:.2f}",
        "currency": currency,
        "channel": CHANNELS.get(str(channel), None if channel is None else "other"),
        "status": status,
        "delivered_at": delivered_at,
        "source": source,
    }


def _delivered(fulfilled: bool, fulfilments: list[tuple[Any, Any]]) -> str | None:
    """When a fulfilled order was delivered: the carrier's last delivery time when each
    fulfilment has one, else its last fulfilment (shipped: no carrier tracking)."""
    if not fulfilled or not fulfilments:
        return None
    if all(delivered for delivered, _ in fulfilments):
        return max(str(d) for d, _ in fulfilments)
    moments = [str(d or c) for d, c in fulfilments if d or c]
    return max(moments) if moments else None


def _money(value: Any) -> tuple[Decimal | None, str | None]:
    """A MoneyBag's amount and currency in the shop's currency."""
    shop = obj(obj(value).get("shopMoney"))
    return _decimal(shop.get("amount")), text(shop.get("currencyCode"))


def _decimal(value: Any) -> Decimal | None:
    try:
        return None if value is None else Decimal(str(value))
    except InvalidOperation:
        return None


def _id(value: Any) -> str | None:
    """The number of a global id (gid://shopify/Order/450789469 -> 450789469): the id the
    shop's admin shows and REST webhooks send."""
    return None if value is None else str(value).rsplit("/", 1)[-1] or None


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


ORDER_TOPICS = ("orders/create", "orders/updated", "orders/fulfilled", "orders/paid",
                "orders/cancelled", "orders/edited")  # fmt: skip
CUSTOMER_TOPICS = ("customers/create", "customers/update", "customers/enable", "customers/disable")
DELETE_TOPICS = {"customers/delete": "customers", "orders/delete": "orders"}


def webhook_event(source: str, event: Verified) -> Mapped:
    """A Shopify webhook (REST-shaped JSON, its topic in X-Shopify-Topic) as customers and
    orders rows: https://shopify.dev/docs/api/webhooks (topics orders/*, customers/*,
    refunds/create). A fulfilled order's ``delivered_at`` is what the ``order_delivered``
    survey trigger reads; ``customers/delete`` and ``orders/delete`` (only the id) delete the
    row, which no pull can see."""
    body = obj(event.payload)
    topic = event.event_type
    if topic in CUSTOMER_TOPICS and body.get("id") is not None:
        return Mapped(rows={"customers": [customer_row(source, body)]})
    if topic in ORDER_TOPICS and body.get("id") is not None:
        rows: dict[str, list[Row]] = {"orders": [_webhook_order(source, body)]}
        customer = obj(body.get("customer"))
        if customer.get("id") is not None and customer.get("created_at"):
            rows = {"customers": [customer_row(source, customer)], **rows}
        return Mapped(rows=rows)
    if topic in DELETE_TOPICS and body.get("id") is not None:
        table = DELETE_TOPICS[topic]
        return Mapped(deleted={table: [str(body["id"])]}, note=f"{table}: deleted")
    if topic == "refunds/create":
        # a refund carries no order totals: its order is netted by the orders/updated
        # Shopify sends with it, and by the next sync
        return Mapped(note=f"refund of order {body.get('order_id')}: netted by orders/updated")
    return Mapped()


def _webhook_order(source: str, o: dict[str, Any]) -> Row:
    refunded = Decimal(0)
    for refund in _dicts(o.get("refunds")):
        for t in _dicts(refund.get("transactions")):
            if t.get("kind") == "refund" and t.get("status") == "success":
                refunded += _decimal(t.get("amount")) or Decimal(0)

    def shop(name: str) -> Decimal | None:  # the *_set in the shop's currency, else the field
        found = _decimal(obj(obj(o.get(f"{name}_set")).get("shop_money")).get("amount"))
        return found if found is not None else _decimal(o.get(name))

    fulfilments = [
        (f.get("updated_at") if f.get("shipment_status") == "delivered" else None,
         f.get("created_at"))
        for f in _dicts(o.get("fulfillments"))
    ]  # fmt: skip
    return order_row(
        source,
        order_id=_id(o.get("id")),
        customer_id=_id(obj(o.get("customer")).get("id")),
        ordered_at=o.get("processed_at") or o.get("created_at"),
        total=shop("total_price"),
        current=shop("current_total_price"),
        tax=shop("current_total_tax"),
        refunded=refunded,
        currency=text(o.get("currency")),  # the shop's currency (presentment_currency: buyer's)
        cancelled=bool(o.get("cancelled_at")),
        delivered_at=_delivered(o.get("fulfillment_status") == "fulfilled", fulfilments),
        channel=o.get("source_name"),
    )
