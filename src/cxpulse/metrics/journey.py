"""Metrics per touchpoint along the customer journey: NPS, CSAT, CES and the response rate of
each touchpoint in one period, with the change on the previous period.

:data:`JOURNEY_STAGES` is the one place that orders touchpoints; touchpoints it does not
know come after the known ones, alphabetically, and responses without a touchpoint last.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd

from cxpulse.metrics import periods
from cxpulse.metrics.engine import compute_many
from cxpulse.metrics.feedback import NONE

if TYPE_CHECKING:
    from cxpulse.context import Context

JOURNEY_STAGES: tuple[str, ...] = (
    "awareness",
    "website",
    "pricing_page",
    "trial",
    "signup",
    "onboarding",
    "purchase",
    "checkout",
    "delivery",
    "usage",
    "knowledge_base",
    "support",
    "billing",
    "renewal",
    "cancellation",
)
JOURNEY_METRICS: tuple[str, ...] = ("nps", "csat", "ces", "response_rate")


def stage_order(touchpoints: list[str]) -> list[str]:
    """``touchpoints`` in journey order."""
    rank = {name: i for i, name in enumerate(JOURNEY_STAGES)}

    def key(t: str) -> tuple[int, int, str]:
        if t == NONE:
            return (2, 0, "")
        return (0, rank[t], t) if t in rank else (1, 0, t)

    return sorted(set(touchpoints), key=key)


def journey(
    ws: Context,
    period_start: date,
    by: str = "month",
    metrics: tuple[str, ...] = JOURNEY_METRICS,
) -> dict[str, Any]:
    """Each metric by touchpoint in the period starting ``period_start`` and the one before
    (read together: :func:`~cxpulse.metrics.engine.compute_many`), plus the responses per
    touchpoint (one query).

    Returns ``period``, ``previous_period``, ``touchpoints`` (journey order) and ``rows``: one
    per touchpoint with ``responses`` and, per metric, ``value``, ``previous``, ``change``,
    ``significant``, ``n``, ``low_n``, ``ci_low``, ``ci_high``.
    """
    grain = periods.check_grain(by)
    first = periods.floor_date(period_start, grain)
    previous = periods.shift(first, grain, -1)
    end = periods.shift(first, grain, 1) - timedelta(days=1)
    found: dict[str, dict[str, dict[str, Any]]] = {}
    # read together: NPS, CSAT and CES in one query
    every = compute_many(ws, metrics, by=grain, segment="touchpoint", start=previous, end=end)
    for name, df in every.items():
        by_key = {(str(r["touchpoint"]), r["period_start"]): r for r in df.to_dict("records")}
        for (tp, start), row in by_key.items():
            if start != first:
                continue
            before = by_key.get((tp, previous), {})
            found.setdefault(tp, {})[name] = {
                "value": _num(row["value"]),
                "previous": _num(before.get("value")),
                "change": _num(row["change"]),
                "significant": bool(row["significant"]),
                "n": int(row["n"]),
                "low_n": bool(row["low_n"]),
                "ci_low": _num(row["ci_low"]),
                "ci_high": _num(row["ci_high"]),
            }
    counts = _responses(ws, first, end)
    touchpoints = stage_order([*found, *counts])
    rows = [
        {"touchpoint": tp, "responses": counts.get(tp, 0)}
        | {name: found.get(tp, {}).get(name) for name in metrics}
        for tp in touchpoints
    ]
    return {
        "by": grain,
        "period": periods.label(first, grain),
        "previous_period": periods.label(previous, grain),
        "metrics": list(metrics),
        "touchpoints": touchpoints,
        "rows": rows,
    }


def _responses(ws: Context, first: date, last: date) -> dict[str, int]:
    from cxpulse.metrics.feedback import ResponseFilter, filtered

    t = filtered(ws, ResponseFilter(start=first, end=last, with_comment=False))
    df = t.group_by("touchpoint").aggregate(responses=t.count()).execute()
    return {
        NONE if pd.isna(tp) else str(tp): int(n)
        for tp, n in zip(df["touchpoint"], df["responses"], strict=True)
    }


def _num(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)
