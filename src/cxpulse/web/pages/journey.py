"""The journey page: the report (:mod:`cxpulse.reports.journey`) rendered by
``journey.html``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response

from cxpulse.metrics.journey import JOURNEY_METRICS
from cxpulse.reports import Params, Report
from cxpulse.reports.blocks import GRAINS
from cxpulse.web.render import page
from cxpulse.web.security import Principal
from cxpulse.web.state import WebState


def view(
    request: Request,
    principal: Principal,
    state: WebState,
    report: type[Report],
    params: Params,
    data: dict[str, Any],
    twin: str,
) -> Response:
    query = urlencode([("by", params["by"]), ("period", data["period"])])
    return page(
        request,
        report.template,
        principal,
        data=data,
        by=params["by"],
        grains=GRAINS,
        metrics=JOURNEY_METRICS,
        json_url=f"{twin}?{query}",
    )
