"""Build the whole demo company, table by table, in causal order.

Customers sign up; they subscribe and order; they need help (tickets) and rate it; too many
bad support experiences make some of them leave, which cuts short what they would have done
afterwards (orders, tickets, surveys, browsing); the rest of the feedback, the website, social
mentions and the loyalty ledger follow from what remains.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from cxpulse import schema
from cxpulse.demo import surveys as sv
from cxpulse.demo.arrow import labels
from cxpulse.demo.calendar import DAY, I64, NULL_TIME, Window, window_for
from cxpulse.demo.churn import force_churn, negative_tickets, reached_threshold
from cxpulse.demo.customers import Customers, customer_ids, customers_table, make_customers
from cxpulse.demo.feedback import journey_surveys, support_surveys
from cxpulse.demo.loyalty import loyalty_table
from cxpulse.demo.orders import (
    SHOPPING_AFTER,
    Orders,
    active_spans,
    make_orders,
    order_ids,
    orders_table,
)
from cxpulse.demo.social import mentions_table
from cxpulse.demo.spec import DemoSpec
from cxpulse.demo.subscriptions import (
    PLANS,
    Subscriptions,
    current_plan,
    make_subscriptions,
    spans,
    subscriptions_table,
)
from cxpulse.demo.support import (
    Agents,
    Tickets,
    agent_ids,
    make_agents,
    make_tickets,
    ticket_ids,
    tickets_table,
)
from cxpulse.demo.survey_tables import invitation_ids, invitations_table, responses_table
from cxpulse.demo.web import Hits, Sessions, make_web, web_table

_TICKETS_AFTER = 20 * DAY  # a leaving customer may still write in about the last box


@dataclass
class World:
    """Everything simulated, before it is written out as tables."""

    spec: DemoSpec
    window: Window
    customers: Customers
    subscriptions: Subscriptions
    orders: Orders
    agents: Agents
    tickets: Tickets
    asks: sv.Asks
    sessions: Sessions
    hits: Hits
    n_visitors: int
    gave_up: I64  # per customer: when they cancelled after the 4th negative interaction


def simulate(rng: np.random.Generator, spec: DemoSpec, window: Window) -> World:
    cust = make_customers(rng, spec, window)
    subs = make_subscriptions(rng, cust, window)
    first, last = spans(subs, cust.n)
    lo, hi = active_spans(rng, cust, first, last)
    orders = make_orders(rng, spec, cust, lo, hi, window)
    agents = make_agents(rng, spec)
    tickets = make_tickets(rng, spec, cust, lo, hi, orders, agents, window)
    support = support_surveys(rng, tickets, cust, agents, window)

    negative = negative_tickets(tickets, support)
    reached = reached_threshold(tickets.customer, tickets.created, negative, cust.n)
    subs, gave_up = force_churn(rng, subs, reached, window)

    # Those who left stop doing what they would otherwise have done.
    _, last = spans(subs, cust.n)
    hi = np.where(last != NULL_TIME, last, hi)
    left = gave_up != NULL_TIME
    keep_t = ~left[tickets.customer] | (tickets.created < hi[tickets.customer] + _TICKETS_AFTER)
    keep_o = ~left[orders.customer] | (orders.ordered < hi[orders.customer] + SHOPPING_AFTER)
    tickets, orders = tickets.select(keep_t), orders.select(keep_o)
    support = support.select(keep_t[support.ticket])
    support.ticket = (np.cumsum(keep_t) - 1)[support.ticket]

    journey = journey_surveys(rng, spec, cust, subs, orders, lo, hi, window, support)
    asks = sv.Asks.concat([support, journey])
    sessions, hits, n_visitors = make_web(rng, spec, cust, lo, hi, window)
    return World(
        spec, window, cust, subs, orders, agents, tickets, asks, sessions, hits, n_visitors, gave_up
    )


def to_tables(rng: np.random.Generator, world: World) -> dict[str, pa.Table]:
    w = world
    cust_ids = customer_ids(w.customers.n)
    plan = current_plan(w.subscriptions, w.customers.n)
    o_ids = order_ids(w.orders)
    t_ids = ticket_ids(w.tickets)
    a_ids = agent_ids(w.agents)
    i_ids = invitation_ids(w.asks)
    tables = {
        "customers": customers_table(rng, w.customers, labels(PLANS, plan)),
        "subscriptions": subscriptions_table(w.subscriptions, cust_ids, w.window),
        "orders": orders_table(w.orders, o_ids, cust_ids),
        "survey_invitations": invitations_table(w.asks, i_ids, cust_ids),
        "survey_responses": responses_table(
            rng, w.asks, i_ids, w.customers, cust_ids, t_ids, a_ids
        ),
        "tickets": tickets_table(w.tickets, t_ids, cust_ids, a_ids),
        "web_events": web_table(w.sessions, w.hits, w.n_visitors, cust_ids, w.window),
        "mentions": mentions_table(rng, w.spec, w.customers, cust_ids, w.window),
        "loyalty_ledger": loyalty_table(
            rng, w.customers, w.orders, o_ids, w.tickets, cust_ids, w.window
        ),
    }
    return {name: tables[name] for name in schema.TABLES}


def generate(scale: float = 0.05, seed: int = 7, end: dt.date | None = None) -> dict[str, pa.Table]:
    """The demo company as one Arrow table per canonical table (schema order, schema types).

    ``end`` is the first day after the data (default: the first day of the current month);
    the data covers the 24 months before it. The same (scale, seed, end) gives the same tables.
    """
    spec = DemoSpec.for_scale(scale)
    window = window_for(end, spec.months)
    rng = np.random.default_rng(seed)
    world = simulate(rng, spec, window)
    return to_tables(rng, world)
