"""BG/BB: repeat transactions over discrete transaction opportunities.

Fader, Hardie & Shang (2010), "Customer-Base Analysis in a Discrete-Time Noncontractual
Setting", Marketing Science 29(6), 1086-1108 ("FHS" below). At each opportunity (a yearly
drive, a weekly event) an alive customer transacts with probability p ~ Beta(alpha, beta); after
each opportunity they drop out with probability theta ~ Beta(gamma, delta).

Data are usually given as counts of customers per pattern (x transactions, last one at
opportunity t_x, out of n), so ``fit`` takes a weights column.
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
import pandas as pd
from scipy.special import betaln, gammaln

from cxpulse.models._base import FittedModel, compress
from cxpulse.models._fit import FloatArray
from cxpulse.models._inputs import (
    as_float,
    check,
    column,
    integer_valued,
    require_frame,
    weights,
)
from cxpulse.models.errors import ModelInputError

Params = FloatArray | tuple[float, ...]


def log_likelihood(theta: Params, x: FloatArray, tx: FloatArray, n: FloatArray) -> FloatArray:
    """FHS likelihood: alive through all n opportunities, or dropped out after t_x + i, i < n - t_x.

    L = B(a+x, b+n-x)/B(a,b) B(g, d+n)/B(g,d)
        + sum_{i=0}^{n-t_x-1} B(a+x, b+t_x-x+i)/B(a,b) B(g+1, d+t_x+i)/B(g,d)
    The sum runs over a different number of terms per row; the loop is over i (at most the
    largest n), each step vectorised over rows, summed in log space.
    """
    alpha, beta, gamma, delta = theta
    norm = betaln(alpha, beta) + betaln(gamma, delta)
    total = betaln(alpha + x, beta + n - x) + betaln(gamma, delta + n) - norm
    gaps = n - tx
    for i in range(int(gaps.max()) if gaps.size else 0):
        term = betaln(alpha + x, beta + tx - x + i) + betaln(gamma + 1, delta + tx + i) - norm
        total = np.logaddexp(total, np.where(i < gaps, term, -np.inf))
    return np.asarray(total, dtype=np.float64)


def _integer_columns(
    frame: pd.DataFrame, names: tuple[str, str, str]
) -> tuple[FloatArray, FloatArray, FloatArray]:
    meanings = (
        "number of periods with a transaction",
        "last period with a transaction",
        "number of transaction opportunities",
    )
    x, tx, n = (column(frame, name, meaning) for name, meaning in zip(names, meanings, strict=True))
    for values, name in ((x, names[0]), (tx, names[1]), (n, names[2])):
        check(frame, values < 0, f"column {name!r} has negative values")
        integer_valued(frame, values, name)
    check(frame, x > tx, f"{names[0]!r} is larger than {names[1]!r}: x transactions take x periods")
    check(frame, tx > n, f"{names[1]!r} is larger than {names[2]!r}")
    check(frame, (x == 0) & (tx != 0), f"{names[1]!r} must be 0 where {names[0]!r} is 0")
    return x, tx, n


class BetaGeoBetaBinom(FittedModel):
    """BG/BB model (Fader, Hardie & Shang 2010).

    >>> BetaGeoBetaBinom().fit(donations, n_periods_col="periods", weights_col="weights")
    """

    param_names = ("alpha", "beta", "gamma", "delta")
    hints = ("check that n_periods counts transaction opportunities, not calendar time",)

    def fit(
        self,
        df: pd.DataFrame,
        frequency_col: str = "frequency",
        recency_col: str = "recency",
        n_periods_col: str = "n_periods",
        weights_col: str | None = None,
    ) -> Self:
        """Fit by maximum likelihood; one row per customer or per pattern with a weight."""
        frame = require_frame(df, "the BG/BB table")
        x, tx, n = _integer_columns(frame, (frequency_col, recency_col, n_periods_col))
        w = weights(frame, weights_col)
        if not n.max() > 0:
            raise ModelInputError(f"column {n_periods_col!r} is 0 everywhere: no opportunities")
        (x, tx, n), w = compress((x, tx, n), w)

        def loglik(th: FloatArray) -> FloatArray:
            return log_likelihood(th, x, tx, n)

        self._fit_mle(loglik, loglik, w, units=np.ones(4))
        return self

    def _history(
        self, frequency: Any, recency: Any, n_periods: Any
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        x, tx = as_float(frequency, "frequency"), as_float(recency, "recency")
        n = as_float(n_periods, "n_periods")
        if np.any(x > tx) or np.any(tx > n):
            raise ModelInputError("need frequency <= recency <= n_periods")
        shape = np.broadcast_shapes(x.shape, tx.shape, n.shape)
        return tuple(np.broadcast_to(a, shape).astype(float) for a in (x, tx, n))  # type: ignore[return-value]

    def conditional_probability_alive(
        self, frequency: Any, recency: Any, n_periods: Any, m_periods_in_future: Any = 0
    ) -> FloatArray:
        """P(alive at opportunity n + m | x, t_x, n) (FHS, P(alive); lifetimes' form).

        B(a+x, b+n-x)/B(a,b) B(g, d+n+m)/B(g,d) / L(x, t_x, n).
        """
        alpha, beta, gamma, delta = theta = self._params()
        x, tx, n = self._history(frequency, recency, n_periods)
        m = as_float(m_periods_in_future, "m_periods_in_future")
        log_alive = (
            betaln(alpha + x, beta + n - x)
            - betaln(alpha, beta)
            + betaln(gamma, delta + n + m)
            - betaln(gamma, delta)
        )
        return np.asarray(np.exp(log_alive - log_likelihood(theta, x, tx, n)), dtype=np.float64)

    def conditional_expected_number_of_purchases_up_to_time(
        self, m_periods_in_future: Any, frequency: Any, recency: Any, n_periods: Any
    ) -> FloatArray:
        """Expected transactions in the next m opportunities given (x, t_x, n) (FHS eq. 13).

        1/L B(a+x+1, b+n-x)/B(a,b) d/(g-1) Gamma(g+d)/Gamma(1+d)
          [Gamma(1+d+n)/Gamma(g+d+n) - Gamma(1+d+n+m)/Gamma(g+d+n+m)]
        """
        alpha, beta, gamma, delta = theta = self._params()
        x, tx, n = self._history(frequency, recency, n_periods)
        m = as_float(m_periods_in_future, "m_periods_in_future")
        now = gammaln(1 + delta + n) - gammaln(gamma + delta + n)
        later = gammaln(1 + delta + n + m) - gammaln(gamma + delta + n + m)
        log_scale = (
            betaln(alpha + x + 1, beta + n - x)
            - betaln(alpha, beta)
            + gammaln(gamma + delta)
            - gammaln(1 + delta)
            + now
            - log_likelihood(theta, x, tx, n)
        )
        # the bracket as exp(now) (1 - exp(later - now)): no cancellation for small m
        value = delta / (gamma - 1) * np.exp(log_scale) * -np.expm1(later - now)
        return np.asarray(value, dtype=np.float64)

    def predict(
        self, m_periods_in_future: Any, frequency: Any, recency: Any, n_periods: Any
    ) -> FloatArray:
        """Short name of :meth:`conditional_expected_number_of_purchases_up_to_time`."""
        return self.conditional_expected_number_of_purchases_up_to_time(
            m_periods_in_future, frequency, recency, n_periods
        )

    def expected_number_of_purchases_up_to_time(self, n_periods: Any) -> FloatArray:
        """E[X(n)] for a new customer (FHS, mean of X(n)):

        a/(a+b) d/(g-1) [1 - Gamma(g+d) Gamma(1+d+n) / (Gamma(g+d+n) Gamma(1+d))].
        """
        alpha, beta, gamma, delta = self._params()
        n = as_float(n_periods, "n_periods")
        # paired so that each difference is exactly 0 at n = 0
        log_ratio = (gammaln(gamma + delta) - gammaln(gamma + delta + n)) + (
            gammaln(1 + delta + n) - gammaln(1 + delta)
        )
        value = alpha / (alpha + beta) * delta / (gamma - 1) * -np.expm1(log_ratio)
        return np.asarray(value, dtype=np.float64)

    def probability_of_n_purchases_up_to_time(self, n_periods: int, frequency: Any) -> FloatArray:
        """P(X(n) = x) for a new customer (FHS), e.g. to compare with the histogram.

        C(n,x) B(a+x, b+n-x)/B(a,b) B(g, d+n)/B(g,d)
          + sum_{i=x}^{n-1} C(i,x) B(a+x, b+i-x)/B(a,b) B(g+1, d+i)/B(g,d)
        """
        alpha, beta, gamma, delta = self._params()
        x = as_float(frequency, "frequency")
        n = int(n_periods)
        norm = betaln(alpha, beta) + betaln(gamma, delta)

        def log_choose(top: Any, k: FloatArray) -> FloatArray:
            return np.asarray(gammaln(top + 1) - gammaln(k + 1) - gammaln(top - k + 1))

        with np.errstate(invalid="ignore"):
            total = (
                log_choose(n, x) + betaln(alpha + x, beta + n - x) + betaln(gamma, delta + n) - norm
            )
            for i in range(n):
                term = log_choose(i, x) + betaln(alpha + x, beta + i - x)
                term = term + betaln(gamma + 1, delta + i) - norm
                total = np.logaddexp(total, np.where(x <= i, term, -np.inf))
        return np.asarray(np.where(x <= n, np.exp(total), 0.0), dtype=np.float64)
