"""A feature and a customer's value of it in plain words, for reasons ("4 negative interactions
in the last 30 days: +12 points").

The workspace's own features have a phrase each; a column of a user's file reads as
"Contract Month-to-month" (a category) or "tenure 1 (median 29)" (a number).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

Phrase = Callable[[float], str]


def _n(v: float) -> str:
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}"


def _count(one: str, many: str, where: str) -> Phrase:
    return lambda v: f"{_n(v)} {one if v == 1 else many} {where}"


def _share(what: str) -> Phrase:
    return lambda v: f"{what} {100 * v:.0f} % of the scale"


def _trend(what: str) -> Phrase:
    return lambda v: f"{what} {'up' if v >= 0 else 'down'} {abs(v):.2g} on the earlier mean"


PHRASES: dict[str, Phrase] = {
    "tenure_days": lambda v: f"customer for {_n(v)} days",
    "mrr": lambda v: f"MRR {_n(v)}",
    "mrr_change_90d": lambda v: f"MRR change in 90 days {v:+,.0f}",
    "downgraded_90d": lambda v: (
        "downgraded in the last 90 days" if v else "no downgrade in 90 days"
    ),
    "nps_last": lambda v: f"last NPS score {_n(v)}",
    "nps_trend": lambda v: f"NPS {'up' if v >= 0 else 'down'} {abs(v):.1f} on the earlier mean",
    "csat_last": _share("last CSAT"),
    "csat_trend": _trend("CSAT"),
    "ces_last": _share("last effort score (1 = easy)"),
    "ces_trend": _trend("effort score"),
    "negatives_30d": _count("negative interaction", "negative interactions", "in 30 days"),
    "negatives_90d": _count("negative interaction", "negative interactions", "in 90 days"),
    "tickets_90d": _count("ticket", "tickets", "in 90 days"),
    "reopens_90d": _count("reopened ticket", "reopened tickets", "in 90 days"),
    "resolution_hours_90d": lambda v: f"tickets took {_n(v)} hours to solve (90 days)",
    "open_tickets": _count("ticket", "tickets", "open"),
    "web_hits_30d": _count("web page view", "web page views", "in 30 days"),
    "web_days_30d": _count("day", "days", "on the website in 30 days"),
    "web_hits_90d": _count("web page view", "web page views", "in 90 days"),
    "points_earned_90d": _count("loyalty point", "loyalty points", "earned in 90 days"),
    "points_redeemed_90d": _count("loyalty point", "loyalty points", "redeemed in 90 days"),
    "orders_90d": _count("order", "orders", "in 90 days"),
    "order_value_90d": lambda v: f"average order {_n(v)} in 90 days",
    "order_value_trend": lambda v: f"average order {v:+,.0f} on the year before",
    "days_since_order": lambda v: f"last order {_n(v)} days ago",
}
MISSING: dict[str, str] = {
    "nps_last": "no NPS answer",
    "nps_trend": "no NPS trend (fewer than 2 answers)",
    "csat_last": "no CSAT answer",
    "csat_trend": "no CSAT trend (fewer than 2 answers)",
    "ces_last": "no effort score answer",
    "ces_trend": "no effort trend (fewer than 2 answers)",
    "resolution_hours_90d": "no ticket solved in 90 days",
    "order_value_90d": "no order in 90 days",
    "order_value_trend": "no order to compare",
    "days_since_order": "no order yet",
    "mrr_change_90d": "no subscription 90 days ago",
}
CATEGORY_NAMES = {"segment": "segment", "plan": "plan"}


def phrase(feature: str, value: Any, typical: float | None = None) -> str:
    """``feature`` = ``value`` in plain words; ``typical`` (a median) is shown for the numbers of
    a user's own columns, which have no phrase of their own."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING.get(feature, f"{feature} missing")
    if isinstance(value, str):
        return f"{CATEGORY_NAMES.get(feature, feature)} {value}"
    if feature in PHRASES:
        return PHRASES[feature](float(value))
    shown = f"{feature} {_n(float(value))}"
    if typical is not None and not math.isnan(typical):
        shown += f" (median {_n(typical)})"
    return shown
