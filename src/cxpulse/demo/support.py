"""Support tickets: who writes in, through which channel, how fast agents answer, how it ends.

Three sources of tickets: everyday questions (a Poisson process per customer, weighted by how
often that customer needs help), *episodes* (a run of 3-7 angry contacts about one unresolved
problem, the raw material of the negative-interaction churn pattern) and the Black Friday
outage ("where is my order?").
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pyarrow as pa

from cxpulse.demo.arrow import build, chronological_ids, labels, numbered, take, timestamps
from cxpulse.demo.calendar import (
    CHAT_HOURS,
    DAY,
    EMAIL_HOURS,
    F64,
    HOUR,
    I64,
    MINUTE,
    NULL_TIME,
    PHONE_HOURS,
    SECOND,
    B,
    Window,
    skip_weekend,
    snap_to_hours,
)
from cxpulse.demo.customers import CONSUMER, FR, Customers
from cxpulse.demo.orders import Orders
from cxpulse.demo.spec import DemoSpec
from cxpulse.demo.subjects import SUBJECTS

CHANNELS = ("email", "chat", "phone", "social")  # labels are valid schema.CHANNELS values
EMAIL, CHAT, PHONE, SOCIAL = 0, 1, 2, 3
CATEGORIES = ("delivery", "billing", "bug", "account", "product_question", "refund")
DELIVERY, BILLING, BUG, ACCOUNT, QUESTION, REFUND = range(6)
TEAMS = ("care_en", "care_fr", "logistics", "billing", "tech", "b2b")
PRIORITIES = ("low", "normal", "high", "urgent")
BASE, EPISODE, OUTAGE = 0, 1, 2

_AGENTS_AT_SCALE_1 = (12, 10, 6, 4, 4, 3)
_CATEGORY_SHARE = (0.26, 0.14, 0.12, 0.15, 0.23, 0.10)
_CATEGORY_MOOD = np.array([-0.05, -0.10, -0.20, 0.05, 0.30, -0.25])  # mean sentiment
_RESOLVE_HOURS = np.array([20.0, 16.0, 60.0, 5.0, 1.5, 40.0])  # median, written channels
_EPISODE_SHARE = 0.07  # of subscribers, over the two years
_LOST_LATER = 0.05  # share of drawn tickets dropped later (customers who left, after the end)


@dataclass
class Agents:
    team: I64
    skill: F64  # shifts the CSAT of the agent's tickets

    @property
    def n(self) -> int:
        return len(self.team)


def make_agents(rng: np.random.Generator, spec: DemoSpec) -> Agents:
    sizes = [max(2, round(k * spec.scale)) for k in _AGENTS_AT_SCALE_1]
    team = np.repeat(np.arange(len(TEAMS)), sizes).astype(np.int64)
    return Agents(team=team, skill=rng.normal(0.0, 0.35, len(team)))


def agent_ids(agents: Agents) -> Any:
    return numbered("A", np.arange(1, agents.n + 1, dtype=np.int64), 3)


@dataclass
class Tickets:
    customer: I64
    created: I64
    first_reply: I64
    first_solved: I64
    solved: I64
    reopens: I64
    replies: I64
    channel: I64
    team: I64
    agent: I64
    category: I64
    priority: I64
    talk: F64
    hold: F64
    wrap: F64
    work: F64
    escalated: B
    sentiment: F64
    subject: I64
    kind: I64  # BASE, EPISODE or OUTAGE (generator bookkeeping, not written)

    @property
    def n(self) -> int:
        return len(self.customer)

    def select(self, keep: Any) -> Tickets:
        return Tickets(*(getattr(self, f.name)[keep] for f in fields(self)))


def make_tickets(
    rng: np.random.Generator,
    spec: DemoSpec,
    cust: Customers,
    lo: I64,
    hi: I64,
    orders: Orders,
    agents: Agents,
    window: Window,
) -> Tickets:
    """Tickets of each customer between ``lo`` and ``hi`` (their natural active span)."""
    lo = np.maximum(lo, window.start_us)
    hi = np.minimum(hi + 20 * DAY, window.end_us)
    outage_who, outage_t = _outage_tickets(rng, cust, lo, hi, orders, window)
    ep_who, ep_t, ep_cat = _episodes(rng, cust, lo, hi)

    # Everyday tickets fill the rest of the target volume (plus what is lost later, mostly the
    # tickets customers who give up would have written afterwards).
    months = np.maximum(hi - lo, 0) / (30.44 * DAY)
    rest = max(spec.tickets - len(outage_who) - len(ep_who), 0) * (1 + _LOST_LATER)
    lam = rest * cust.proneness * months / max(float((cust.proneness * months).sum()), 1e-9)
    base_who = np.repeat(np.arange(cust.n), rng.poisson(lam)).astype(np.int64)
    base_t = lo[base_who] + (rng.random(len(base_who)) * (hi - lo)[base_who]).astype(np.int64)
    base_cat = rng.choice(6, size=len(base_who), p=_CATEGORY_SHARE)

    who = np.concatenate([base_who, ep_who, outage_who])
    t = np.concatenate([base_t, ep_t, outage_t])
    category = np.concatenate([base_cat, ep_cat, np.full(len(outage_who), DELIVERY)])
    kind = np.repeat([BASE, EPISODE, OUTAGE], [len(base_who), len(ep_who), len(outage_who)])

    n = len(who)
    office = cust.segment[who] != CONSUMER
    channel = np.where(
        office,
        rng.choice(4, size=n, p=(0.50, 0.10, 0.38, 0.02)),
        rng.choice(4, size=n, p=(0.44, 0.31, 0.17, 0.08)),
    )
    # Chat and phone are staffed on weekdays in opening hours; written channels run 24/7.
    t = np.select(
        [channel == CHAT, channel == PHONE],
        [
            skip_weekend(snap_to_hours(rng, t, CHAT_HOURS)),
            skip_weekend(snap_to_hours(rng, t, PHONE_HOURS)),
        ],
        snap_to_hours(rng, t, EMAIL_HOURS),
    )
    # Moving a ticket to its hour can put it before the customer signed up: drop those few.
    keep = (t >= cust.created[who] + 10 * MINUTE) & (t < window.end_us)
    who, t, category, kind, channel = who[keep], t[keep], category[keep], kind[keep], channel[keep]
    return _handling(rng, cust, agents, window, who, t, category, kind, channel.astype(np.int64))


def _outage_tickets(
    rng: np.random.Generator, cust: Customers, lo: I64, hi: I64, orders: Orders, window: Window
) -> tuple[I64, I64]:
    """Where-is-my-order tickets during the outage: a third of the delayed orders, and one
    subscriber in ten whose monthly box is stuck."""
    o_lo, o_hi = window.outage()
    hit = (orders.ordered >= o_lo) & (orders.ordered < o_hi) & (rng.random(orders.n) < 0.35)
    order_who = orders.customer[hit]
    order_t = orders.ordered[hit] + (rng.uniform(1.5, 4, int(hit.sum())) * DAY).astype(np.int64)
    boxed = cust.subscriber & (lo < o_hi) & (hi > o_lo) & (rng.random(cust.n) < 0.10)
    box_who = np.flatnonzero(boxed).astype(np.int64)
    box_t = o_lo + 4 * DAY + (rng.random(len(box_who)) * (o_hi - o_lo - 4 * DAY)).astype(np.int64)
    return np.concatenate([order_who, box_who]), np.concatenate([order_t, box_t])


def _episodes(rng: np.random.Generator, cust: Customers, lo: I64, hi: I64) -> tuple[I64, I64, I64]:
    """A run of 3-7 contacts within ~7 weeks about one problem that is not going away."""
    chance = _EPISODE_SHARE * np.exp(-0.3 * cust.mood)
    open_span = (hi - lo) > 30 * DAY
    who = np.flatnonzero(cust.subscriber & open_span & (rng.random(cust.n) < chance))
    start = lo[who] + (rng.random(len(who)) * (hi - lo - 20 * DAY)[who]).astype(np.int64)
    size = 3 + np.minimum(rng.poisson(1.3, len(who)), 4)
    cat = rng.choice([DELIVERY, BILLING, BUG, REFUND], size=len(who), p=(0.2, 0.2, 0.3, 0.3))
    rep = np.repeat(np.arange(len(who)), size)
    t = start[rep] + (rng.uniform(0, 50, len(rep)) * DAY).astype(np.int64)
    return who[rep].astype(np.int64), t, cat[rep].astype(np.int64)


def _business_open(t: I64) -> I64:
    """The earliest time at or after ``t`` when the written-support team works (07-19 UTC,
    weekdays)."""
    day = np.floor_divide(t, DAY) * DAY
    tod = t - day
    opening = np.where(
        tod < 7 * HOUR, day + 7 * HOUR, np.where(tod >= 19 * HOUR, day + DAY + 7 * HOUR, t)
    )
    return skip_weekend(opening)


def _handling(
    rng: np.random.Generator,
    cust: Customers,
    agents: Agents,
    window: Window,
    who: I64,
    t: I64,
    category: I64,
    kind: I64,
    channel: I64,
) -> Tickets:
    n = len(who)
    lang = cust.language[who]
    office = cust.segment[who] != CONSUMER

    team = np.select(
        [
            office,
            category == DELIVERY,
            (category == BILLING) | (category == REFUND),
            category == BUG,
        ],
        [5, 2, 3, 4],
        np.where(lang == FR, 1, 0),
    )
    team_start = np.searchsorted(agents.team, np.arange(len(TEAMS)))
    team_size = np.bincount(agents.team, minlength=len(TEAMS))
    agent = team_start[team] + (rng.random(n) * team_size[team]).astype(np.int64)

    sentiment = (
        _CATEGORY_MOOD[category]
        + 0.12 * cust.mood[who]
        + np.select([kind == EPISODE, kind == OUTAGE], [-0.5, -0.2], 0.0)
        + rng.normal(0.0, 0.3, n)
    )
    sentiment = np.round(np.clip(sentiment, -1.0, 1.0), 3)
    p_escalate = 0.03 + np.isin(category, (BUG, REFUND)) * 0.04
    p_escalate = np.select([kind == EPISODE, kind == OUTAGE], [0.30, 0.03], p_escalate)
    escalated = rng.random(n) < p_escalate
    priority = np.where(
        escalated,
        np.where(rng.random(n) < 0.6, 2, 3),
        rng.choice(3, size=n, p=(0.3, 0.6, 0.1)),
    )

    # First human reply: seconds on chat and phone; hours on written channels, from the next
    # opening hour, and three times slower while the outage floods the queue.
    o_lo, o_hi = window.outage()
    written = (channel == EMAIL) | (channel == SOCIAL)
    wait = np.select(
        [channel == CHAT, channel == PHONE],
        [rng.lognormal(np.log(90.0), 0.8, n), rng.lognormal(np.log(40.0), 0.6, n)],
        rng.lognormal(np.log(3 * 3600.0), 1.0, n),
    )
    wait = np.where(written & (t >= o_lo) & (t < o_hi), wait * 3.0, wait)
    start = np.where(written, np.maximum(t, _business_open(t)), t)
    first_reply = start + (wait * SECOND).astype(np.int64)
    no_reply = rng.random(n) < 0.02  # the customer found the answer alone

    negative = (sentiment < -0.3) | escalated
    reopens = rng.poisson(0.08 + 0.35 * negative + 0.4 * escalated)
    live = (channel == CHAT) | (channel == PHONE)
    resolve_h = _RESOLVE_HOURS[category] * np.where(live, 0.15, 1.0) * np.where(escalated, 2.5, 1.0)
    resolve = rng.lognormal(np.log(resolve_h * 3600.0), 0.9)
    first_solved = np.where(no_reply, t, first_reply) + (resolve * SECOND).astype(np.int64)
    reopened_for = reopens * rng.lognormal(np.log(1.5 * 86400.0), 0.7, n)
    solved = first_solved + (reopened_for * SECOND).astype(np.int64)

    replies = 1 + rng.poisson(
        0.4 + 0.9 * reopens + 1.0 * escalated + 0.5 * np.isin(category, (BUG, REFUND))
    )
    replies = np.where(no_reply, 0, replies)
    first_reply = np.where(no_reply, NULL_TIME, first_reply)

    # Handle time: talk, hold and after-call work on the phone; tracked time when written.
    phone = channel == PHONE
    talk = np.where(phone, np.round(rng.lognormal(np.log(300.0), 0.6, n)), np.nan)
    hold = np.where(
        phone,
        np.where(rng.random(n) < 0.45, np.round(rng.lognormal(np.log(60.0), 0.8, n)), 0.0),
        np.nan,
    )
    wrap = np.where(phone, np.round(rng.lognormal(np.log(90.0), 0.5, n)), np.nan)
    tracked = ~phone & (replies > 0) & (rng.random(n) < 0.95)
    work = np.where(tracked, np.round(replies * rng.lognormal(np.log(240.0), 0.6, n)), np.nan)

    # What has not happened by the end of the data stays empty (open tickets, the backlog).
    end = window.end_us
    first_reply = np.where(first_reply >= end, NULL_TIME, first_reply)
    replies = np.where(first_reply == NULL_TIME, np.minimum(replies, 0), replies)
    first_solved = np.where(first_solved >= end, NULL_TIME, first_solved)
    solved = np.where((solved >= end) | (first_solved == NULL_TIME), NULL_TIME, solved)
    reopens = np.where(solved == NULL_TIME, 0, reopens)

    subject = (category * 2 + lang) * 4 + rng.integers(0, 4, n)
    return Tickets(
        customer=who.astype(np.int64),
        created=t.astype(np.int64),
        first_reply=first_reply.astype(np.int64),
        first_solved=first_solved.astype(np.int64),
        solved=solved.astype(np.int64),
        reopens=reopens.astype(np.int64),
        replies=replies.astype(np.int64),
        channel=channel,
        team=team.astype(np.int64),
        agent=agent.astype(np.int64),
        category=category.astype(np.int64),
        priority=priority.astype(np.int64),
        talk=talk,
        hold=hold,
        wrap=wrap,
        work=work,
        escalated=escalated,
        sentiment=sentiment,
        subject=subject.astype(np.int64),
        kind=kind.astype(np.int64),
    )


def ticket_ids(tickets: Tickets) -> Any:
    return chronological_ids("T", tickets.created, 7)


def tickets_table(tickets: Tickets, ids: Any, cust_ids: Any, agent_id: Any) -> Any:
    return build(
        "tickets",
        {
            "ticket_id": ids,
            "customer_id": take(cust_ids, tickets.customer),
            "created_at": timestamps(tickets.created),
            "first_reply_at": timestamps(tickets.first_reply),
            "first_solved_at": timestamps(tickets.first_solved),
            "solved_at": timestamps(tickets.solved),
            "reopens": tickets.reopens,
            "agent_replies": tickets.replies,
            "channel": labels(CHANNELS, tickets.channel),
            "team": labels(TEAMS, tickets.team),
            "agent_id": take(agent_id, np.where(tickets.replies > 0, tickets.agent, -1)),
            "category": labels(CATEGORIES, tickets.category),
            "priority": labels(PRIORITIES, tickets.priority),
            "talk_seconds": pa.array(tickets.talk, mask=np.isnan(tickets.talk)),
            "hold_seconds": pa.array(tickets.hold, mask=np.isnan(tickets.hold)),
            "wrap_seconds": pa.array(tickets.wrap, mask=np.isnan(tickets.wrap)),
            "work_seconds": pa.array(tickets.work, mask=np.isnan(tickets.work)),
            "escalated": pa.array(tickets.escalated),
            "sentiment": tickets.sentiment,
            "subject": labels(SUBJECTS, tickets.subject),
        },
        order=np.argsort(tickets.created, kind="stable"),
    )
