"""The CX scorecard: each metric's last complete period against the previous one, its
interval, target and benchmark (:func:`cxpulse.metrics.scorecard.build_scorecard`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cxpulse.metrics.spec import REGISTRY
from cxpulse.reports import queries
from cxpulse.reports.base import Param, Params, Report, Table
from cxpulse.reports.blocks import GRAINS, cards_table
from cxpulse.reports.context import ReportContext


class Scorecard(Report):
    name = "scorecard"
    title = "Scorecard"
    summary = "Last complete period vs the previous, interval, target, benchmark"
    path = "/"
    warm_rank = 0  # a few seconds cold, and the first page a user opens
    template = "scorecard.html"
    params = (
        Param("by", "period grain", "month", choices=GRAINS),
        Param("all", "every metric, not only the default ones", False, type=bool),
        Param("metric", "metrics to show (default: the scorecard's)", (), many=True),
    )

    @classmethod
    def metrics(cls, params: Params) -> tuple[str, ...] | None:
        if params["all"]:
            return tuple(REGISTRY.names())
        return tuple(params["metric"]) or None

    @classmethod
    def cache_key(cls, ctx: ReportContext, params: Params) -> None:
        return None  # queries.scorecard keeps it, shared with /api/v1/scorecard

    @classmethod
    def build(cls, ctx: ReportContext, params: Params) -> dict[str, Any]:
        return queries.scorecard(ctx, params["by"], None, cls.metrics(params))

    @classmethod
    def warmups(cls) -> Sequence[Mapping[str, Any]]:
        # "show all metrics" (every metric: 35 s cold at scale 1) too: the warm-up runs it
        # last, when the other pages have computed most of what it reads
        return ({}, {"all": True})

    @classmethod
    def tables(cls, data: dict[str, Any]) -> list[Table]:
        notes = tuple(f"{r['metric']}: {c}" for r in data["rows"] for c in r.get("caveats", ()))
        title = f"CX scorecard by {data['by']}, complete periods before {data['as_of']}"
        return [cards_table(title, data["rows"], notes)]
