"""The website report: sessions and pages, and the problem pages (pages whose exit rate is
abnormally high for their traffic, :func:`cxpulse.metrics.pages.problem_pages`)."""

from __future__ import annotations

from typing import Any

from cxpulse.metrics import periods
from cxpulse.records import clean
from cxpulse.reports.base import Table
from cxpulse.reports.blocks import Range
from cxpulse.reports.context import ReportContext
from cxpulse.reports.family import Family
from cxpulse.workspace import Workspace


class Website(Family):
    name = "website"
    title = "Website"
    table = "web_events"
    intro = "Sessions and pages of the website."
    summary = "Website: cards and trends of the web_events metrics"
    warm_rank = 2  # sessionises the window's web hits: the slowest page, warmed after the others

    @classmethod
    def extra(cls, ctx: ReportContext, rng: Range) -> dict[str, Any]:
        return {"problem_pages": problem_pages_data(ctx, rng, "exit_rate")}

    @classmethod
    def tables(cls, data: dict[str, Any]) -> list[Table]:
        pp = data["problem_pages"]
        pages = Table(
            f"Problem pages {pp['from']} to {pp['to']} (site rate {pp['site_rate']})",
            ("#", "page", "views", "exit rate", "CI", "excess", "flagged"),
            [
                (
                    r["rank"] or "",
                    r["page"],
                    r["views"],
                    r["rate"],
                    (r["ci_low"], r["ci_high"]),
                    r["excess"],
                    "yes" if r["flagged"] else "no",
                )
                for r in pp["pages"]
            ],
        )
        return [*super().tables(data), pages]


def problem_pages_data(ctx: ReportContext, rng: Range, rate: str, top: int = 15) -> dict[str, Any]:
    """The problem-pages report of the range, or of its last period when the range has no
    start; the ``top`` rows."""
    from cxpulse.metrics.pages import problem_pages

    # the last period of the range unless the user chose a start: sessionising every hit of
    # the history again (after the trends did) is what makes a cold website page slow
    start = rng.start or periods.floor_date(rng.end, periods.check_grain(rng.by))

    def compute(ws: Workspace) -> dict[str, Any]:
        report = problem_pages(ws, metric=rate, start=start, end=rng.end).to_dict()
        report["from"], report["to"] = start.isoformat(), rng.end.isoformat()
        report["pages"] = report["pages"][:top] if top else report["pages"]
        result: dict[str, Any] = clean(report)
        return result

    result: dict[str, Any] = ctx.cached(("problem_pages", rate, rng, top), compute)
    return result
