"""Reports: JSON-ready results listed in one registry, shared by every edge.

The web app generates from :data:`REPORTS` each report's page, its JSON twin
(``/api/v1/reports/<name>``), the navigation and the warm-up; the CLI generates
``cxpulse report <name>``. A new built-in report is one module with a :class:`Report`
subclass plus one line in :data:`DEFAULT`; a plugin or a test adds one to a single workspace
with ``ws.kinds[REPORTS].add(MyReport)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cxpulse.kinds import Kind
from cxpulse.reports.base import Param, Params, Report, Table
from cxpulse.reports.context import Direct, ReportContext
from cxpulse.reports.feedback import Feedback
from cxpulse.reports.journey import Journey
from cxpulse.reports.loyalty import Loyalty
from cxpulse.reports.metric import Metric
from cxpulse.reports.revenue import Revenue
from cxpulse.reports.scorecard import Scorecard
from cxpulse.reports.social import Social
from cxpulse.reports.support import Support
from cxpulse.reports.website import Website

# the order of the dashboard's navigation
DEFAULT: list[type[Report]] = [
    Scorecard,
    Feedback,
    Revenue,
    Support,
    Website,
    Social,
    Loyalty,
    Journey,
    Metric,
]
REPORTS = Kind("report", DEFAULT)


def run(ctx: ReportContext, report: type[Report], raw: Mapping[str, Any]) -> dict[str, Any]:
    """``report`` with the parameters ``raw`` (checked), kept under its cache key: what
    every edge calls."""
    params = report.parse(raw)
    key = report.cache_key(ctx, params)
    if key is None:
        return report.build(ctx, params)
    result: dict[str, Any] = ctx.memo(key, lambda: report.build(ctx, params))
    return result


__all__ = [
    "DEFAULT",
    "REPORTS",
    "Direct",
    "Param",
    "Params",
    "Report",
    "ReportContext",
    "Table",
    "run",
]
