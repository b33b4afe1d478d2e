"""The scorecard page and one metric's page (trend with its interval band, segments).

JSON twins: ``/`` is ``/api/v1/scorecard``; ``/metrics/NAME`` is ``/api/v1/metrics/NAME``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from cxpulse.accounts.users import Permission
from cxpulse.metrics.periods import floor_date, parse_day
from cxpulse.metrics.spec import REGISTRY
from cxpulse.web import queries
from cxpulse.web.render import page
from cxpulse.web.security import Principal, require
from cxpulse.web.state import WebState, get_state

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(require(Permission.read))]
State = Annotated[WebState, Depends(get_state)]
GRAINS = ("week", "month", "quarter", "year")


@router.get("/", response_class=HTMLResponse)
def scorecard_page(
    request: Request,
    principal: Reader,
    state: State,
    by: str = "month",
    all: bool = False,
) -> Response:
    metrics = tuple(REGISTRY.names()) if all else None
    card = queries.scorecard(state, by, None, metrics)
    query = urlencode([("by", by)] + [("metric", m) for m in metrics or ()])
    return page(
        request,
        "scorecard.html",
        principal,
        card=card,
        by=by,
        grains=GRAINS,
        all=all,
        json_url=f"/api/v1/scorecard?{query}",
    )


def _last_complete(trend: list[dict[str, Any]], by: str, state: WebState) -> Any:
    """The period the segment breakdown shows: the last complete one, as on the scorecard (a
    running month's few answers would rank the segments on noise), else the last one."""
    if not trend:
        return None
    if by not in GRAINS or by == "all":
        return trend[-1]["period"]
    running = floor_date(queries.local_today(state), by)  # type: ignore[arg-type]
    done = [r for r in trend if _day(r.get("period_start")) < running]
    return (done or trend)[-1]["period"]


def _day(value: Any) -> date:
    return date.fromisoformat(str(value)[:10]) if value else date.min


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
    meta = queries.describe(name)
    # from the scorecard (no segment asked): show the first segment's breakdown at once;
    # the form's empty choice ("–") means no breakdown
    if segment is None and meta["segments"]:
        segment = meta["segments"][0]
    segment = segment or None
    # an empty date field of the form means "no bound"
    start, end = parse_day(from_ or None, "from"), parse_day(to_ or None, "to")
    variant = variant or None
    q = queries.MetricQuery(name, by, (), variant, start, end, tuple(filter_ or ()))
    trend = queries.metric_rows(state, q)
    breakdown: list[dict[str, Any]] = []
    if segment:
        seg_q = queries.MetricQuery(name, by, (segment,), variant, start, end, q.filters)
        rows = queries.metric_rows(state, seg_q)
        last = _last_complete(trend, by, state)
        breakdown = [r for r in rows if r["period"] == last]
    params = [("by", by)]
    params += [(k, v) for k, v in (("variant", variant), ("segment", segment)) if v]
    params += [(k, v.isoformat()) for k, v in (("from", start), ("to", end)) if v]
    params += [("filter", f) for f in filter_ or ()]
    # a period not over yet (a few days of answers) is listed, marked, but never drawn: the
    # line would dive or soar on a handful of answers
    drawn = [r for r in trend if not r.get("partial")]
    chart = {
        "unit": meta["unit"],
        "periods": [r["period"] for r in drawn],
        "value": [r["value"] for r in drawn],
        "low": [r["ci_low"] for r in drawn],
        "high": [r["ci_high"] for r in drawn],
        "n": [r["n"] for r in drawn],
    }
    return page(
        request,
        "metric.html",
        principal,
        meta=meta,
        trend=trend,
        chart=chart,
        breakdown=breakdown,
        segment=segment,
        by=by,
        variant=variant or "default",
        start=start,
        end=end,
        grains=GRAINS,
        json_url=f"/api/v1/metrics/{name}?{urlencode(params)}",
    )
