"""Who is asked for feedback, when, and through which channel (the survey programmes).

- support: CSAT (sometimes CES) after a ticket is solved, in the chat or by e-mail, linked to
  the ticket and the agent; its score feeds the negative-interaction churn pattern.
- onboarding: CES in the app a week after a first subscription starts.
- purchase / delivery: CSAT (or NPS) by e-mail after an order and after a delivery (orders and
  monthly boxes); a late parcel lowers the score.
- relationship NPS every quarter for subscribers (half a year for shop-only customers).
- knowledge_base / pricing_page: CES widgets on the help centre and the pricing page.
"""

from __future__ import annotations

import numpy as np

from cxpulse.demo import surveys as sv
from cxpulse.demo.calendar import DAY, HOUR, I64, NULL_TIME, SECOND, Window
from cxpulse.demo.customers import Customers
from cxpulse.demo.orders import CANCELLED, Orders
from cxpulse.demo.spec import DemoSpec
from cxpulse.demo.subscriptions import Subscriptions
from cxpulse.demo.support import CHAT, Agents, Tickets


def support_surveys(
    rng: np.random.Generator, tickets: Tickets, cust: Customers, agents: Agents, window: Window
) -> sv.Asks:
    solved = (tickets.first_solved != NULL_TIME) & (tickets.replies > 0)
    idx = np.flatnonzero(solved & (rng.random(tickets.n) < 0.75))
    in_chat = tickets.channel[idx] == CHAT
    after = np.where(in_chat, 30 * SECOND, rng.integers(HOUR, 3 * HOUR, len(idx)))
    survey = np.where(rng.random(len(idx)) < 0.85, sv.CSAT_SUPPORT, sv.CES_SUPPORT)
    reply_hours = (tickets.first_reply[idx] - tickets.created[idx]) / HOUR
    shift = (
        0.15
        + 1.1 * tickets.sentiment[idx]
        - 0.8 * tickets.escalated[idx]
        - 0.3 * tickets.reopens[idx]
        + agents.skill[tickets.agent[idx]]
        - 0.12 * np.log1p(np.maximum(reply_hours, 0.0))
    )
    asks = sv.new_asks(
        tickets.customer[idx],
        survey,
        np.where(in_chat, sv.CHAT, sv.EMAIL),
        tickets.first_solved[idx] + after,
        shift,
        ticket=idx.astype(np.int64),
        agent=tickets.agent[idx],
    )
    return sv.answer(rng, sv.reachable(asks, cust, window), cust, window, 1.0)


def journey_surveys(
    rng: np.random.Generator,
    spec: DemoSpec,
    cust: Customers,
    subs: Subscriptions,
    orders: Orders,
    lo: I64,
    hi: I64,
    window: Window,
    support: sv.Asks,
) -> sv.Asks:
    """Every programme except support, sized so that all invitations and answers together
    reach the spec's targets."""
    lo = np.maximum(lo, window.start_us)
    hi = np.minimum(hi, window.end_us)
    parts = [
        _onboarding(rng, subs, window),
        _after_orders(rng, orders),
        _relationship(rng, cust, lo, hi),
    ]
    fixed = sv.reachable(sv.Asks.concat(parts), cust, window)
    remaining = spec.survey_invitations - support.n - fixed.n
    fillers = _fillers(rng, cust, lo, hi, max(remaining, 0))
    asks = sv.Asks.concat([fixed, sv.reachable(fillers, cust, window)])

    # Scale response rates so the answers reach the target overall.
    expected = sv.base_response_rate(asks, cust) * np.where(asks.channel == sv.EMAIL, 0.965, 1.0)
    wanted = spec.survey_responses - int(support.responded.sum())
    factor = max(wanted, 0) / max(float(expected.sum()), 1e-9)
    return sv.answer(rng, asks, cust, window, factor)


