"""Stripe Billing: customers, subscriptions with their items and prices, and paid one-off
invoices, with MRR booked as ChartMogul books it.

Shapes as Stripe documents them (the test server, tests/sources/stripe_server.py, answers the
same), read with the API version pinned by :data:`API_VERSION`:

- lists: ``GET /v1/customers``, ``/v1/subscriptions?status=all``, ``/v1/invoices?status=paid``
  with ``limit`` and ``starting_after``, answering ``{"object": "list", "data", "has_more",
  "url"}`` newest first. https://docs.stripe.com/api/pagination
- changes: ``GET /v1/events?created[gte]=&types[]=`` (newest first, kept 30 days; each event's
  ``data.object`` is the object as it was, rendered in the API version of its time: one
  rendered in another version is read again, ``GET /v1/subscriptions/{id}``, in ours).
  https://docs.stripe.com/api/events/list

One stream, ``billing``, in phases: the first sync lists customers, then subscriptions, then
paid invoices (the cursor holds the phase and the last id, so a killed backfill resumes at its
page); from then on each sync replays the events since the last one it applied, oldest first.
Events, not ``created[gte]`` on the lists: a subscription changes long after it was created
(an upgrade, a cancellation), and only the events say so. The backfill's start is the events'
first watermark, so a change made while it runs is replayed after it (replays are upserts:
free). A source left unsynced for longer than Stripe keeps events needs ``sync --full``.

MRR as ChartMogul books it: a price per month (annual / 12, weekly x 52 / 12, daily x 365 /
12, each / interval_count) times quantity, summed over the items; a percent-off or amount-off
coupon that recurs (``forever``, or ``repeating`` until its ``end``) lowers it, a ``once``
coupon is a one-off, not recurring revenue; a trial is 0 MRR (``started_at`` is the trial's
end), ``past_due`` and ``unpaid`` still count, a canceled subscription ends at ``ended_at``
(``canceled_at`` is when it was asked); ``incomplete``, ``incomplete_expired`` and ``paused``
are 0. Metered prices bill usage after the fact: not MRR here. The arithmetic is in
:mod:`cxpulse.ingest.stripe_billing`, shared with the Dashboard export presets. An invoice
paid for no subscription (a one-off charge) is an order.

Why plain httpx (the shared :class:`~cxpulse.sources.http.Http`) and not the ``stripe`` SDK,
though ``stripe.StripeClient(key, base_addresses={"api": url})`` can reach a test server: the
sync must own each page boundary (rows and cursor in one transaction) and see Stripe's raw
JSON (an unknown field ignored, a missing one NULL), and 429s, refused keys and waits follow
the one policy and one-line messages every connector shares; the SDK retries inside itself
(``max_network_retries``) and wraps pages in its own objects, for four GET endpoints.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from cxpulse.errors import SourceError
from cxpulse.ingest.stripe_billing import currency_code, subscription_terms, units
from cxpulse.sources.connector import Connector, Option, Page, Row
from cxpulse.sources.webhook_mapping import Mapped, Trigger, obj
from cxpulse.sources.webhooks import Verified

API_VERSION = "2024-06-20"
"""Pinned so list answers keep one shape whatever the account's default version
(https://docs.stripe.com/api/versioning): ``subscription.discount`` with its coupon."""
PAGE_SIZE = 100  # Stripe's largest ``limit``
EVENT_DAYS = 30  # how long Stripe keeps events (https://docs.stripe.com/api/events)
PHASES = ("customers", "subscriptions", "invoices", "events")
LISTS = {
    "customers": ("/v1/customers", {}),
    "subscriptions": ("/v1/subscriptions", {"status": "all"}),
    "invoices": ("/v1/invoices", {"status": "paid"}),
}
RETRIEVE = {"customer": "/v1/customers", "subscription": "/v1/subscriptions",
            "invoice": "/v1/invoices"}  # fmt: skip
EVENT_TYPES = (
    "customer.created",
    "customer.updated",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "customer.subscription.paused",
    "customer.subscription.resumed",
    "invoice.paid",
    # a coupon added, changed or over: its subscription's MRR moves, read again
    "customer.discount.created",
    "customer.discount.updated",
    "customer.discount.deleted",
)
CUSTOMER_METADATA = ("account_id", "segment", "plan", "country", "language")
"""Metadata keys named like a customers column fill it (a CRM's segment kept in Stripe)."""


class Stripe(Connector):
    name = "stripe"
    title = "Stripe"
    options: ClassVar[tuple[Option, ...]] = (
        Option("base_url", "Another address of the API (a proxy, or a test server)."),
    )
    streams = ("billing",)
    headers: ClassVar[dict[str, str]] = {"Stripe-Version": API_VERSION}

    @classmethod
    def base_url(cls, options: Mapping[str, str]) -> str:
        return options.get("base_url") or "https://api.stripe.com"

    @classmethod
    def auth(cls, options: Mapping[str, str], token: str) -> tuple[str, str]:
        return (token, "")  # the secret key as the user name, no password (Stripe's docs)

    def pages(self, stream: str, cursor: Any) -> Iterator[Page]:
        state = dict(cursor or {})
        if "phase" not in state:  # a first (or full) sync: changes from now on are events
            state = {"phase": PHASES[0], "since": self._epoch(self.now)}
        if state["phase"] == "events":
            yield from self._events(state)
            return
        for phase in PHASES[PHASES.index(state["phase"]) :]:
            if phase == "events":
                yield from self._events({"phase": "events", "since": state["since"]})
                return
            yield from self._list(phase, state.get("after") if phase == state["phase"] else None,
                                  state["since"])  # fmt: skip

    # -- the backfill -------------------------------------------------------------------------
    def _list(self, phase: str, after: str | None, since: int) -> Iterator[Page]:
        path, filters = LISTS[phase]
        while True:
            params: dict[str, Any] = {"limit": PAGE_SIZE, **filters}
            if after:
                params["starting_after"] = after
            body = self.http.get(path, params)
            data = [o for o in body.get("data") or [] if isinstance(o, dict)]
            more = bool(body.get("has_more")) and bool(data) and data[-1].get("id") is not None
            if more:
                after = str(data[-1]["id"])
                cursor: dict[str, Any] = {"phase": phase, "after": after, "since": since}
            else:
                cursor = {"phase": PHASES[PHASES.index(phase) + 1], "since": since}
            yield Page(rows=self._rows(data), cursor=cursor)
            if not more:
                return

    # -- changes ------------------------------------------------------------------------------
    def _events(self, state: dict[str, Any]) -> Iterator[Page]:
        since = int(state["since"])
        # the last complete read of the events, not the last event: a quiet account may have
        # none for months, and every one up to that read was seen
        checked = int(state.get("checked", since))
        now = self._epoch(self.now)
        if now - checked > EVENT_DAYS * 86_400:
            raise SourceError(
                f"source {self.source!r}: its last sync is more than {EVENT_DAYS} days old and "
                "Stripe keeps events that long: run `cxpulse sources sync "
                f"{self.source} --full` to read everything again"
            )
        # Stripe lists newest first and pages toward the past: read them all (30 days at
        # most), then apply oldest first so the last snapshot of an object wins
        events: list[dict[str, Any]] = []
        after: str | None = None
        while True:
            params: dict[str, Any] = {
                "limit": PAGE_SIZE,
                "created[gte]": since,
                "types[]": list(EVENT_TYPES),
            }
            if after:
                params["starting_after"] = after
            body = self.http.get("/v1/events", params)
            data = [e for e in body.get("data") or [] if isinstance(e, dict)]
            events.extend(data)
            if not (body.get("has_more") and data and data[-1].get("id")):
                break
            after = str(data[-1]["id"])
        events.reverse()
        if not events:
            yield Page(
                rows={}, cursor={"phase": "events", "since": since, "checked": now}, done=True
            )
            return
        for start in range(0, len(events), PAGE_SIZE):
            chunk = events[start : start + PAGE_SIZE]
            objects = self._snapshots(chunk)
            # created[gte]: events of the chunk's last second are read again next time (an
            # upsert of the same snapshot), never skipped
            last = max(int(e.get("created") or since) for e in chunk)
            done = start + PAGE_SIZE >= len(events)
            yield Page(
                rows=self._rows(objects),
                cursor={"phase": "events", "since": max(last, since),
                        "checked": now if done else checked},
                done=done,
            )  # fmt: skip

    def _snapshots(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Each event's object, read again in :data:`API_VERSION` when the event was rendered
        in another one (Stripe renders an event in the version of its time: a newer one has
        no ``discount``, an older one a ``plan`` for a price), and for a discount its
        subscription; once per object: what is read is its current state, so later events
        of it change nothing."""
        fetched: dict[str, Any] = {}
        objects: list[dict[str, Any]] = []
        for event in events:
            obj = _object(_object(event.get("data")).get("object"))
            path = RETRIEVE.get(str(obj.get("object")))
            key = None
            if obj.get("object") == "discount" and obj.get("subscription"):
                key = f"/v1/subscriptions/{obj['subscription']}"  # the discount's subscription
            elif path and obj.get("id") and event.get("api_version") not in (None, API_VERSION):
                key = f"{path}/{obj['id']}"
            if key:
                if key not in fetched:
                    fetched[key] = self.http.get(key, {})
                obj = _object(fetched[key])
            objects.append(obj)
        return objects

    # -- mapping ------------------------------------------------------------------------------
    def _rows(self, objects: list[dict[str, Any]]) -> dict[str, list[Row]]:
        rows: dict[str, list[Row]] = {"customers": [], "subscriptions": [], "orders": []}
        for o in objects:
            kind = o.get("object")
            if kind == "customer" and not o.get("deleted"):
                rows["customers"].append(self._customer(o))
            elif kind == "subscription":
                rows["subscriptions"].append(self._subscription(o))
            elif kind == "invoice" and o.get("status") == "paid" and not o.get("subscription"):
                rows["orders"].append(self._order(o))
        return {table: found for table, found in rows.items() if found}

    def _customer(self, c: dict[str, Any]) -> Row:
        metadata = _object(c.get("metadata"))
        locales = c.get("preferred_locales") or []
        address = _object(c.get("address"))
        row: Row = {
            "customer_id": _text(c.get("id")),
            "name": c.get("name"),
            "email": c.get("email"),
            "created_at": _time(c.get("created")),
            "country": address.get("country"),
            "language": str(locales[0]).split("-")[0].lower() if locales else None,
            "source": self.source,
        }
        for key in CUSTOMER_METADATA:  # metadata the customer's own fields left empty
            if metadata.get(key) and not row.get(key):
                row[key] = str(metadata[key])
        return row

    def _subscription(self, s: dict[str, Any]) -> Row:
        return subscription_row(s, self.source, self._epoch(self.now))

    def _order(self, i: dict[str, Any]) -> Row:
        currency = i.get("currency")
        before_tax = i.get("total_excluding_tax")
        if before_tax is None and i.get("amount_paid") is not None:
            before_tax = i["amount_paid"] - (i.get("tax") or 0)
        paid_at = (i.get("status_transitions") or {}).get("paid_at") or i.get("created")
        customer = i.get("customer")
        return {
            "order_id": _text(i.get("id")),
            "customer_id": _text(customer.get("id") if isinstance(customer, dict) else customer),
            "ordered_at": _time(paid_at),
            "amount": None if before_tax is None else f"{units(before_tax, currency):.6f}",
            "currency": currency_code(currency),
            "status": "placed",
            "source": self.source,
        }

    @staticmethod
    def _epoch(moment: datetime) -> int:
        return int(moment.replace(tzinfo=UTC).timestamp())


def subscription_row(s: dict[str, Any], source: str, now: int) -> Row:
    """A Stripe Subscription as a subscriptions row, its MRR as of ``now`` (unix seconds):
    the sync's and the webhooks' one mapping."""
    terms = subscription_terms(s, now)
    items = [i for i in (s.get("items") or {}).get("data") or [] if isinstance(i, dict)]
    plans = [_plan(i.get("price") or i.get("plan") or {}) for i in items]
    customer = s.get("customer")
    return {
        "subscription_id": _text(s.get("id")),
        "customer_id": _text(customer.get("id") if isinstance(customer, dict) else customer),
        "plan": " + ".join(p for p in plans if p) or None,
        "price": None if terms.price is None else f"{terms.price:.6f}",
        "currency": terms.currency,
        "billing_period": terms.billing_period,
        "started_at": _time(terms.started),
        "cancelled_at": _time(terms.canceled),
        "ended_at": _time(s.get("ended_at")),
        "source": source,
    }


def _plan(price: dict[str, Any]) -> str | None:
    product = price.get("product")
    if isinstance(product, dict):
        product = product.get("name") or product.get("id")
    return price.get("nickname") or _text(product) or _text(price.get("id"))


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _time(epoch: Any) -> str | None:
    if epoch is None:
        return None
    try:
        return datetime.fromtimestamp(int(epoch), UTC).isoformat()
    except (TypeError, ValueError, OverflowError):
        return str(epoch)  # not a time: the import's check reports the row


SUBSCRIPTION_EVENTS = (
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
)


def webhook_event(source: str, event: Verified) -> Mapped:
    """``customer.subscription.created|updated|deleted``: the subscription row, mapped as the
    sync maps it (:func:`subscription_row`, its MRR as of the event), applied in the order of
    the events' ``created`` (a late ``updated`` must not undo a newer ``deleted``); a deletion
    is also a ``subscription_canceled`` survey trigger."""
    body = obj(event.payload)
    sub = obj(obj(body.get("data")).get("object"))
    if event.event_type not in SUBSCRIPTION_EVENTS or not sub.get("id"):
        return Mapped()
    created = body.get("created")
    epoch = int(created) if isinstance(created, int) else 0
    at = datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None)
    mapped = Mapped(
        rows={"subscriptions": [subscription_row(sub, source, epoch)]},
        subject=f"subscription:{sub['id']}",
        occurred_at=at if epoch else None,
    )
    if event.event_type == "customer.subscription.deleted" and sub.get("customer"):
        customer = sub["customer"]
        customer_id = str(customer.get("id") if isinstance(customer, dict) else customer)
        key = f"{source}:{event.event_id}"
        mapped.triggers.append(Trigger("subscription_canceled", customer_id, at, key))
    return mapped
