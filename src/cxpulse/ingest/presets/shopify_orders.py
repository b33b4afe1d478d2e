"""Shopify admin's orders export (Orders > Export, CSV for Excel or plain CSV) into ``orders``.

https://help.shopify.com/en/manual/fulfillment/managing-orders/exporting-orders lists the
columns; these recur in many real exports published with public tools: ``Name`` (#1001),
``Email``, ``Financial Status``, ``Paid at``, ``Fulfillment Status``, ``Fulfilled at``,
``Currency``, ``Subtotal``, ``Shipping``, ``Taxes``, ``Total``, ``Discount Code``, ``Discount
Amount``, ``Created at``, ``Lineitem quantity``, ``Lineitem name``, ``Lineitem price``, ...,
``Cancelled at``, ``Refunded Amount``, ``Id``, ``Source``.

The export has ONE ROW PER LINE ITEM: the first row of an order carries the order's fields and
totals, the next ones (same ``Name``) only their line item. The reshape keeps the first row of
each order, with its own line, and drops the others.

Column by column: ``Id`` (Shopify's order id, what the API and webhooks name; ``Name`` when the
export has no ``Id``) -> order_id; ``Email`` (lower case; the export names no customer id) ->
customer_id; ``Created at`` (with its offset) -> ordered_at; ``Total`` minus ``Taxes`` minus
``Refunded Amount``, never below 0 -> amount: what the customer still pays, before tax, with
shipping, as the Shopify connector books it (``min(current, total - refunded) - current tax``,
:mod:`cxpulse.sources.shopify`), so an order keeps its amount when a shop moves from exports
to the live sync. The one difference the CSV leaves: its ``Taxes`` is the order's tax before
any refund (the API's current tax is after), so an order refunded in part is booked lower here
by the refunded tax (a refund of 12.00 including 2.00 of tax: 2.00 lower); ``Currency`` ->
currency; ``Source`` (web, pos, shopify_draft_order, ...) -> channel (pos as store); status:
``Cancelled at`` set -> cancelled, ``Financial Status`` refunded -> returned, ``Fulfillment
Status`` fulfilled -> delivered, else placed; ``Fulfilled at`` -> delivered_at for a
fulfilled order (the export has no delivery date: fulfilment is the nearest moment, and
review requests are usually timed from it). Not mapped: line items, shipping and taxes on
their own, discount codes, addresses, margin.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cxpulse.ingest.presets.preset import Preset
from cxpulse.ingest.presets.reshaping import (
    combine,
    keep_rows,
    loose,
    number,
    pick,
    with_columns,
    without,
)
from cxpulse.ingest.readers import RawFile

CHANNELS = {"web": "web", "pos": "store", "iphone": "app", "android": "app"}


def _orders(raw: RawFile) -> RawFile:
    names = pick(raw.frame, "Name")
    # the first row of each order carries its totals; a row without a name stays (and is
    # reported by the import if it lacks what an order needs)
    first = ~names.duplicated(keep="first") | names.isna()
    raw = keep_rows(raw, np.asarray(first.to_numpy(dtype=bool), dtype=bool))
    f = raw.frame
    names = pick(f, "Name")
    ids = pick(f, "Id")
    cancelled = pick(f, "Cancelled at")
    financial = pick(f, "Financial Status")
    fulfillment = pick(f, "Fulfillment Status")
    fulfilled_at = pick(f, "Fulfilled at")
    status = combine([cancelled, financial, fulfillment], _status)
    raw = with_columns(
        raw,
        {
            "order_id": combine([ids, names], lambda i, n: i or n),
            "customer_id": pick(f, "Email").map(lambda e: None if e is None else e.lower()),
            "amount": combine(
                [pick(f, "Total"), pick(f, "Taxes"), pick(f, "Refunded Amount")], _net
            ),
            "status": status,
            "delivered_at": combine(
                [status, fulfilled_at], lambda s, at: at if s == "delivered" else None
            ),
            "channel": pick(f, "Source").map(
                lambda s: None if s is None else CHANNELS.get(loose(s), loose(s))
            ),
        },
        used=("Name", "Id", "Email", "Cancelled at", "Financial Status", "Fulfillment Status",
              "Fulfilled at", "Total", "Taxes", "Refunded Amount"),
    )  # fmt: skip
    return without(raw, "Source")  # a sales channel, not the canonical source (the file)


def _status(cancelled: Any, financial: Any, fulfillment: Any) -> str:
    if cancelled is not None:
        return "cancelled"
    if financial is not None and loose(financial) == "refunded":
        return "returned"
    if fulfillment is not None and loose(fulfillment) == "fulfilled":
        return "delivered"
    return "placed"


def _net(total: Any, taxes: Any, refunded: Any) -> str | None:
    """The order's total before tax, after refunds, never below 0; a cell that is no number
    goes on as it is (the import rejects it with its line)."""
    value = number(total)
    if value is None:
        return None if total is None else str(total)
    less = 0.0
    for cell in (taxes, refunded):
        amount = number(cell)
        if cell is not None and amount is None:
            return str(cell)
        less += amount or 0.0
    return f"{max(value - less, 0.0):.2f}"


SHOPIFY_ORDERS = Preset(
    name="shopify-orders",
    table="orders",
    doc="Shopify admin > Orders > Export (CSV, one row per line item)",
    columns={
        "ordered_at": ("Created at",),
        "currency": ("Currency",),
    },
    confirmed=True,
    reshape=_orders,
)
