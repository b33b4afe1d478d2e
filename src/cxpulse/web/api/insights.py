"""/api/v1/insights: what changed significantly in a period, ranked, each finding with its
evidence (``why``: themes and quotes, cost, events; ``evidence_lines``: the same as sentences)
and the negatives→churn link; the same options and JSON as the CLI's ``cxpulse insights``,
the sentences in the user's language."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from cxpulse.accounts.users import Permission
from cxpulse.web.params import Day
from cxpulse.web.render import language
from cxpulse.web.security import Principal, require
from cxpulse.web.state import WebState, get_state

router = APIRouter(prefix="/api/v1", tags=["insights"])
Reader = Annotated[Principal, Depends(require(Permission.read))]
State = Annotated[WebState, Depends(get_state)]


@router.get("/insights", summary="What changed significantly in a period, ranked")
def insights(
    request: Request,
    principal: Reader,
    state: State,
    period: Annotated[
        str | None, Query(description="e.g. 2025-11 (default: the last complete period)")
    ] = None,
    by: Annotated[
        str | None, Query(description="day, week, month, quarter or year (default: the period's)")
    ] = None,
    compare: Annotated[
        Literal["previous", "year", "baseline"],
        Query(
            description="the previous period, the same period a year before, or each "
            "metric's expected band from its history (baseline: totals only)"
        ),
    ] = "previous",
    metric: Annotated[
        list[str] | None, Query(description="metrics to look at (default: the scorecard's)")
    ] = None,
    as_of: Day | None = None,
    lang: Annotated[
        Literal["en", "fr"] | None,
        Query(description="language of the sentences (default: the user's, else the browser's)"),
    ] = None,
) -> dict[str, Any]:
    from cxpulse.insights.run import stored_insights

    chosen = lang or language(request, principal)
    today = as_of or state.today()
    metrics = tuple(metric) if metric else None

    def compute(ws: Any) -> dict[str, dict[str, Any]]:
        # both languages at once; the run the worker stored after the data changed is read
        # instead of computed for seconds, and nothing a reader asks for is stored
        return stored_insights(
            ws, period=period, by=by, compare=compare, metrics=metrics, as_of=today, keep=False
        )

    found: dict[str, dict[str, Any]] = state.cached(
        ("insights", period, by, compare, metrics, today), compute
    )
    return found[chosen]
