"""The drill dimensions of a metric: the columns a change is looked for in, segment by segment.

A metric is drilled into the columns of its own table that name a group a CX lead acts on
(touchpoint, channel, team, page...) and, when its rows belong to customers, the customer's
attributes the engine joins (segment, plan, country, language). Identifiers (survey_id),
currencies and outcome columns (a session's exit) are not dimensions: a change "in survey
S-12" or "among exits" says nothing a reader can act on.
"""

from __future__ import annotations

from collections.abc import Sequence

from cxpulse import schema
from cxpulse.metrics.selection import CUSTOMER_PREFIX
from cxpulse.metrics.spec import MetricSpec

DRILL_DIMENSIONS: tuple[str, ...] = (
    "touchpoint",
    "channel",
    "language",
    "platform",
    "team",
    "agent_id",
    "category",
    "priority",
    "page",
    "plan",
)
"""Columns of a metric's own table drilled into, where the metric lists them as segments."""

CUSTOMER_DIMENSIONS: tuple[str, ...] = ("segment", "plan", "country", "language")
"""Customer attributes drilled into (as ``customer.<name>``) for metrics of customers' rows,
unless the metric's own table has a column of that name (a survey's own language)."""


def drill_dimensions(spec: MetricSpec, only: Sequence[str] | None = None) -> list[str]:
    """The dimensions ``spec`` is drilled into, in a stable order: its own columns first, then
    the customer's attributes. ``only``: keep those of these names (``customer.plan`` or
    ``plan`` alike), e.g. a user's choice."""
    own = [c for c in spec.segments if c in DRILL_DIMENSIONS]
    found = list(own)
    if "customer_id" in schema.table(spec.table).names:
        found += [f"{CUSTOMER_PREFIX}{c}" for c in CUSTOMER_DIMENSIONS if c not in own]
    if only is not None:
        wanted = {d.removeprefix(CUSTOMER_PREFIX) for d in only}
        found = [d for d in found if d.removeprefix(CUSTOMER_PREFIX) in wanted]
    return found
