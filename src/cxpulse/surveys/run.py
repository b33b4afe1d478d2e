"""One survey run: evaluate triggers, apply the fatigue budget, create invitations, send.

Everything a run decides (invitations, outbox rows, decisions) is written in one transaction,
so a run killed half-way leaves nothing half-done; emails go out afterwards from the outbox.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import ibis

from cxpulse import schema
from cxpulse.store.migrations import SURVEY_DELIVERIES_TABLE, SURVEY_OPERATIONAL_SCHEMAS
from cxpulse.surveys import decisions as decision_log
from cxpulse.surveys.definition import pick_language
from cxpulse.surveys.fatigue import Candidate, Decision, decide
from cxpulse.surveys.store import surveys
from cxpulse.surveys.triggers import candidates, recipients

if TYPE_CHECKING:
    from cxpulse.workspace import Workspace


@dataclass
class RunReport:
    now: datetime
    decisions: list[Decision] = field(default_factory=list)
    sent: int = 0
    failed: int = 0
    queued: int = 0

    @property
    def invited(self) -> list[Decision]:
        return [d for d in self.decisions if d.outcome == "invited"]


def invitation_id(trigger_key: str) -> str:
    """Stable id from the trigger, so a repeated run can never invite twice for one trigger."""
    return "INV" + hashlib.sha256(trigger_key.encode()).hexdigest()[:16]


def run_surveys(ws: Workspace, now: datetime, *, send: bool = True) -> RunReport:
    """Decide and invite at ``now`` (naive UTC); send pending emails if ``send``."""
    active = {s.id: s for s in surveys(ws)}
    found: list[Candidate] = []
    for survey in active.values():
        found.extend(candidates(ws, survey, now))
    window = timedelta(days=ws.settings.survey_fatigue_days)
    decided = decide(found, decision_log.history(ws), now, window)
    invited = [d.candidate for d in decided if d.outcome == "invited"]
    people = recipients(ws, sorted({c.customer_id for c in invited}))
    ids = {c.trigger_key: invitation_id(c.trigger_key) for c in invited}
    invitations, deliveries = [], []
    for c in invited:
        survey, person = active[c.survey_id], people[c.customer_id]
        inv = ids[c.trigger_key]
        invitations.append(
            {
                "invitation_id": inv,
                "customer_id": c.customer_id,
                "survey_id": c.survey_id,
                "channel": survey.channel,
                "touchpoint": survey.touchpoint,
                "sent_at": now,
                "delivered": None,  # known once the email is handed to the SMTP server
                "source": "cxpulse-surveys",
            }
        )
        deliveries.append(
            {
                "delivery_key": f"{inv}:{survey.channel}",
                "invitation_id": inv,
                "customer_id": c.customer_id,
                "survey_id": c.survey_id,
                "channel": survey.channel,
                "language": pick_language(person.language),
                "address": person.email,
                "created_at": now,
                "expires_at": now + timedelta(days=survey.expires_days),
                "status": "pending",
                "attempts": 0,
                "sent_at": None,
                "last_error": None,
            }
        )
    with ws.store.transaction():
        if invitations:
            inv_schema = ibis.schema(schema.table("survey_invitations").ibis_schema())
            ws.store.con.insert("survey_invitations", ibis.memtable(invitations, schema=inv_schema))
            out_schema = ibis.schema(SURVEY_OPERATIONAL_SCHEMAS[SURVEY_DELIVERIES_TABLE])
            # upsert on the unique key: the outbox never holds one delivery twice
            ws.store.con.upsert(
                SURVEY_DELIVERIES_TABLE,
                ibis.memtable(deliveries, schema=out_schema),
                on="delivery_key",
            )
        decision_log.log(ws, decided, now, ids)
    report = RunReport(now, decided)
    if send:
        from cxpulse.surveys.email import send_pending

        report.sent, report.failed, report.queued = send_pending(ws, now)
    return report
