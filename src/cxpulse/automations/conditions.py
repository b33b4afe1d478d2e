"""Who a rule's condition hits between two instants: one :class:`Hit` per cause.

The cause is what makes the rule fire (a response, the ticket that made the Nth negative
interaction, a churn score of a month, a mention); its id, prefixed with the rule name, is the
run key that stops a rule from firing twice for it. Everything is read with Ibis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import ibis

from cxpulse.automations.rules import Condition
from cxpulse.metrics import scales
from cxpulse.metrics.negatives import negative_tickets
from cxpulse.store.migrations import CHURN_SCORES_TABLE

if TYPE_CHECKING:
    from cxpulse.workspace import Workspace


@dataclass(frozen=True)
class Hit:
    customer_id: str
    cause: str  # unique within the rule
    at: datetime
    detail: dict[str, Any] = field(default_factory=dict)


def hits(ws: Workspace, when: Condition, since: datetime, until: datetime) -> list[Hit]:
    """Causes of ``when`` that happened in (since, until], oldest first."""
    finders = {
        "response": _responses,
        "negative_interactions": _negatives,
        "churn_risk_above": _churn,
        "mention_sentiment_below": _mentions,
    }
    found = finders[when.kind](ws, when, since, until)
    return sorted(found, key=lambda h: (h.at, h.cause))


def _response_filter(r: Any, kind: str) -> Any:
    scale = ibis.coalesce(r.scale_max, 5)
    if kind == "detractor":
        return (r.question_type == "nps") & (r.score <= scales.NPS_DETRACTOR_MAX)
    if kind == "promoter":
        return (r.question_type == "nps") & (r.score >= scales.NPS_PROMOTER_MIN)
    if kind == "csat_unsatisfied":
        return (r.question_type == "csat") & (
            r.score < scales.lookup_expr(scales.CSAT_TOP2_MIN, scale)
        )
    # ces_hard: turn every answer into "high = easy" first, as the CES metric does
    ease = scales.ease_score(r.score, ibis.coalesce(r.scale_min, 1), r.scale_max, r.polarity)
    return (r.question_type == "ces") & (
        ease <= scales.lookup_expr(scales.CES_HARD_MAX, r.scale_max)
    )


def _responses(ws: Workspace, when: Condition, since: datetime, until: datetime) -> list[Hit]:
    r = ws.table("survey_responses")
    r = r.filter(r.customer_id.notnull() & r.score.notnull())
    r = r.filter((r.responded_at > since) & (r.responded_at <= until))
    r = r.filter(_response_filter(r, when.response))
    cols = ["response_id", "customer_id", "responded_at", "score", "question_type", "survey_id",
            "touchpoint", "comment", "ticket_id", "channel"]  # fmt: skip
    return [
        Hit(str(x.customer_id), str(x.response_id), x.responded_at.to_pydatetime(),
            {"type": when.response, "response_id": x.response_id, "score": int(x.score),
             "question_type": x.question_type, "survey_id": _text(x.survey_id),
             "touchpoint": _text(x.touchpoint), "comment": _text(x.comment),
             "ticket_id": _text(x.ticket_id), "channel": _text(x.channel)})
        for x in r.select(*cols).execute().itertuples(index=False)
    ]  # fmt: skip


def _negatives(ws: Workspace, when: Condition, since: datetime, until: datetime) -> list[Hit]:
    """The ticket that makes the Nth negative interaction within the window (and only that
    one: the N+1th does not fire again)."""
    neg = negative_tickets(ws)
    neg = neg.filter(neg.happened <= until)
    window = ibis.window(
        group_by=neg.customer_id,
        order_by=neg.happened,
        range=(-ibis.interval(days=when.window_days), 0),
    )
    rolled = neg.mutate(recent=neg.ticket_id.count().over(window))
    n = int(when.threshold)
    rolled = rolled.filter((rolled.recent == n) & (rolled.happened > since))
    return [
        Hit(str(x.customer_id), str(x.ticket_id), x.happened.to_pydatetime(),
            {"type": "negative_interactions", "ticket_id": x.ticket_id, "count": n,
             "window_days": when.window_days})
        for x in rolled.execute().itertuples(index=False)
    ]  # fmt: skip


def _churn(ws: Workspace, when: Condition, since: datetime, until: datetime) -> list[Hit]:
    """Customers scored above the threshold; the cause is the customer and the month of the
    score, so a customer who stays at risk is acted on at most once a month."""
    if not ws.store.has_table(CHURN_SCORES_TABLE):
        return []
    s = ws.store.table(CHURN_SCORES_TABLE)
    s = s.filter((s.risk > when.threshold) & (s.scored_at > since) & (s.scored_at <= until))
    return [
        Hit(str(x.customer_id), f"{x.customer_id}@{x.as_of:%Y-%m}", x.scored_at.to_pydatetime(),
            {"type": "churn_risk", "risk": round(float(x.risk), 4), "model": _text(x.model),
             "top_reasons": _text(x.top_reasons)})
        for x in s.execute().itertuples(index=False)
    ]  # fmt: skip


def _mentions(ws: Workspace, when: Condition, since: datetime, until: datetime) -> list[Hit]:
    m = ws.table("mentions")
    m = m.filter(m.customer_id.notnull() & (m.sentiment < when.threshold))
    m = m.filter((m.posted_at > since) & (m.posted_at <= until))
    return [
        Hit(str(x.customer_id), str(x.mention_id), x.posted_at.to_pydatetime(),
            {"type": "negative_mention", "mention_id": x.mention_id, "platform": x.platform,
             "sentiment": float(x.sentiment), "url": _text(x.url), "text": _text(x.text)})
        for x in m.execute().itertuples(index=False)
    ]  # fmt: skip


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None  # pandas gives NaN or None


DRY_RUN_DAYS = 90
LOOKBACK = timedelta(days=7)
"""A rule added now acts on causes from the last week at most: adding a rule must not open
cases for last year's detractors (use the dry run to see those)."""
