"""The decision log: every trigger decision with its reason, and `why` a customer was asked.

The budget's history is read from the canonical ``survey_invitations`` table, so invitations
imported from other tools (any channel) count against the same budget as cxpulse's own.
"""

from __future__ import annotations

from collections.abc import Iterable
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


LISTED = 1000
"""Up to this many customers (or triggers) are named in the query; more read them all."""


def history(
    ws: Context, customers: Iterable[str] | None = None, triggers: Iterable[str] | None = None
) -> History:
    """What the budget needs of the past, for ``customers`` and ``triggers`` (default: all):
    the latest invitation per customer and survey, and the triggers already decided.

    Read as one row per customer and survey, not one per invitation: the worker decides every
    minute, under the server's lock, and at scale 1 (2.5M invitations) reading every row into
    Python took most of a minute under load, in front of every page and log-in."""
    inv = ws.table("survey_invitations")
    known = _only(inv.filter(inv.customer_id.notnull() & inv.sent_at.notnull()), "customer_id",
                  customers)  # fmt: skip
    last = known.group_by(["customer_id", "survey_id"]).aggregate(sent_at=known.sent_at.max())
    # a tie between two surveys at the same instant goes to the greater survey id, as record()
    # keeps the later of equal times
    rows = last.order_by(["customer_id", "sent_at", "survey_id"]).execute()
    out = History()
    for customer, survey, at in zip(
        rows["customer_id"], rows["survey_id"], rows["sent_at"], strict=True
    ):
        out.record(str(customer), str(survey), at.to_pydatetime())
    d = _only(ws.store.table(SURVEY_DECISIONS_TABLE), "trigger_key", triggers)
    out.decided = {str(k) for k in d.select("trigger_key").distinct().execute().trigger_key}
    return out


def _only(table: ibis.Table, column: str, values: Iterable[str] | None) -> ibis.Table:
    """``table`` restricted to rows whose ``column`` is in ``values`` when they are few enough
    to name in the query (a long IN list costs more to compile than the scan it saves)."""
    if values is None:
        return table
    wanted = sorted(set(values))
    if len(wanted) > LISTED:
        return table
    if not wanted:
        return table.limit(0)
    return table.filter(table[column].isin(wanted))


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
    last = history(ws, [customer_id], []).last_any.get(customer_id)
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
