"""The cases inbox with SLA timers, one case's page, and its actions (htmx forms).

Agents see and move only the cases they own; ``all_cases`` (analysts, admins) every case:
both rules come from :mod:`cxpulse.automations.inbox`. Actions call
:func:`cxpulse.automations.move` and :func:`~cxpulse.automations.add_note`; an htmx request gets
the case panel back, a plain form post a redirect to the case.

The inbox is headed by the follow-up figures (time to first contact, share within SLA, recovery
rate) of every case the user may see: :mod:`cxpulse.web.followup`, as ``/api/v1/cases/metrics``.

JSON twins: ``/cases`` is ``/api/v1/dashboard/cases``, ``/cases/ID`` is
``/api/v1/dashboard/cases/ID`` (the case CRUD API lives under ``/api/v1/cases``).
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlencode

import pandas as pd
from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cxpulse.accounts.users import Permission
from cxpulse.automations import add_note, move
from cxpulse.automations.cases import STATES, CaseError
from cxpulse.automations.inbox import CaseAccessDenied, case_with_notes, cases_for, count_for
from cxpulse.records import clean
from cxpulse.schema import AUTOMATION_RUNS_TABLE, CASES_TABLE
from cxpulse.web.followup import follow_up
from cxpulse.web.params import Offset
from cxpulse.web.render import page
from cxpulse.web.security import Forbidden, Principal, require
from cxpulse.web.state import WebState, get_state
from cxpulse.web.utc import as_utc

if TYPE_CHECKING:
    from cxpulse.workspace import Workspace

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/dashboard", tags=["dashboard"])
Reader = Annotated[Principal, Depends(require(Permission.read))]
State = Annotated[WebState, Depends(get_state)]
FILTERS = ("active", *STATES, "all")
ROOT_CAUSES = ("product", "delivery", "billing", "support", "pricing", "onboarding", "other")
PAGE = 200  # cases per inbox page
ACTIONS = {"ack": "acknowledged", "contact": "contacted", "resolve": "resolved"}


# -- SLA --------------------------------------------------------------------------------------
def sla(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Where a case stands against its first-contact SLA at ``now``.

    ``status``: ``due`` (not contacted yet, ``seconds`` left), ``overdue`` (not contacted,
    ``seconds`` past due), ``met`` or ``missed`` (contacted before or after the due time;
    ``seconds`` is the margin, negative when missed), ``none`` (no SLA)."""
    due = _time(row.get("sla_due_at"))
    if due is None:
        return {"status": "none", "seconds": None, "due_at": None}
    contacted = _time(row.get("contacted_at")) or (
        _time(row.get("resolved_at")) if row.get("state") == "resolved" else None
    )
    if contacted is not None:
        margin = (due - contacted).total_seconds()
        return {"status": "met" if margin >= 0 else "missed", "seconds": margin, "due_at": due}
    left = (due - now).total_seconds()
    return {"status": "due" if left >= 0 else "overdue", "seconds": left, "due_at": due}


