"""One metric's page (``/metrics/NAME``): the report :mod:`cxpulse.reports.metric` (trend
with its interval band, the segments of the last complete period) rendered by
``metric.html``; its JSON twin is ``/api/v1/metrics/NAME`` (``/api/v1/reports/metric``
too)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from cxpulse.accounts.users import Permission
from cxpulse.reports import run
from cxpulse.reports.blocks import GRAINS
from cxpulse.reports.metric import Metric
from cxpulse.web.render import page
from cxpulse.web.security import Principal, require
from cxpulse.web.state import WebState, get_state

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(require(Permission.read))]
State = Annotated[WebState, Depends(get_state)]


@router.get("/metrics/{name}", response_class=HTMLResponse)
def metric_page(
    request: Request,
    name: str,
    principal: Reader,
    state: State,
    by: str = "month",
    segment: str | None = None,
    variant: str | None = None,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to_: Annotated[str | None, Query(alias="to")] = None,
    filter_: Annotated[list[str] | None, Query(alias="filter")] = None,
) -> Response:
    raw = {"metric": name, "by": by, "segment": segment, "variant": variant}
    data = run(state, Metric, raw | {"from": from_, "to": to_, "filter": filter_})
    params = [("by", by)]
    params += [(k, data[k]) for k in ("variant", "segment") if data[k] not in (None, "default")]
    params += [(k, data[k]) for k in ("from", "to") if data[k]]
    params += [("filter", f) for f in filter_ or ()]
    return page(
        request,
        "metric.html",
        principal,
        meta=data["metric"],
        trend=data["rows"],
        chart=data["chart"],
        breakdown=data["breakdown"],
        segment=data["segment"],
        by=by,
        variant=data["variant"],
        start=data["from"],
        end=data["to"],
        grains=GRAINS,
        json_url=f"/api/v1/metrics/{name}?{urlencode(params)}",
    )
