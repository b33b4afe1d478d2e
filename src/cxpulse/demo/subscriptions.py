"""Coffee subscriptions: plans, billing periods, plan changes, second subscriptions,
cancellations and reactivations.

A subscription runs whole paid terms. A cancellation is requested during the last term
(``cancel``) and takes effect at its end (``end``), so churn is booked at the end of the paid
term as docs/metrics/revenue.md says. A plan change closes the old row and opens a new one at
the same instant, so the customer's MRR moves (expansion/contraction) without churning.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pyarrow as pa

from cxpulse.demo.arrow import build, chronological_ids, labels, take, timestamps
from cxpulse.demo.calendar import DAY, F64, I64, NULL_TIME, Window, add_months
from cxpulse.demo.customers import CONSUMER, OFFICE, RESELLER, Customers

PLANS = ("essential", "classic", "connoisseur", "office", "office_plus", "reseller")
MONTHLY_PRICE = np.array([14.9, 24.9, 39.9, 89.0, 179.0, 249.0])
PERIODS = ("month", "quarter", "year")
PERIOD_MONTHS = np.array([1, 3, 12])
_DISCOUNT = np.array([1.0, 0.95, 0.85])  # longer commitments are cheaper per month
# Monthly churn hazard by billing period: annual payers stay longer.
_HAZARD = np.array([0.030, 0.022, 0.011])


@dataclass
class Subscriptions:
    customer: I64
    plan: I64
    period: I64
    start: I64
    cancel: I64  # NULL_TIME when never cancelled
    end: I64  # end of the last paid term; may lie after the window (still active)

    @property
    def n(self) -> int:
        return len(self.customer)

    @property
    def price(self) -> F64:
        months = PERIOD_MONTHS[self.period]
        price: F64 = np.round(MONTHLY_PRICE[self.plan] * months * _DISCOUNT[self.period], 2)
        return price

    def select(self, keep: Any) -> Subscriptions:
        return Subscriptions(*(getattr(self, f.name)[keep] for f in fields(self)))

    @staticmethod
    def concat(parts: list[Subscriptions]) -> Subscriptions:
        return Subscriptions(
            *(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Subscriptions))
        )


def _choose_plan(rng: np.random.Generator, segment: I64) -> tuple[I64, I64]:
    n = len(segment)
    plan = rng.choice(3, size=n, p=(0.35, 0.45, 0.20))
    plan = np.where(segment == OFFICE, 3 + (rng.random(n) < 0.3), plan)
    plan = np.where(segment == RESELLER, 5, plan)
    period = rng.choice(3, size=n, p=(0.65, 0.15, 0.20))
    period = np.where(segment == OFFICE, np.where(rng.random(n) < 0.5, 0, 2), period)
    period = np.where(segment == RESELLER, 0, period)
    return plan.astype(np.int64), period.astype(np.int64)


def _lifetime(
    rng: np.random.Generator, cust: Customers, who: I64, start: I64, period: I64
) -> tuple[I64, I64]:
    """Cancel request and end of the last paid term, from a monthly hazard that is higher for
    unhappy customers (low mood)."""
    seg = cust.segment[who]
    hazard = _HAZARD[period] * np.exp(-0.35 * cust.mood[who]) * rng.lognormal(0.0, 0.25, len(who))
    hazard *= np.where(seg == CONSUMER, 1.0, 0.7)
    months = PERIOD_MONTHS[period]
    per_term = 1.0 - (1.0 - np.minimum(hazard, 0.5)) ** months
    terms = rng.geometric(per_term)
    end = add_months(start, np.minimum(terms * months, 600))
    notice = rng.uniform(0.05, 0.9, len(who)) * 28 * DAY
    return (end - notice).astype(np.int64), end


def make_subscriptions(rng: np.random.Generator, cust: Customers, window: Window) -> Subscriptions:
    who = np.flatnonzero(cust.subscriber).astype(np.int64)
    n = len(who)
    # Most subscribe at signup; some browse the shop for a while first.
    delay = np.where(rng.random(n) < 0.85, rng.exponential(0.3, n), rng.exponential(25.0, n))
    start = cust.created[who] + (delay * DAY).astype(np.int64)
    plan, period = _choose_plan(rng, cust.segment[who])
    cancel, end = _lifetime(rng, cust, who, start, period)
    first = Subscriptions(who, plan, period, start, cancel, end)
    first = first.select(first.start < window.end_us)

    first, changed = _plan_changes(rng, cust, first, window)
    second = _second_subscriptions(rng, cust, first, window)
    subs = Subscriptions.concat([first, changed, second])
    return Subscriptions.concat([subs, _reactivations(rng, cust, subs, window)])


def _plan_changes(
    rng: np.random.Generator, cust: Customers, subs: Subscriptions, window: Window
) -> tuple[Subscriptions, Subscriptions]:
    """Upgrades and downgrades at a renewal: the old row ends, a new row starts at that time."""
    months = PERIOD_MONTHS[subs.period]
    terms = np.round((subs.end - subs.start) / (months * 30.44 * DAY)).astype(np.int64)
    seg = cust.segment[subs.customer]
    rate = np.where(seg == OFFICE, 0.30, 0.20)
    eligible = (terms >= 2) & (seg != RESELLER) & (rng.random(subs.n) < rate)
    at = rng.integers(1, np.maximum(terms, 2))
    change = add_months(subs.start, at * months)
    eligible &= change < window.end_us
    up = rng.random(subs.n) < 0.6
    new_plan = np.where(up, subs.plan + 1, subs.plan - 1)
    lo = np.where(seg == OFFICE, 3, 0)
    hi = np.where(seg == OFFICE, 4, 2)
    new_plan = np.where(
        new_plan > hi, subs.plan - 1, np.where(new_plan < lo, subs.plan + 1, new_plan)
    )

    idx = np.flatnonzero(eligible)
    changed = Subscriptions(
        subs.customer[idx],
        new_plan[idx],
        subs.period[idx],
        change[idx],
        subs.cancel[idx],
        subs.end[idx],
    )
    old = Subscriptions(
        subs.customer,
        subs.plan,
        subs.period,
        subs.start,
        np.where(eligible, NULL_TIME, subs.cancel),  # a plan change is not a cancellation
        np.where(eligible, change, subs.end),
    )
    return old, changed


def _second_subscriptions(
    rng: np.random.Generator, cust: Customers, subs: Subscriptions, window: Window
) -> Subscriptions:
    """A second box next to the first (another blend for the office, a gift): ending it while
    the first runs is a contraction, not churn."""
    _, first_row = np.unique(subs.customer, return_index=True)
    base = subs.select(first_row)
    seg = cust.segment[base.customer]
    rate = np.array([0.06, 0.25, 0.10])[seg]
    start = base.start + (rng.uniform(20, 300, base.n) * DAY).astype(np.int64)
    last_end = np.zeros(cust.n, dtype=np.int64)
    np.maximum.at(last_end, subs.customer, subs.end)
    keep = (rng.random(base.n) < rate) & (start < last_end[base.customer]) & (start < window.end_us)
    who = base.customer[keep]
    plan, period = _choose_plan(rng, cust.segment[who])
    start = start[keep]
    cancel, end = _lifetime(rng, cust, who, start, period)
    return Subscriptions(who, plan, period, start, cancel, end)


def _reactivations(
    rng: np.random.Generator, cust: Customers, subs: Subscriptions, window: Window
) -> Subscriptions:
    """A few churned customers come back some months later with a new subscription."""
    last_end = np.full(cust.n, np.iinfo(np.int64).max, dtype=np.int64)
    has = np.zeros(cust.n, dtype=bool)
    has[subs.customer] = True
    last_end[has] = 0
    np.maximum.at(last_end, subs.customer, subs.end)
    churned = np.flatnonzero(has & (last_end < window.end_us - 30 * DAY))
    back = churned[rng.random(len(churned)) < 0.12]
    start = last_end[back] + (rng.uniform(30, 240, len(back)) * DAY).astype(np.int64)
    back, start = back[start < window.end_us], start[start < window.end_us]
    plan, _ = _choose_plan(rng, cust.segment[back])
    period = np.zeros(len(back), dtype=np.int64)
    cancel, end = _lifetime(rng, cust, back, start, period)
    return Subscriptions(back, plan, period, start, cancel, end)


def spans(subs: Subscriptions, n_customers: int) -> tuple[I64, I64]:
    """Per customer: first start and last end over their subscriptions (NULL_TIME if none)."""
    first = np.full(n_customers, np.iinfo(np.int64).max, dtype=np.int64)
    last = np.full(n_customers, NULL_TIME, dtype=np.int64)
    np.minimum.at(first, subs.customer, subs.start)
    np.maximum.at(last, subs.customer, subs.end)
    first = np.where(last == NULL_TIME, NULL_TIME, first)
    return first, last


def current_plan(subs: Subscriptions, n_customers: int) -> I64:
    """Each customer's plan on their most recent subscription (-1 for shop-only customers)."""
    order = np.lexsort((subs.start, subs.customer))
    plan = np.full(n_customers, -1, dtype=np.int64)
    plan[subs.customer[order]] = subs.plan[order]  # the last write per customer wins
    return plan


def subscriptions_table(subs: Subscriptions, cust_ids: Any, window: Window) -> Any:
    # Facts after the end of the data are not known yet: a term ending later is still running,
    # a cancellation after the end has not been asked for.
    end = np.where(subs.end >= window.end_us, NULL_TIME, subs.end)
    cancel = np.where(subs.cancel >= window.end_us, NULL_TIME, subs.cancel)
    order = np.argsort(subs.start, kind="stable")
    return build(
        "subscriptions",
        {
            "subscription_id": chronological_ids("S", subs.start, 7),
            "customer_id": take(cust_ids, subs.customer),
            "plan": labels(PLANS, subs.plan),
            "price": subs.price,
            "currency": pa.array(np.full(subs.n, "EUR", dtype=object), type=pa.string()),
            "billing_period": labels(PERIODS, subs.period),
            "started_at": timestamps(subs.start),
            "cancelled_at": timestamps(cancel),
            "ended_at": timestamps(end),
        },
        order=order,
    )
