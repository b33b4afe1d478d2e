"""The journey report: NPS, CSAT, CES and response rate per touchpoint, in journey order
(:data:`cxpulse.metrics.journey.JOURNEY_STAGES`), for the last complete period (or the one
named by ``period``) with the change on the previous one."""

from __future__ import annotations

from datetime import date
from typing import Any

from cxpulse.metrics import periods
from cxpulse.metrics.feedback import period_bounds
from cxpulse.metrics.journey import JOURNEY_METRICS
from cxpulse.metrics.spec import REGISTRY
from cxpulse.reports.base import BY, Param, Params, Report, Table
from cxpulse.reports.blocks import page_range
from cxpulse.reports.context import ReportContext
from cxpulse.workspace import Workspace


def first_day(ctx: ReportContext, by: str, period: str | None) -> date:
    """The first day of the period shown: ``period``'s, else the last complete one's."""
    if period:
        return period_bounds(period, by)[0]
    return periods.floor_date(page_range(ctx, by, None, None).end, periods.check_grain(by))


def journey_data(ctx: ReportContext, by: str, period: str | None) -> dict[str, Any]:
    from cxpulse.metrics.journey import journey

    rng = page_range(ctx, by, None, None)
    first = first_day(ctx, by, period)

    def compute(ws: Workspace) -> dict[str, Any]:
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

    result: dict[str, Any] = ctx.cached(("journey", by, first, rng.today), compute)
    return result


class Journey(Report):
    name = "journey"
    title = "Journey"
    summary = "Survey metrics per touchpoint along the journey"
    template = "journey.html"
    warm_rank = 0  # one engine call per survey metric: quick
    params = (BY, Param("period", "the period shown, e.g. 2026-10 (default: last complete)"))

    @classmethod
    def cache_key(cls, ctx: ReportContext, params: Params) -> None:
        return None  # journey_data keeps its one result, keyed on the period it resolves

    @classmethod
    def build(cls, ctx: ReportContext, params: Params) -> dict[str, Any]:
        return journey_data(ctx, params["by"], params["period"])

    @classmethod
    def tables(cls, data: dict[str, Any]) -> list[Table]:
        def cell(value: Any) -> Any:
            return (value or {}).get("value")

        return [
            Table(
                f"Journey, {data['period']}",
                ("touchpoint", *JOURNEY_METRICS),
                [(r["touchpoint"], *(cell(r[m]) for m in JOURNEY_METRICS)) for r in data["rows"]],
            )
        ]
