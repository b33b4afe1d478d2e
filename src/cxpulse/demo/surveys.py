"""The survey catalogue, and how an invitation becomes (or not) an answer with a score.

A score comes from an ordered-probit model: a latent satisfaction (the customer's mood plus
noise plus what happened: a late parcel, a rude ticket, the outage) is cut at fixed thresholds
chosen so that an ordinary experience gives realistic distributions (NPS about +35, CSAT about
80 % satisfied, CES about 70 % easy).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from statistics import NormalDist
from typing import Any

import numpy as np

from cxpulse import schema
from cxpulse.demo.calendar import DAY, F64, I64, MINUTE, NULL_TIME, SECOND, B, Window
from cxpulse.demo.customers import Customers

NPS, CSAT, CES7, CES5 = range(4)
QUESTION_TYPES = ("nps", "csat", "ces", "ces")
SCALE_MIN = np.array([0, 1, 1, 1])
SCALE_MAX = np.array([10, 5, 7, 5])
POLARITY = ("high_is_good", "high_is_good", "high_is_easy", "high_is_easy")
_BASE_PROBS = (
    (0.02, 0.01, 0.015, 0.02, 0.025, 0.045, 0.065, 0.10, 0.17, 0.22, 0.31),
    (0.05, 0.05, 0.10, 0.30, 0.50),
    (0.03, 0.05, 0.08, 0.13, 0.21, 0.26, 0.24),
    (0.04, 0.07, 0.15, 0.36, 0.38),
)
_CUTS = tuple(np.array([NormalDist().inv_cdf(c) for c in np.cumsum(p)[:-1]]) for p in _BASE_PROBS)
# Scores read as negative / mixed / positive (for comments): the highest negative score and
# the highest mixed score of each question kind.
_NEGATIVE_UP_TO = np.array([6, 2, 3, 2])
_MIXED_UP_TO = np.array([8, 3, 4, 3])
NEGATIVE, MIXED, POSITIVE = 0, 1, 2

TOUCHPOINTS = ("onboarding", "support", "delivery", "purchase", "knowledge_base", "pricing_page")
ONBOARDING, SUPPORT, DELIVERY, PURCHASE, KNOWLEDGE_BASE, PRICING_PAGE = range(6)
RELATIONSHIP = -1  # the periodic NPS is about the relationship, not one journey step

# survey id, touchpoint, question
SURVEYS = (
    ("nps_relationship", RELATIONSHIP, NPS),
    ("nps_post_purchase", PURCHASE, NPS),
    ("csat_support", SUPPORT, CSAT),
    ("ces_support", SUPPORT, CES7),
    ("csat_delivery", DELIVERY, CSAT),
    ("csat_purchase", PURCHASE, CSAT),
    ("ces_onboarding", ONBOARDING, CES7),
    ("ces_help_center", KNOWLEDGE_BASE, CES7),
    ("ces_pricing", PRICING_PAGE, CES5),
)
(
    NPS_RELATIONSHIP,
    NPS_POST_PURCHASE,
    CSAT_SUPPORT,
    CES_SUPPORT,
    CSAT_DELIVERY,
    CSAT_PURCHASE,
    CES_ONBOARDING,
    CES_HELP_CENTER,
    CES_PRICING,
) = range(len(SURVEYS))
SURVEY_IDS = tuple(s[0] for s in SURVEYS)
SURVEY_TOUCHPOINT = np.array([s[1] for s in SURVEYS])
SURVEY_QUESTION = np.array([s[2] for s in SURVEYS])

CHANNELS = schema.CHANNELS
EMAIL, WEB, IN_APP, CHAT = (CHANNELS.index(c) for c in ("email", "web", "in_app", "chat"))
_RESPONSE_RATE = {EMAIL: 0.30, WEB: 0.40, IN_APP: 0.45, CHAT: 0.50}
_DELAY = {  # median seconds and spread of the time to answer
    EMAIL: (4 * 3600.0, 1.3),
    WEB: (40.0, 0.6),
    IN_APP: (120.0, 0.8),
    CHAT: (60.0, 0.6),
}


@dataclass
class Asks:
    """Survey invitations, and once answered, the answers."""

    customer: I64
    survey: I64
    channel: I64
    sent: I64
    ticket: I64  # -1 when not about a ticket
    agent: I64  # -1 when not about an agent
    shift: F64  # what happened, on the latent satisfaction scale
    delivered: B
    responded: B
    responded_at: I64
    score: I64

    @property
    def n(self) -> int:
        return len(self.customer)

    @property
    def question(self) -> I64:
        return np.asarray(SURVEY_QUESTION[self.survey], dtype=np.int64)

    def select(self, keep: Any) -> Asks:
        return Asks(*(getattr(self, f.name)[keep] for f in fields(self)))

    @staticmethod
    def concat(parts: list[Asks]) -> Asks:
        return Asks(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Asks)))


def new_asks(
    customer: I64,
    survey: I64 | int,
    channel: I64 | int,
    sent: I64,
    shift: F64 | float = 0.0,
    ticket: I64 | None = None,
    agent: I64 | None = None,
) -> Asks:
    n = len(customer)
    none = np.full(n, -1, dtype=np.int64)
    return Asks(
        customer=np.asarray(customer, dtype=np.int64),
        survey=np.broadcast_to(np.asarray(survey, dtype=np.int64), n).copy(),
        channel=np.broadcast_to(np.asarray(channel, dtype=np.int64), n).copy(),
        sent=np.asarray(sent, dtype=np.int64),
        ticket=none if ticket is None else np.asarray(ticket, dtype=np.int64),
        agent=none.copy() if agent is None else np.asarray(agent, dtype=np.int64),
        shift=np.broadcast_to(np.asarray(shift, dtype=np.float64), n).copy(),
        delivered=np.zeros(n, dtype=bool),
        responded=np.zeros(n, dtype=bool),
        responded_at=np.full(n, NULL_TIME, dtype=np.int64),
        score=np.full(n, -1, dtype=np.int64),
    )


def reachable(asks: Asks, cust: Customers, window: Window) -> Asks:
    """Drop invitations that would never be sent: e-mail without consent, or outside the data."""
    ok = (asks.channel != EMAIL) | cust.email_consent[asks.customer]
    ok &= (asks.sent >= window.start_us) & (asks.sent < window.end_us)
    return asks.select(ok)


def base_response_rate(asks: Asks, cust: Customers) -> F64:
    rate = np.zeros(asks.n)
    for channel, r in _RESPONSE_RATE.items():
        rate = np.where(asks.channel == channel, r, rate)
    return np.asarray(rate * cust.responsiveness[asks.customer], dtype=np.float64)


def answer(
    rng: np.random.Generator, asks: Asks, cust: Customers, window: Window, rate_factor: float
) -> Asks:
    """The invitations delivered, answered (or not) and scored; returns a new Asks."""
    n = asks.n
    delivered = np.where(asks.channel == EMAIL, rng.random(n) < 0.965, True)
    p = np.minimum(base_response_rate(asks, cust) * rate_factor, 0.95)
    delay = np.zeros(n)
    for channel, (median, spread) in _DELAY.items():
        delay = np.where(asks.channel == channel, rng.lognormal(np.log(median), spread, n), delay)
    responded_at = asks.sent + np.minimum(delay * SECOND, 20 * DAY).astype(np.int64) + MINUTE // 6
    responded = delivered & (rng.random(n) < p) & (responded_at < window.end_us)

    # The outage hits answers given while it lasts: delivery and purchase surveys hard, the
    # relationship NPS a little (customers were annoyed whatever they were asked about).
    o_lo, o_hi = window.outage()
    during = (responded_at >= o_lo) & (responded_at < o_hi)
    touch = SURVEY_TOUCHPOINT[asks.survey]
    hit = np.where(np.isin(touch, (DELIVERY, PURCHASE)), -1.4, 0.0)
    hit = np.where(asks.survey == NPS_RELATIONSHIP, -1.0, hit)
    latent = 0.55 * cust.mood[asks.customer] + 0.835 * rng.normal(0.0, 1.0, n)
    latent += asks.shift + np.where(during, hit, 0.0)
    score = scores(asks.question, latent)

    out = asks.select(slice(None))
    out.delivered = delivered
    out.responded = responded
    out.responded_at = np.where(responded, responded_at, NULL_TIME)
    out.score = np.where(responded, score, -1)
    return out


def scores(question: I64, latent: F64) -> I64:
    """Ordered-probit scores for each question kind."""
    out = np.zeros(len(question), dtype=np.int64)
    for q, cuts in enumerate(_CUTS):
        mask = question == q
        out[mask] = np.searchsorted(cuts, latent[mask]) + SCALE_MIN[q]
    return out


def feeling(question: I64, score: I64) -> I64:
    """NEGATIVE, MIXED or POSITIVE reading of each score (a detractor is negative...)."""
    return np.where(
        score <= _NEGATIVE_UP_TO[question],
        NEGATIVE,
        np.where(score <= _MIXED_UP_TO[question], MIXED, POSITIVE),
    ).astype(np.int64)
