"""The metric questions every report asks, cached by their options.

``filter`` takes ``column=value`` (``column=a,b`` for several values) exactly as the CLI's
``--filter``; the cache key is the normalised query, so a page, its JSON twin and the
``/api/v1/metrics`` answers share entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from cxpulse.metrics.selection import parse_filters
from cxpulse.metrics.spec import REGISTRY
from cxpulse.records import clean, frame_records
from cxpulse.reports.context import ReportContext
from cxpulse.workspace import Workspace


@dataclass(frozen=True)
class MetricQuery:
    name: str
    by: str = "month"
    segment: tuple[str, ...] = ()
    variant: str | None = None
    start: date | None = None
    end: date | None = None
    filters: tuple[str, ...] = ()
    compare: str = "previous"  # or "year": the same period a year before

    def filter_map(self) -> dict[str, Any]:
        return parse_filters(list(self.filters))


def describe(name: str) -> dict[str, Any]:
    spec = REGISTRY.get(name)
    return {
        "name": spec.name,
        "label": spec.label,
        "unit": spec.unit,
        "table": spec.table,
        "higher_is_better": spec.higher_is_better,
        "segments": list(spec.segments),
        "definition": spec.default.definition,
        "variants": {k: v.definition for k, v in spec.variants.items()},
        "benchmark": (
            {"text": spec.benchmark.text, "source": spec.benchmark.source}
            if spec.benchmark
            else None
        ),
    }


def metric_rows(ctx: ReportContext, q: MetricQuery) -> list[dict[str, Any]]:
    REGISTRY.get(q.name)  # unknown names fail before touching the cache
    filters = q.filter_map()
    today = ctx.today()  # the running period is partial until the day it ends

    def compute(ws: Workspace) -> list[dict[str, Any]]:
        df = ws.metric(
            q.name,
            by=q.by,
            segment=list(q.segment) or None,
            variant=q.variant,
            start=q.start,
            end=q.end,
            filters=filters or None,
            compare=q.compare,
            as_of=today,
        )
        return frame_records(df)

    rows: list[dict[str, Any]] = ctx.cached(("metric", q, today), compute)
    return rows


def scorecard(
    ctx: ReportContext, by: str, as_of: date | None, metrics: tuple[str, ...] | None
) -> dict[str, Any]:
    as_of = as_of or ctx.today()

    def compute(ws: Workspace) -> dict[str, Any]:
        result: dict[str, Any] = clean(ws.scorecard(by=by, metrics=metrics, as_of=as_of).to_dict())
        return result

    result: dict[str, Any] = ctx.cached(("scorecard", by, as_of, metrics), compute)
    return result
