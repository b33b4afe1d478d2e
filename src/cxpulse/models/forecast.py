"""Forecasts of a metric with prediction intervals, backtested against naive baselines.

:func:`forecast` takes the metric's complete periods (never the one still running, nor one the
range cuts) as a series and forecasts the next ones with exponential smoothing
(:mod:`cxpulse.models.smoothing`); :func:`expected_band` gives the one-step interval of a
period from the data before it, the "expected band" the insights compare a period with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cxpulse.errors import QueryError
from cxpulse.metrics import periods as calendar
from cxpulse.metrics.engine import compute
from cxpulse.metrics.money import currency_of
from cxpulse.metrics.spec import COUNT_UNITS, REGISTRY, MetricSpec
from cxpulse.models import smoothing
from cxpulse.models.errors import ShortHistoryError
from cxpulse.models.forecast_text import headline, method_note

if TYPE_CHECKING:
    from cxpulse.context import Context

NON_NEGATIVE_UNITS = frozenset(
    {"currency", "hours", "minutes", "seconds", "s", "days", "orders", "pages", "stars", "x"}
)
"""Units of metrics never below 0 (with the counts); a % or points metric may be (net MRR churn)."""
MAX_PERIODS = 36
"""Longest forecast: intervals past three years of periods say nothing useful."""


@dataclass(frozen=True)
class History:
    """The complete periods a forecast starts from."""

    starts: list[date]
    values: np.ndarray[Any, np.dtype[np.float64]]
    dropped_before: date | None
    """The first period kept when a gap (a period without a value) cut the history there."""


@dataclass(frozen=True)
class Forecast:
    metric: str
    label: str
    unit: str
    by: str
    confidence: float
    history: History
    starts: list[date]
    """The forecast periods' first days."""
    prediction: smoothing.Prediction
    season: int
    """Periods per seasonal cycle of the grain (12 months, 52 weeks...)."""
    holdout: int
    scores: list[smoothing.Score]
    best: str
    """The method with the smallest backtest error: model, naive or seasonal_naive."""
    currency: str = ""

    @property
    def last(self) -> tuple[date, float]:
        """The last complete period and its value."""
        return self.history.starts[-1], float(self.history.values[-1])

    def score(self, method: str) -> smoothing.Score:
        return next(s for s in self.scores if s.method == method)

    def headline(self, lang: str = "en") -> str:
        """One sentence: the next period's forecast, the last one's, and whether the model beat
        the baselines in the backtest (saying so when it did not)."""
        return headline(self, lang)

    def note(self, lang: str = "en") -> str:
        """How the forecast was made: the model's form, and why it is (not) seasonal."""
        return method_note(self, lang)

    def to_dict(self) -> dict[str, Any]:
        p = self.prediction
        grain = calendar.check_grain(self.by)
        return {
            "metric": self.metric,
            "label": self.label,
            "unit": self.unit,
            "by": self.by,
            "confidence": self.confidence,
            "history": [
                {"period": calendar.label(d, grain), "period_start": d.isoformat(), "value": v}
                for d, v in zip(self.history.starts, _floats(self.history.values), strict=True)
            ],
            "forecast": [
                {
                    "period": calendar.label(d, grain),
                    "period_start": d.isoformat(),
                    "value": v,
                    "low": lo,
                    "high": hi,
                }
                for d, v, lo, hi in zip(
                    self.starts, _floats(p.mean), _floats(p.low), _floats(p.high), strict=True
                )
            ],
            "model": {
                "name": "ets",
                "error": "additive",
                "trend": "additive damped" if p.trend else None,
                "seasonal": p.seasonal,
                "season_length": self.season,
            },
            "backtest": {
                "holdout": self.holdout,
                "best": self.best,
                "scores": [
                    {
                        "method": s.method,
                        "mae": _clean(s.mae),
                        "mase": _clean(s.mase),
                        "errors": s.errors,
                        "coverage": _clean(s.coverage),
                    }
                    for s in self.scores
                ],
            },
            "headline": {lang: self.headline(lang) for lang in ("en", "fr")},
            "note": {lang: self.note(lang) for lang in ("en", "fr")},
        }


