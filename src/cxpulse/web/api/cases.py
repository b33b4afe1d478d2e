"""/api/v1/cases: the case inbox, its follow-up figures, one case with its notes, state changes
and notes.

Agents see and work only the cases they own (``owner`` is their user name); analysts and
admins (``all_cases``) every case (:mod:`cxpulse.automations.inbox`). Machines need an admin
token to change a case: a read token only reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field

from cxpulse.accounts.users import Permission
from cxpulse.automations.cases import CaseError, add_note, get_case, move, open_case, reassign
from cxpulse.automations.inbox import CaseAccessDenied, case_for, cases_for, count_for, overdue
from cxpulse.records import clean, frame_records
from cxpulse.web.followup import follow_up
from cxpulse.web.params import Day, Offset
from cxpulse.web.security import Forbidden, Principal, require
from cxpulse.web.state import WebState, get_state
from cxpulse.web.utc import UtcDateTime

if TYPE_CHECKING:
    from cxpulse.workspace import Workspace

router = APIRouter(prefix="/api/v1", tags=["cases"])
Reader = Annotated[Principal, Depends(require(Permission.read))]
State = Annotated[WebState, Depends(get_state)]
StateFilter = Literal["active", "open", "acknowledged", "contacted", "resolved"]


class CaseOut(BaseModel):
    case_id: str
    rule: str | None = None
    customer_id: str | None = None
    state: str
    owner: str | None = None
    team: str | None = None
    summary: str | None = None
    cause_type: str | None = None
    cause_response_id: str | None = None
    cause_score: int | None = None
    opened_at: UtcDateTime | None = None
    sla_due_at: UtcDateTime | None = None
    acknowledged_at: UtcDateTime | None = None
    contacted_at: UtcDateTime | None = None
    resolved_at: UtcDateTime | None = None
    root_cause: str | None = None
    overdue: bool = False


class CasesPage(BaseModel):
    counts: dict[str, int]
    limit: int
    offset: int
    cases: list[CaseOut]


class NoteOut(BaseModel):
    note_id: str
    written_at: UtcDateTime
    text: str


class CaseDetail(CaseOut):
    notes: list[NoteOut]


class ResolveIn(BaseModel):
    root_cause: str = Field(
        min_length=1, max_length=200, description="a short category, e.g. delivery"
    )


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=20_000)


class CaseIn(BaseModel):
    customer_id: str = Field(min_length=1, max_length=200)
    summary: str = Field(min_length=1, max_length=500, description="what the case is about")
    sla_hours: float = Field(default=24.0, gt=0, le=24 * 365)
    owner: str | None = Field(default=None, max_length=200, description="an agent: themself")
    team: str | None = Field(default=None, max_length=200)


class AssignIn(BaseModel):
    owner: str | None = Field(default=None, max_length=200, description='"" clears it')
    team: str | None = Field(default=None, max_length=200, description='"" clears it')


def _all(principal: Principal) -> bool:
    return principal.can(Permission.all_cases)


def _out(row: dict[str, Any], state: WebState) -> dict[str, Any]:
    return {**clean(row, utc=True), "overdue": overdue(row, state.now())}


@router.get(
    "/cases",
    summary="The cases you may see (agents: their own), oldest first",
    response_model=CasesPage,
)
def list_cases(
    principal: Reader,
    state: State,
    state_: Annotated[
        StateFilter | None, Query(alias="state", description="active: not resolved")
    ] = None,
    customer: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
) -> CasesPage:
    with state.workspace() as ws:
        frame = cases_for(
            ws,
            principal.name,
            _all(principal),
            state_,
            customer_id=customer,
            limit=limit,
            offset=offset,
        )
        counts = count_for(ws, principal.name, _all(principal))
    rows = [
        CaseOut(**_out({str(k): v for k, v in r.items()}, state)) for r in frame.to_dict("records")
    ]
    return CasesPage(counts=counts, limit=limit, offset=offset, cases=rows)


class FirstContact(BaseModel):
    contacted: int = Field(description="cases contacted")
    median_hours: float | None = Field(
        description="median hours from opening to first contact, over the contacted cases"
    )


class Sla(BaseModel):
    decided: int = Field(
        description="cases whose SLA outcome is known: contacted, or not contacted and past due"
    )
    within_sla: int = Field(description="cases contacted by their due time")
    share_within_sla: float | None = Field(description="within_sla / decided, in %")


class Recovery(BaseModel):
    detractor_cases: int = Field(description="cases opened on a detractor answer (NPS 0-6)")
    answered_again: int = Field(
        description="detractor cases whose customer answered the same question again after"
    )
    recovered: int = Field(description="of those, the ones whose next score was higher")
    recovery_rate: float | None = Field(description="recovered / answered_again, in %")


class CaseMetrics(BaseModel):
    from_: str | None = Field(alias="from", description="first local day of opening, or null")
    to: str | None = Field(description="last local day of opening, or null")
    as_of: UtcDateTime = Field(description="the time the open cases' SLA outcomes are judged at")
    cases: int = Field(description="cases counted: opened in the range, visible to you")
    time_to_first_contact: FirstContact
    sla: Sla
    recovery: Recovery


From = Annotated[Day | None, Query(alias="from", description="first day of opening (local)")]
To = Annotated[Day | None, Query(alias="to", description="last day of opening (local)")]


@router.get(
    "/cases/metrics",
    summary="Follow-up figures of the cases you may see (agents: their own): time to first "
    "contact, share within SLA, recovery rate",
    response_model=CaseMetrics,
    response_model_by_alias=True,
)
def case_metrics(
    principal: Reader, state: State, from_: From = None, to: To = None
) -> dict[str, Any]:
    return follow_up(state, principal.name, _all(principal), from_, to)


def _case(ws: Workspace, principal: Principal, cid: str) -> dict[str, Any]:
    try:
        get_case(ws, cid)
    except CaseError:
        raise HTTPException(404, f"no case {cid!r}") from None
    try:
        return case_for(ws, cid, principal.name, _all(principal))
    except CaseAccessDenied:
        raise Forbidden from None


def _detail(ws: Workspace, state: WebState, cid: str, row: dict[str, Any]) -> CaseDetail:
    from cxpulse.automations.cases import notes

    return CaseDetail(
        **_out(row, state), notes=[NoteOut(**n) for n in frame_records(notes(ws, cid), utc=True)]
    )


@router.get("/cases/{case_id}", summary="One case with its notes", response_model=CaseDetail)
def read_case(case_id: str, principal: Reader, state: State) -> CaseDetail:
    with state.workspace() as ws:
        return _detail(ws, state, case_id, _case(ws, principal, case_id))


def _writer(principal: Principal) -> None:
    # a read-scoped token can see every case but must not change one
    if principal.via == "token" and not principal.can(Permission.admin):
        raise Forbidden


def _move(
    state: WebState, principal: Principal, cid: str, to: str, root_cause: str | None = None
) -> CaseDetail:
    _writer(principal)
    with state.workspace() as ws:
        _case(ws, principal, cid)
        row = move(ws, cid, to, state.now(), root_cause=root_cause)
        return _detail(ws, state, cid, row)


@router.post("/cases/{case_id}/ack", summary="Acknowledge a case", response_model=CaseDetail)
def ack(case_id: str, principal: Reader, state: State) -> CaseDetail:
    return _move(state, principal, case_id, "acknowledged")


@router.post(
    "/cases/{case_id}/contact",
    summary="Record that the customer was contacted",
    response_model=CaseDetail,
)
def contact(case_id: str, principal: Reader, state: State) -> CaseDetail:
    return _move(state, principal, case_id, "contacted")


@router.post(
    "/cases/{case_id}/resolve",
    summary="Resolve a case with its root cause",
    response_model=CaseDetail,
)
def resolve(case_id: str, body: ResolveIn, principal: Reader, state: State) -> CaseDetail:
    return _move(state, principal, case_id, "resolved", body.root_cause)


@router.post(
    "/cases/{case_id}/notes",
    summary="Add a note to a case",
    response_model=CaseDetail,
    status_code=201,
)
def note(case_id: str, body: NoteIn, principal: Reader, state: State) -> CaseDetail:
    _writer(principal)
    with state.workspace() as ws:
        row = _case(ws, principal, case_id)
        add_note(ws, case_id, body.text, state.now())
        return _detail(ws, state, case_id, row)


@router.post("/cases", summary="Open a case by hand", response_model=CaseDetail, status_code=201)
def create_case(body: CaseIn, principal: Reader, state: State) -> CaseDetail:
    _writer(principal)
    owner = body.owner
    if not _all(principal):  # an agent opens cases for themself only
        if owner not in (None, principal.name):
            raise Forbidden
        owner = principal.name
    with state.workspace() as ws:
        row = open_case(ws, body.customer_id, body.summary, state.now(),
                        sla_hours=body.sla_hours, owner=owner, team=body.team)  # fmt: skip
        return _detail(ws, state, row["case_id"], row)


@router.patch(
    "/cases/{case_id}", summary="Reassign a case (owner, team)", response_model=CaseDetail
)
def update_case(case_id: str, body: AssignIn, principal: Reader, state: State) -> CaseDetail:
    _writer(principal)
    if not _all(principal):  # agents work their cases; assigning is for analysts and admins
        raise Forbidden
    with state.workspace() as ws:
        _case(ws, principal, case_id)
        row = reassign(ws, case_id, owner=body.owner, team=body.team)
        return _detail(ws, state, case_id, row)
