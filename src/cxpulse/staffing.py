"""Agents needed per interval to answer X % of contacts within Y seconds (Erlang C).

Erlang C models one queue served by N interchangeable agents, Poisson arrivals and exponential
handle times, nobody hanging up (M/M/N). With A = contacts x AHT / interval (the traffic in
Erlangs, the average number of busy agents):

- P(wait) = C(N, A) = N B / (N - A (1 - B)), with B = Erlang B computed by the recursion
  B(0) = 1, B(k) = A B(k-1) / (k + A B(k-1)), which never forms A^N or N! (the textbook sum
  overflows floats past about 170 agents);
- service level SL(t) = 1 - P(wait) exp(-(N - A) t / AHT);
- average speed of answer ASA = P(wait) AHT / (N - A); occupancy = A / N.

The agents needed are the fewest N > A meeting the service level with occupancy at most the
cap (people cannot be busy 100 % of the time); the agents to schedule add shrinkage (breaks,
training, absence): ceil(N / (1 - shrinkage)). Pure functions, no data access.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from cxpulse.errors import ConfigError

DEFAULT_MAX_OCCUPANCY = 0.85
DEFAULT_SHRINKAGE = 0.30


@dataclass(frozen=True)
class ServiceTarget:
    """Answer ``share`` (0-1) of contacts within ``seconds``."""

    share: float
    seconds: float

    def __post_init__(self) -> None:
        if not 0 < self.share < 1:
            raise ConfigError(
                f"the service level share must be between 0 and 100 % (excluded; no finite "
                f"team answers everyone in time), not {self.share * 100:g} %"
            )
        if self.seconds < 0:
            raise ConfigError(f"the answer time cannot be negative ({self.seconds:g} s)")

    @classmethod
    def parse(cls, text: str) -> ServiceTarget:
        """``'80/20'`` (80 % within 20 seconds); ``'80%/20s'`` also reads."""
        match = re.fullmatch(r"\s*(\d+(?:[.,]\d+)?)\s*%?\s*/\s*(\d+(?:[.,]\d+)?)\s*s?\s*", text)
        if not match:
            raise ConfigError(
                f"service level {text!r} should read PERCENT/SECONDS, e.g. 80/20 for 80 % of "
                "contacts answered within 20 seconds"
            )
        share, seconds = (float(g.replace(",", ".")) for g in match.groups())
        return cls(share / 100, seconds)


def traffic(contacts: float, aht_seconds: float, interval_seconds: float) -> float:
    """Offered traffic in Erlangs: contacts x AHT / interval length."""
    if aht_seconds <= 0 or interval_seconds <= 0:
        raise ConfigError("the handle time and the interval must be above 0 seconds")
    if contacts < 0:
        raise ConfigError(f"a contact volume cannot be negative ({contacts:g})")
    return contacts * aht_seconds / interval_seconds


def erlang_b(agents: int, traffic: float) -> float:
    """Blocking probability of ``agents`` servers offered ``traffic`` Erlangs (no queue)."""
    b = 1.0
    for k in range(1, agents + 1):
        b = traffic * b / (k + traffic * b)
    return b


def _c_from_b(agents: int, traffic: float, b: float) -> float:
    if agents <= traffic:
        return 1.0  # the queue grows without end: everyone waits
    return agents * b / (agents - traffic * (1 - b))


def erlang_c(agents: int, traffic: float) -> float:
    """P(wait): probability that a contact waits for an agent (1 when agents <= traffic)."""
    if traffic <= 0:
        return 0.0
    return _c_from_b(agents, traffic, erlang_b(agents, traffic))


def _sl(agents: int, traffic: float, p_wait: float, aht: float, answer_seconds: float) -> float:
    if agents <= traffic:
        return 0.0
    return 1.0 - p_wait * math.exp(-(agents - traffic) * answer_seconds / aht)


def service_level(agents: int, traffic: float, aht_seconds: float, answer_seconds: float) -> float:
    """Share of contacts answered within ``answer_seconds``."""
    if traffic <= 0:
        return 1.0
    return _sl(agents, traffic, erlang_c(agents, traffic), aht_seconds, answer_seconds)


def average_speed_of_answer(agents: int, traffic: float, aht_seconds: float) -> float:
    """Mean wait in seconds over all contacts (infinite when agents <= traffic)."""
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return math.inf
    return erlang_c(agents, traffic) * aht_seconds / (agents - traffic)


def occupancy(agents: int, traffic: float) -> float:
    """Share of time agents are busy (capped at 1: beyond it the queue never empties)."""
    return 0.0 if agents <= 0 else min(traffic / agents, 1.0)


@dataclass(frozen=True)
class Staffing:
    contacts: float
    traffic: float
    agents: int
    """Agents answering at the same time (Erlang C with the occupancy cap)."""
    scheduled: int
    """Agents to schedule once shrinkage is added."""
    service_level: float
    asa_seconds: float
    occupancy: float
    p_wait: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def agents_needed(
    contacts: float,
    aht_seconds: float,
    interval_seconds: float,
    target: ServiceTarget,
    *,
    max_occupancy: float = DEFAULT_MAX_OCCUPANCY,
    shrinkage: float = DEFAULT_SHRINKAGE,
) -> Staffing:
    """The fewest agents meeting ``target`` with occupancy at most ``max_occupancy``."""
    if not 0 < max_occupancy <= 1:
        raise ConfigError(f"max occupancy must be above 0 and at most 1, not {max_occupancy:g}")
    if not 0 <= shrinkage < 1:
        raise ConfigError(f"shrinkage must be at least 0 and below 1, not {shrinkage:g}")
    a = traffic(contacts, aht_seconds, interval_seconds)
    if a == 0:
        return Staffing(contacts, 0.0, 0, 0, 1.0, 0.0, 0.0, 0.0)
    n = max(math.floor(a) + 1, math.ceil(a / max_occupancy - 1e-9))
    b = erlang_b(n, a)
    while True:
        p_wait = _c_from_b(n, a, b)
        sl = _sl(n, a, p_wait, aht_seconds, target.seconds)
        if sl >= target.share and a / n <= max_occupancy + 1e-12:
            break
        n += 1
        b = a * b / (n + a * b)  # Erlang B of n agents from that of n - 1
    scheduled = math.ceil(n / (1 - shrinkage) - 1e-9)
    asa = p_wait * aht_seconds / (n - a)
    return Staffing(contacts, a, n, scheduled, sl, asa, a / n, p_wait)


def plan(
    volumes: pd.DataFrame,
    aht_seconds: float,
    interval_seconds: float,
    target: ServiceTarget,
    *,
    max_occupancy: float = DEFAULT_MAX_OCCUPANCY,
    shrinkage: float = DEFAULT_SHRINKAGE,
) -> pd.DataFrame:
    """Staffing of each row of ``volumes`` (interval_start, contacts), one row per interval:
    interval_start, contacts, traffic (Erlangs), agents, scheduled, service_level (%),
    asa_seconds, occupancy (%), p_wait (%)."""
    rows = []
    for start, contacts in zip(volumes["interval_start"], volumes["contacts"], strict=True):
        s = agents_needed(
            float(contacts),
            aht_seconds,
            interval_seconds,
            target,
            max_occupancy=max_occupancy,
            shrinkage=shrinkage,
        )
        rows.append(
            {
                "interval_start": start,
                "contacts": s.contacts,
                "traffic": s.traffic,
                "agents": s.agents,
                "scheduled": s.scheduled,
                "service_level": 100 * s.service_level,
                "asa_seconds": s.asa_seconds,
                "occupancy": 100 * s.occupancy,
                "p_wait": 100 * s.p_wait,
            }
        )
    return pd.DataFrame(rows, columns=PLAN_COLUMNS)


PLAN_COLUMNS = [
    "interval_start",
    "contacts",
    "traffic",
    "agents",
    "scheduled",
    "service_level",
    "asa_seconds",
    "occupancy",
    "p_wait",
]
