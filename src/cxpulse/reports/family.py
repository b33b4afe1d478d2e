"""Reports of one metric family each (support, website, social, loyalty): a card per metric
(last complete period, change, interval, target) and its trend with the interval band.

A family is the metrics whose :attr:`MetricSpec.table` is the family's table, in registry
order. Each metric costs one engine call (through :func:`queries.metric_rows`, so the trend
and the card come from the same cached rows), and the whole report is cached again under
every parameter, so a warm page is one cache lookup. A family is a subclass setting four
attributes (see :mod:`cxpulse.reports.support`).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, ClassVar

from cxpulse.metrics.spec import REGISTRY
from cxpulse.reports.base import Params, Report
from cxpulse.reports.blocks import Range, header, metric_block, params_range
from cxpulse.reports.context import ReportContext


def family_metrics(table: str) -> tuple[str, ...]:
    return tuple(spec.name for spec in REGISTRY if spec.table == table)


class Family(Report):
    table: ClassVar[str]  # the canonical table whose metrics the report shows
    intro: ClassVar[str]  # one line under the title (translated)
    template = "family.html"

    @classmethod
    def cache_key(cls, ctx: ReportContext, params: Params) -> Hashable:
        # the whole report is one entry, so a warm page is one lookup; the metric rows stay
        # cached one by one, shared with the scorecard and metric pages
        return ("family", cls.name, params_range(ctx, params))

    @classmethod
    def build(cls, ctx: ReportContext, params: Params) -> dict[str, Any]:
        rng = params_range(ctx, params)
        data = header(rng) | {"page": cls.name, "table": cls.table}
        # the metrics share what they derive alike (the website's sessions): the reader is
        # this thread's, so the metric lookups below run on the same workspace
        with ctx.reader() as ws, ws.sharing():
            data |= metric_block(ctx, family_metrics(cls.table), rng)
            data |= cls.extra(ctx, rng)
        return data

    @classmethod
    def extra(cls, ctx: ReportContext, rng: Range) -> dict[str, Any]:
        """What the family shows besides its cards and trends."""
        return {}
