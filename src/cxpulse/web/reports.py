"""The routes of every report in the workspace's registry (:data:`cxpulse.reports.REPORTS`),
generated when the app is made: the HTML page (``Report.page_path()``, rendering the report's
template with its data), the JSON twin ``/api/v1/reports/<name>`` (documented in OpenAPI with
the report's own parameters), and the dashboard's navigation.

A page that needs more than its data (the feedback filters' choices, the revenue legend in the
reader's language) has a *view* in ``web/pages/``, found through the report's classes (the
family view serves every :class:`~cxpulse.reports.family.Family`); any other report renders
the generic ``report.html`` (its headline tables).
"""

# no `from __future__ import annotations`: the routes made in `_add` annotate their
# parameters with types built there, which FastAPI must see as objects, not names

from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from cxpulse.reports import Params, Report, run
from cxpulse.reports.family import Family
from cxpulse.reports.feedback import Feedback
from cxpulse.reports.journey import Journey
from cxpulse.reports.revenue import Revenue
from cxpulse.reports.scorecard import Scorecard
from cxpulse.web.pages import families, feedback, journey, revenue, scorecard
from cxpulse.web.reportparams import params_dependency, query_pairs
from cxpulse.web.reportview import Shown
from cxpulse.web.security import Principal, require
from cxpulse.web.state import WebState, get_state

TWIN = "/api/v1/reports/{}"
# the dashboard pages' first JSON twins, kept at their addresses for existing clients
DASHBOARD_TWINS = ("feedback", "revenue", "support", "website", "social", "loyalty", "journey")
DASHBOARD_TWIN = "/api/v1/dashboard/{}"
# the operational pages, after the reports in the navigation
OPERATIONS = (
    ("/cases", "Cases"),
    ("/rules", "Rules"),
    ("/surveys", "Surveys"),
    ("/customers", "Customers"),
)
State = Annotated[WebState, Depends(get_state)]


View = Callable[[Shown], Response]


def generic_view(shown: Shown) -> Response:
    """``report.html``: the report's headline tables."""
    query = urlencode(query_pairs(shown.report, shown.params))
    return shown.render(query, report=shown.report, tables=shown.report.tables(shown.data))


VIEWS: dict[type[Report], View] = {
    Scorecard: scorecard.view,
    Feedback: feedback.view,
    Revenue: revenue.view,
    Journey: journey.view,
    Family: families.view,
}


def view_of(report: type[Report]) -> View:
    return next((VIEWS[c] for c in report.__mro__ if c in VIEWS), generic_view)


def twin_path(report: type[Report]) -> str:
    """The JSON twin a page links to: its first address when it had one."""
    return (DASHBOARD_TWIN if report.name in DASHBOARD_TWINS else TWIN).format(report.name)


def nav(reports: Iterable[type[Report]]) -> tuple[tuple[str, str], ...]:
    pages = [(r.page_path(), r.title) for r in reports if r.nav and r.page_path()]
    return (*((path, title) for path, title in pages if path), *OPERATIONS)


# -- the routes -----------------------------------------------------------------------------------
def router(reports: Iterable[type[Report]]) -> APIRouter:
    """The page and JSON twins of every report of ``reports``."""
    out = APIRouter()
    for report in reports:
        _add(out, report)
    return out


def _add(out: APIRouter, report: type[Report]) -> None:
    reader = Annotated[Principal, Depends(require(report.permission))]
    params_of = Annotated[Params, Depends(params_dependency(report))]

    def twin(principal: reader, state: State, params: params_of) -> dict[str, Any]:
        return run(state, report, params)

    def html(request: Request, principal: reader, state: State, params: params_of) -> Response:
        data = run(state, report, params)
        shown = Shown(request, principal, state, report, params, data, twin_path(report))
        return view_of(report)(shown)

    twin.__doc__ = report.__doc__
    common: Mapping[str, Any] = {"methods": ["GET"], "summary": report.summary}
    out.add_api_route(
        TWIN.format(report.name), twin, name=f"{report.name}_report", tags=["reports"], **common
    )
    if report.name in DASHBOARD_TWINS:
        out.add_api_route(
            DASHBOARD_TWIN.format(report.name),
            twin,
            name=f"{report.name}_twin",
            tags=["dashboard"],
            **common,
        )
    path = report.page_path()
    if path is not None:
        out.add_api_route(
            path,
            html,
            methods=["GET"],
            name=f"{report.name}_page",
            response_class=HTMLResponse,
            include_in_schema=False,
        )
