"""Gamma-Gamma model of the average spend per transaction.

Fader, Hardie & Lee (2005), "RFM and CLV: Using Iso-Value Curves for Customer Base Analysis",
Journal of Marketing Research 42(4), 415-430, and Fader & Hardie (2013), "The Gamma-Gamma
Model of Monetary Value" (note 025, "FH" below). Each transaction value of a customer is
Gamma(p, nu); across customers nu ~ Gamma(q, gamma). The model assumes spend is independent of the
purchase process, so it pairs with BG/NBD or Pareto/NBD for lifetime value.

The scale parameter is ``gamma``, as in the papers and their published tables (lifetimes calls
it ``v``).
"""

from __future__ import annotations

from typing import Any, Literal, Self

import numpy as np
import pandas as pd
from scipy.special import digamma, gammaln

from cxpulse.models._base import FittedModel
from cxpulse.models._fit import FloatArray
from cxpulse.models._inputs import as_float, check, column, integer_valued, require_frame, weights
from cxpulse.models.clv import TransactionModel, customer_lifetime_value
from cxpulse.models.errors import ModelInputError


def log_likelihood(theta: FloatArray, x: FloatArray, m: FloatArray) -> FloatArray:
    """ln f(m | p, q, gamma, x): density of the mean spend m of x purchases (FH).

    f = Gamma(px+q) / (Gamma(px) Gamma(q)) gamma^q m^(px-1) x^(px) / (gamma + m x)^(px+q)
    """
    p, q, gamma = theta
    px = p * x
    return np.asarray(
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(gamma)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(gamma + m * x),
        dtype=np.float64,
    )


def score(theta: FloatArray, x: FloatArray, m: FloatArray) -> tuple[FloatArray, list[FloatArray]]:
    """Log-likelihood and its partial derivatives in (p, q, gamma), per row."""
    p, q, gamma = theta
    px = p * x
    log_total = np.log(gamma + m * x)
    psi_all = digamma(px + q)
    d_p = x * (psi_all - digamma(px) + np.log(m) + np.log(x) - log_total)
    d_q = psi_all - digamma(q) + np.log(gamma) - log_total
    d_gamma = q / gamma - (px + q) / (gamma + m * x)
    return log_likelihood(theta, x, m), [d_p, d_q, d_gamma]


class Totals:
    """The data reduced to what the summed log-likelihood and its gradient need, so that one
    evaluation costs one logarithm and one division per customer.

    In the sum over customers of :func:`log_likelihood`, the Gamma functions depend on the
    frequency x alone (a few dozen distinct values), the terms in ln m and ln x are linear in
    p, and only ln(gamma + m x) and its derivative 1 / (gamma + m x) change with the parameters
    per customer. Per evaluation on 48k customers: 0.3 ms, against 17 ms for the per-row
    :func:`score` (four digammas, three gammalns and five logarithms per customer).
    """

    def __init__(self, x: FloatArray, m: FloatArray, w: FloatArray) -> None:
        self.xs, inverse = np.unique(x, return_inverse=True)
        self.w_xs = np.bincount(inverse.ravel(), weights=w, minlength=self.xs.size)
        self.w, self.wx, self.mx = w, w * x, m * x
        self.total = float(w.sum())
        log_m = np.log(m)
        self.linear_p = float(self.wx @ (log_m + np.log(x)))  # sum w x (ln m + ln x)
        self.constant = -float(w @ log_m)  # sum w (-ln m)

    def __call__(self, theta: FloatArray) -> tuple[float, FloatArray]:
        """The weighted sum of :func:`log_likelihood` and its gradient in (p, q, gamma)."""
        p, q, gamma = theta
        t = gamma + self.mx
        log_t = np.log(t)
        inv_t = 1.0 / t
        w_log, wx_log = float(self.w @ log_t), float(self.wx @ log_t)
        w_inv, wx_inv = float(self.w @ inv_t), float(self.wx @ inv_t)
        px = p * self.xs
        total, log_gamma = self.total, float(np.log(gamma))
        value = (
            float(self.w_xs @ (gammaln(px + q) - gammaln(px)))
            - total * float(gammaln(q))
            + total * q * log_gamma
            + p * self.linear_p
            + self.constant
            - p * wx_log
            - q * w_log
        )
        psi_all = digamma(px + q)
        d_p = float((self.w_xs * self.xs) @ (psi_all - digamma(px))) + self.linear_p - wx_log
        d_q = float(self.w_xs @ psi_all) - total * float(digamma(q)) + total * log_gamma - w_log
        d_gamma = total * q / gamma - p * wx_inv - q * w_inv
        return value, np.array([d_p, d_q, d_gamma])


