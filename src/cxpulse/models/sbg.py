"""Shifted-beta-geometric (sBG) model of contractual retention.

Fader & Hardie (2007), "How to Project Customer Retention", Journal of Interactive Marketing
21(1), 76-90 ("FH07" below). Each customer renews at the end of every period with a fixed
probability; the churn probability theta varies across customers as Beta(alpha, beta). Because
the most fragile customers leave first, the aggregate retention rate rises over time, which
a constant-churn projection misses.

Input is survivor counts per period: period 0 is the cohort at acquisition. Several cohorts
(e.g. one per signup month, each observed for a different number of periods) can be fitted
together: each contributes its churn counts and its survivors at the last observed period
(right-censored), as in Fader & Hardie's multi-cohort note.
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
import pandas as pd
from scipy.special import betaln, hyp2f1

from cxpulse.models._base import FittedModel
from cxpulse.models._fit import FloatArray
from cxpulse.models._inputs import as_float, column, integer_valued, require_frame
from cxpulse.models.errors import ModelInputError


def _events(
    frame: pd.DataFrame, survivors_col: str, period_col: str | None, cohort_col: str | None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(period, count, is_churn) rows: churn counts at t >= 1 and survivors at the last period."""
    survivors = column(frame, survivors_col, "customers still active at the period")
    integer_valued(frame, survivors, survivors_col)
    periods = column(frame, period_col, "period number, 0 at acquisition") if period_col else None
    groups: dict[Any, Any] = {None: np.arange(len(frame))}
    if cohort_col is not None:
        groups = frame.groupby(cohort_col, sort=False).indices
    t_all: list[FloatArray] = []
    n_all: list[FloatArray] = []
    churn_all: list[FloatArray] = []
    for cohort, rows in groups.items():
        where = "" if cohort is None else f" in cohort {cohort!r}"
        order = np.asarray(rows, dtype=np.int64)
        if periods is not None:
            order = order[np.argsort(periods[order], kind="stable")]
            if not np.array_equal(periods[order], np.arange(len(order))):
                raise ModelInputError(
                    f"periods{where} must run 0, 1, 2, ... without gaps, "
                    f"got {periods[order].tolist()}"
                )
        counts = survivors[order]
        if counts[0] <= 0 or np.any(counts < 0):
            raise ModelInputError(f"survivor counts{where} must start above 0, never negative")
        lost = -np.diff(counts)
        if np.any(lost < 0):
            raise ModelInputError(
                f"survivor counts{where} go up ({counts.tolist()}): survivors of one cohort can "
                "only stay level or fall; count reactivations as new customers"
            )
        last = len(counts) - 1
        t_all += [np.arange(1, last + 1, dtype=float), np.array([float(last)])]
        n_all += [lost.astype(float), counts[-1:].astype(float)]
        churn_all += [np.ones(last), np.zeros(1)]
    return np.concatenate(t_all), np.concatenate(n_all), np.concatenate(churn_all)


class ShiftedBetaGeo(FittedModel):
    """sBG retention model (Fader & Hardie 2007).

    >>> sbg = ShiftedBetaGeo().fit(pd.DataFrame({"survivors": [1000, 631, 468, 382, 326]}))
    >>> sbg.survival_function(range(13))      # projected share still active
    """

    param_names = ("alpha", "beta")
    hints = ("check that survivors are counts of one cohort, period 0 first",)

    def fit(
        self,
        df: pd.DataFrame,
        survivors_col: str = "survivors",
        period_col: str | None = None,
        cohort_col: str | None = None,
    ) -> Self:
        """Fit from survivors per period (rows in period order unless ``period_col`` is given)."""
        frame = require_frame(df, "the survivors table")
        t, count, churn = _events(frame, survivors_col, period_col, cohort_col)
        if not np.any((churn == 1) & (count > 0)) or not np.any(t > 0):
            raise ModelInputError(
                "need at least one period after acquisition with a churned customer: with no "
                "churn observed the churn distribution cannot be estimated"
            )

        def loglik(theta: FloatArray) -> FloatArray:
            # FH07: P(T = t) = B(a+1, b+t-1)/B(a,b), S(t) = B(a, b+t)/B(a,b)
            alpha, beta = theta
            churned = betaln(alpha + 1, beta + t - 1)
            stayed = betaln(alpha, beta + t)
            return np.asarray(np.where(churn == 1, churned, stayed) - betaln(alpha, beta))

        self._fit_mle(loglik, loglik, count, units=np.ones(2))
        return self

    def churn_probability(self, t: Any) -> FloatArray:
        """P(T = t): share of the cohort lost in period t >= 1 (FH07)."""
        alpha, beta = self._params()
        periods = _periods(t, 1)
        return np.asarray(np.exp(betaln(alpha + 1, beta + periods - 1) - betaln(alpha, beta)))

    def survival_function(self, t: Any) -> FloatArray:
        """S(t) = P(T > t): share of the cohort still active after t periods (FH07)."""
        alpha, beta = self._params()
        periods = _periods(t, 0)
        return np.asarray(np.exp(betaln(alpha, beta + periods) - betaln(alpha, beta)))

    def retention_rate(self, t: Any) -> FloatArray:
        """r_t = S(t)/S(t-1) = (beta + t - 1)/(alpha + beta + t - 1), t >= 1 (FH07)."""
        alpha, beta = self._params()
        periods = _periods(t, 1)
        return np.asarray((beta + periods - 1) / (alpha + beta + periods - 1), dtype=np.float64)

    def curves(self, n_periods: int) -> pd.DataFrame:
        """Survival, retention and churn probability for periods 0..n_periods (one row each)."""
        periods = np.arange(int(n_periods) + 1)
        later = np.maximum(periods, 1)
        return pd.DataFrame(
            {
                "survival": self.survival_function(periods),
                "retention_rate": np.where(periods > 0, self.retention_rate(later), np.nan),
                "churn_probability": np.where(periods > 0, self.churn_probability(later), np.nan),
            },
            index=pd.Index(periods, name="period"),
        )

    def discounted_expected_residual_lifetime(
        self, discount_rate: float, renewals: Any = 0
    ) -> FloatArray:
        """Expected discounted number of future payments of a customer who has renewed
        ``renewals`` times, the coming renewal's payment undiscounted (Fader & Hardie 2010,
        "Customer-Base Valuation in a Contractual Setting", DERL):

        DERL = (b+n-1)/(a+b+n-1) 2F1(1, b+n; a+b+n; 1/(1+d)),  n = renewals + 1.
        Multiply by the margin per period for the residual value of the customer.
        """
        alpha, beta = self._params()
        if not (np.isfinite(discount_rate) and discount_rate > 0):
            raise ModelInputError(f"discount_rate must be > 0, got {discount_rate!r}")
        n = _periods(renewals, 0) + 1
        first = (beta + n - 1) / (alpha + beta + n - 1)
        series = hyp2f1(1.0, beta + n, alpha + beta + n, 1.0 / (1.0 + discount_rate))
        return np.asarray(first * series, dtype=np.float64)


def _periods(t: Any, lowest: int) -> FloatArray:
    periods = as_float(t, "t")
    if np.any(periods < lowest) or np.any(periods != np.round(periods)):
        raise ModelInputError(f"periods are whole numbers >= {lowest}")
    return periods
