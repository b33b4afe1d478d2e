"""Stripe's money as ChartMogul books it, shared by the Stripe connector
(:mod:`cxpulse.sources.stripe`) and the Stripe export presets
(:mod:`cxpulse.ingest.presets.stripe_exports`), so an API sync and a Dashboard CSV of the same
account book the same MRR.

Amounts are in each currency's minor unit (https://docs.stripe.com/currencies). A price per
month is annual / 12, weekly x 52 / 12, daily x 365 / 12, each / interval_count, times
quantity, summed over the items; a recurring percent-off or amount-off coupon lowers it, a
``once`` coupon is a one-off; a trial is 0 MRR (revenue starts when it ends), ``past_due``
and ``unpaid`` still count, :data:`NO_MRR` statuses are 0; metered prices bill usage after the
fact, not MRR. A canceled subscription churns at ``ended_at``; ``canceled_at`` (the request)
is kept between the start and the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# per-period price -> per month, by ``recurring.interval``
MONTHS_PER = {"day": 12 / 365, "week": 12 / 52, "month": 1.0, "year": 12.0}
# (interval, interval_count) kept as the canonical billing period; others become a month
PERIODS = {("month", 1): "month", ("month", 3): "quarter", ("year", 1): "year"}
NO_MRR = ("incomplete", "incomplete_expired", "paused")
# amounts of these currencies are whole units, the others hundredths
# (https://docs.stripe.com/currencies#zero-decimal)
ZERO_DECIMAL = frozenset(
    ("bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv",
     "xaf", "xof", "xpf")
)  # fmt: skip
THREE_DECIMAL = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})
"""Stripe's three-decimal currencies, in thousandths: 5.120 KWD is ``amount=5120``
(https://docs.stripe.com/currencies#three-decimal)."""


@dataclass(frozen=True)
class Terms:
    """What a subscription books: its price per billing period after recurring coupons (None
    when it cannot be known: a tiered price), that period, its currency, and its start and
    cancel request (epoch seconds) as MRR counts them."""

    price: float | None
    billing_period: str | None
    currency: str | None
    started: Any
    canceled: Any


def subscription_terms(s: dict[str, Any], now: int) -> Terms:
    """The booked terms of a Stripe subscription object (the API's shape, times in epoch
    seconds) at ``now``."""
    items = [i for i in (s.get("items") or {}).get("data") or [] if isinstance(i, dict)]
    billed = billed_items(items)
    start = s.get("start_date") or s.get("created")
    ended = s.get("ended_at")
    trial_end = s.get("trial_end")
    started = start
    price = None if billed is None else billed[0]
    if trial_end and (start is None or trial_end > start):
        if ended is not None and ended <= trial_end:
            price = 0.0  # ended in its trial: never paid
        else:
            started = trial_end  # a trial is 0 MRR: revenue starts when it ends
    if s.get("status") in NO_MRR:
        price = 0.0
    if price is not None and billed is not None:
        price = discounted(price, billed[2], s, now)
    canceled = s.get("canceled_at")
    if canceled is not None and started is not None:  # asked during its trial, or ...
        canceled = max(canceled, started)
    if canceled is not None and ended is not None:  # ... recorded after the end
        canceled = min(canceled, ended)
    return Terms(
        price=price,
        billing_period=None if billed is None else billed[1],
        currency=currency_code(s.get("currency") or (billed[3] if billed else None)),
        started=started,
        canceled=canceled,
    )


def billed_items(items: list[dict[str, Any]]) -> tuple[float, str, float, str | None] | None:
    """The items' price per billing period, that period, how many invoices fall in it (an
    amount-off coupon comes off each) and the currency; None when a licensed item has no
    unit amount (a tiered price: the row is skipped and reported rather than booked wrong)."""
    if not items:
        return None
    monthly = 0.0
    periods: set[tuple[str, int]] = set()
    currency = None
    for item in items:
        price = item.get("price") or item.get("plan") or {}
        recurring = price.get("recurring") or {
            "interval": price.get("interval"),
            "interval_count": price.get("interval_count"),
            "usage_type": price.get("usage_type"),
        }
        interval = recurring.get("interval")
        count = int(recurring.get("interval_count") or 1)
        if interval not in MONTHS_PER:
            return None
        periods.add((interval, count))
        currency = currency or price.get("currency")
        if recurring.get("usage_type") == "metered":
            continue  # usage billed in arrears: not recurring revenue
        unit = price.get("unit_amount_decimal") or price.get("unit_amount")
        if unit is None:
            unit = price.get("amount")  # a legacy plan
        if unit is None:
            return None
        per_period = units(float(unit), price.get("currency")) * quantity(item)
        monthly += per_period / (MONTHS_PER[interval] * count)
    if len(periods) == 1:
        interval, count = next(iter(periods))
        if (interval, count) in PERIODS:
            return monthly * MONTHS_PER[interval] * count, PERIODS[(interval, count)], 1.0, currency
        # another period (weekly, every 2 months, ...): booked per month
        return monthly, "month", 1 / (MONTHS_PER[interval] * count), currency
    return monthly, "month", 1.0, currency  # items billed on different periods: rare


def discounted(price: float, invoices: float, s: dict[str, Any], now: int) -> float:
    """The price per period after the subscription's recurring coupons in force at ``now``."""
    found = [s.get("discount"), *(s.get("discounts") or [])]
    seen: set[Any] = set()
    for discount in found:
        if not isinstance(discount, dict) or discount.get("id") in seen:
            continue  # an id alone (not expanded) says nothing of its coupon
        seen.add(discount.get("id"))
        coupon = discount.get("coupon") or {}
        end = discount.get("end")
        if coupon.get("duration") == "once" or (end is not None and end <= now):
            continue
        if coupon.get("percent_off") is not None:
            price *= 1 - float(coupon["percent_off"]) / 100
        elif coupon.get("amount_off") is not None:
            # amount_off comes off each invoice
            price -= units(float(coupon["amount_off"]), coupon.get("currency")) * invoices
    return max(price, 0.0)


def minor_unit(currency: Any) -> int:
    """How many of the currency's smallest unit Stripe counts in one (100 for EUR)."""
    code = str(currency or "").lower()
    if code in ZERO_DECIMAL:
        return 1
    return 1000 if code in THREE_DECIMAL else 100


def units(amount: float, currency: Any) -> float:
    """A Stripe amount (minor units) in the currency's units."""
    return amount / minor_unit(currency)


def quantity(item: dict[str, Any]) -> int:
    """Seats: 1 when Stripe leaves it out, 0 when the customer has none (no MRR)."""
    value = item.get("quantity")
    return 1 if value is None else int(value)


def currency_code(code: Any) -> str | None:
    return None if not code else str(code).upper()
