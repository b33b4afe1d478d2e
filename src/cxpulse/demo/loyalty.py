"""The loyalty programme: members earn a point per euro on orders, redeem rewards at checkout,
receive goodwill points after an escalated ticket, and lose points after a year without
activity.

Every redemption is paid from points earned on earlier orders, so a member's balance never goes
below zero in time order.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cxpulse.demo.arrow import build, chronological_ids, labels, take, timestamps
from cxpulse.demo.calendar import DAY, NULL_TIME, SECOND, Window
from cxpulse.demo.customers import Customers
from cxpulse.demo.orders import CANCELLED, Orders
from cxpulse.demo.support import Tickets

KINDS = ("earn", "redeem", "expire", "adjust")
EARN, REDEEM, EXPIRE, ADJUST = range(4)
REWARDS = ("voucher", "free_shipping", "product")
_COST = np.array([200, 100, 250])
_UNIT = 250  # points set aside per redemption (>= every reward's cost)
_GOODWILL = 150
_EXPIRY = 365 * DAY


def loyalty_table(
    rng: np.random.Generator,
    cust: Customers,
    orders: Orders,
    order_id: Any,
    tickets: Tickets,
    cust_ids: Any,
    window: Window,
) -> Any:
    member = cust.loyalty_member
    idx = np.flatnonzero((orders.status != CANCELLED) & member[orders.customer])
    idx = idx[np.lexsort((orders.ordered[idx], orders.customer[idx]))]
    who, t = orders.customer[idx], orders.ordered[idx]
    points = np.maximum(np.floor(orders.amount[idx]), 1).astype(np.int64)

    # Redemptions: each time the points earned before an order cross another _UNIT, the member
    # may spend a reward on that order (keen members more often).
    first = np.r_[True, who[1:] != who[:-1]] if len(who) else np.zeros(0, dtype=bool)
    total = np.cumsum(points)
    before = (
        total
        - points
        - (total - points)[np.maximum.accumulate(np.where(first, np.arange(len(who)), 0))]
    )
    crossed = before // _UNIT
    new = np.diff(np.r_[0, crossed])
    new[first] = crossed[first]
    at = np.repeat(np.arange(len(who)), new)
    keen = rng.uniform(0.3, 1.0, cust.n)
    at = at[rng.random(len(at)) < keen[who[at]]]
    reward = rng.choice(3, size=len(at), p=(0.5, 0.3, 0.2))

    # Goodwill points for escalated tickets.
    esc = np.flatnonzero(
        tickets.escalated & member[tickets.customer] & (rng.random(tickets.n) < 0.3)
    )
    adj_t = tickets.created[esc] + 2 * DAY
    esc, adj_t = esc[adj_t < window.end_us], adj_t[adj_t < window.end_us]

    e_who = np.concatenate([who, who[at], tickets.customer[esc]])
    e_t = np.concatenate([t, t[at] - SECOND, adj_t])  # the reward is applied just before paying
    e_kind = np.repeat([EARN, REDEEM, ADJUST], [len(who), len(at), len(esc)])
    e_points = np.concatenate([points, _COST[reward], np.full(len(esc), _GOODWILL)])
    e_reward = np.concatenate([np.full(len(who), -1), reward, np.full(len(esc), -1)])
    e_order = np.concatenate([idx, idx[at], np.full(len(esc), -1)])

    # Expiry: a year after a member's last movement, what is left expires.
    signed = np.where(e_kind == REDEEM, -e_points, e_points)
    balance = np.bincount(e_who, weights=signed, minlength=cust.n).astype(np.int64)
    last = np.full(cust.n, NULL_TIME, dtype=np.int64)
    np.maximum.at(last, e_who, e_t)
    expires = np.flatnonzero((balance > 0) & (last != NULL_TIME) & (last + _EXPIRY < window.end_us))

    e_who = np.concatenate([e_who, expires]).astype(np.int64)
    e_t = np.concatenate([e_t, last[expires] + _EXPIRY]).astype(np.int64)
    e_kind = np.concatenate([e_kind, np.full(len(expires), EXPIRE)]).astype(np.int64)
    e_points = np.concatenate([e_points, balance[expires]]).astype(np.int64)
    e_reward = np.concatenate([e_reward, np.full(len(expires), -1)]).astype(np.int64)
    e_order = np.concatenate([e_order, np.full(len(expires), -1)]).astype(np.int64)
    return build(
        "loyalty_ledger",
        {
            "entry_id": chronological_ids("L", e_t, 7),
            "customer_id": take(cust_ids, e_who),
            "occurred_at": timestamps(e_t),
            "kind": labels(KINDS, e_kind),
            "points": e_points,
            "reward_type": labels(REWARDS, e_reward),
            "order_id": take(order_id, e_order),
        },
        order=np.argsort(e_t, kind="stable"),
    )
