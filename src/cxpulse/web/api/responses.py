"""GET /api/v1/responses: survey answers with filters, a page at a time, newest first.

The filters are :class:`cxpulse.metrics.feedback.ResponseFilter`'s (the feedback page's), plus
the survey and the customer; days are local days of the workspace, both included.
"""

from __future__ import annotations

from typing import Annotated, Any

import ibis
from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel

from cxpulse.accounts.users import Permission
from cxpulse.metrics.feedback import ResponseFilter, filtered
from cxpulse.records import clean, frame_records
from cxpulse.store.keyed import rows_where_in
from cxpulse.web.params import Day, Offset
from cxpulse.web.security import Principal, require
from cxpulse.web.state import WebState, get_state

router = APIRouter(prefix="/api/v1", tags=["responses"])
Reader = Annotated[Principal, Depends(require(Permission.read))]
State = Annotated[WebState, Depends(get_state)]
Many = Annotated[list[str] | None, Query()]


class ResponsesPage(BaseModel):
    total: int
    limit: int
    offset: int
    rows: list[dict[str, Any]]


@router.get(
    "/responses",
    summary="Survey responses with filters, paginated (newest first)",
    response_model=ResponsesPage,
)
def list_responses(
    principal: Reader,
    state: State,
    survey: Annotated[list[str] | None, Query(description="survey id(s)")] = None,
    customer: Annotated[str | None, Query(description="one customer's answers")] = None,
    touchpoint: Annotated[list[str] | None, Query(description="(none) for missing")] = None,
    language: Annotated[list[str] | None, Query(description="(none) for missing")] = None,
    question_type: Annotated[list[str] | None, Query(description="nps, csat, ces...")] = None,
    score_min: Annotated[
        int | None, Query(ge=-1000, le=1000, description="lowest score kept")
    ] = None,
    score_max: Annotated[
        int | None, Query(ge=-1000, le=1000, description="highest score kept")
    ] = None,
    from_: Annotated[Day | None, Query(alias="from", description="first local day")] = None,
    to: Annotated[Day | None, Query(description="last local day (included)")] = None,
    with_comment: Annotated[bool, Query(description="only answers with a comment")] = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Offset = 0,
) -> ResponsesPage:
    f = ResponseFilter(
        start=from_,
        end=to,
        touchpoints=tuple(touchpoint or ()),
        languages=tuple(language or ()),
        question_types=tuple(question_type or ()),
        score_min=score_min,
        score_max=score_max,
        with_comment=with_comment,
    )
    with state.workspace() as ws:
        t = filtered(ws, f)
        if survey:
            t = t.filter(t.survey_id.isin(survey))
        if customer is not None:
            t = t.filter(t.customer_id == customer)
        total = int(t.count().execute())
        page = t.order_by([ibis.desc("responded_at"), "response_id"]).limit(limit, offset=offset)
        rows = frame_records(page.execute(), utc=True)
    return ResponsesPage(total=total, limit=limit, offset=offset, rows=rows)


@router.get("/responses/{response_id}", summary="One survey response")
def read_response(response_id: str, principal: Reader, state: State) -> dict[str, Any]:
    with state.workspace() as ws:
        found = rows_where_in(ws.store, "survey_responses", "response_id", [response_id])
    if not found:
        raise HTTPException(404, f"no survey response {response_id!r}")
    row: dict[str, Any] = clean(found[0], utc=True)
    return row
