"""The journey page: NPS, CSAT, CES and response rate per touchpoint, in journey order
(:data:`cxpulse.metrics.journey.JOURNEY_STAGES`), for the last complete period (or the one
named by ``period``) with the change on the previous one."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from cxpulse.accounts.users import Permission
from cxpulse.metrics import periods
from cxpulse.metrics.feedback import period_bounds
from cxpulse.metrics.journey import JOURNEY_METRICS
from cxpulse.metrics.spec import REGISTRY
from cxpulse.web.pages.families import GRAINS, page_range
from cxpulse.web.render import page
from cxpulse.web.security import Principal, require
from cxpulse.web.state import WebState, get_state

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(require(Permission.read))]
State = Annotated[WebState, Depends(get_state)]
Period = Annotated[
    str | None, Query(description="the period shown, e.g. 2026-10 (default: last complete)")
]


def journey_data(state: WebState, by: str, period: str | None) -> dict[str, Any]:
    from cxpulse.metrics.journey import journey

    rng = page_range(state, by, None, None)
    first = (
        period_bounds(period, by)[0]
        if period
        else periods.floor_date(rng.end, periods.check_grain(by))
    )

    def compute(ws: Any) -> dict[str, Any]:
        data: dict[str, Any] = journey(ws, first, by)
        data["as_of"] = rng.today.isoformat()
        data["units"] = {m: REGISTRY.get(m).unit for m in JOURNEY_METRICS}
        data["labels"] = {m: REGISTRY.get(m).label for m in JOURNEY_METRICS}
        # the chart: one group of bars per touchpoint, a series per survey metric
        data["chart"] = {
            "labels": data["touchpoints"],
            "series": [
                {
                    "name": m,
                    "values": [(r[m] or {}).get("value") for r in data["rows"]],
                }
                for m in JOURNEY_METRICS
            ],
        }
        return data

    result: dict[str, Any] = state.cached(("journey", by, first, rng.today), compute)
    return result


@router.get("/journey", response_class=HTMLResponse)
def journey_page(
    request: Request, principal: Reader, state: State, by: str = "month", period: Period = None
) -> Response:
    data = journey_data(state, by, period)
    params = [("by", by), ("period", data["period"])]
    return page(
        request,
        "journey.html",
        principal,
        data=data,
        by=by,
        grains=GRAINS,
        metrics=JOURNEY_METRICS,
        json_url=f"/api/v1/dashboard/journey?{urlencode(params)}",
    )
