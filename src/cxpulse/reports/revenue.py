"""Revenue and retention: the MRR bridge, churn and NRR cards and trends, the cohort heatmap.

The bridge is :func:`cxpulse.metrics.mrr.mrr_bridge` over the range, the heatmap
:func:`cxpulse.metrics.cohorts.cohort_table` of the cohorts that started in the last
``cohorts`` periods of the range (observed up to its end), logo and revenue retention.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from cxpulse.errors import QueryError
from cxpulse.metrics import periods
from cxpulse.metrics.mrr import MOVEMENTS
from cxpulse.records import clean, frame_records
from cxpulse.reports.base import BY, FROM, TO, Param, Params, Report, Table
from cxpulse.reports.blocks import Range, header, metric_block, params_range, range_cards_table
from cxpulse.reports.context import ReportContext
from cxpulse.workspace import Workspace

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


def revenue_data(ctx: ReportContext, rng: Range, cohorts: int = 12) -> dict[str, Any]:
    """The report's data (not cached as a whole: :func:`cxpulse.reports.run` keeps it)."""
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

    def read(ws: Workspace) -> dict[str, Any]:
        bridge = mrr_bridge(ws, by=rng.by, start=bridge_start, end=rng.end)
        table = cohort_table(ws, by=rng.by, periods=cohorts, start=cohort_start, end=rng.end)
        return {
            "bridge": frame_records(bridge),
            "cohorts": clean(table.to_dict()),
        }

    data = header(rng) | {"page": "revenue"}
    data |= metric_block(ctx, CARDS, rng)
    data |= ctx.cached(("revenue", rng, bridge_start, cohort_start, cohorts), read)
    data["bridge_from"] = bridge_start.isoformat()
    data["cohorts_from"] = cohort_start.isoformat()
    data["bridge_chart"] = bridge_chart(data["bridge"])
    data["heatmaps"] = {kind: heatmap(data["cohorts"], kind) for kind in KINDS}
    return data


class Revenue(Report):
    name = "revenue"
    title = "Revenue"
    summary = "MRR bridge, churn and NRR, cohort retention"
    template = "revenue.html"
    params = (
        BY,
        FROM,
        TO,
        Param("cohorts", "cohorts shown (latest first)", 12, type=int, ge=1, le=60),
    )

    @classmethod
    def cache_key(cls, ctx: ReportContext, params: Params) -> Hashable:
        return ("revenue-page", params_range(ctx, params), params["cohorts"])

    @classmethod
    def build(cls, ctx: ReportContext, params: Params) -> dict[str, Any]:
        return revenue_data(ctx, params_range(ctx, params), params["cohorts"])

    @classmethod
    def tables(cls, data: dict[str, Any]) -> list[Table]:
        bridge = Table(
            f"MRR bridge from {data['bridge_from']}",
            ("period", *MOVEMENTS),
            [(r["period"], *(r[m] for m in MOVEMENTS)) for r in data["bridge"]],
        )
        return [range_cards_table(cls.title, data), bridge]
