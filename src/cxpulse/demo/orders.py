"""Shop orders (beans, equipment, gifts) next to the subscriptions.

Volumes follow the calendar: a December gift peak, a Black Friday weekend rush, fewer orders in
summer. Orders placed during the planted outage (two weeks before Black Friday to the end of
November) are delivered 5 to 12 days late: the cause of the one-month satisfaction dip.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pyarrow as pa

from cxpulse.demo.arrow import build, chronological_ids, labels, take, timestamps
from cxpulse.demo.calendar import (
    DAY,
    F64,
    I64,
    MINUTE,
    NULL_TIME,
    ORDER_HOURS,
    ORDER_MONTHS,
    ORDER_WEEKDAYS,
    B,
    Window,
    black_friday,
    date_us,
    month_of_year,
    snap_to_hours,
    weekday,
)
from cxpulse.demo.customers import CONSUMER, COUNTRIES, OFFICE, RESELLER, Customers
from cxpulse.demo.spec import DemoSpec

CHANNELS = ("web", "app", "phone")
STATUSES = ("placed", "delivered", "returned", "cancelled")
PLACED, DELIVERED, RETURNED, CANCELLED = 0, 1, 2, 3
_BLACK_FRIDAY_RUSH = 2.6  # Black Friday to Cyber Monday
SHOPPING_AFTER = 45 * DAY  # former subscribers still buy beans for a while
_LOST_LATER = 0.02  # share of drawn orders dropped later (customers who left early)
_EXTRA_SHIPPING_DAYS = {"CA": 3.0, "US": 3.0, "GB": 1.0, "CH": 1.0}


@dataclass
class Orders:
    customer: I64
    ordered: I64
    amount: F64
    margin: F64
    channel: I64
    status: I64
    delivered: I64  # NULL_TIME when not delivered (yet)
    late: B  # delivered more than six days after the order

    @property
    def n(self) -> int:
        return len(self.customer)

    def select(self, keep: Any) -> Orders:
        return Orders(*(getattr(self, f.name)[keep] for f in fields(self)))


def active_spans(
    rng: np.random.Generator, cust: Customers, first_start: I64, last_end: I64
) -> tuple[I64, I64]:
    """When each customer is active: subscribers from their first subscription to the end of
    their last one; shop-only customers from signup, for about 14 months on average."""
    sub = last_end != NULL_TIME
    life = (rng.exponential(420.0, cust.n) * DAY).astype(np.int64)
    lo = np.where(sub, first_start, cust.created)
    hi = np.where(sub, last_end, cust.created + life)
    return lo.astype(np.int64), hi.astype(np.int64)


def season(t: I64, window: Window) -> F64:
    """Relative order volume at each time (month, weekday, Black Friday weekend)."""
    f = np.asarray(ORDER_MONTHS)[month_of_year(t)] * np.asarray(ORDER_WEEKDAYS)[weekday(t)]
    for year in range(window.start.year, window.end.year + 1):
        friday = date_us(black_friday(year))
        f = np.where((t >= friday) & (t < friday + 4 * DAY), f * _BLACK_FRIDAY_RUSH, f)
    return np.asarray(f, dtype=np.float64)


def make_orders(
    rng: np.random.Generator,
    spec: DemoSpec,
    cust: Customers,
    lo: I64,
    hi: I64,
    window: Window,
) -> Orders:
    lo = np.maximum(lo, window.start_us)
    hi = np.minimum(hi + SHOPPING_AFTER, window.end_us)
    months = np.maximum(hi - lo, 0) / (30.44 * DAY)
    shop_only = ~cust.subscriber
    relative = cust.appetite * np.select(
        [cust.segment == RESELLER, cust.segment == OFFICE, shop_only], [2.0, 1.0, 1.1], 0.3
    )

    # Shop-only customers signed up by buying something.
    first = np.flatnonzero(shop_only & (cust.created >= window.start_us))
    first_t = cust.created[first] + rng.integers(2 * MINUTE, 40 * MINUTE, len(first))

    # Repeat orders: a Poisson process per customer, thinned by the season (month, weekday,
    # Black Friday) so that volume follows the calendar while staying inside each span.
    # The expected count after thinning is exact: each span's own mean season factor (from a
    # running sum over days) scales it, so the total lands on the target whatever the window.
    daily = season(window.start_us + np.arange(window.n_days, dtype=np.int64) * DAY, window)
    max_f = float(daily.max())
    running = np.r_[0.0, np.cumsum(daily)]
    d_lo = (lo - window.start_us) // DAY
    d_hi = np.maximum((hi - window.start_us) // DAY, d_lo)
    span_f = (running[d_hi] - running[d_lo]) / np.maximum(d_hi - d_lo, 1)
    wanted = max(spec.orders - len(first), 0) * (1 + _LOST_LATER)
    k = wanted / max(float((relative * months * span_f).sum() / max_f), 1e-9)
    lam = k * relative * months
    counts = rng.poisson(lam)
    who = np.repeat(np.arange(cust.n), counts)
    t = lo[who] + (rng.random(len(who)) * (hi[who] - lo[who])).astype(np.int64)
    keep = rng.random(len(who)) < season(t, window) / max_f
    who, t = who[keep], t[keep]
    t = snap_to_hours(rng, t, ORDER_HOURS)
    t = np.clip(t, cust.created[who] + 5 * MINUTE, window.end_us - MINUTE)

    who = np.concatenate([first, who]).astype(np.int64)
    t = np.concatenate([first_t, t]).astype(np.int64)
    return _order_details(rng, cust, who, t, window)


def _order_details(
    rng: np.random.Generator, cust: Customers, who: I64, t: I64, window: Window
) -> Orders:
    n = len(who)
    seg = cust.segment[who]
    median = np.select([seg == RESELLER, seg == OFFICE], [380.0, 120.0], 34.0)
    amount: F64 = median * rng.lognormal(0.0, np.where(seg == CONSUMER, 0.55, 0.45))
    promo = season(t, window) > 2.0  # Black Friday weekend: 15 % off
    gifts = month_of_year(t) == 11
    amount = np.where(promo, amount * 0.85, np.where(gifts, amount * 1.2, amount))
    amount = np.round(np.maximum(amount, 5.9), 2).astype(np.float64)
    margin = np.round(amount * rng.uniform(0.30, 0.50, n) * np.where(promo, 0.7, 1.0), 2)
    channel = np.where(
        seg == CONSUMER,
        rng.choice(3, size=n, p=(0.68, 0.30, 0.02)),
        rng.choice(3, size=n, p=(0.70, 0.10, 0.20)),
    )

    extra = np.array([_EXTRA_SHIPPING_DAYS.get(c, 0.0) for c in COUNTRIES])
    lead = rng.lognormal(np.log(2.3), 0.35, n) + extra[cust.country[who]]
    lead += np.where(rng.random(n) < 0.04, rng.uniform(4, 9, n), 0.0)  # the usual mishaps
    outage_lo, outage_hi = window.outage()
    in_outage = (t >= outage_lo) & (t < outage_hi)
    lead += np.where(in_outage, rng.uniform(5, 12, n), 0.0)
    delivered = t + (lead * DAY).astype(np.int64)

    u = rng.random(n)
    status = np.where(u < 0.025, CANCELLED, np.where(u < 0.055, RETURNED, DELIVERED))
    not_yet = (status != CANCELLED) & (delivered >= window.end_us)
    status = np.where(not_yet, PLACED, status)
    delivered = np.where((status == CANCELLED) | not_yet, NULL_TIME, delivered)
    late = (delivered != NULL_TIME) & (delivered - t > 6 * DAY)
    return Orders(who, t, amount, margin, channel.astype(np.int64), status, delivered, late)


def order_ids(orders: Orders) -> Any:
    return chronological_ids("O", orders.ordered, 7)


def orders_table(orders: Orders, ids: Any, cust_ids: Any) -> Any:
    return build(
        "orders",
        {
            "order_id": ids,
            "customer_id": take(cust_ids, orders.customer),
            "ordered_at": timestamps(orders.ordered),
            "amount": orders.amount,
            "margin": orders.margin,
            "currency": pa.array(np.full(orders.n, "EUR", dtype=object), type=pa.string()),
            "channel": labels(CHANNELS, orders.channel),
            "status": labels(STATUSES, orders.status),
            "delivered_at": timestamps(orders.delivered),
        },
        order=np.argsort(orders.ordered, kind="stable"),
    )
