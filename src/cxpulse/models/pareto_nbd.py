"""Pareto/NBD: repeat purchases in continuous time with an unobserved exponential lifetime.

Schmittlein, Morrison & Colombo (1987), "Counting Your Customers: Who Are They and What Will
They Do Next?", Management Science 33(1). Likelihood and predictions as derived in Fader &
Hardie (2005), "A Note on Deriving the Pareto/NBD Model and Related Expressions" (note 009,
"FH" below). While alive a customer buys at rate lambda ~ Gamma(r, alpha); the lifetime is
exponential with rate mu ~ Gamma(s, beta).
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
import pandas as pd
from scipy.special import expit, gammaln, hyp2f1

from cxpulse.models._base import FittedModel, compress
from cxpulse.models._fit import FloatArray
from cxpulse.models._inputs import as_float, history, rfm_arrays


def _log_a0(
    theta: FloatArray | tuple[float, ...], x: FloatArray, tx: FloatArray, T: FloatArray
) -> FloatArray:
    """ln A0 of FH section 3, the "died between t_x and T" part of the likelihood.

    A0 = F(t_x) - F(T) with F(u) = 2F1(r+s+x, b2; r+s+x+1; |alpha-beta|/(m+u)) / (m+u)^(r+s+x),
    m = max(alpha, beta), b2 = s+1 if alpha >= beta else r+x (FH's two cases; the choice keeps
    the argument in [0, 1)). Two things keep it stable where the textbook form overflows:
    Euler's transformation (Abramowitz & Stegun 15.3.3) turns 2F1(a, b2; a+1; z) into
    (1-z)^(1-b2) 2F1(1, a+1-b2; a+1; z), whose series has bounded terms for any frequency;
    and the difference F(t_x) - F(T) is taken in log space with expm1, exact when t_x = T.
    """
    r, alpha, s, beta = theta
    rsx = r + s + x
    high, low = max(alpha, beta), min(alpha, beta)
    b2 = s + 1.0 if alpha >= beta else r + x

    def log_f(u: FloatArray) -> FloatArray:
        log_high, log_low = np.log(high + u), np.log(low + u)
        z = (high - low) / (high + u)
        series = hyp2f1(1.0, rsx + 1.0 - b2, rsx + 1.0, z)
        return np.asarray((1.0 - b2) * (log_low - log_high) + np.log(series) - rsx * log_high)

    at_tx, at_T = log_f(tx), log_f(T)
    with np.errstate(divide="ignore"):
        return np.asarray(at_tx + np.log(-np.expm1(np.minimum(at_T - at_tx, 0.0))))


def _branches(
    theta: FloatArray | tuple[float, ...], x: FloatArray, tx: FloatArray, T: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """ln of the "alive at T" and "died in (t_x, T]" terms, without the common factor."""
    r, alpha, s, beta = theta
    alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    died = np.log(s) - np.log(r + s + x) + _log_a0(theta, x, tx, T)
    return alive, died


def log_likelihood(theta: FloatArray, x: FloatArray, tx: FloatArray, T: FloatArray) -> FloatArray:
    """FH section 3: ln L = ln[Gamma(r+x) alpha^r beta^s / Gamma(r)] + ln(alive + died)."""
    r, alpha, s, beta = theta
    xu, inv = np.unique(x, return_inverse=True)
    common = (gammaln(r + xu) - gammaln(r))[inv] + r * np.log(alpha) + s * np.log(beta)
    alive, died = _branches(theta, x, tx, T)
    return np.asarray(common + np.logaddexp(alive, died), dtype=np.float64)


def _per_period_growth(shape: float, log_ratio: FloatArray) -> FloatArray:
    """(1 - exp(-shape * L)) / shape, continuous through shape = 0 (where it equals L)."""
    if abs(shape) < 1e-12:
        return log_ratio
    return np.asarray(-np.expm1(-shape * log_ratio) / shape, dtype=np.float64)


class ParetoNBD(FittedModel):
    """Pareto/NBD model (Schmittlein, Morrison & Colombo 1987).

    Same inputs and predictions as :class:`~cxpulse.models.BetaGeo`; parameters r, alpha
    (purchase rate) and s, beta (lifetime). Slower to fit (hypergeometric functions, numerical
    gradients) but does not force a drop-out chance after every purchase.
    """

    param_names = ("r", "alpha", "s", "beta")
    hints = (
        "rescale time: if recency and T are in days, use weeks (rfm_summary(..., freq='W'))",
        "if s or beta ran to 0 or infinity, the lifetime is not identified from these data: "
        "a longer calibration period helps, or the BG/NBD model",
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
        scale = 1.0 / float(T.max())  # oldest customer at T = 1, as lifetimes does
        scaled_tx, scaled_T = tx * scale, T * scale
        self._fit_mle(
            lambda th: log_likelihood(th, x, scaled_tx, scaled_T),
            lambda th: log_likelihood(th, x, tx, T),
            w,
            units=np.array([1.0, scale, 1.0, scale]),
        )
        return self

    def conditional_probability_alive(self, frequency: Any, recency: Any, T: Any) -> FloatArray:
        """P(alive at T | x, t_x, T) = alive / (alive + died) (FH section 5)."""
        theta = self._params()
        x, tx, age = history(frequency, recency, T)
        alive, died = _branches(theta, x, tx, age)
        return np.asarray(expit(alive - died), dtype=np.float64)

    def conditional_expected_number_of_purchases_up_to_time(
        self, t: Any, frequency: Any, recency: Any, T: Any
    ) -> FloatArray:
        """E[Y(t) | x, t_x, T] (FH section 6):

        P(alive) (r+x)(beta+T) / ((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)].
        """
        r, alpha, s, beta = self._params()
        x, tx, age = history(frequency, recency, T)
        horizon = as_float(t, "t")
        growth = _per_period_growth(s - 1.0, np.log1p(horizon / (beta + age)))
        rate = (r + x) / (alpha + age) * (beta + age)
        return np.asarray(
            self.conditional_probability_alive(x, tx, age) * rate * growth, dtype=np.float64
        )

    def predict(self, t: Any, frequency: Any, recency: Any, T: Any) -> FloatArray:
        """Short name of :meth:`conditional_expected_number_of_purchases_up_to_time`."""
        return self.conditional_expected_number_of_purchases_up_to_time(t, frequency, recency, T)

    def expected_number_of_purchases_up_to_time(self, t: Any) -> FloatArray:
        """E[X(t)] = r beta / (alpha (s-1)) [1 - (beta/(beta+t))^(s-1)] (FH section 4)."""
        r, alpha, s, beta = self._params()
        horizon = as_float(t, "t")
        growth = _per_period_growth(s - 1.0, np.log1p(horizon / beta))
        return np.asarray(r / alpha * beta * growth, dtype=np.float64)
