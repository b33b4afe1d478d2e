"""Whose cases: the inbox query and the ownership check shared by the CLI, the API and pages.

An agent works the cases assigned to them (``owner`` equals their name); analysts and admins
(the ``all_cases`` permission) see and move every case. The check lives here, not in the web
layer, so a notebook or a script acting for a person applies the same rule.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from cxpulse.automations.cases import STATES, CaseError, get_case, notes
from cxpulse.errors import CxpulseError
from cxpulse.schema import CASES_TABLE

if TYPE_CHECKING:
    from cxpulse.context import Context


class CaseAccessDenied(CxpulseError, PermissionError):
    """The case belongs to another agent."""


def cases_for(
    ws: Context,
    principal_name: str,
    all_cases: bool,
    state: str | None = None,
    *,
    customer_id: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> pd.DataFrame:
    """The cases ``principal_name`` may see, oldest first; with ``all_cases`` every case.

    ``state`` keeps one state (``open``, ``acknowledged``, ``contacted``, ``resolved``), or
    ``"active"`` for every state but resolved (the usual inbox)."""
    t = ws.store.table(CASES_TABLE)
    if state == "active":
        t = t.filter(t.state != "resolved")
    elif state is not None:
        if state not in STATES:
            raise CaseError(f"unknown state {state!r}; states are {', '.join(STATES)} (or active)")
        t = t.filter(t.state == state)
    if not all_cases:
        t = t.filter(t.owner == principal_name)
    if customer_id is not None:
        t = t.filter(t.customer_id == customer_id)
    t = t.order_by(["opened_at", "case_id"])
    if limit is not None:
        t = t.limit(limit, offset=offset)
    elif offset:
        t = t.limit(None, offset=offset)
    df: pd.DataFrame = t.execute()
    return df


def count_for(ws: Context, principal_name: str, all_cases: bool) -> dict[str, int]:
    """Cases per state visible to ``principal_name`` (every state present, zero when none)."""
    t = ws.store.table(CASES_TABLE)
    if not all_cases:
        t = t.filter(t.owner == principal_name)
    df = t.group_by("state").aggregate(n=t.count()).execute()
    counts = {s: 0 for s in STATES}
    counts.update({str(r.state): int(r.n) for r in df.itertuples()})
    return counts


def may_handle(case: dict[str, Any], principal_name: str, all_cases: bool) -> bool:
    """Whether the person may see and move ``case`` (a row from :func:`get_case`)."""
    return all_cases or (case.get("owner") or None) == principal_name


def case_for(ws: Context, cid: str, principal_name: str, all_cases: bool) -> dict[str, Any]:
    """The case row, when ``principal_name`` may handle it; :class:`CaseAccessDenied` if not."""
    row = get_case(ws, cid)
    if not may_handle(row, principal_name, all_cases):
        raise CaseAccessDenied(f"case {cid} is assigned to someone else")
    return row


def overdue(row: dict[str, Any], now: datetime) -> bool:
    """An unresolved case past its SLA at ``now``."""
    due = row.get("sla_due_at")
    return row.get("state") != "resolved" and due is not None and pd.Timestamp(due) < now


def case_with_notes(
    ws: Context, cid: str, principal_name: str, all_cases: bool
) -> tuple[dict[str, Any], pd.DataFrame]:
    """A case and its notes, for someone allowed to handle it."""
    row = case_for(ws, cid, principal_name, all_cases)
    return row, notes(ws, cid)
