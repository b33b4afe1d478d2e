"""BG/NBD: repeat purchases in continuous time with drop-out after each purchase.

Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way: An Alternative to the
Pareto/NBD Model", Marketing Science 24(2), 275-284 (FHL below). While alive a customer buys
at a Poisson rate lambda ~ Gamma(r, alpha); after each repeat purchase they drop out with
probability p ~ Beta(a, b).
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
import pandas as pd
from scipy.special import digamma, expit, gammaln, hyp2f1

from cxpulse.models._base import FittedModel, compress
from cxpulse.models._fit import FloatArray
from cxpulse.models._inputs import as_float, history, rfm_arrays


class _Data:
    """frequency, recency, T, with the terms that depend on frequency only computed once."""

    def __init__(self, x: FloatArray, tx: FloatArray, T: FloatArray) -> None:
        self.x, self.tx, self.T = x, tx, T
        self.xu, self.inv = np.unique(x, return_inverse=True)
        self.repeat = x > 0

    def per_x(self, values: FloatArray) -> FloatArray:
        return values[self.inv]


def _terms(theta: FloatArray, d: _Data) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Log-likelihood (FHL section 4) and the pieces its derivatives reuse.

    L = B(a, b+x)/B(a, b) Gamma(r+x) alpha^r / (Gamma(r) (alpha+T)^(r+x))
        + [x > 0] B(a+1, b+x-1)/B(a, b) Gamma(r+x) alpha^r / (Gamma(r) (alpha+t_x)^(r+x))
    The first branch is "still alive at T", the second "dropped out after the last purchase";
    ``odds`` is the log ratio second/first, so ln L = first + log(1 + e^odds), computed without
    ever forming the -inf of the missing second branch when x = 0.
    """
    r, alpha, a, b = theta
    xu = d.xu
    log_at, log_atx = np.log(alpha + d.T), np.log(alpha + d.tx)
    first = d.per_x(
        gammaln(r + xu)
        - gammaln(r)
        + gammaln(a + b)
        + gammaln(b + xu)
        - gammaln(b)
        - gammaln(a + b + xu)
    ) + (r * np.log(alpha) - (r + d.x) * log_at)
    # B(a+1, b+x-1)/B(a, b+x) = a/(b+x-1)
    odds = d.per_x(np.log(a) - np.log(b + np.maximum(xu, 1) - 1)) + (r + d.x) * (log_at - log_atx)
    ll = first + np.where(d.repeat, np.logaddexp(0.0, odds), 0.0)
    gone = np.where(d.repeat, expit(odds), 0.0)  # posterior probability of the second branch
    return ll, gone, log_at - log_atx


def log_likelihood(theta: FloatArray, d: _Data) -> FloatArray:
    return _terms(theta, d)[0]


def score(theta: FloatArray, d: _Data) -> tuple[FloatArray, list[FloatArray]]:
    """Log-likelihood and its partial derivatives in (r, alpha, a, b), per row."""
    r, alpha, a, b = theta
    ll, w, log_ratio = _terms(theta, d)
    xu = d.xu
    d_r = d.per_x(digamma(r + xu) - digamma(r)) + (np.log(alpha) - np.log(alpha + d.T))
    d_r += w * log_ratio
    inv_at = 1.0 / (alpha + d.T)
    d_alpha = r / alpha - (r + d.x) * (inv_at + w * (1.0 / (alpha + d.tx) - inv_at))
    shared = digamma(a + b) - digamma(a + b + xu)
    d_a = d.per_x(shared) + w / a
    d_b = d.per_x(shared + digamma(b + xu) - digamma(b)) - w * d.per_x(
        1.0 / (b + np.maximum(xu, 1) - 1)
    )
    return ll, [d_r, d_alpha, d_a, d_b]


