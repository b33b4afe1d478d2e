"""Rule conditions (``when``): one small class per kind, listed once in :data:`DEFAULT`.

A new condition is one module here (a :class:`Condition` subclass with ``parse``, ``hits``,
``describe`` and ``to_dict``) plus one line in :data:`DEFAULT`; a plugin or a test adds its own
to one workspace with ``ws.kinds[CONDITIONS].add(MyCondition)``. Everything is read with Ibis.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from cxpulse.automations.conditions.base import Condition, Hit
from cxpulse.automations.conditions.churn_risk import ChurnRiskAbove
from cxpulse.automations.conditions.event import Event
from cxpulse.automations.conditions.keyword import Keyword
from cxpulse.automations.conditions.mention_sentiment import MentionSentimentBelow
from cxpulse.automations.conditions.metric import Metric
from cxpulse.automations.conditions.negative_interactions import NegativeInteractions
from cxpulse.automations.conditions.response import Response
from cxpulse.automations.conditions.sentiment import Sentiment
from cxpulse.automations.conditions.theme import Theme
from cxpulse.kinds import Kind

if TYPE_CHECKING:
    from cxpulse.workspace import Workspace

DEFAULT: list[type[Condition]] = [
    Response,
    NegativeInteractions,
    ChurnRiskAbove,
    MentionSentimentBelow,
    Event,
    Metric,
    Theme,
    Sentiment,
    Keyword,
]
CONDITIONS = Kind("rule condition", DEFAULT)

DRY_RUN_DAYS = 90
LOOKBACK = timedelta(days=7)
"""How far back a run looks: causes up to a week old still fire (a late import of yesterday's
answers), but never causes from before the rule was added, like the triggers of a helpdesk:
adding a rule must not open cases for past detractors (the dry run shows those)."""


def hits(ws: Workspace, when: Condition, since: datetime, until: datetime) -> list[Hit]:
    """Causes of ``when`` that happened in (since, until], oldest first."""
    return sorted(when.hits(ws, since, until), key=lambda h: (h.at, h.cause))


__all__ = ["CONDITIONS", "DEFAULT", "DRY_RUN_DAYS", "LOOKBACK", "Condition", "Hit", "hits"]
