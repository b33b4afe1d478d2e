"""/api/v1/annotations: the events (outages, releases, price changes, campaigns) the metrics
are read against: list them by the days they overlap, record and remove one (analysts and
admins, as other writes), and their impact on the metrics (`cxpulse impact`'s JSON)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from cxpulse.accounts.users import Permission
from cxpulse.insights.annotations import (
    add_annotation,
    annotations_between,
    get_annotation,
    remove_annotation,
)
from cxpulse.insights.impact import MAX_DAYS, impact
from cxpulse.web.params import Day
from cxpulse.web.security import Principal, require
from cxpulse.web.state import WebState, get_state
from cxpulse.web.utc import UtcDateTime

router = APIRouter(prefix="/api/v1", tags=["annotations"])
Reader = Annotated[Principal, Depends(require(Permission.read))]
Editor = Annotated[Principal, Depends(require(Permission.edit))]
State = Annotated[WebState, Depends(get_state)]


class AnnotationIn(BaseModel):
    """An event: its first day, its last (for an episode), what happened and tags."""

    model_config = ConfigDict(extra="forbid")

    day: str = Field(description="The local day it started, YYYY-MM-DD.", examples=["2025-11-14"])
    until: str | None = Field(None, description="The last day it lasted (included), if any.")
    label: str = Field(description="What happened.", examples=["Carrier outage"])
    tags: list[str] = Field(default_factory=list, examples=[["outage"]])


class AnnotationOut(BaseModel):
    id: str
    day: date
    until: date | None
    label: str
    tags: list[str]
    author: str
    created_at: UtcDateTime


@router.get(
    "/annotations",
    summary="The annotations overlapping the days from..to (both optional, included)",
    response_model=list[AnnotationOut],
)
def list_annotations(
    principal: Reader,
    state: State,
    start: Annotated[Day | None, Query(alias="from", description="first day (local), ISO")] = None,
    end: Annotated[Day | None, Query(alias="to", description="last day (local), ISO")] = None,
) -> list[dict[str, Any]]:
    with state.reader() as ws:
        return [a.to_dict() for a in annotations_between(ws, start, end)]


@router.post(
    "/annotations",
    summary="Record an event (a bad field is a 400 naming it)",
    response_model=AnnotationOut,
    status_code=201,
)
def create_annotation(body: AnnotationIn, principal: Editor, state: State) -> dict[str, Any]:
    with state.workspace() as ws:
        made = add_annotation(
            ws, body.day, body.label, until=body.until, tags=body.tags, author=principal.name,
            now=state.now(),
        )  # fmt: skip
    return made.to_dict()


@router.delete(
    "/annotations/{annotation_id}",
    summary="Remove an annotation; answers what it was",
    response_model=AnnotationOut,
)
def delete_annotation(annotation_id: str, principal: Editor, state: State) -> dict[str, Any]:
    with state.workspace() as ws:
        return remove_annotation(ws, annotation_id).to_dict()


@router.get(
    "/annotations/{annotation_id}/impact",
    summary="Each metric before the event and from its start, with intervals and a test",
)
def annotation_impact(
    annotation_id: str,
    principal: Reader,
    state: State,
    metric: Annotated[
        list[str] | None, Query(description="metrics to compare (default: the scorecard's)")
    ] = None,
    days: Annotated[int | None, Query(ge=1, le=MAX_DAYS, description="days in each window")] = None,
    as_of: Day | None = None,
) -> dict[str, Any]:
    """The windows default to the event's own span (28 days for a one-off event); days not
    over yet (by the server's clock) are left out of both. Every sentence is given in English
    and French (``headline.en``, ``headline.fr``)."""
    # a private reader: the comparison takes seconds, and must not hold up the writes
    with state.reader() as ws:
        event = get_annotation(ws, annotation_id)
        found = impact(ws, event, metrics=metric, days=days, as_of=as_of or state.today())
    return found.to_dict()
