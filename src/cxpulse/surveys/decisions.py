"""The decision log: every trigger decision with its reason, and `why` a customer was asked.

The budget's history is read from the canonical ``survey_invitations`` table, so invitations
imported from other tools (any channel) count against the same budget as cxpulse's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import ibis

from cxpulse.schema import SURVEY_DECISIONS_TABLE, SURVEY_OPERATIONAL_SCHEMAS
from cxpulse.surveys.fatigue import Decision, History
from cxpulse.surveys.store import surveys
from cxpulse.surveys.triggers import left_out

if TYPE_CHECKING:
    from cxpulse.context import Context


def history(ws: Context) -> History:
    inv = ws.table("survey_invitations")
    rows = inv.filter(inv.customer_id.notnull()).select("customer_id", "survey_id", "sent_at")
    out = History()
    for r in rows.execute().itertuples(index=False):
        out.record(str(r.customer_id), str(r.survey_id), r.sent_at.to_pydatetime())
    d = ws.store.table(SURVEY_DECISIONS_TABLE)
    out.decided = {str(k) for k in d.select("trigger_key").distinct().execute().trigger_key}
    return out


def log(ws: Context, decisions: list[Decision], now: datetime, invitations: dict[str, str]) -> None:
    """Append decisions (inside the caller's transaction); ``invitations`` maps trigger keys of
    the invited to their invitation ids."""
    if not decisions:
        return
    rows = [
        {
            "decision_id": f"{d.candidate.trigger_key}@{now.isoformat()}",
            "decided_at": now,
            "customer_id": d.candidate.customer_id,
            "survey_id": d.candidate.survey_id,
            "trigger_key": d.candidate.trigger_key,
            "outcome": d.outcome,
            "reason": d.reason,
            "detail": d.detail,
            "invitation_id": invitations.get(d.candidate.trigger_key),
            "next_eligible_at": d.next_eligible_at,
        }
        for d in decisions
    ]
    schema = ibis.schema(SURVEY_OPERATIONAL_SCHEMAS[SURVEY_DECISIONS_TABLE])
    ws.store.insert(SURVEY_DECISIONS_TABLE, rows, schema=schema)


@dataclass(frozen=True)
class Why:
    customer_id: str
    decisions: list[dict[str, Any]]
    last_invited_at: datetime | None
    last_survey: str | None
    next_eligible_at: datetime | None  # None: the budget allows asking now
    # per active survey, what keeps the customer out of its audience now ([]: inside it);
    # None when the customer is not in the workspace
    audiences: dict[str, list[str]] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer_id,
            "known": self.audiences is not None,
            "last_invited_at": _iso(self.last_invited_at),
            "last_survey": self.last_survey,
            "next_eligible_at": _iso(self.next_eligible_at),
            "audiences": self.audiences,
            "decisions": self.decisions,
        }


def why(ws: Context, customer_id: str, now: datetime, window: timedelta) -> Why:
    """Why was (or wasn't) this customer asked, and when may they be asked next."""
    d = ws.store.table(SURVEY_DECISIONS_TABLE)
    rows = d.filter(d.customer_id == customer_id).order_by(["decided_at", "decision_id"])
    decisions = [
        {
            "decided_at": _iso(r.decided_at.to_pydatetime()),
            "survey_id": r.survey_id,
            "outcome": r.outcome,
            "reason": r.reason,
            "detail": r.detail,
            "invitation_id": r.invitation_id if isinstance(r.invitation_id, str) else None,
        }
        for r in rows.execute().itertuples(index=False)
    ]
    last = history(ws).last_any.get(customer_id)
    next_at = last[0] + window if last and last[0] + window > now else None
    audiences: dict[str, list[str]] | None = {}
    for survey in surveys(ws):
        gaps = left_out(ws, survey, customer_id)
        if gaps is None:
            audiences = None
            break
        audiences[survey.id] = gaps  # type: ignore[index]
    return Why(
        customer_id,
        decisions,
        last[0] if last else None,
        last[1] if last else None,
        next_at,
        audiences,
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="minutes") if value is not None else None