class GammaGamma(FittedModel):
    """Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV").

    >>> spend = GammaGamma().fit(summary)       # columns frequency, monetary_value
    >>> spend.conditional_expected_average_profit(summary.frequency, summary.monetary_value)

    Only customers with at least one repeat purchase (frequency > 0) inform the model: their
    monetary value is the mean of their repeat purchases. Rows with frequency 0 are skipped
    (``rfm_summary`` gives them monetary value 0); ``n_obs_`` counts the rows used.
    """

    param_names = ("p", "q", "gamma")
    hints = (
        "check that monetary values are per transaction (the mean of repeat purchases), "
        "not per customer totals",
    )

    def fit(
        self,
        df: pd.DataFrame,
        frequency_col: str = "frequency",
        monetary_value_col: str = "monetary_value",
        weights_col: str | None = None,
    ) -> Self:
        """Fit by maximum likelihood on the rows with frequency > 0."""
        frame = require_frame(df, "the RFM table")
        x = column(frame, frequency_col, "number of repeat purchases")
        m = column(frame, monetary_value_col, "mean value of the repeat purchases")
        w = weights(frame, weights_col)
        check(frame, x < 0, f"column {frequency_col!r} has negative values")
        integer_valued(frame, x, frequency_col)
        used = x > 0
        check(
            frame,
            used & (m <= 0),
            f"column {monetary_value_col!r} must be > 0 for customers with repeat purchases",
        )
        if not (w[used].sum() > 0):
            raise ModelInputError(
                f"no customer has {frequency_col!r} > 0: the Gamma-Gamma model learns from the "
                "spend of repeat purchases, and there are none"
            )
        # no compress(): spend is continuous, so rows rarely repeat, and sorting them to find
        # out cost more (0.3 s on 48k customers) than the whole fit on Totals
        x, m, w = x[used], m[used], w[used]
        # money in units of the mean spend, so that gamma starts near 1 (it is in money units)
        unit = float(w @ m / w.sum())
        scaled = m / unit
        self._fit_mle(
            lambda th: log_likelihood(th, x, scaled),
            lambda th: log_likelihood(th, x, m),
            w,
            units=np.array([1.0, 1.0, 1.0 / unit]),
            scaled_total=Totals(x, scaled, w),
        )
        return self

    def conditional_expected_average_profit(
        self, frequency: Any, monetary_value: Any
    ) -> FloatArray:
        """E[M | p, q, gamma, m, x] = p (gamma + x m) / (p x + q - 1) (FH, conditional mean).

        A credibility-weighted mix of the population mean p gamma / (q - 1) and the customer's own
        mean m, the weight on m growing with x. With x = 0 it is the population mean. NaN
        where p x + q <= 1 (the model then has no finite mean).
        """
        p, q, gamma = self._params()
        x = as_float(frequency, "frequency")
        m = as_float(monetary_value, "monetary_value")
        denominator = p * x + q - 1
        with np.errstate(divide="ignore", invalid="ignore"):
            value = p * (gamma + x * m) / denominator
        return np.asarray(np.where(denominator > 0, value, np.nan), dtype=np.float64)

    def customer_lifetime_value(
        self,
        transaction_model: TransactionModel,
        frequency: Any,
        recency: Any,
        T: Any,
        monetary_value: Any,
        time: int = 12,
        discount_rate: float = 0.01,
        freq: Literal["D", "W", "M"] = "W",
    ) -> FloatArray:
        """Discounted value over ``time`` months with spend predicted by this model.

        As lifetimes' ``GammaGammaFitter.customer_lifetime_value``: the monetary value is
        replaced by :meth:`conditional_expected_average_profit`, then
        :func:`~cxpulse.models.customer_lifetime_value` does the discounting.
        """
        spend = self.conditional_expected_average_profit(frequency, monetary_value)
        return customer_lifetime_value(
            transaction_model, frequency, recency, T, spend, time, discount_rate, freq
        )
