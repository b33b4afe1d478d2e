"""Survey answers with no change (or one planted change) at the default demo's volumes, for
the null simulation and the power curve of the insights (tests and benchmarks/insights_null.py).

One workspace holds many independent runs: run ``r`` is the month pair (2r, 2r + 1) counted
from January 2010, each month's answers drawn afresh from the same distributions, so the
insights of month 2r + 1 against month 2r see no change unless one is planted. Answers are
written through the store's write path (:func:`tests.conftest.add_rows`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

from cxpulse import Workspace
from cxpulse.metrics import periods
from tests.conftest import add_rows

FIRST = date(2010, 1, 1)
VOLUMES = {"nps": 250, "csat": 700, "ces": 800}
"""Answers a month, about the default demo's (`cxpulse demo`: 216-262 NPS, 677-728 CSAT,
782-843 CES answers a month in autumn 2025)."""
TOUCHPOINTS = ("purchase", "delivery", "support", "onboarding", "billing")
CHANNELS = ("email", "in_app")
LANGUAGES = ("en", "fr")
SEGMENTS = ("consumer", "office", "reseller")
PLANS = ("classic", "essential", "connoisseur", "trial", "pro")
COUNTRIES = ("FR", "GB", "US", "DE", "BE", "CA")
CUSTOMERS = 2000
# one answer's chance of each category: (good, middle, bad) on the scores given below
SHARES = {"nps": (0.45, 0.30, 0.25), "csat": (0.75, 0.0, 0.25), "ces": (0.6, 0.25, 0.15)}
SCORES = {"nps": (10, 8, 3, 0, 10), "csat": (5, 3, 2, 1, 5), "ces": (7, 4, 1, 1, 7)}
"""Per question type: the good, middle and bad score, then the scale's min and max."""


@dataclass(frozen=True)
class Plant:
    """A change planted in the second month of a run: ``metric``'s good share moved by
    ``shift`` (a fraction, -0.1: ten points fewer satisfied) in ``touchpoint``."""

    metric: str
    touchpoint: str
    shift: float


def month(index: int) -> date:
    return periods.shift(FIRST, "month", index)


def label(run: int) -> str:
    """The period the insights of ``run`` look at (its second month)."""
    return periods.label(month(2 * run + 1), "month")


def customers(ws: Workspace, rng: np.random.Generator) -> list[str]:
    ids = [f"C{i}" for i in range(CUSTOMERS)]
    add_rows(
        ws,
        "customers",
        [
            {
                "customer_id": cid,
                "segment": SEGMENTS[rng.integers(len(SEGMENTS))],
                "plan": PLANS[rng.integers(len(PLANS))],
                "country": COUNTRIES[rng.integers(len(COUNTRIES))],
            }
            for cid in ids
        ],
    )
    return ids


def answers(
    rng: np.random.Generator, first: date, ids: list[str], plant: Plant | None = None
) -> list[dict[str, object]]:
    """One month of answers of each question type (``plant`` applied to it)."""
    rows: list[dict[str, object]] = []
    for qtype, volume in VOLUMES.items():
        good, middle, bad, lo, hi = SCORES[qtype]
        n = int(rng.poisson(volume))
        touch = rng.integers(len(TOUCHPOINTS), size=n)
        shares = np.tile(np.array(SHARES[qtype]), (n, 1))
        if plant is not None and plant.metric == qtype:
            hit = touch == TOUCHPOINTS.index(plant.touchpoint)
            # the good share moves by shift, taken from (or given to) the bad one
            shares[hit, 0] += plant.shift
            shares[hit, 2] -= plant.shift
        u = rng.random(n)
        score = np.where(
            u < shares[:, 0], good, np.where(u < shares[:, 0] + shares[:, 1], middle, bad)
        )
        days = rng.integers(0, 28, size=n)
        minutes = rng.integers(8 * 60, 20 * 60, size=n)
        for i in range(n):
            rows.append(
                {
                    "customer_id": ids[rng.integers(len(ids))],
                    "question_type": qtype,
                    "score": int(score[i]),
                    "scale_min": lo,
                    "scale_max": hi,
                    "touchpoint": TOUCHPOINTS[touch[i]],
                    "channel": CHANNELS[rng.integers(len(CHANNELS))],
                    "language": LANGUAGES[rng.integers(len(LANGUAGES))],
                    "responded_at": datetime(first.year, first.month, 1)
                    + timedelta(days=int(days[i]), minutes=int(minutes[i])),
                }
            )
    return rows


def fill(ws: Workspace, runs: int, seed: int, plants: dict[int, Plant] | None = None) -> None:
    """``runs`` independent month pairs; ``plants``: the change planted in some runs."""
    rng = np.random.default_rng(seed)
    ids = customers(ws, rng)
    rows: list[dict[str, object]] = []
    for run in range(runs):
        plant = (plants or {}).get(run)
        rows += answers(rng, month(2 * run), ids)
        rows += answers(rng, month(2 * run + 1), ids, plant)
    add_rows(ws, "survey_responses", rows)


# -- a hand-built case: one touchpoint's CSAT halves -----------------------------------------
OCT, NOV = datetime(2025, 10, 8, 10), datetime(2025, 11, 12, 10)


def csat(touchpoint: str, satisfied: int, unhappy: int, when: datetime) -> list[dict[str, object]]:
    rows = [{"score": 5} for _ in range(satisfied)] + [{"score": 2} for _ in range(unhappy)]
    return [
        {**r, "touchpoint": touchpoint, "responded_at": when, "question_type": "csat",
         "scale_min": 1, "scale_max": 5}
        for r in rows
    ]  # fmt: skip


def delivery_drop(ws: Workspace) -> None:
    """Delivery: 75 % satisfied in October 2025, 37.5 % in November; support: the same both
    months (160 answers each); an NPS answer on the evening of 30 November (local), so the
    data covers November to its end."""
    add_rows(ws, "survey_responses", csat("delivery", 120, 40, OCT) + csat("support", 120, 40, OCT))
    add_rows(ws, "survey_responses", csat("delivery", 60, 100, NOV) + csat("support", 121, 39, NOV))
    add_rows(ws, "survey_responses", [{"score": 9, "responded_at": datetime(2025, 11, 30, 21)}])