def _onboarding(rng: np.random.Generator, subs: Subscriptions, window: Window) -> sv.Asks:
    _, first = np.unique(subs.customer, return_index=True)
    who, start = subs.customer[first], subs.start[first]
    keep = (start >= window.start_us) & (rng.random(len(who)) < 0.9)
    who, start = who[keep], start[keep]
    sent = start + 7 * DAY + rng.integers(0, 12 * HOUR, len(who))
    # Set-up got easier as the product team fixed the onboarding flow.
    progress = (sent - window.start_us) / (window.end_us - window.start_us)
    return sv.new_asks(who, sv.CES_ONBOARDING, sv.IN_APP, sent, 0.1 + 0.4 * (progress - 0.5))


def _after_orders(rng: np.random.Generator, orders: Orders) -> sv.Asks:
    n = orders.n
    bought = np.flatnonzero((orders.status != CANCELLED) & (rng.random(n) < 0.35))
    survey = np.where(rng.random(len(bought)) < 0.7, sv.CSAT_PURCHASE, sv.NPS_POST_PURCHASE)
    purchase = sv.new_asks(
        orders.customer[bought],
        survey,
        sv.EMAIL,
        orders.ordered[bought] + rng.integers(HOUR, 6 * HOUR, len(bought)),
    )
    got = np.flatnonzero((orders.delivered != NULL_TIME) & (rng.random(n) < 0.5))
    delivery = sv.new_asks(
        orders.customer[got],
        sv.CSAT_DELIVERY,
        sv.EMAIL,
        orders.delivered[got] + rng.integers(2 * HOUR, 30 * HOUR, len(got)),
        np.where(orders.late[got], -1.0, 0.0),
    )
    return sv.Asks.concat([purchase, delivery])


def _relationship(rng: np.random.Generator, cust: Customers, lo: I64, hi: I64) -> sv.Asks:
    """Quarterly NPS for subscribers, twice a year for shop-only customers, while active."""
    period = np.where(cust.subscriber, 91, 182) * DAY
    phase = (rng.random(cust.n) * period).astype(np.int64)
    rounds = 9
    who = np.repeat(np.arange(cust.n, dtype=np.int64), rounds)
    k = np.tile(np.arange(rounds, dtype=np.int64), cust.n)
    sent = lo[who] + phase[who] + k * period[who]
    keep = sent < hi[who]
    who, sent = who[keep], sent[keep]
    in_app = cust.subscriber[who] & (rng.random(len(who)) < 0.45)
    channel = np.where(in_app, sv.IN_APP, sv.EMAIL)
    return sv.new_asks(who, sv.NPS_RELATIONSHIP, channel, sent)


def _fillers(rng: np.random.Generator, cust: Customers, lo: I64, hi: I64, total: int) -> sv.Asks:
    """Programmes whose volume is set by the target: monthly-box delivery CSAT, and the help
    centre and pricing page widgets (shown to logged-in customers)."""
    months = np.maximum(hi - lo, 0).astype(np.float64)
    parts = []
    plan = (
        (sv.CSAT_DELIVERY, sv.EMAIL, 0.45 / 0.88, cust.subscriber),  # e-mail needs consent
        (sv.CES_HELP_CENTER, sv.WEB, 0.40, np.ones(cust.n, dtype=bool)),
        (sv.CES_PRICING, sv.WEB, 0.15, np.ones(cust.n, dtype=bool)),
    )
    for survey, channel, share, eligible in plan:
        weight = months * eligible
        if weight.sum() <= 0:
            continue
        m = round(total * share)
        who = rng.choice(cust.n, size=m, p=weight / weight.sum())
        sent = lo[who] + (rng.random(m) * (hi - lo)[who]).astype(np.int64)
        parts.append(sv.new_asks(who.astype(np.int64), survey, channel, sent))
    return (
        sv.Asks.concat(parts)
        if parts
        else sv.new_asks(np.zeros(0, np.int64), 0, 0, np.zeros(0, np.int64))
    )
