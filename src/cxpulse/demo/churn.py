"""The planted churn pattern: the fourth bad support experience in 90 days is one too many.

A negative interaction is a ticket with sentiment below -0.3, or escalated, or rated below 4 on
the 1-5 support CSAT (docs/metrics/support.md, "Negative interactions"), dated at the ticket's
creation.
When a still-subscribed customer reaches four of them within 90 days, they cancel within three
weeks with probability ``CHURN_AFTER_FOURTH``; the cancellation ends every running subscription
at its next monthly anniversary (longer terms are refunded pro rata), so the churn is booked
within about seven weeks of the fourth negative interaction.
"""

from __future__ import annotations

import numpy as np

from cxpulse.demo import surveys as sv
from cxpulse.demo.calendar import DAY, I64, NULL_TIME, B, Window, next_anniversary
from cxpulse.demo.subscriptions import Subscriptions
from cxpulse.demo.support import Tickets

NEGATIVE_SENTIMENT = -0.3
SATISFIED_CSAT = 4
WINDOW_DAYS = 90
THRESHOLD = 4
CHURN_AFTER_FOURTH = 0.6


def negative_tickets(tickets: Tickets, support: sv.Asks) -> B:
    negative = (tickets.sentiment < NEGATIVE_SENTIMENT) | tickets.escalated
    rated_low = (
        support.responded
        & (support.survey == sv.CSAT_SUPPORT)
        & (support.score < SATISFIED_CSAT)
        & (support.ticket >= 0)
    )
    negative = negative.copy()
    negative[support.ticket[rated_low]] = True
    return negative


def reached_threshold(customer: I64, times: I64, negative: B, n_customers: int) -> I64:
    """The first time each customer has THRESHOLD negatives within WINDOW_DAYS (else
    NULL_TIME): the THRESHOLD-th negative of a run, when the first of the run is recent."""
    idx = np.flatnonzero(negative)
    order = np.lexsort((times[idx], customer[idx]))
    c, t = customer[idx][order], times[idx][order]
    lag = THRESHOLD - 1
    hit = np.zeros(len(c), dtype=bool)
    hit[lag:] = (c[lag:] == c[:-lag]) & (t[lag:] - t[:-lag] <= WINDOW_DAYS * DAY)
    out = np.full(n_customers, NULL_TIME, dtype=np.int64)
    who, first = np.unique(c[hit], return_index=True)  # rows are in time order per customer
    out[who] = t[hit][first]
    return out


def force_churn(
    rng: np.random.Generator, subs: Subscriptions, reached: I64, window: Window
) -> tuple[Subscriptions, I64]:
    """Cancel the subscriptions of the customers who give up; returns the new subscriptions and,
    per customer, the time they cancelled (NULL_TIME if they did not)."""
    n = len(reached)
    gives_up = (reached != NULL_TIME) & (rng.random(n) < CHURN_AFTER_FOURTH)
    cancel_at = np.where(
        gives_up, reached + (rng.uniform(1, 20, n) * DAY).astype(np.int64), NULL_TIME
    )
    cancel_at = np.where(cancel_at < window.end_us, cancel_at, NULL_TIME)

    c = cancel_at[subs.customer]
    mine = c != NULL_TIME
    running = mine & (subs.start <= c) & (subs.end > c)
    active_customer = np.zeros(n, dtype=bool)
    active_customer[subs.customer[running]] = True
    cancel_at = np.where(active_customer, cancel_at, NULL_TIME)  # already gone: nothing to do
    c = cancel_at[subs.customer]
    mine = c != NULL_TIME
    running = mine & (subs.start <= c) & (subs.end > c)
    asked_before = (subs.cancel != NULL_TIME) & (subs.cancel <= c)
    change = running & ~asked_before
    anniversary = next_anniversary(subs.start, np.where(mine, c, subs.start))
    end = np.where(change, np.minimum(subs.end, anniversary), subs.end)
    cancel = np.where(change, c, subs.cancel)
    later = mine & (subs.start > c)  # planned upgrades or comebacks never happen
    out = Subscriptions(subs.customer, subs.plan, subs.period, subs.start, cancel, end)
    return out.select(~later), cancel_at
