"""/api/v1/metrics, /api/v1/scorecard, /api/v1/cohorts: the same options as the CLI."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query

from cxpulse.accounts.users import Permission
from cxpulse.metrics.cohorts import cohort_table
from cxpulse.metrics.selection import parse_filters
from cxpulse.metrics.spec import REGISTRY
from cxpulse.records import clean
from cxpulse.reports import queries
from cxpulse.web.params import Day
from cxpulse.web.security import Principal, require
from cxpulse.web.state import WebState, get_state

router = APIRouter(prefix="/api/v1", tags=["metrics"])
Reader = Annotated[Principal, Depends(require(Permission.read))]
State = Annotated[WebState, Depends(get_state)]
By = Annotated[str, Query(description="day, week, month, quarter, year or all")]
Segments = Annotated[list[str] | None, Query(description="segment column(s)")]
Filters = Annotated[
    list[str] | None,
    Query(alias="filter", description="column=value or column=a,b (as the CLI's --filter)"),
]
From = Annotated[Day | None, Query(alias="from", description="first day (local), ISO")]
To = Annotated[Day | None, Query(alias="to", description="last day (local), ISO")]


@router.get("/metrics", summary="Every metric with its definition and variants")
def list_metrics(principal: Reader) -> list[dict[str, Any]]:
    return [queries.describe(name) for name in REGISTRY.names()]


@router.get("/metrics/{name}", summary="One metric by period and segment, with intervals")
def metric(
    name: str,
    principal: Reader,
    state: State,
    by: By = "month",
    segment: Segments = None,
    variant: str | None = None,
    from_: From = None,
    to: To = None,
    filter_: Filters = None,
    compare: Annotated[
        Literal["previous", "year"],
        Query(
            description="change and significance against the previous period or the same "
            "period a year before"
        ),
    ] = "previous",
) -> dict[str, Any]:
    q = queries.MetricQuery(
        name, by, tuple(segment or ()), variant, from_, to, tuple(filter_ or ()), compare
    )
    return {"metric": queries.describe(name), "rows": queries.metric_rows(state, q)}


@router.get("/scorecard", summary="Last complete period vs the previous, target, benchmark")
def scorecard(
    principal: Reader,
    state: State,
    by: By = "month",
    as_of: Day | None = None,
    metric: Annotated[list[str] | None, Query(description="metrics to show")] = None,
) -> dict[str, Any]:
    return queries.scorecard(state, by, as_of, tuple(metric) if metric else None)


@router.get("/cohorts", summary="Retention of signup cohorts, logo and revenue")
def cohorts(
    principal: Reader,
    state: State,
    by: Annotated[str, Query(description="month, quarter or year")] = "month",
    periods: Annotated[int, Query(ge=1, le=120)] = 12,
    from_: From = None,
    to: To = None,
    filter_: Filters = None,
) -> dict[str, Any]:
    filters = parse_filters(filter_) or None

    def compute(ws: Any) -> dict[str, Any]:
        result: dict[str, Any] = clean(
            cohort_table(ws, by, periods, start=from_, end=to, filters=filters).to_dict()
        )
        return result

    result: dict[str, Any] = state.cached(
        ("cohorts", by, periods, from_, to, tuple(filter_ or ())), compute
    )
    return result
