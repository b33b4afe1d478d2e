"""/api/v1/customers: search, one customer's timeline, and (admins) GDPR export and erasure."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from cxpulse.accounts.users import Permission
from cxpulse.automations.inbox import may_handle
from cxpulse.customers import customer_view, erase_customer, export_customer, find_customers
from cxpulse.records import clean, frame_records
from cxpulse.web.params import Offset
from cxpulse.web.security import Principal, require
from cxpulse.web.state import WebState, get_state
from cxpulse.web.utc import UtcDateTime

router = APIRouter(prefix="/api/v1", tags=["customers"])
Reader = Annotated[Principal, Depends(require(Permission.read))]
Admin = Annotated[Principal, Depends(require(Permission.admin))]
State = Annotated[WebState, Depends(get_state)]


class CustomersPage(BaseModel):
    q: str
    total: int
    limit: int
    offset: int
    rows: list[dict[str, Any]]


class TimelineItem(BaseModel):
    at: UtcDateTime
    kind: str
    title: str
    detail: str
    ref: str


class CustomerTimeline(BaseModel):
    customer: dict[str, Any]
    tags: list[str]
    churn_risk: float | None
    predicted_clv: float | None
    web: dict[str, Any]
    counts: dict[str, int]
    items: list[TimelineItem]


class ErasureOut(BaseModel):
    customer_id: str
    erased_at: UtcDateTime
    rows: dict[str, int]


def search(state: WebState, q: str, limit: int, offset: int) -> CustomersPage:
    with state.workspace() as ws:
        rows, total = find_customers(ws, q, limit=limit, offset=offset)
    return CustomersPage(
        q=q, total=total, limit=limit, offset=offset, rows=frame_records(rows, utc=True)
    )


def timeline(
    state: WebState, customer_id: str, principal: Principal, newest_first: bool = False
) -> dict[str, Any]:
    """The customer's timeline as ``principal`` may see it: an agent sees only the cases they
    own (the ownership rule of the case pages, :func:`may_handle`), with their notes."""
    all_cases = principal.can(Permission.all_cases)
    mine = partial(may_handle, principal_name=principal.name, all_cases=False)
    visible = None if all_cases else mine

    def compute(ws: Any) -> dict[str, Any]:
        view = customer_view(ws, customer_id, newest_first=newest_first, case_visible=visible)
        result: dict[str, Any] = view.as_dict()
        # the customer's row and web figures hold stored (UTC) times: said with their zone
        result["customer"] = clean(view.customer, utc=True)
        result["web"] = clean(view.web, utc=True)
        return result

    # one entry for everyone who sees every case, one per agent
    viewer = None if all_cases else principal.name
    result: dict[str, Any] = state.cached(("customer", customer_id, newest_first, viewer), compute)
    return result


@router.get(
    "/customers",
    summary="Find customers by id, email or name (paginated)",
    response_model=CustomersPage,
)
def list_customers(
    principal: Reader,
    state: State,
    q: Annotated[str, Query(max_length=200, description="part of an id, email or name")] = "",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> CustomersPage:
    return search(state, q, limit, offset)


@router.get(
    "/customers/{customer_id}",
    summary="Everything known about one customer, on one timeline (oldest first; agents see "
    "only their own cases)",
    response_model=CustomerTimeline,
)
def get_customer_timeline(
    customer_id: str, principal: Reader, state: State, newest_first: bool = False
) -> dict[str, Any]:
    return timeline(state, customer_id, principal, newest_first)


@router.get(
    "/customers/{customer_id}/export",
    summary="GDPR export: every row about the customer in every table (admins)",
)
def export(customer_id: str, principal: Admin, state: State) -> dict[str, Any]:
    from cxpulse.accounts.audit import record

    with state.workspace() as ws:
        data = export_customer(ws, customer_id)
        # who read a person's complete file is worth knowing later
        record(ws, principal.name, "customer.export", customer_id, state.now())
    return data


@router.post(
    "/customers/{customer_id}/erase",
    summary="GDPR erasure: remove the customer's personal data, keep de-identified "
    "numbers (admins)",
    response_model=ErasureOut,
)
def erase(customer_id: str, principal: Admin, state: State) -> dict[str, Any]:
    with state.workspace() as ws:
        return erase_customer(ws, customer_id, principal.name, state.now()).as_dict()
