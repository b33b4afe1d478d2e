"""Exponential smoothing of one regular series, with prediction intervals and a backtest.

The model is statsmodels' ETS state-space model with additive errors (NPS and changes can be
negative, so no multiplicative forms): level only, or level with a damped trend (an undamped
trend extrapolated six months ahead overshoots on short CX series), plus an additive season
when the series is long enough. The trend is chosen by AICc; the intervals are the model's
analytic ones (Hyndman et al. 2008, ch. 6), at the workspace confidence.

The backtest refits the chosen form at each origin of the holdout (rolling origin) and scores it
against two baselines a reader would use without a model: the last value (naive) and the value
one season before (seasonal naive). MASE divides each mean absolute error by the series' mean
absolute one-period change before the holdout (Hyndman & Koehler 2006, m = 1): below 1 beats
the in-sample naive forecast; all three share the scale, so MASE ranks them as MAE does.

statsmodels is imported inside the functions: `cxpulse --help` and `cxpulse metric` never
load it (it takes seconds to import).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # _fit loads scipy.optimize, which forecasting does not use
    from cxpulse.models._fit import FloatArray

SEASON = {"day": 7, "week": 52, "month": 12, "quarter": 4, "year": 1}
"""Periods per seasonal cycle for each grain (a year; a week for days)."""
MIN_FIT = 8
"""Periods a fit needs at least: level, damped trend and the noise make five parameters."""
MIN_HOLDOUT = 6
"""Origins of the backtest at least: fewer errors say little about which method wins."""
METHODS = ("model", "naive", "seasonal_naive")
Bounds = tuple[float, float]
UNBOUNDED: Bounds = (-np.inf, np.inf)


@dataclass(frozen=True)
class Prediction:
    """A fitted model's forecast of the ``steps`` periods after the series."""

    mean: FloatArray
    low: FloatArray
    high: FloatArray
    trend: bool
    """Whether the chosen form has a (damped) trend."""
    seasonal: bool
    params: FloatArray
    """The fitted parameters (smoothing weights, initial states), to start refits from."""


@dataclass(frozen=True)
class Score:
    """One method's backtest errors (None when it cannot forecast this series)."""

    method: str
    mae: float | None
    mase: float | None
    errors: int
    coverage: float | None = None
    """The model's only: share of held-out values inside their prediction interval."""


def is_seasonal(n_fit: int, season: int) -> bool:
    """A season is fitted only when the data before the holdout hold two full cycles: fewer
    cannot tell a seasonal pattern from noise (each seasonal state is seen once)."""
    return season > 1 and n_fit >= 2 * season


def predict(
    y: FloatArray,
    *,
    steps: int,
    confidence: float,
    season: int,
    seasonal: bool,
    trend: bool | None = None,
    start: FloatArray | None = None,
    bounds: Bounds = UNBOUNDED,
) -> Prediction:
    """Fit the series and forecast ``steps`` periods with intervals; ``trend`` None chooses a
    damped trend or none by AICc, True or False imposes it (the backtest refits the form the
    whole series chose, ``start``ing from its parameters: a third of the optimiser's steps,
    the same optimum, measured). Forecasts and intervals are cut to ``bounds``: a churn rate's
    interval ending at -0.4 % would be read as a forecast of it."""
    forms = (False, True) if trend is None else (trend,)
    best = None
    for with_trend in forms:
        res = _fit(y, with_trend, season if seasonal else 0, start)
        aicc = float(res.aicc) if np.isfinite(res.aicc) else np.inf
        if best is None or aicc < best[0]:
            best = (aicc, with_trend, res)
    assert best is not None
    _, with_trend, res = best
    n = len(y)
    frame = res.get_prediction(start=n, end=n + steps - 1).summary_frame(alpha=1 - confidence)
    mean = frame["mean"].to_numpy(float)
    half = (frame["pi_upper"].to_numpy(float) - frame["pi_lower"].to_numpy(float)) / 2
    half *= _small_sample(n, len(res.params), confidence)
    params = np.asarray(res.params, dtype=float)
    low, high = bounds
    return Prediction(
        np.clip(mean, low, high), np.clip(mean - half, low, high), np.clip(mean + half, low, high),
        with_trend, seasonal, params,
    )  # fmt: skip


