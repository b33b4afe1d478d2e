"""The feedback page: the report (:mod:`cxpulse.reports.feedback`) rendered by
``feedback.html`` with the filters' choices, and its CSV export, which takes the same query
string and writes the verbatims the page shows, from the same cached result."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from cxpulse.accounts.users import Permission
from cxpulse.reports import Params, run
from cxpulse.reports.blocks import GRAINS, page_range
from cxpulse.reports.feedback import METRICS, Feedback, choices, options, verbatims_csv
from cxpulse.text.sentiment import LABELS
from cxpulse.web.reportparams import params_dependency
from cxpulse.web.reportview import Shown
from cxpulse.web.security import Principal, require
from cxpulse.web.state import WebState, get_state

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(require(Permission.read))]
State = Annotated[WebState, Depends(get_state)]


def view(shown: Shown) -> Response:
    opts, state = options(shown.params), shown.state
    base = opts.params(drop=("page", "period", "type", "score_min", "score_max", "scale"))
    return shown.render(
        opts.params(),
        opts=opts,
        rng=page_range(state, opts.by, opts.from_, opts.to),
        grains=GRAINS,
        labels=LABELS,
        metrics=METRICS,
        choices=choices(state),
        base=base,
        query=opts.params(),
        period_label=opts.period,
    )


@router.get("/feedback/verbatims.csv")
def feedback_csv(
    principal: Reader, state: State, params: Annotated[Params, Depends(params_dependency(Feedback))]
) -> Response:
    data = run(state, Feedback, params)
    body = verbatims_csv(data["verbatims"]["rows"])
    stamp = date.fromisoformat(data["as_of"]).isoformat()
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="verbatims-{stamp}.csv"'},
    )
