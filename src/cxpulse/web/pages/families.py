"""The page of a metric family (support, website, social, loyalty): the report
(:mod:`cxpulse.reports.family`) rendered by ``family.html``."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from fastapi.responses import Response

from cxpulse.reports import REPORTS
from cxpulse.reports.blocks import GRAINS, params_range
from cxpulse.reports.family import Family
from cxpulse.web.reportview import Shown
from cxpulse.web.state import WebState

FAMILIES: dict[str, type[Family]] = {
    r.name: r for r in REPORTS.builtins() if isinstance(r, type) and issubclass(r, Family)
}


def today(state: WebState) -> date:
    """The server's clock in the workspace's zone."""
    return state.today()


def view(shown: Shown) -> Response:
    rng = params_range(shown.state, shown.params)
    return shown.render(urlencode(rng.params()), family=shown.report, rng=rng, grains=GRAINS)
