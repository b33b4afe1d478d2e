"""Revenue and retention: the MRR bridge, churn and NRR cards and trends, the cohort heatmap.

The bridge is :func:`cxpulse.metrics.mrr.mrr_bridge` over the page's range, the heatmap
:func:`cxpulse.metrics.cohorts.cohort_table` of the cohorts that started in the last
``cohorts`` periods of the range (observed up to its end), logo or revenue retention.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from cxpulse.accounts.users import Permission
from cxpulse.errors import QueryError
from cxpulse.metrics import periods
from cxpulse.metrics.mrr import MOVEMENTS
from cxpulse.records import clean, frame_records
from cxpulse.web import i18n
from cxpulse.web.pages.families import (
    GRAINS,
    FromParam,
    Range,
    ToParam,
    header,
    metric_block,
    page_range,
)
from cxpulse.web.render import language, page
from cxpulse.web.security import Principal, require
from cxpulse.web.state import WebState, get_state

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(require(Permission.read))]
State = Annotated[WebState, Depends(get_state)]
CARDS = (
    "mrr",
    "arpa",
    "active_customers",
    "customer_churn_rate",
    "gross_mrr_churn_rate",
    "nrr",
    "grr",
    "quick_ratio",
)
TRENDS = ("customer_churn_rate", "gross_mrr_churn_rate", "nrr")
KINDS = ("logo", "revenue")
BRIDGE_PERIODS = 12
Cohort = Annotated[str, Query(description="logo or revenue retention in the heatmap")]
CohortCount = Annotated[int, Query(ge=1, le=60, description="cohorts shown (latest first)")]


def bridge_chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Stacked bars: what adds MRR above zero, what removes it below."""
    sign = {"contraction": -1, "churn": -1}
    return {
        "labels": [r["period"] for r in rows],
        "stack": True,
        "series": [
            {"name": m, "values": [sign.get(m, 1) * (r[m] or 0) for r in rows]} for m in MOVEMENTS
        ],
    }


def heatmap(cohorts: dict[str, Any], kind: str) -> dict[str, Any]:
    rows = cohorts["cohorts"]
    values = [[k, i, v] for i, c in enumerate(rows) for k, v in enumerate(c[kind]) if v is not None]
    top = max([v for _, _, v in values] + [100.0])
    return {
        "x": [str(k) for k in range(cohorts["periods"])],
        "y": [c["cohort"] for c in rows],
        "values": values,
        "min": 0,
        "max": top,
    }


def revenue_data(state: WebState, rng: Range, cohorts: int = 12) -> dict[str, Any]:
    from cxpulse.metrics.cohorts import COHORT_GRAINS, cohort_table
    from cxpulse.metrics.mrr import mrr_bridge

    if rng.by not in COHORT_GRAINS:
        raise QueryError(f"the revenue page is by {', '.join(COHORT_GRAINS)}, not {rng.by!r}")
    grain = periods.check_grain(rng.by)
    # the cohorts of the last `cohorts` periods of the range, observed up to its end
    latest = periods.shift(periods.floor_date(rng.end, grain), grain, -(cohorts - 1))
    cohort_start = max(latest, rng.start) if rng.start else latest
    bridge_start = rng.start or periods.shift(
        periods.floor_date(rng.end, grain), grain, -(BRIDGE_PERIODS - 1)
    )

    def compute() -> dict[str, Any]:
        data = header(rng) | {"page": "revenue"}
        data |= metric_block(state, CARDS, rng)

        def read(ws: Any) -> dict[str, Any]:
            bridge = mrr_bridge(ws, by=rng.by, start=bridge_start, end=rng.end)
            table = cohort_table(ws, by=rng.by, periods=cohorts, start=cohort_start, end=rng.end)
            return {
                "bridge": frame_records(bridge),
                "cohorts": clean(table.to_dict()),
            }

        data |= state.cached(("revenue", rng, bridge_start, cohort_start, cohorts), read)
        data["bridge_from"] = bridge_start.isoformat()
        data["cohorts_from"] = cohort_start.isoformat()
        data["bridge_chart"] = bridge_chart(data["bridge"])
        data["heatmaps"] = {kind: heatmap(data["cohorts"], kind) for kind in KINDS}
        return data

    result: dict[str, Any] = state.cache.get_or_compute(("revenue-page", rng, cohorts), compute)
    return result


@router.get("/revenue", response_class=HTMLResponse)
def revenue_page(
    request: Request,
    principal: Reader,
    state: State,
    by: str = "month",
    from_: FromParam = None,
    to: ToParam = None,
    cohort: Cohort = "logo",
    cohorts: CohortCount = 12,
) -> Response:
    if cohort not in KINDS:
        raise QueryError(f"the cohort heatmap shows {' or '.join(KINDS)} retention, not {cohort!r}")
    rng = page_range(state, by, from_, to)
    data = revenue_data(state, rng, cohorts)
    params = [*rng.params(), ("cohorts", str(cohorts))]
    other = "revenue" if cohort == "logo" else "logo"
    # the legend speaks the reader's language; the twin keeps the movement names as keys
    lang = language(request, principal)
    chart = data["bridge_chart"] | {
        "series": [
            s | {"name": i18n.translate(lang, s["name"])} for s in data["bridge_chart"]["series"]
        ]
    }
    return page(
        request,
        "revenue.html",
        principal,
        data=data,
        rng=rng,
        grains=GRAINS,
        trends=TRENDS,
        bridge_chart=chart,
        cohort=cohort,
        toggle_url=f"/revenue?{urlencode([*params, ('cohort', other)])}#cohorts",
        extra=[("cohort", cohort), ("cohorts", str(cohorts))],
        json_url=f"/api/v1/dashboard/revenue?{urlencode(params)}",
    )
