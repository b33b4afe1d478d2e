"""One survey run: evaluate triggers, apply the fatigue budget, create invitations, send.

Everything a run decides (invitations, their deliveries and outbox rows, decisions) is written
in one transaction, so a run killed half-way leaves nothing half-done; emails and webhook links
go out afterwards from the outbox (:mod:`cxpulse.surveys.handoff`). Reminders follow the same
path (:mod:`cxpulse.surveys.reminders`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import ibis

from cxpulse import schema
from cxpulse.schema import SURVEY_DELIVERIES_TABLE, SURVEY_OPERATIONAL_SCHEMAS
from cxpulse.store.claim import exclusive
from cxpulse.surveys import decisions as decision_log
from cxpulse.surveys.definition import Survey, pick_language
from cxpulse.surveys.fatigue import Candidate, Decision, decide
from cxpulse.surveys.store import surveys
from cxpulse.surveys.triggers import candidates, recipients

if TYPE_CHECKING:
    from cxpulse.context import Context


@dataclass
class RunReport:
    now: datetime
    decisions: list[Decision] = field(default_factory=list)
    sent: int = 0
    failed: int = 0
    queued: int = 0
    reminders: list[Decision] = field(default_factory=list)

    @property
    def invited(self) -> list[Decision]:
        return [d for d in self.decisions if d.outcome == "invited"]


def invitation_id(trigger_key: str) -> str:
    """Stable id from the trigger, so a repeated run can never invite twice for one trigger."""
    return "INV" + hashlib.sha256(trigger_key.encode()).hexdigest()[:16]


def run_surveys(ws: Context, now: datetime, *, send: bool = True) -> RunReport:
    """Decide and invite at ``now`` (naive UTC), then remind the unanswered; send the queued
    emails if ``send`` (webhook links go out with the rest of the outbox: `cxpulse worker`)."""
    from cxpulse.surveys import handoff, reminders

    # one decider at a time on a shared PostgreSQL workspace (a worker, `surveys run`, the
    # server), or two could invite the same customer; re-entrant, so the worker may hold it
    with exclusive(ws.store, "surveys"):
        synced = handoff.sync(ws)  # sends since the last run, by any worker
        active = {s.id: s for s in surveys(ws)}
        found: list[Candidate] = []
        for survey in active.values():
            found.extend(candidates(ws, survey, now))
        window = timedelta(days=ws.settings.survey_fatigue_days)
        past = decision_log.history(
            ws, {c.customer_id for c in found}, {c.trigger_key for c in found}
        )
        decided = decide(found, past, now, window)
        invite(ws, active, decided, now)
        report = RunReport(now, decided, sent=synced[0], failed=synced[1])
        report.reminders = reminders.remind(ws, active, now)
    if send:
        from cxpulse.surveys.email import send_queued

        sent, failed, report.queued = send_queued(ws, now)
        report.sent, report.failed = report.sent + sent, report.failed + failed
    return report


def invite(ws: Context, active: dict[str, Survey], decided: list[Decision], now: datetime) -> None:
    """Write the invitations of the invited, their outbox rows and every decision, in one
    transaction."""
    from cxpulse.surveys import handoff

    invited = [d.candidate for d in decided if d.outcome == "invited"]
    people = recipients(ws, sorted({c.customer_id for c in invited}))
    ids = {c.trigger_key: invitation_id(c.trigger_key) for c in invited}
    invitations, deliveries, posts = [], [], []
    for c in invited:
        survey, person = active[c.survey_id], people[c.customer_id]
        inv = ids[c.trigger_key]
        invitations.append(
            {
                "invitation_id": inv,
                "customer_id": c.customer_id,
                "survey_id": c.survey_id,
                "channel": survey.invitation_channel,
                "touchpoint": survey.touchpoint,
                "sent_at": now,
                "delivered": None,  # known once the message is handed over
                "source": schema.SURVEY_SENDER,
            }
        )
        delivery = {
            "delivery_key": f"{inv}:{survey.channel}",
            "invitation_id": inv,
            "customer_id": c.customer_id,
            "survey_id": c.survey_id,
            "channel": survey.channel,
            "language": pick_language(person.get("language")),
            "address": survey.via.address(person),
            "created_at": now,
            "expires_at": now + timedelta(days=survey.expires_days),
            "status": "queued",  # handed to the outbox
            "attempts": 0,
            "sent_at": None,
            "last_error": None,
        }
        posts.append(handoff.outbox_row(ws, survey, delivery, now))
        deliveries.append(delivery)
    with ws.store.transaction():
        if invitations:
            inv_schema = ibis.schema(schema.table("survey_invitations").ibis_schema())
            ws.store.insert("survey_invitations", invitations, schema=inv_schema)
            write_deliveries(ws, deliveries)
            handoff.enqueue(ws, posts)
        decision_log.log(ws, decided, now, ids)


def write_deliveries(ws: Context, rows: list[dict[str, Any]]) -> None:
    """Upsert on the unique key: the survey outbox never holds one delivery twice."""
    if rows:
        out_schema = ibis.schema(SURVEY_OPERATIONAL_SCHEMAS[SURVEY_DELIVERIES_TABLE])
        ws.store.upsert(SURVEY_DELIVERIES_TABLE, rows, schema=out_schema, on="delivery_key")
