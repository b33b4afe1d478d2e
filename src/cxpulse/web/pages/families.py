"""The page of a metric family (support, website, social, loyalty): the report
(:mod:`cxpulse.reports.family`) rendered by ``family.html``."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response

from cxpulse.reports import REPORTS, Params, Report
from cxpulse.reports.blocks import GRAINS, params_range
from cxpulse.reports.family import Family
from cxpulse.web.render import page
from cxpulse.web.security import Principal
from cxpulse.web.state import WebState

FAMILIES: dict[str, type[Family]] = {
    r.name: r for r in REPORTS.builtins() if isinstance(r, type) and issubclass(r, Family)
}


def today(state: WebState) -> date:
    """The server's clock in the workspace's zone."""
    return state.today()


def view(
    request: Request,
    principal: Principal,
    state: WebState,
    report: type[Report],
    params: Params,
    data: dict[str, Any],
    twin: str,
) -> Response:
    rng = params_range(state, params)
    return page(
        request,
        report.template,
        principal,
        family=report,
        data=data,
        rng=rng,
        grains=GRAINS,
        json_url=f"{twin}?{urlencode(rng.params())}",
    )
