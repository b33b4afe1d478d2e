"""Customer search and one customer's timeline; admins also export or erase (GDPR) from here.

JSON twins: ``/customers?q=`` is ``/api/v1/customers?q=``; ``/customers/ID`` is
``/api/v1/customers/ID``. Every customer text (comments, mentions, notes) reaches the page
through Jinja's autoescaping.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cxpulse.accounts.users import Permission
from cxpulse.customers import erase_customer
from cxpulse.errors import ConfigError
from cxpulse.web.api.customers import search, timeline
from cxpulse.web.render import page
from cxpulse.web.security import Principal, require
from cxpulse.web.state import WebState, get_state

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(require(Permission.read))]
Admin = Annotated[Principal, Depends(require(Permission.admin))]
State = Annotated[WebState, Depends(get_state)]
PAGE_SIZE = 50
KIND_LABELS = {
    "signup": "Signup", "subscription": "Subscription", "order": "Order",
    "invitation": "Invitation", "response": "Answer", "ticket": "Ticket", "web": "Website",
    "mention": "Mention", "loyalty": "Loyalty", "event": "Event",
    "survey_decision": "Survey decision", "case": "Case", "tag": "Tag", "churn": "Churn risk",
    "clv": "Lifetime value",
}  # fmt: skip


@router.get("/customers", response_class=HTMLResponse)
def customers_page(
    request: Request,
    principal: Reader,
    state: State,
    q: Annotated[str, Query(max_length=200)] = "",
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
    erased: str | None = None,
) -> Response:
    found = search(state, q, PAGE_SIZE, offset)
    query = urlencode({"q": q, "offset": offset, "limit": PAGE_SIZE})
    return page(
        request,
        "customers.html",
        principal,
        found=found,
        q=q,
        offset=offset,
        page_size=PAGE_SIZE,
        erased=erased,
        json_url=f"/api/v1/customers?{query}",
    )


@router.get("/customers/{customer_id}", response_class=HTMLResponse)
def customer_page(
    request: Request,
    customer_id: str,
    principal: Reader,
    state: State,
    kind: str | None = None,
) -> Response:
    view = timeline(state, customer_id, principal, newest_first=True)
    items = [i for i in view["items"] if kind in (None, "", i["kind"])]
    return page(
        request,
        "customers_timeline.html",
        principal,
        view=view,
        items=items,
        kind=kind or "",
        kinds=[(k, KIND_LABELS.get(k, k), n) for k, n in view["counts"].items()],
        labels=KIND_LABELS,
        is_admin=principal.can(Permission.admin),
        json_url=f"/api/v1/customers/{quote(customer_id, safe='')}",
    )


@router.post("/customers/{customer_id}/erase", response_class=HTMLResponse)
def erase_page(
    customer_id: str,
    principal: Admin,
    state: State,
    confirm: Annotated[str, Form()] = "",
) -> Response:
    if confirm.strip() != customer_id:
        raise ConfigError(f"type the customer id ({customer_id}) to confirm the erasure")
    with state.workspace() as ws:
        erase_customer(ws, customer_id, principal.name, state.now())
    return RedirectResponse(f"/customers?erased={quote(customer_id, safe='')}", status_code=303)