class BetaGeo(FittedModel):
    """BG/NBD model (Fader, Hardie & Lee 2005).

    >>> model = BetaGeo().fit(summary)          # columns frequency, recency, T
    >>> model.params_                           # r, alpha, a, b
    >>> model.predict(4, summary.frequency, summary.recency, summary["T"])  # not summary.T!

    Time is in whatever unit recency and T are in (weeks with ``rfm_summary(freq="W")``);
    ``alpha`` and every ``t`` share that unit.
    """

    param_names = ("r", "alpha", "a", "b")
    hints = (
        "rescale time: if recency and T are in days, use weeks (rfm_summary(..., freq='W'))",
        "if a or b ran to 0 or infinity, drop-out is not identified: a Pareto/NBD model, or a "
        "longer calibration period, may fit better",
    )

    def fit(
        self,
        df: pd.DataFrame,
        frequency_col: str = "frequency",
        recency_col: str = "recency",
        T_col: str = "T",
        weights_col: str | None = None,
    ) -> Self:
        """Fit by maximum likelihood; one row per customer (or per pattern, with weights)."""
        x, tx, T, w = rfm_arrays(df, frequency_col, recency_col, T_col, weights_col)
        (x, tx, T), w = compress((x, tx, T), w)
        # rescale time so the oldest customer has T = 1 (as lifetimes): alpha becomes O(1)
        scale = 1.0 / float(T.max())
        data, scaled = _Data(x, tx, T), _Data(x, tx * scale, T * scale)
        self._fit_mle(
            lambda th: log_likelihood(th, scaled),
            lambda th: log_likelihood(th, data),
            w,
            units=np.array([1.0, scale, 1.0, 1.0]),
            scaled_score=lambda th: score(th, scaled),
        )
        return self

    def conditional_probability_alive(self, frequency: Any, recency: Any, T: Any) -> FloatArray:
        """P(alive at T | x, t_x, T) (Fader, Hardie & Lee, note 021); 1 when x = 0.

        1 / (1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)).
        """
        r, alpha, a, b = self._params()
        x, tx, age = history(frequency, recency, T)
        log_odds_gone = np.log(a) - np.log(b + np.maximum(x, 1) - 1)
        log_odds_gone = log_odds_gone + (r + x) * np.log((alpha + age) / (alpha + tx))
        return np.asarray(np.where(x > 0, expit(-log_odds_gone), 1.0), dtype=np.float64)

    def conditional_expected_number_of_purchases_up_to_time(
        self, t: Any, frequency: Any, recency: Any, T: Any
    ) -> FloatArray:
        """E[Y(t) | x, t_x, T]: expected repeat purchases in (T, T + t] (FHL eq. 10)."""
        _, _, a, b = self._params()
        x, tx, age = history(frequency, recency, T)
        horizon = as_float(t, "t")
        growth = self._bracket(horizon, x, age)
        return np.asarray(
            (a + b + x - 1) / (a - 1) * growth * self.conditional_probability_alive(x, tx, age),
            dtype=np.float64,
        )

    def predict(self, t: Any, frequency: Any, recency: Any, T: Any) -> FloatArray:
        """Short name of :meth:`conditional_expected_number_of_purchases_up_to_time`."""
        return self.conditional_expected_number_of_purchases_up_to_time(t, frequency, recency, T)

    def expected_number_of_purchases_up_to_time(self, t: Any) -> FloatArray:
        """E[X(t)] for a new customer (FHL eq. 9): eq. 10 with x = t_x = T = 0."""
        _, _, a, b = self._params()
        horizon = as_float(t, "t")
        zero = np.zeros_like(horizon)
        return np.asarray((a + b - 1) / (a - 1) * self._bracket(horizon, zero, zero))

    def _bracket(self, t: FloatArray, x: FloatArray, age: FloatArray) -> FloatArray:
        """1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t)).

        Written with Euler's transformation (Abramowitz & Stegun 15.3.3; Fader & Hardie's note
        027 "Overcoming the BG/NBD model's #NUM! error problem" uses the same idea) as
        1 - (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z): the large frequency x then appears only
        in the third argument, where it speeds convergence instead of overflowing the series.
        """
        r, alpha, a, b = self._params()
        z = t / (alpha + age + t)
        log_kept = np.log((alpha + age) / (alpha + age + t))
        series = hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)
        return np.asarray(-np.expm1((a - 1) * log_kept + np.log(series)), dtype=np.float64)
