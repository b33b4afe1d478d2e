"""Stripe Dashboard's CSV exports (Billing > Subscriptions > Export, Invoices > Export,
https://docs.stripe.com/invoicing/dashboard/manage-invoices#export-invoices) into
``subscriptions`` (``stripe-subscriptions``) and ``orders`` (``stripe-invoices``).

NOT confirmed against a real file: the names follow public descriptions and scripts that read
these exports (subscriptions: ``id``, ``Customer ID``, ``Customer Email``, ``Plan``,
``Product``, ``Quantity``, ``Interval``, ``Amount``, ``Currency``, ``Status``, ``Created
(UTC)``, ``Start (UTC)`` or ``Start Date (UTC)``, ``Trial End (UTC)``, ``Canceled At
(UTC)``, ``Ended At (UTC)``; invoices: ``id``, ``Customer`` or ``Customer ID``, ``Status``,
``Subscription``, ``Currency``, ``Total``, ``Tax``, ``Amount Paid``, ``Date (UTC)``).
The Dashboard writes amounts in the currency's units (49.00), not in Stripe's minor units;
times are UTC, as the headers say. ``--map`` covers another spelling.

Subscriptions are booked as the Stripe connector books them, by the same code
(:func:`cxpulse.ingest.stripe_billing.subscription_terms`): each row becomes the subscription
object the API would return (one item: ``Amount`` per unit x ``Quantity``, every
``Interval``), so annual plans are / 12 on the metrics' side (price per year, period year),
weekly and daily plans are booked per month, a trial is 0 MRR until ``Trial End`` (then
started_at), incomplete and paused ones are 0, past_due and unpaid still count, ``Canceled
At`` (the request) is kept between the start and ``Ended At`` (the churn). What the CSV cannot
give: discounts (the export names a coupon at most, not its terms: MRR is before coupons),
several items of one subscription (one row, one price), metered prices (booked as licensed).

Column by column (subscriptions): ``id`` -> subscription_id; ``Customer ID`` -> customer_id;
``Plan`` (its nickname; ``Product`` when the plan is only a ``price_``/``plan_`` id) -> plan;
price, billing_period (month, quarter, year), currency (upper case), started_at, cancelled_at,
ended_at as above. Invoices: only paid invoices of no subscription are orders (a
subscription's invoices are its MRR, as the connector decides; a file without ``Status`` is
refused, its drafts and voided invoices being no orders): ``id`` -> order_id;
``Customer``/``Customer ID`` -> customer_id; ``Paid At (UTC)``, else ``Date (UTC)`` ->
ordered_at; ``Total`` minus ``Tax`` (else ``Amount Paid`` minus ``Tax``) -> amount (before
tax); ``Currency`` -> currency; status placed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cxpulse.ingest.presets.preset import Preset
from cxpulse.ingest.presets.reshaping import (
    combine,
    keep_rows,
    loose,
    number,
    pick,
    require,
    timestamp,
    with_columns,
)
from cxpulse.ingest.readers import RawFile
from cxpulse.ingest.stripe_billing import currency_code, minor_unit, subscription_terms

NO_COUPONS = 0
"""The moment coupons are valued at: the export has none, so any will do."""
TIMES = {
    "start_date": ("Start (UTC)", "Start Date (UTC)", "Created (UTC)"),
    "trial_end": ("Trial End (UTC)",),
    "canceled_at": ("Canceled At (UTC)",),
    "ended_at": ("Ended At (UTC)",),
}


def _subscriptions(raw: RawFile) -> RawFile:
    f = raw.frame
    times = {key: pick(f, *names) for key, names in TIMES.items()}
    given = pd.DataFrame(
        {
            "status": pick(f, "Status"),
            "amount": pick(f, "Amount", "Plan Amount"),
            "quantity": pick(f, "Quantity"),
            "interval": pick(f, "Interval", "Plan Interval"),
            "interval_count": pick(f, "Interval Count", "Plan Interval Count"),
            "currency": pick(f, "Currency", "Plan Currency"),
            **times,
        }
    )
    booked = [_booked({str(k): v for k, v in row.items()}) for row in given.to_dict("records")]
    out = {name: pd.Series([b[name] for b in booked]) for name in booked[0]} if booked else {}
    plan = combine([pick(f, "Plan", "Plan Nickname"), pick(f, "Product", "Product Name")], _plan)
    used = ("Status", "Amount", "Plan Amount", "Quantity", "Interval", "Plan Interval",
            "Interval Count", "Plan Interval Count", "Plan Currency", "Plan Nickname",
            "Product", "Product Name", *(n for names in TIMES.values() for n in names))  # fmt: skip
    return with_columns(raw, {**out, "plan": plan} if booked else {"plan": plan}, used=used)


def _booked(row: dict[str, Any]) -> dict[str, str | None]:
    """One export row as the connector books it; a value that cannot be read goes on as it
    is, so the import rejects the row naming its line."""
    epochs: dict[str, int | None] = {}
    bad: dict[str, str] = {}
    for key in TIMES:
        value = row[key]
        moment = timestamp(value)
        if value is not None and moment is None:
            bad[key] = value
        epochs[key] = None if moment is None else _epoch(moment)
    amount = number(row["amount"])
    count = number(row["interval_count"]) or 1
    quantity = number(row["quantity"])
    currency = (row["currency"] or "").lower() or None
    interval = loose(row["interval"]) if row["interval"] else None
    item = {
        "quantity": None if quantity is None else int(quantity),
        "price": {
            "currency": currency,
            "unit_amount": None if amount is None else round(amount * minor_unit(currency)),
            "recurring": {"interval": interval, "interval_count": int(count)},
        },
    }
    terms = subscription_terms(
        {
            "status": loose(row["status"]) if row["status"] else None,
            "currency": currency,
            "items": {"data": [item]},
            **epochs,
        },
        NO_COUPONS,
    )
    price = None if terms.price is None else f"{terms.price:.6f}"
    if amount is None and row["amount"] is not None:
        price = row["amount"]  # no number: the import says so
    period = terms.billing_period
    if period is None and row["interval"] is not None:
        period = row["interval"]  # "fortnight": not a period the import accepts
    return {
        "price": price,
        "billing_period": period,
        "currency": terms.currency,
        "started_at": bad.get("start_date") or _iso(terms.started),
        "cancelled_at": bad.get("canceled_at") or _iso(terms.canceled),
        "ended_at": bad.get("ended_at") or _iso(epochs["ended_at"]),
    }


def _plan(plan: Any, product: Any) -> str | None:
    if plan is not None and not str(plan).startswith(("price_", "plan_")):
        return str(plan)
    found = product or plan
    return None if found is None else str(found)


def _epoch(moment: pd.Timestamp) -> int:
    utc = moment.tz_localize("UTC") if moment.tzinfo is None else moment.tz_convert("UTC")
    return int(utc.timestamp())


def _iso(epoch: Any) -> str | None:
    return None if epoch is None else pd.Timestamp(int(epoch), unit="s").isoformat()


def _invoices(raw: RawFile) -> RawFile:
    # without it, drafts, open and voided invoices would be booked as paid orders
    require(raw, "stripe-invoices", "Status", why="needs to keep only paid invoices")
    f = raw.frame
    status = pick(f, "Status")
    subscription = pick(f, "Subscription", "Subscription ID")
    one_off = status.map(lambda s: s is not None and loose(s) == "paid") & subscription.isna()
    tax = pick(f, "Tax", "Tax Amount")
    raw = with_columns(
        raw,
        {
            "amount": combine(
                [pick(f, "Total"), pick(f, "Amount Paid"), tax],
                lambda total, paid, t: _before_tax(total if total is not None else paid, t),
            ),
            "currency": pick(f, "Currency").map(currency_code),
            "ordered_at": combine(
                [pick(f, "Paid At (UTC)"), pick(f, "Date (UTC)", "Created (UTC)")],
                lambda paid, made: paid or made,
            ),
            # every order here is paid; the file's "Status" (paid) is replaced
            "status": status.map(lambda _: "placed"),
        },
        used=("Subscription", "Subscription ID", "Tax", "Tax Amount", "Total", "Amount Paid",
              "Paid At (UTC)", "Date (UTC)", "Created (UTC)"),
    )  # fmt: skip
    return keep_rows(raw, np.asarray(one_off.to_numpy(dtype=bool), dtype=bool))


def _before_tax(total: Any, tax: Any) -> str | None:
    value = number(total)
    if value is None:
        return None if total is None else str(total)  # no number: the import says so
    return f"{value - (number(tax) or 0.0):.2f}"


STRIPE_SUBSCRIPTIONS = Preset(
    name="stripe-subscriptions",
    table="subscriptions",
    doc="Stripe Dashboard > Billing > Subscriptions > Export (CSV; not confirmed)",
    columns={
        "subscription_id": ("id", "ID", "Subscription ID"),
        "customer_id": ("Customer ID", "Customer"),
    },
    timezone="UTC",  # the export says so in its headers
    reshape=_subscriptions,
)

STRIPE_INVOICES = Preset(
    name="stripe-invoices",
    table="orders",
    doc="Stripe Dashboard > Invoices > Export (CSV; paid one-off invoices; not confirmed)",
    columns={
        "order_id": ("id", "ID", "Invoice ID"),
        "customer_id": ("Customer", "Customer ID"),
    },
    timezone="UTC",
    reshape=_invoices,
)
