"""One metric: its trend by period with the interval band, and the breakdown by a segment of
the last complete period (the metric page, ``/metrics/NAME``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from cxpulse.metrics.periods import GRAINS, check_grain, floor_date, parse_day, shift
from cxpulse.reports import queries
from cxpulse.reports.base import Param, Params, Report, Table
from cxpulse.reports.blocks import GRAINS as PAGE_GRAINS
from cxpulse.reports.blocks import trend_chart, window_start
from cxpulse.reports.context import ReportContext


class Metric(Report):
    name = "metric"
    title = "Metric"
    summary = "One metric's trend with its interval band, and its segments"
    template = "metric.html"
    path = None  # its page is /metrics/NAME (web/pages/metric.py)
    nav = False
    params = (
        Param("metric", "the metric, e.g. nps", "nps"),
        Param("by", "period grain", "month", choices=GRAINS),
        # from the scorecard (no segment asked) the page shows the first segment's breakdown
        Param(
            "segment",
            "segment of the breakdown (default: the metric's first; empty: none)",
            blank=True,
        ),
        Param("variant", "a named variant of the metric's definition"),
        Param("from", "first day (local), ISO"),
        Param("to", "last day (local), ISO"),
        Param("filter", "column=value or column=a,b", (), many=True),
    )

    @classmethod
    def cache_key(cls, ctx: ReportContext, params: Params) -> None:
        return None  # its trend and segments are metric rows, each cached on its own

    @classmethod
    def build(cls, ctx: ReportContext, params: Params) -> dict[str, Any]:
        name, by = params["metric"], params["by"]
        meta = queries.describe(name)
        segment = params["segment"]
        if segment is None and meta["segments"]:
            segment = meta["segments"][0]
        segment = segment or None
        start, end = parse_day(params["from"], "from"), parse_day(params["to"], "to")
        if start is None:
            # no `from`: the default window, up to the running period without `to` (listed,
            # marked partial), so only the periods shown are computed, not the whole history
            start = window_start(by, end or ctx.today())
        q = queries.MetricQuery(
            name, by, (), params["variant"], start, end, tuple(params["filter"])
        )
        trend = queries.metric_rows(ctx, q)
        return {
            "metric": meta,
            "by": by,
            "variant": params["variant"] or "default",
            "segment": segment,
            "from": start.isoformat() if start else None,
            "to": end.isoformat() if end else None,
            "rows": trend,
            # a period not over yet (a few days of answers) is listed, marked, never drawn
            "chart": trend_chart(trend, meta["unit"]),
            "breakdown": cls.breakdown(ctx, q, segment, trend) if segment else [],
        }

    @classmethod
    def breakdown(
        cls, ctx: ReportContext, q: queries.MetricQuery, segment: str, trend: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """The segments of the period the breakdown shows: the last complete one, as on the
        scorecard (a running month's few answers would rank the segments on noise)."""
        if not trend:
            return []
        last = trend[-1]["period"]
        if q.by in PAGE_GRAINS:
            running = floor_date(ctx.today(), q.by)  # type: ignore[arg-type]
            done = [r for r in trend if _day(r.get("period_start")) < running]
            last = (done or trend)[-1]["period"]
        # only that period, not the trend's range by segment (the engine still reads the
        # period each segment is compared with); cut where the trend's range cuts it
        first = _day(next(r["period_start"] for r in trend if r["period"] == last))
        start = max(first, q.start) if q.start else first
        end = q.end
        if q.by in PAGE_GRAINS:
            grain = check_grain(q.by)
            last_day = shift(first, grain, 1) - timedelta(days=1)
            end = min(last_day, end) if end else last_day
        seg_q = queries.MetricQuery(q.name, q.by, (segment,), q.variant, start, end, q.filters)
        return [r for r in queries.metric_rows(ctx, seg_q) if r["period"] == last]

    @classmethod
    def warmups(cls) -> Sequence[Mapping[str, Any]]:
        return ()  # a metric is warmed by the pages that show it

    @classmethod
    def tables(cls, data: dict[str, Any]) -> list[Table]:
        meta = data["metric"]
        trend = Table(
            f"{meta['label']} ({meta['name']}, {data['variant']}) by {data['by']}",
            ("period", "value", "CI", "n", "change", "note"),
            [
                (
                    r["period"],
                    r["value"],
                    (r["ci_low"], r["ci_high"]),
                    r["n"],
                    r["change"],
                    "partial" if r.get("partial") else "",
                )
                for r in data["rows"]
            ],
        )
        if not data["breakdown"]:
            return [trend]
        seg = data["segment"]
        breakdown = Table(
            f"By {seg}, {data['breakdown'][0]['period']}",
            (seg, "value", "CI", "n"),
            [(r[seg], r["value"], (r["ci_low"], r["ci_high"]), r["n"]) for r in data["breakdown"]],
        )
        return [trend, breakdown]


def _day(value: Any) -> date:
    return date.fromisoformat(str(value)[:10]) if value else date.min
