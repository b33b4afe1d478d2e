"""What the dashboard reports are made of: the range of periods they show, a metric's card
(last complete period against the previous one) and trend chart, and the headline table a
terminal shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from cxpulse.errors import CxpulseError, QueryError
from cxpulse.metrics import periods
from cxpulse.metrics.spec import COUNT_UNITS, REGISTRY
from cxpulse.reports import queries
from cxpulse.reports.base import Params, Table
from cxpulse.reports.context import ReportContext

GRAINS = ("week", "month", "quarter", "year")
EARLIEST, LATEST = date(1970, 1, 1), date(2199, 12, 31)
# How many periods a page's trends show when no ``from`` is asked: a year and the month a
# year before (to see the season) by month, half a year by week... Reading the whole history
# to draw these made a cold website page sessionise two years of hits to show one.
SHOWN_PERIODS = {"day": 31, "week": 26, "month": 13, "quarter": 8, "year": 5}


def window_start(by: str, last: date) -> date | None:
    """The first day of the default window: :data:`SHOWN_PERIODS` periods of ``by`` ending
    with the one holding ``last``; ``None`` (no bound) for a grain without one ("all")."""
    if by not in SHOWN_PERIODS:
        return None
    grain = periods.check_grain(by)
    return periods.shift(periods.floor_date(last, grain), grain, -(SHOWN_PERIODS[by] - 1))


@dataclass(frozen=True)
class Range:
    """The periods a dashboard page shows: ``by`` grain, local days ``start``..``end``.

    Without ``to`` the range stops at the end of the last complete period before today (the
    scorecard's rule), so the last point of a trend is never a half-finished month. Without
    ``from`` (``start`` None) the trends show the :data:`SHOWN_PERIODS` periods up to ``end``
    (:attr:`first`), and only those (with the periods they are compared with) are computed.
    """

    by: str
    start: date | None
    end: date
    today: date

    @property
    def first(self) -> date:
        """The first day the page's trends show: ``start``, else the default window's."""
        return self.start or window_start(self.by, self.end) or self.end

    def params(self) -> list[tuple[str, str]]:
        out = [("by", self.by)]
        if self.start:
            out.append(("from", self.start.isoformat()))
        out.append(("to", self.end.isoformat()))
        return out


def page_range(ctx: ReportContext, by: str, from_: str | None, to: str | None) -> Range:
    if by not in GRAINS:
        raise QueryError(f"unknown period {by!r}; use one of: {', '.join(GRAINS)}")
    day = ctx.today()
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


def params_range(ctx: ReportContext, params: Params) -> Range:
    """The range of a report's ``by``, ``from`` and ``to`` parameters."""
    return page_range(ctx, params["by"], params.get("from"), params.get("to"))


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
    ctx: ReportContext, names: tuple[str, ...], rng: Range, filters: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Cards and trends of ``names`` over ``rng``; a metric that cannot be computed (e.g. CAC
    without acquisition costs) is reported in ``problems`` instead of failing the page."""
    targets = ctx.settings.targets
    cards, trends, problems = [], {}, {}
    for name in names:
        q = queries.MetricQuery(name, rng.by, (), None, rng.first, rng.end, filters)
        try:
            rows = queries.metric_rows(ctx, q)
        except CxpulseError as exc:
            problems[name] = str(exc)
            continue
        cards.append(card(name, rows, rng.by, targets.get(name)))
        trends[name] = trend_chart(rows, REGISTRY.get(name).unit)
    return {"cards": cards, "trends": trends, "problems": problems}


def header(rng: Range) -> dict[str, Any]:
    return {
        "by": rng.by,
        "from": rng.first.isoformat(),
        "to": rng.end.isoformat(),
        "as_of": rng.today.isoformat(),
    }


def cards_table(title: str, cards: list[dict[str, Any]], notes: tuple[str, ...] = ()) -> Table:
    """Metric cards (or scorecard rows, which have the same keys) as one table."""
    rows = [
        (
            c["metric"],
            c["unit"],
            c["period"],
            *(_whole(c[k], c["unit"]) for k in ("value", "previous", "change")),
            (c["ci_low"], c["ci_high"]),
            c["n"],
            c["target"],
        )
        for c in cards
    ]
    columns = ("metric", "unit", "period", "last", "prev", "change", "CI", "n", "target")
    return Table(title, columns, rows, notes)


def _whole(value: Any, unit: str) -> Any:
    """A count as a whole number ("1,450 tickets", not "1,450.0")."""
    return round(value) if unit in COUNT_UNITS and isinstance(value, float) else value


def range_cards_table(title: str, data: dict[str, Any]) -> Table:
    """A dashboard report's cards, titled with its range; metrics it could not compute as
    notes."""
    notes = tuple(f"{name}: {why}" for name, why in data.get("problems", {}).items())
    span = f"{data['from']} to {data['to']}"
    return cards_table(f"{title} by {data['by']}, {span}", data["cards"], notes)
