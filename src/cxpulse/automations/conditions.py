"""Who a rule's condition hits between two instants: one :class:`Hit` per cause.

The cause is what makes the rule fire (a response, the ticket that made the Nth negative
interaction, a churn score of a month, a mention); its id, prefixed with the rule name, is the
run key that stops a rule from firing twice for it. Everything is read with Ibis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import ibis

from cxpulse.automations.rules import Condition
from cxpulse.metrics import periods, scales
from cxpulse.metrics.negatives import negative_tickets
from cxpulse.metrics.social import with_cxpulse_score
from cxpulse.schema import CHURN_SCORES_TABLE, SURVEY_EVENTS_TABLE

if TYPE_CHECKING:
    from cxpulse.workspace import Workspace


@dataclass(frozen=True)
class Hit:
    customer_id: str  # "" for a metric condition: a group, not one customer
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
        "event": _events,
        "metric": _metric,
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
    m = with_cxpulse_score(ws.table("mentions"), ws)  # imported reviews carry no sentiment
    m = m.mutate(score=ibis.coalesce(m.sentiment, m._ours)).drop("_ours")
    m = m.filter(m.customer_id.notnull() & (m.score < when.threshold))
    m = m.filter((m.posted_at > since) & (m.posted_at <= until))
    return [
        Hit(str(x.customer_id), str(x.mention_id), x.posted_at.to_pydatetime(),
            {"type": "negative_mention", "mention_id": x.mention_id, "platform": x.platform,
             "sentiment": float(x.score), "url": _text(x.url), "text": _text(x.text)})
        for x in m.execute().itertuples(index=False)
    ]  # fmt: skip


def _events(ws: Workspace, when: Condition, since: datetime, until: datetime) -> list[Hit]:
    """Named customer events (imported, posted to /api/v1/events, or cxpulse's own such as
    case_resolved): one cause per event."""
    e = ws.store.table(SURVEY_EVENTS_TABLE)
    e = e.filter((e.name == when.event) & e.customer_id.notnull())
    e = e.filter((e.occurred_at > since) & (e.occurred_at <= until))
    return [
        Hit(str(x.customer_id), str(x.event_id), x.occurred_at.to_pydatetime(),
            {"type": "event", "event": when.event, "event_id": x.event_id})
        for x in e.execute().itertuples(index=False)
    ]  # fmt: skip


def _metric(ws: Workspace, when: Condition, since: datetime, until: datetime) -> list[Hit]:
    """Periods (per segment) that ended in (since, until] with the metric past its bound. Only
    complete periods count, so a value never fires on a partial period and changes after."""
    watch = when.metric
    if watch is None:
        return []
    zone = ws.settings.zone
    grain = periods.check_grain(watch.by)
    first = periods.shift(periods.floor_date(_local(since, zone).date(), grain), grain, -1)
    last = _local(until, zone).date()
    df = ws.metric(watch.name, by=watch.by, segment=watch.segment, variant=watch.variant,
                   start=first, end=last, filters=dict(watch.filters) or None)  # fmt: skip
    found = []
    for row in df.to_dict("records"):
        ended = periods.local_midnight_utc(periods.shift(row["period_start"], grain, 1), zone)
        value, n = row["value"], row["n"]
        if not since < ended <= until or value != value or n != n or n < watch.min_n:
            continue
        if not (value < watch.bound if watch.below else value > watch.bound):
            continue
        group = str(row[watch.segment]) if watch.segment else "all"
        found.append(
            Hit("", f"{watch.name}|{group}|{row['period']}", ended,
                {"type": "metric", "metric": watch.name, "segment": group,
                 "period": row["period"], "value": round(float(value), 4), "n": int(n),
                 "bound": watch.bound, "direction": "below" if watch.below else "above"})
        )  # fmt: skip
    return found


def _local(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None  # pandas gives NaN or None


DRY_RUN_DAYS = 90
LOOKBACK = timedelta(days=7)
"""How far back a run looks: causes up to a week old still fire (a late import of yesterday's
answers), but never causes from before the rule was added, like the triggers of a helpdesk:
adding a rule must not open cases for past detractors (the dry run shows those)."""