def _small_sample(n: int, k: int, confidence: float) -> float:
    """How much to widen the model's intervals for its estimated parameters: its variance is
    the maximum-likelihood SSE / n and its quantile the normal's; with k of the n points spent
    on parameters, SSE / (n - k) and Student's t on n - k degrees of freedom, as a regression's
    prediction interval. Without it, 24-month trend series fell in their 95 % intervals 84 %
    of the time (measured, tests/models/test_smoothing.py); with it, 91 % (95 % when
    forced to the level-only form: the damped trend AICc picks bends a straight line)."""
    from scipy.stats import norm, t

    df = max(n - k, 1)
    q = 0.5 + confidence / 2
    return float(np.sqrt(n / df) * t.ppf(q, df) / norm.ppf(q))


def _fit(y: FloatArray, trend: bool, season: int, start: FloatArray | None) -> Any:
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    # statsmodels 0.15 needs an indexed series to build its prediction frame
    series = pd.Series(np.asarray(y, dtype=float))
    model = ETSModel(
        series,
        error="add",
        trend="add" if trend else None,
        damped_trend=trend,
        seasonal="add" if season else None,
        seasonal_periods=season or None,
    )
    with warnings.catch_warnings():
        # short series often end the optimiser at a bound (alpha = 1): the fit is still the
        # best in the bounds, and the backtest, not a warning, says how good it is
        warnings.simplefilter("ignore")
        return model.fit(disp=False, start_params=start)  # an ETSResults


def naive(y: FloatArray, origin: int, steps: int) -> FloatArray:
    """The last value before ``origin``, for each of ``steps`` periods."""
    return np.full(steps, float(y[origin - 1]))


def seasonal_naive(y: FloatArray, origin: int, steps: int, season: int) -> FloatArray:
    """Each period's value one cycle before (the last cycle before ``origin``, repeated)."""
    last_cycle = y[origin - season : origin]
    return np.array([float(last_cycle[j % season]) for j in range(steps)])


def backtest(
    y: FloatArray,
    *,
    holdout: int,
    horizon: int,
    confidence: float,
    season: int,
    seasonal: bool,
    trend: bool,
    start: FloatArray | None = None,
    bounds: Bounds = UNBOUNDED,
) -> list[Score]:
    """Forecast from each origin in the last ``holdout`` periods, 1 to ``horizon`` steps ahead
    (as far as the data go), with the model and both baselines; their pooled errors."""
    n = len(y)
    first = n - holdout
    scale = float(np.mean(np.abs(np.diff(y[:first])))) if first >= 2 else 0.0
    errors: dict[str, list[float]] = {m: [] for m in METHODS}
    inside: list[bool] = []
    can_seasonal = season > 1 and first >= season
    for origin in range(first, n):
        steps = min(horizon, n - origin)
        actual = y[origin : origin + steps]
        fit = predict(y[:origin], steps=steps, confidence=confidence, season=season,
                      seasonal=seasonal, trend=trend, start=start, bounds=bounds)  # fmt: skip
        errors["model"].extend(np.abs(fit.mean - actual))
        inside.extend((fit.low <= actual) & (actual <= fit.high))
        errors["naive"].extend(np.abs(naive(y, origin, steps) - actual))
        if can_seasonal:
            errors["seasonal_naive"].extend(
                np.abs(seasonal_naive(y, origin, steps, season) - actual)
            )
    scores = []
    for method, errs in errors.items():
        mae = float(np.mean(errs)) if errs else None
        mase = mae / scale if mae is not None and scale > 0 else None
        coverage = float(np.mean(inside)) if method == "model" and inside else None
        scores.append(Score(method, mae, mase, len(errs), coverage))
    return scores


def winner(scores: list[Score]) -> str:
    """The method with the smallest backtest MAE (the model on a tie: it also gives intervals)."""
    known = [s for s in scores if s.mae is not None]
    return min(known, key=lambda s: (s.mae, s.method != "model")).method