def duration_text(seconds: float | None, lang: str) -> str:
    """'2 d 3 h', '5 h 20 min', '12 min' (absolute value; the status says which way)."""
    if seconds is None:
        return "–"
    minutes = math.floor(abs(seconds) / 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    day = "j" if lang == "fr" else "d"
    if days:
        return f"{days}\u00a0{day} {hours}\u00a0h"
    if hours:
        return f"{hours}\u00a0h {mins}\u00a0min"
    return f"{mins}\u00a0min"


def _v(value: Any) -> Any:
    """JSON-safe; records.clean turns NaT into the text 'NaT' (NaT is a datetime)."""
    return None if value is pd.NaT else clean(value)


def _time(value: Any) -> datetime | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.to_pydatetime()
    return value if isinstance(value, datetime) else None


# -- reads ------------------------------------------------------------------------------------
def _all(principal: Principal) -> bool:
    return principal.can(Permission.all_cases)


def _inbox(
    ws: Workspace, principal: Principal, state: str, now: datetime, offset: int = 0
) -> dict[str, Any]:
    """One page of the inbox (``PAGE`` cases, oldest first, then the most urgent first within
    the page: with one SLA per rule the oldest open cases are the most overdue)."""
    if state not in FILTERS:
        raise CaseError(f"unknown filter {state!r}; use one of {', '.join(FILTERS)}")
    if offset < 0:
        raise CaseError(f"offset is a number of cases to skip, 0 or more, not {offset}")
    frame = cases_for(
        ws,
        principal.name,
        _all(principal),
        None if state == "all" else state,
        limit=PAGE,
        offset=offset,
    )
    rows = []
    for r in frame.to_dict("records"):
        raw = {str(k): v for k, v in r.items()}
        row = {k: _v(v) for k, v in raw.items()}
        row["sla"] = {**sla(raw, now), "due_at": row["sla_due_at"]}
        rows.append(row)
    # the most urgent first: overdue, then least time left; the rest by age
    order = {"overdue": 0, "due": 1, "missed": 2, "met": 3, "none": 4}
    rows.sort(key=lambda x: (order[x["sla"]["status"]], x["sla"]["seconds"] or 0))
    counts = count_for(ws, principal.name, _all(principal))
    counts["active"] = sum(v for k, v in counts.items() if k != "resolved")
    counts["all"] = counts["active"] + counts["resolved"]
    return {
        "now": as_utc(now).isoformat(),  # UTC, with its zone in the JSON twin
        "state": state,
        "counts": counts,
        "offset": offset,
        "limit": PAGE,
        "total": counts[state],
        "cases": rows,
    }


def _case(ws: Workspace, principal: Principal, cid: str) -> tuple[dict[str, Any], pd.DataFrame]:
    """The case and its notes; 404 when unknown, 403 when it is another agent's."""
    try:
        return case_with_notes(ws, cid, principal.name, _all(principal))
    except CaseAccessDenied:
        raise Forbidden from None
    except CaseError as exc:
        raise HTTPException(404, str(exc)) from None


def _detail(state: WebState, principal: Principal, cid: str) -> dict[str, Any]:
    now = state.now()
    with state.workspace() as ws:
        row, notes = _case(ws, principal, cid)

    def around(ws: Workspace) -> dict[str, Any]:
        # what a case action does not change (a write empties the cache anyway)
        return {
            # a metric alert's or a stranger's review's case has no customer
            "customer": _customer(ws, str(row["customer_id"])) if row["customer_id"] else None,
            "cause": _cause(ws, row),
            "root_causes": _root_causes(ws),
        }

    extra: dict[str, Any] = state.cached(("case-around", cid), around)
    case = {k: _v(v) for k, v in row.items()}
    case["sla"] = {**sla(row, now), "due_at": case["sla_due_at"]}
    history = [
        {"state": state, "at": case[column]}
        for state, column in (
            ("open", "opened_at"),
            ("acknowledged", "acknowledged_at"),
            ("contacted", "contacted_at"),
            ("resolved", "resolved_at"),
        )
        if case.get(column)
    ]
    return {
        "now": as_utc(now).isoformat(),  # UTC, with its zone in the JSON twin
        "case": case,
        "customer": extra["customer"],
        "cause": extra["cause"],
        "notes": [{k: _v(v) for k, v in n.items()} for n in notes.to_dict("records")],
        "history": history,
        "next": {"open": "ack", "acknowledged": "contact", "contacted": "resolve"}.get(
            str(row["state"])
        ),
        "root_causes": extra["root_causes"],
    }


def _customer(ws: Workspace, customer_id: str) -> dict[str, Any]:
    c = ws.table("customers")
    cols = ["customer_id", "name", "email", "language", "segment", "plan", "country"]
    found = c.filter(c.customer_id == customer_id).select(*cols).execute()
    if found.empty:
        return {"customer_id": customer_id}
    return {k: _v(v) for k, v in found.iloc[0].items()}


def _cause(ws: Workspace, row: dict[str, Any]) -> dict[str, Any]:
    """The rule and what made it fire: the response (score, comment) when there is one."""
    cause: dict[str, Any] = {
        "rule": row.get("rule"),
        "type": row.get("cause_type"),
        "score": _v(row.get("cause_score")),
        "question_type": row.get("cause_question_type"),
        "summary": row.get("summary"),
        "response": None,
        "detail": None,
    }
    rid = row.get("cause_response_id")
    if rid:
        r = ws.table("survey_responses")
        cols = [
            "response_id",
            "survey_id",
            "question_type",
            "score",
            "scale_max",
            "comment",
            "responded_at",
            "channel",
            "touchpoint",
            "language",
        ]
        found = r.filter(r.response_id == str(rid)).select(*cols).execute()
        if not found.empty:
            cause["response"] = {k: _v(v) for k, v in found.iloc[0].items()}
    if row.get("run_id"):
        runs = ws.store.table(AUTOMATION_RUNS_TABLE)
        detail = runs.filter(runs.run_id == str(row["run_id"])).detail.execute()
        if len(detail) and isinstance(detail.iloc[0], str):
            try:
                cause["detail"] = json.loads(detail.iloc[0])
            except ValueError:
                cause["detail"] = detail.iloc[0]
    return cause


def _root_causes(ws: Workspace) -> list[str]:
    """Categories already used first, so the same cause keeps one spelling."""
    t = ws.store.table(CASES_TABLE)
    used = t.filter(t.root_cause.notnull() & (t.root_cause != ""))
    # most used first; a tie goes to the one used last (value_counts left ties in any order)
    ranked = used.group_by("root_cause").aggregate(n=used.count(), last=used.resolved_at.max())
    ranked = ranked.order_by([ranked.n.desc(), ranked["last"].desc(), ranked.root_cause])
    seen = [str(v) for v in ranked.root_cause.execute()]
    return seen + [c for c in ROOT_CAUSES if c not in seen]


def _inbox_page_data(
    state: WebState, principal: Principal, filter: str, offset: int
) -> dict[str, Any]:
    """One page of the inbox, headed by the follow-up figures of every case the principal may
    see (those of ``GET /api/v1/cases/metrics``)."""
    with state.workspace() as ws:
        data = _inbox(ws, principal, filter, state.now(), offset)
    # read on this thread's own cursor, outside the write lock
    data["follow_up"] = follow_up(state, principal.name, _all(principal))
    return data


# -- pages ------------------------------------------------------------------------------------
@router.get("/cases", response_class=HTMLResponse)
def inbox_page(
    request: Request, principal: Reader, state: State, filter: str = "active", offset: Offset = 0
) -> Response:
    data = _inbox_page_data(state, principal, filter, offset)
    return page(
        request,
        "cases.html",
        principal,
        data=data,
        filters=FILTERS,
        duration=duration_text,
        json_url=f"/api/v1/dashboard/cases?{urlencode({'filter': filter, 'offset': offset})}",
    )


@router.get("/cases/{cid}", response_class=HTMLResponse)
def case_page(request: Request, cid: str, principal: Reader, state: State) -> Response:
    data = _detail(state, principal, cid)
    return page(
        request,
        "case.html",
        principal,
        d=data,
        duration=duration_text,
        json_url=f"/api/v1/dashboard/cases/{cid}",
    )


def _answer(
    request: Request, principal: Principal, state: WebState, cid: str, error: str | None
) -> Response:
    """After an action: the case panel for htmx, a redirect for a plain form post."""
    htmx = request.headers.get("hx-request") == "true"
    if not htmx and error is None:
        return RedirectResponse(f"/cases/{cid}", status_code=303)
    data = _detail(state, principal, cid)
    template = "case_panel.html" if htmx else "case.html"
    return page(
        request,
        template,
        principal,
        status_code=422 if error else 200,
        d=data,
        error=error,
        duration=duration_text,
        json_url=None if htmx else f"/api/v1/dashboard/cases/{cid}",
    )


def _act(principal: Principal, state: WebState, cid: str, do: Any) -> str | None:
    """Run one action on a case the principal may handle; the library's message if refused."""
    with state.workspace() as ws:
        _case(ws, principal, cid)
        try:
            do(ws, state.now())
        except CaseError as exc:
            return str(exc)
    return None


@router.post("/cases/{cid}/ack", response_class=HTMLResponse)
def acknowledge(request: Request, cid: str, principal: Reader, state: State) -> Response:
    error = _act(principal, state, cid, lambda ws, now: move(ws, cid, "acknowledged", now))
    return _answer(request, principal, state, cid, error)


@router.post("/cases/{cid}/contact", response_class=HTMLResponse)
def contacted(request: Request, cid: str, principal: Reader, state: State) -> Response:
    error = _act(principal, state, cid, lambda ws, now: move(ws, cid, "contacted", now))
    return _answer(request, principal, state, cid, error)


@router.post("/cases/{cid}/resolve", response_class=HTMLResponse)
def resolve(
    request: Request,
    cid: str,
    principal: Reader,
    state: State,
    root_cause: Annotated[str, Form()] = "",
) -> Response:
    error = _act(
        principal, state, cid, lambda ws, now: move(ws, cid, "resolved", now, root_cause=root_cause)
    )
    return _answer(request, principal, state, cid, error)


@router.post("/cases/{cid}/notes", response_class=HTMLResponse)
def note(
    request: Request,
    cid: str,
    principal: Reader,
    state: State,
    text: Annotated[str, Form()] = "",
) -> Response:
    error = _act(principal, state, cid, lambda ws, now: add_note(ws, cid, text, now))
    return _answer(request, principal, state, cid, error)


# -- JSON twins -------------------------------------------------------------------------------
@api.get(
    "/cases",
    summary="The cases inbox as the page shows it, with SLA timers and the follow-up figures",
)
def inbox_json(
    principal: Reader, state: State, filter: str = "active", offset: Offset = 0
) -> dict[str, Any]:
    return _inbox_page_data(state, principal, filter, offset)


@api.get("/cases/{cid}", summary="One case as its page shows it: customer, cause, notes, history")
def case_json(cid: str, principal: Reader, state: State) -> dict[str, Any]:
    return _detail(state, principal, cid)
