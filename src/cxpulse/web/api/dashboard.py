"""/api/v1/dashboard/<page>: the JSON twin of each dashboard page, the same data the page
renders (the same cached result: page and twin cannot disagree)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from cxpulse.accounts.users import Permission
from cxpulse.web.pages import families, feedback, journey, revenue
from cxpulse.web.security import Principal, require
from cxpulse.web.state import WebState, get_state

router = APIRouter(prefix="/api/v1/dashboard", tags=["dashboard"])
Reader = Annotated[Principal, Depends(require(Permission.read))]
State = Annotated[WebState, Depends(get_state)]
By = Annotated[str, Query(description="week, month, quarter or year")]
From = families.FromParam
To = families.ToParam


@router.get("/feedback", summary="NPS/CSAT/CES trends, score distribution, verbatims")
def feedback_twin(principal: Reader, state: State, opts: feedback.Opts) -> dict[str, Any]:
    return feedback.feedback_data(state, opts)


@router.get("/revenue", summary="MRR bridge, churn and NRR, cohort retention")
def revenue_twin(
    principal: Reader,
    state: State,
    by: By = "month",
    from_: From = None,
    to: To = None,
    cohorts: revenue.CohortCount = 12,
) -> dict[str, Any]:
    return revenue.revenue_data(state, families.page_range(state, by, from_, to), cohorts)


def _family(slug: str) -> Any:
    def twin(
        principal: Reader, state: State, by: By = "month", from_: From = None, to: To = None
    ) -> dict[str, Any]:
        result: dict[str, Any] = families.family_json(state, slug, by, from_, to)
        return result

    twin.__name__ = f"{slug}_twin"
    return twin


for _slug, _fam in families.FAMILIES.items():
    router.add_api_route(
        f"/{_slug}",
        _family(_slug),
        methods=["GET"],
        summary=f"{_fam.title}: cards and trends of the {_fam.table} metrics",
    )


@router.get("/journey", summary="Survey metrics per touchpoint along the journey")
def journey_twin(
    principal: Reader, state: State, by: By = "month", period: journey.Period = None
) -> dict[str, Any]:
    return journey.journey_data(state, by, period)