@dataclass(frozen=True)
class ExpectedBand:
    """Where a period's value was expected from the periods before it (one step ahead)."""

    metric: str
    by: str
    period_start: date
    expected: float
    low: float
    high: float
    confidence: float
    seasonal: bool
    history: int
    """How many complete periods the band was fitted on."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "by": self.by,
            "period": calendar.label(self.period_start, calendar.check_grain(self.by)),
            "period_start": self.period_start.isoformat(),
            "expected": _clean(self.expected),
            "low": _clean(self.low),
            "high": _clean(self.high),
            "confidence": self.confidence,
            "seasonal": self.seasonal,
            "history": self.history,
        }


def forecast(
    ctx: Context,
    metric: str,
    *,
    by: str = "month",
    periods: int = 6,
    end: date | str | None = None,
    filters: Mapping[str, Any] | None = None,
) -> Forecast:
    """Forecast ``metric`` for the ``periods`` periods after its last complete one.

    ``end``: the last local day of history to use (default: today); the period holding it is
    left out unless ``end`` is its last day, and so is any period not over yet. ``filters`` as
    in :func:`cxpulse.metrics.engine.compute`. The backtest holds out the last
    ``max(periods, 6)`` periods; the series needs 8 more before them.
    """
    grain = _grain(by)
    if isinstance(periods, bool) or not 1 <= periods <= MAX_PERIODS:
        raise QueryError(f"periods must be between 1 and {MAX_PERIODS}, got {periods!r}")
    spec = REGISTRY.get(metric)
    season = smoothing.SEASON[grain]
    holdout = max(periods, smoothing.MIN_HOLDOUT)
    history = _history(ctx, metric, grain, end, filters)
    _need(history, holdout + smoothing.MIN_FIT, metric, grain, "a forecast")
    y = history.values
    seasonal = smoothing.is_seasonal(len(y) - holdout, season)
    confidence = ctx.settings.confidence
    bounds = value_bounds(spec)
    prediction = smoothing.predict(
        y, steps=periods, confidence=confidence, season=season, seasonal=seasonal, bounds=bounds
    )
    scores = smoothing.backtest(
        y, holdout=holdout, horizon=periods, confidence=confidence, season=season,
        seasonal=seasonal, trend=prediction.trend, start=prediction.params, bounds=bounds,
    )  # fmt: skip
    last = history.starts[-1]
    return Forecast(
        metric=metric,
        label=spec.label,
        unit=spec.unit,
        by=grain,
        confidence=confidence,
        history=history,
        starts=[calendar.shift(last, grain, k) for k in range(1, periods + 1)],
        prediction=prediction,
        season=season,
        holdout=holdout,
        scores=scores,
        best=smoothing.winner(scores),
        # as the dashboard shows money (a query: only for money)
        currency=currency_of(ctx, ctx.settings) if spec.unit == "currency" else "",
    )


def expected_band(
    ctx: Context,
    metric: str,
    period_start: date | str,
    by: str = "month",
    *,
    filters: Mapping[str, Any] | None = None,
) -> ExpectedBand:
    """The one-step prediction interval of the period starting on ``period_start`` (a day
    inside it works too), fitted on the complete periods before it: the band its value fell in
    or out of. Seasonal when those periods hold two full cycles."""
    grain = _grain(by)
    day = calendar.parse_day(period_start, "period_start")
    assert day is not None
    first = calendar.floor_date(calendar.check_in_range(day, "period_start"), grain)
    spec = REGISTRY.get(metric)  # an unknown name fails here, before any query
    history = _history(ctx, metric, grain, first - timedelta(days=1), filters)
    if history.starts and calendar.shift(history.starts[-1], grain, 1) != first:
        # the period right before is missing: a band from older data would not be one step
        raise ShortHistoryError(
            f"{metric} has no value for the {grain} before {calendar.label(first, grain)}: no "
            "expected band without it"
        )
    _need(history, smoothing.MIN_FIT, metric, grain, "an expected band")
    season = smoothing.SEASON[grain]
    seasonal = smoothing.is_seasonal(len(history.values), season)
    p = smoothing.predict(
        history.values, steps=1, confidence=ctx.settings.confidence, season=season,
        seasonal=seasonal, bounds=value_bounds(spec),
    )  # fmt: skip
    return ExpectedBand(
        metric=metric,
        by=grain,
        period_start=first,
        expected=float(p.mean[0]),
        low=float(p.low[0]),
        high=float(p.high[0]),
        confidence=ctx.settings.confidence,
        seasonal=seasonal,
        history=len(history.values),
    )


def value_bounds(spec: MetricSpec) -> smoothing.Bounds:
    """The values the metric can take: NPS between -100 and 100, a share between 0 and 100 %,
    counts, money and durations from 0."""
    var = spec.default
    if var.kind == "nps":
        return (-var.multiplier, var.multiplier)
    if var.kind == "share":
        return (0.0, var.multiplier)
    if spec.unit in COUNT_UNITS or spec.unit in NON_NEGATIVE_UNITS:
        return (0.0, np.inf)
    return smoothing.UNBOUNDED


def _grain(by: str) -> calendar.Grain:
    grain = calendar.check_grain(by)
    if grain == "all":
        raise QueryError("a forecast needs periods: use day, week, month, quarter or year")
    return grain


def _history(
    ctx: Context,
    metric: str,
    grain: calendar.Grain,
    end: date | str | None,
    filters: Mapping[str, Any] | None,
) -> History:
    """The metric's complete periods up to ``end``, the last run without a gap."""
    end_d = calendar.parse_day(end, "end") or datetime.now(ctx.settings.zone).date()
    calendar.check_in_range(end_d, "end")
    df = compute(ctx, metric, by=grain, end=end_d, filters=filters)
    if df.empty:
        return History([], np.array([], dtype=float), None)
    df = df[~df["partial"].astype(bool) & df["value"].notna()]
    starts = [d.date() if isinstance(d, datetime) else d for d in df["period_start"]]
    values = df["value"].to_numpy(float)
    # the series must be regular: keep the periods after the last missing one
    cut = 0
    for i in range(1, len(starts)):
        if calendar.shift(starts[i - 1], grain, 1) != starts[i]:
            cut = i
    after_gap = starts[cut] if cut else None
    first = _first_day(ctx, REGISTRY.get(metric))
    if cut < len(starts) and first is not None and starts[cut] < first:
        # the data begin inside this period: it holds part of it only (the demo starting on
        # a Sunday made its first week one day of tickets), so it starts no forecast
        cut += 1
    return History(starts[cut:], values[cut:], after_gap)


def _first_day(ctx: Context, spec: MetricSpec) -> date | None:
    """The local day of the metric's table's first row (None when it is empty)."""
    t = ctx.table(spec.table)
    first = t[spec.time_column].min().execute()
    if first is None or pd.isna(first):
        return None
    moment = pd.Timestamp(first).to_pydatetime().replace(tzinfo=UTC)
    return moment.astimezone(ctx.settings.zone).date()


def _need(history: History, needed: int, metric: str, grain: calendar.Grain, what: str) -> None:
    have = len(history.starts)
    if have >= needed:
        return
    found = "none"
    if have:
        since, until = (calendar.label(history.starts[i], grain) for i in (0, -1))
        found = f"{have} ({since} to {until}{', after a gap' if history.dropped_before else ''})"
    raise ShortHistoryError(
        f"{what} of {metric} by {grain} needs at least {needed} complete {grain}s without a "
        f"gap; there are {found}"
    )


def _clean(x: float | None) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def _floats(values: Any) -> list[float | None]:
    return [_clean(float(v)) for v in values]
