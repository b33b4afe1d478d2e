"""Pages of one metric family each (support, website, social, loyalty): a card per metric (last
complete period, change, interval, target) and its trend with the interval band.

A family is the metrics whose :attr:`MetricSpec.table` is the family's table, in registry order.
Each metric costs one engine call (through :func:`queries.metric_rows`, so the trend the page
draws and the card it shows come from the same cached rows), and the whole page's data is cached
again under every option it depends on, so a warm page is one cache lookup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from cxpulse.accounts.users import Permission
from cxpulse.errors import CxpulseError, QueryError
from cxpulse.metrics import periods
from cxpulse.metrics.spec import REGISTRY
from cxpulse.web import queries
from cxpulse.web.render import page
from cxpulse.web.security import Principal, require
from cxpulse.web.state import WebState, get_state

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(require(Permission.read))]
State = Annotated[WebState, Depends(get_state)]
GRAINS = ("week", "month", "quarter", "year")
EARLIEST, LATEST = date(1970, 1, 1), date(2199, 12, 31)
FromParam = Annotated[str | None, Query(alias="from", description="first day (local), ISO")]
ToParam = Annotated[str | None, Query(alias="to", description="last day (local), ISO")]


@dataclass(frozen=True)
class Family:
    slug: str
    title: str
    table: str
    intro: str


FAMILIES: dict[str, Family] = {
    f.slug: f
    for f in (
        Family("support", "Support", "tickets", "Tickets: speed, resolution and volume."),
        Family("website", "Website", "web_events", "Sessions and pages of the website."),
        Family("social", "Social", "mentions", "Mentions and reviews on social platforms."),
        Family("loyalty", "Loyalty", "loyalty_ledger", "The loyalty programme's points."),
    )
}


def family_metrics(table: str) -> tuple[str, ...]:
    return tuple(spec.name for spec in REGISTRY if spec.table == table)


# -- shared by every dashboard page --------------------------------------------------------------
@dataclass(frozen=True)
class Range:
    """The periods a dashboard page shows: ``by`` grain, local days ``start``..``end``.

    Without ``to`` the range stops at the end of the last complete period before today (the
    scorecard's rule), so the last point of a trend is never a half-finished month.
    """

    by: str
    start: date | None
    end: date
    today: date

    def params(self) -> list[tuple[str, str]]:
        out = [("by", self.by)]
        if self.start:
            out.append(("from", self.start.isoformat()))
        out.append(("to", self.end.isoformat()))
        return out


today = queries.local_today  # the server's clock in the workspace's zone


def page_range(state: WebState, by: str, from_: str | None, to: str | None) -> Range:
    if by not in GRAINS:
        raise QueryError(f"unknown period {by!r}; use one of: {', '.join(GRAINS)}")
    day = today(state)
    start = periods.parse_day(from_ or None, "from")
    end = periods.parse_day(to or None, "to")
    if end is None:
        end = periods.floor_date(day, periods.check_grain(by)) - timedelta(days=1)
    if start and end < start:
        raise QueryError(f"the range ends ({end}) before it starts ({start})")
    for bound in (start, end):
        # the engine walks the calendar period by period: a typo like 0202-01-01 would be slow
        if bound and not EARLIEST <= bound <= LATEST:
            raise QueryError(
                f"{bound} is outside the dates a dashboard shows ({EARLIEST}..{LATEST})"
            )
    return Range(by, start, end, day)


def card(name: str, rows: list[dict[str, Any]], by: str, target: float | None) -> dict[str, Any]:
    """The scorecard's view of one metric: its last period against the previous one."""
    spec = REGISTRY.get(name)
    last = rows[-1] if rows else {}
    previous: dict[str, Any] = {}
    if last:
        prev_start = periods.shift(
            date.fromisoformat(last["period_start"]), periods.check_grain(by), -1
        ).isoformat()
        previous = next((r for r in rows if r["period_start"] == prev_start), {})
    value = last.get("value")
    meets = None
    if value is not None and target is not None:
        meets = value >= target if spec.higher_is_better else value <= target
    return {
        "metric": name,
        "label": spec.label,
        "unit": spec.unit,
        "higher_is_better": spec.higher_is_better,
        "definition": f"{name} (default): {spec.default.definition}",
        "period": last.get("period"),
        "value": value,
        "previous_period": previous.get("period"),
        "previous": previous.get("value"),
        "change": last.get("change"),
        "significant": bool(last.get("significant", False)),
        "ci_low": last.get("ci_low"),
        "ci_high": last.get("ci_high"),
        "n": int(last.get("n") or 0),
        "low_n": bool(last.get("low_n", False)),
        "target": target,
        "meets_target": meets,
    }


def trend_chart(rows: list[dict[str, Any]], unit: str) -> dict[str, Any]:
    """The ``trend`` renderer's input (app.js): value and confidence band by period; a period
    not over yet is left out (its few answers would make the line dive or soar)."""
    rows = [r for r in rows if not r.get("partial")]
    return {
        "unit": unit,
        "periods": [r["period"] for r in rows],
        "value": [r["value"] for r in rows],
        "low": [r["ci_low"] for r in rows],
        "high": [r["ci_high"] for r in rows],
        "n": [r["n"] for r in rows],
    }


def metric_block(
    state: WebState, names: tuple[str, ...], rng: Range, filters: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Cards and trends of ``names`` over ``rng``; a metric that cannot be computed (e.g. CAC
    without acquisition costs) is reported in ``problems`` instead of failing the page."""
    targets = state.ws.settings.targets
    cards, trends, problems = [], {}, {}
    for name in names:
        q = queries.MetricQuery(name, rng.by, (), None, rng.start, rng.end, filters)
        try:
            rows = queries.metric_rows(state, q)
        except CxpulseError as exc:
            problems[name] = str(exc)
            continue
        cards.append(card(name, rows, rng.by, targets.get(name)))
        trends[name] = trend_chart(rows, REGISTRY.get(name).unit)
    return {"cards": cards, "trends": trends, "problems": problems}


def header(rng: Range) -> dict[str, Any]:
    return {
        "by": rng.by,
        "from": rng.start.isoformat() if rng.start else None,
        "to": rng.end.isoformat(),
        "as_of": rng.today.isoformat(),
    }


# -- the family pages -----------------------------------------------------------------------------
def family_data(state: WebState, slug: str, rng: Range) -> dict[str, Any]:
    fam = FAMILIES[slug]
    names = family_metrics(fam.table)

    def compute() -> dict[str, Any]:
        data = header(rng) | {"page": slug, "table": fam.table}
        # the page's metrics share what they derive alike (the website's sessions): the
        # reader is this thread's, so the metric lookups below run on the same workspace
        with state.reader() as ws, ws.sharing():
            data |= metric_block(state, names, rng)
            if slug == "website":
                data["problem_pages"] = problem_pages_data(state, rng, "exit_rate")
        return data

    # the outer entry makes a warm page one lookup; the metric rows stay cached one by one,
    # shared with the scorecard and metric pages
    result: dict[str, Any] = state.cache.get_or_compute(("family", slug, rng), compute)
    return result


def problem_pages_data(state: WebState, rng: Range, rate: str, top: int = 15) -> dict[str, Any]:
    """The problem-pages report (:func:`cxpulse.metrics.pages.problem_pages`) of the page's
    range, or of its last period when the range has no start; the ``top`` rows."""
    from cxpulse.metrics.pages import problem_pages
    from cxpulse.records import clean

    # the last period of the range unless the user chose a start: sessionising every hit of
    # the history again (after the trends did) is what makes a cold website page slow
    start = rng.start or periods.floor_date(rng.end, periods.check_grain(rng.by))

    def compute(ws: Any) -> dict[str, Any]:
        report = problem_pages(ws, metric=rate, start=start, end=rng.end).to_dict()
        report["from"], report["to"] = start.isoformat(), rng.end.isoformat()
        report["pages"] = report["pages"][:top] if top else report["pages"]
        result: dict[str, Any] = clean(report)
        return result

    result: dict[str, Any] = state.cached(("problem_pages", rate, rng, top), compute)
    return result


def family_json(state: WebState, slug: str, by: str, from_: str | None, to: str | None) -> Any:
    return family_data(state, slug, page_range(state, by, from_, to))


def _family_page(
    request: Request,
    principal: Principal,
    state: WebState,
    slug: str,
    by: str,
    from_: str | None,
    to: str | None,
) -> Response:
    rng = page_range(state, by, from_, to)
    data = family_data(state, slug, rng)
    fam = FAMILIES[slug]
    return page(
        request,
        "family.html",
        principal,
        family=fam,
        data=data,
        rng=rng,
        grains=GRAINS,
        json_url=f"/api/v1/dashboard/{slug}?{urlencode(rng.params())}",
    )


@router.get("/support", response_class=HTMLResponse)
def support_page(
    request: Request,
    principal: Reader,
    state: State,
    by: str = "month",
    from_: FromParam = None,
    to: ToParam = None,
) -> Response:
    return _family_page(request, principal, state, "support", by, from_, to)


@router.get("/website", response_class=HTMLResponse)
def website_page(
    request: Request,
    principal: Reader,
    state: State,
    by: str = "month",
    from_: FromParam = None,
    to: ToParam = None,
) -> Response:
    return _family_page(request, principal, state, "website", by, from_, to)


@router.get("/social", response_class=HTMLResponse)
def social_page(
    request: Request,
    principal: Reader,
    state: State,
    by: str = "month",
    from_: FromParam = None,
    to: ToParam = None,
) -> Response:
    return _family_page(request, principal, state, "social", by, from_, to)


@router.get("/loyalty", response_class=HTMLResponse)
def loyalty_page(
    request: Request,
    principal: Reader,
    state: State,
    by: str = "month",
    from_: FromParam = None,
    to: ToParam = None,
) -> Response:
    return _family_page(request, principal, state, "loyalty", by, from_, to)
