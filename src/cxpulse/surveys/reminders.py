"""One reminder after ``reminder_after_days`` when an invitation is still unanswered.

A reminder repeats an ask already made; it is not a new one. So, in the fatigue budget:

- it is not a new invitation: it neither needs room in the budget nor moves the customer's
  next eligible date, and the response rate still counts one invitation;
- but it never goes out once something newer happened: an answer, an unsubscribe (or lost
  consent), the link's expiry, or a newer invitation of any survey (the newer ask replaces the
  old one; reminding of the old would be a second ask inside the window).

Each invitation is reminded at most once: the reminder is a delivery under the unique key
``INVITATION:CHANNEL:reminder``, and every reminder decision (sent, or skipped for good with
its reason) is logged under the trigger key ``INVITATION:reminder``, so `cxpulse why` shows it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from cxpulse.schema import SURVEY_DECISIONS_TABLE, SURVEY_DELIVERIES_TABLE
from cxpulse.surveys import decisions as decision_log
from cxpulse.surveys.definition import Survey
from cxpulse.surveys.fatigue import Candidate, Decision

if TYPE_CHECKING:
    from cxpulse.context import Context

SUFFIX = ":reminder"


def remind(ws: Context, active: dict[str, Survey], now: datetime) -> list[Decision]:
    """Queue the reminders due at ``now`` and log each decision; returns the decisions."""
    from cxpulse.surveys import handoff
    from cxpulse.surveys.run import write_deliveries

    wanted = {sid: s for sid, s in active.items() if s.reminder_after_days}
    if not wanted:
        return []
    due = _due(ws, wanted, now)
    if due.empty:
        return []
    answered = _answered(ws, list(due.invitation_id))
    consent = _consent(ws, list(due.customer_id))
    history = decision_log.history(ws, list(due.customer_id), [])
    window = timedelta(days=ws.settings.survey_fatigue_days)
    decided: list[Decision] = []
    rows: list[dict[str, Any]] = []
    posts: list[dict[str, Any]] = []
    for row in due.to_dict("records"):
        survey = wanted[row["survey_id"]]
        inv, customer = str(row["invitation_id"]), str(row["customer_id"])
        if inv in answered:
            continue  # nothing to remind of; not logged, answering is the normal end
        sent_at = row["sent_at"].to_pydatetime()
        cand = Candidate(customer, survey.id, inv + SUFFIX, sent_at, survey.priority)
        last = history.last_any.get(customer)
        next_at = max(last[0] + window, now) if last else now
        allowed = consent.get(customer)
        if allowed is False or (survey.audience.email_consent and allowed is not True):
            decided.append(Decision(cand, "skipped", "unsubscribed",
                                    "no reminder: the customer unsubscribed from surveys",
                                    next_at))  # fmt: skip
            continue
        invited_at = row["created_at"].to_pydatetime()
        if last is not None and last[0] > invited_at:
            decided.append(Decision(cand, "skipped", "superseded",
                                    f"no reminder of {survey.id}: {last[1]} asked since, on "
                                    f"{last[0]:%Y-%m-%d %H:%M} UTC", next_at))  # fmt: skip
            continue
        decided.append(
            Decision(
                cand,
                "reminded",
                "reminder",
                f"no answer {survey.reminder_after_days:g} days after the invitation of "
                f"{sent_at:%Y-%m-%d %H:%M} UTC; one reminder (not a new ask: the budget is "
                "unchanged)",
                next_at,
            )
        )
        reminder = {
            **row,
            "delivery_key": str(row["delivery_key"]) + SUFFIX,
            "created_at": now,
            "status": "queued",  # handed to the outbox
            "attempts": 0,
            "sent_at": None,
            "last_error": None,
        }
        rows.append(reminder)
        posts.append(handoff.outbox_row(ws, survey, reminder, now))
    with ws.store.transaction():
        write_deliveries(ws, rows)
        handoff.enqueue(ws, posts)
        ids = {d.candidate.trigger_key: d.candidate.trigger_key[: -len(SUFFIX)] for d in decided}
        decision_log.log(ws, decided, now, ids)
    return decided


def _due(ws: Context, wanted: dict[str, Survey], now: datetime) -> Any:
    """First deliveries that went out, are unexpired, old enough, and were never reminded."""
    d = ws.store.table(SURVEY_DELIVERIES_TABLE)
    firsts = d.filter(
        d.survey_id.isin(list(wanted))
        & ~d.delivery_key.endswith(SUFFIX)
        & (d.status == "sent")
        & (d.expires_at > now)
        & (
            d.sent_at
            <= now - timedelta(days=min(s.reminder_after_days or 0 for s in wanted.values()))
        )
    )
    reminded = d.filter(d.delivery_key.endswith(SUFFIX)).select("invitation_id")
    log = ws.store.table(SURVEY_DECISIONS_TABLE)
    decided = log.filter(log.trigger_key.endswith(SUFFIX)).select("invitation_id")
    rows = firsts.anti_join(reminded, "invitation_id").anti_join(decided, "invitation_id")
    out = rows.execute()
    if out.empty:
        return out
    after = out.survey_id.map(lambda sid: timedelta(days=wanted[sid].reminder_after_days or 0))
    return out[out.sent_at + after <= now]


def _answered(ws: Context, invitation_ids: list[str]) -> set[str]:
    r = ws.table("survey_responses")
    found = r.filter(r.invitation_id.isin(invitation_ids)).select("invitation_id").distinct()
    return {str(i) for i in found.execute().invitation_id}


def _consent(ws: Context, customer_ids: list[str]) -> dict[str, bool | None]:
    c = ws.table("customers")
    rows = c.filter(c.customer_id.isin(customer_ids)).select("customer_id", "email_consent")
    return {
        str(r.customer_id): (bool(r.email_consent) if r.email_consent in (True, False) else None)
        for r in rows.execute().itertuples(index=False)
    }
