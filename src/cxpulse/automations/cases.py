"""Follow-up cases: open -> acknowledged -> contacted -> resolved, with an SLA and notes.

Resolving a case records the named event ``case_resolved`` in ``survey_events``, so a survey
with ``trigger: {event: case_resolved, delay: ...}`` asks the customer again: that second answer
is what the recovery rate (:mod:`cxpulse.automations.case_metrics`) compares.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import ibis
import pandas as pd

from cxpulse.errors import CxpulseError
from cxpulse.schema import (
    AUTOMATION_SCHEMAS,
    CASE_NOTES_TABLE,
    CASES_TABLE,
    SURVEY_EVENTS_TABLE,
    SURVEY_OPERATIONAL_SCHEMAS,
)

if TYPE_CHECKING:
    from cxpulse.context import Context

STATES = ("open", "acknowledged", "contacted", "resolved")
NEXT = {"open": "acknowledged", "acknowledged": "contacted", "contacted": "resolved"}
COMMAND = {"acknowledged": "ack", "contacted": "contact", "resolved": "resolve"}
RESOLVED_EVENT = "case_resolved"


class CaseError(CxpulseError, ValueError):
    """A case does not exist or cannot move to the state asked for."""


def case_id(run_id: str) -> str:
    """Stable id from the run, so the same cause can never open two cases."""
    return "CASE-" + hashlib.sha256(run_id.encode()).hexdigest()[:10].upper()


def new_case(
    run_id: str,
    rule: str,
    customer_id: str | None,
    now: datetime,
    sla_hours: float,
    **fields: Any,
) -> dict[str, Any]:
    """The row of a case opened at ``now`` (written by the caller, inside its transaction)."""
    row: dict[str, Any] = {c: None for c in AUTOMATION_SCHEMAS[CASES_TABLE]}
    row.update(fields)
    row.update(
        case_id=case_id(run_id),
        run_id=run_id,
        rule=rule,
        customer_id=customer_id,
        state="open",
        opened_at=now,
        sla_due_at=now + timedelta(hours=sla_hours),
    )
    return row


MANUAL = "manual"  # the rule of a case opened by hand


def open_case(
    ws: Context,
    customer_id: str,
    summary: str,
    now: datetime,
    *,
    sla_hours: float = 24.0,
    owner: str | None = None,
    team: str | None = None,
) -> dict[str, Any]:
    """Open a case by hand (a call, a complaint by letter): it follows the same states, SLA
    and re-survey as the cases rules open."""
    if not summary.strip():
        raise CaseError("say what the case is about: a short summary")
    if not sla_hours > 0:
        raise CaseError(
            f"sla_hours is the hours until first contact is due, above 0, not {sla_hours}"
        )
    c = ws.table("customers")
    if not int(c.filter(c.customer_id == customer_id).count().execute()):
        raise CaseError(f"no customer {customer_id!r}; see `cxpulse customer find TEXT`")
    run_id = f"{MANUAL}:{customer_id}:{now.isoformat()}:{secrets.token_hex(4)}"
    row = new_case(run_id, MANUAL, customer_id, now, sla_hours, owner=owner or None,
                   team=team or None, summary=summary.strip(), cause_type=MANUAL)  # fmt: skip
    with ws.store.transaction():
        write_cases(ws, [row])
    return row


def reassign(
    ws: Context, cid: str, *, owner: str | None = None, team: str | None = None
) -> dict[str, Any]:
    """Give a case to another owner and/or team ("" clears one); its state and SLA stay."""
    if owner is None and team is None:
        raise CaseError("give the new owner, the new team, or both")
    row = get_case(ws, cid)
    if row["state"] == "resolved":
        raise CaseError(f"case {cid} is resolved; it needs no owner any more")
    if owner is not None:
        row["owner"] = owner.strip() or None
    if team is not None:
        row["team"] = team.strip() or None
    with ws.store.transaction():
        write_cases(ws, [row])
    return row


def write_cases(ws: Context, rows: list[dict[str, Any]]) -> None:
    if rows:
        frame = ibis.memtable(rows, schema=ibis.schema(AUTOMATION_SCHEMAS[CASES_TABLE]))
        ws.store.upsert(CASES_TABLE, frame, on="case_id")


def cases(ws: Context, state: str | None = None) -> pd.DataFrame:
    """Cases, oldest first (optionally only one state)."""
    t = ws.store.table(CASES_TABLE)
    if state is not None:
        if state not in STATES:
            raise CaseError(f"unknown state {state!r}; states are {', '.join(STATES)}")
        t = t.filter(t.state == state)
    df: pd.DataFrame = t.order_by(["opened_at", "case_id"]).execute()
    return df


def get_case(ws: Context, cid: str) -> dict[str, Any]:
    t = ws.store.table(CASES_TABLE)
    rows = t.filter(t.case_id == cid).execute()
    if rows.empty:
        raise CaseError(f"no case {cid!r}; see `cxpulse cases list` for the ids")
    return {k: (None if _missing(v) else v) for k, v in rows.iloc[0].items()}


def notes(ws: Context, cid: str) -> pd.DataFrame:
    n = ws.store.table(CASE_NOTES_TABLE)
    df: pd.DataFrame = n.filter(n.case_id == cid).order_by(["written_at", "note_id"]).execute()
    return df


def add_note(ws: Context, cid: str, text: str, now: datetime) -> str:
    get_case(ws, cid)  # a clear error for an unknown case
    if not text.strip():
        raise CaseError("a note needs some text")
    count = int(notes(ws, cid).shape[0])
    note_id = f"{cid}:{count + 1}"
    row = {"note_id": note_id, "case_id": cid, "written_at": now, "text": text.strip()}
    schema = ibis.schema(AUTOMATION_SCHEMAS[CASE_NOTES_TABLE])
    with ws.store.transaction():
        ws.store.insert(CASE_NOTES_TABLE, [row], schema=schema)
    return note_id


def move(
    ws: Context, cid: str, to: str, now: datetime, *, root_cause: str | None = None
) -> dict[str, Any]:
    """Move a case one step on; refuses skipping or going back with what to do instead."""
    row = get_case(ws, cid)
    state = str(row["state"])
    if NEXT.get(state) != to:
        if state == "resolved":
            raise CaseError(f"case {cid} is already resolved")
        nxt = NEXT[state]
        raise CaseError(
            f"case {cid} is {state}; it cannot become {to} now. Next step: {nxt} "
            f"(`cxpulse cases {COMMAND[nxt]} {cid}`)"
        )
    if to == "resolved" and not (root_cause or "").strip():
        raise CaseError(f"say why case {cid} happened: `cxpulse cases resolve {cid} "
                        "--root-cause delivery` (a short category)")  # fmt: skip
    row["state"] = to
    row[{"acknowledged": "acknowledged_at", "contacted": "contacted_at",
         "resolved": "resolved_at"}[to]] = now  # fmt: skip
    with ws.store.transaction():
        if to == "resolved":
            row["root_cause"] = (root_cause or "").strip()
        if to == "resolved" and row["customer_id"]:  # a metric alert's case has no customer
            event = {
                "event_id": f"{RESOLVED_EVENT}:{cid}",
                "customer_id": row["customer_id"],
                "name": RESOLVED_EVENT,
                "occurred_at": now,
                "source": "cxpulse-cases",
            }
            schema = ibis.schema(SURVEY_OPERATIONAL_SCHEMAS[SURVEY_EVENTS_TABLE])
            ws.store.upsert(SURVEY_EVENTS_TABLE, [event], schema=schema,
                                on="event_id")  # fmt: skip
        write_cases(ws, [row])
    return row


def _missing(value: Any) -> bool:
    try:
        return value is None or bool(value != value)  # NaN and NaT are not equal to themselves
    except (TypeError, ValueError):
        return False
