"""Survey deliveries handed to the outbox, and their outcome copied back.

Every survey delivery (an invitation or a reminder, by any channel that is sent) is
written ``queued`` together with an outbox row under the key ``survey:DELIVERY_KEY``, in the
transaction that decided it. The outbox sends it (:mod:`cxpulse.store.outbox`: claim, retries
with backoff, crash safety); :func:`sync` copies the outcome (sent, or failed for good) back to
``survey_deliveries`` and to the invitation's ``delivered`` flag, the denominator of the
response rate.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from cxpulse.schema import AUTOMATION_OUTBOX_TABLE, SURVEY_DELIVERIES_TABLE
from cxpulse.store.keyed import rows_where_in
from cxpulse.store.outbox import write
from cxpulse.surveys.definition import Survey

if TYPE_CHECKING:
    from cxpulse.context import Context

PREFIX = "survey:"  # outbox keys and run ids of survey deliveries start with it


def outbox_row(
    ws: Context, survey: Survey, delivery: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """The outbox row sending one survey delivery, as the survey's channel writes it (an email
    built when sent, a post of the signed link to the survey's webhook...)."""
    message = survey.via.message(ws, survey, delivery, now)
    return {
        "outbox_key": PREFIX + str(delivery["delivery_key"]),
        "run_id": PREFIX + str(delivery["invitation_id"]),
        "kind": message.kind,
        "target": message.target,
        "payload": message.payload,
        "created_at": now,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "claimed_at": None,
        "sent_at": None,
        "last_error": None,
    }


def enqueue(ws: Context, rows: list[dict[str, Any]]) -> None:
    """Add rows to the outbox (inside the caller's transaction)."""
    if rows:
        write(ws.store, rows)


def queued(ws: Context, channel: str | None = None) -> int:
    """Survey deliveries of ``channel`` (of every channel: None) still waiting for the outbox."""
    d = ws.store.table(SURVEY_DELIVERIES_TABLE)
    waiting = d.filter(d.status == "queued")
    if channel is not None:
        waiting = waiting.filter(waiting.channel == channel)
    return int(waiting.count().execute())


def sync(ws: Context) -> tuple[int, int]:
    """Copy finished sends (sent, or dead after the last retry) back to the survey deliveries
    and the invitations' ``delivered`` flag; returns how many were sent and how many failed
    for good since the last sync."""
    from cxpulse.surveys.run import write_deliveries

    d = ws.store.table(SURVEY_DELIVERIES_TABLE)
    waiting = d.filter(d.status == "queued").execute()
    if waiting.empty:
        return 0, 0
    keys = [PREFIX + k for k in waiting.delivery_key]
    done = {
        str(r["outbox_key"])[len(PREFIX) :]: r
        for r in rows_where_in(ws.store, AUTOMATION_OUTBOX_TABLE, "outbox_key", keys)
        if r["status"] in ("sent", "dead")
    }
    updates = []
    for row in waiting.to_dict("records"):
        sent = done.get(row["delivery_key"])
        if sent is None:
            continue
        ok = sent["status"] == "sent"
        row.update(
            status="sent" if ok else "failed",
            sent_at=sent["sent_at"] if ok else None,
            attempts=int(sent["attempts"]),
            last_error=None if ok else str(sent["last_error"]),
        )
        updates.append({k: _none(v) for k, v in row.items()})
    if not updates:
        return 0, 0
    inv = ws.table("survey_invitations")
    firsts = {u["invitation_id"]: u["status"] == "sent" for u in updates
              if not u["delivery_key"].endswith(":reminder")}  # fmt: skip
    invitations = inv.filter(inv.invitation_id.isin(list(firsts))).execute()
    invitations["delivered"] = invitations.invitation_id.map(firsts)
    with ws.store.transaction():
        write_deliveries(ws, updates)
        if not invitations.empty:
            ws.store.upsert(
                "survey_invitations",
                invitations,
                schema=inv.schema(),
                on="invitation_id",
            )
    sent = sum(u["status"] == "sent" for u in updates)
    return sent, len(updates) - sent


def _none(value: Any) -> Any:
    try:
        return None if value is None or value != value else value  # NaN and NaT
    except (TypeError, ValueError):
        return value
