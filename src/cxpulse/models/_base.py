"""What every model shares: settings, fitted attributes, the summary table, the fit call.

Estimator style as in lifelines: settings go to the constructor, ``fit(df, column names)``
returns the model, fitted values live in attributes ending in ``_``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

import numpy as np
import pandas as pd

from cxpulse.errors import ConfigError
from cxpulse.models._fit import FloatArray, maximise, warn_if_needed
from cxpulse.models.errors import NotFittedError

PerRow = Callable[[FloatArray], FloatArray]
Scorer = Callable[[FloatArray], tuple[FloatArray, Sequence[FloatArray]]]
Total = Callable[[FloatArray], tuple[float, FloatArray]]
Z95 = 1.959963984540054


class FittedModel:
    """Base class of the models; not used on its own."""

    param_names: ClassVar[tuple[str, ...]] = ()
    # model-specific lines appended to the ConvergenceWarning checklist
    hints: ClassVar[tuple[str, ...]] = ()

    params_: pd.Series
    log_likelihood_: float
    n_obs_: float
    converged_: bool
    variance_matrix_: pd.DataFrame

    def __init__(
        self, penalizer_coef: float = 0.0, n_starts: int = 3, seed: int | None = 0
    ) -> None:
        if not (np.isfinite(penalizer_coef) and penalizer_coef >= 0):
            raise ConfigError(f"penalizer_coef must be a number >= 0, got {penalizer_coef!r}")
        if isinstance(n_starts, bool) or not isinstance(n_starts, int) or n_starts < 1:
            raise ConfigError(f"n_starts must be an integer >= 1, got {n_starts!r}")
        self.penalizer_coef = float(penalizer_coef)
        self.n_starts = n_starts
        self.seed = seed

    def __repr__(self) -> str:
        name = type(self).__name__
        if not hasattr(self, "params_"):
            return f"<{name}: not fitted>"
        shown = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return f"<{name}: {shown}; fitted on {self.n_obs_:g} observations>"

    def _params(self) -> tuple[float, ...]:
        if not hasattr(self, "params_"):
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet: call .fit(df) before predicting"
            )
        return tuple(float(v) for v in self.params_.to_numpy())

    @property
    def summary(self) -> pd.DataFrame:
        """coef, se(coef) and a 95 % interval for each parameter.

        Standard errors come from the inverse of the observed information (the Hessian of the
        penalised log-likelihood at the optimum), by the delta method from the log scale the
        optimiser works on. The interval is Wald on the log scale, coef * exp(+-1.96 se/coef),
        so it never includes impossible non-positive values.
        """
        self._params()
        coef = self.params_.to_numpy(dtype=float)
        se = np.sqrt(np.diag(self.variance_matrix_.to_numpy(dtype=float)))
        spread = np.exp(Z95 * se / coef)
        return pd.DataFrame(
            {
                "coef": coef,
                "se(coef)": se,
                "lower 95% bound": coef / spread,
                "upper 95% bound": coef * spread,
            },
            index=pd.Index(self.param_names, name="param"),
        )

    def _fit_mle(
        self,
        scaled_loglik: PerRow,
        loglik: PerRow,
        weights: FloatArray,
        units: FloatArray,
        scaled_score: Scorer | None = None,
        scaled_total: Total | None = None,
    ) -> None:
        """Maximise the likelihood and store the fitted attributes.

        ``scaled_loglik(theta)`` gives the per-row log-likelihood of the rescaled data (time so
        that the oldest customer has T = 1, money so that the mean spend is 1); the natural
        parameters are ``theta / units``. ``loglik`` is the same on the data as given, used
        for ``log_likelihood_`` so that it is comparable with published values.
        ``scaled_score(theta)`` optionally gives, in one pass, the per-row log-likelihood and
        its per-row partial derivatives (one array per parameter); ``scaled_total(theta)``
        (optional, instead) their weighted sums directly, for a model that can sum faster than
        row by row; when given, the optimiser uses only it.
        """
        total = float(weights.sum())
        pen = self.penalizer_coef

        def objective(phi: FloatArray) -> float:
            theta = np.exp(phi)
            return -float(weights @ scaled_loglik(theta)) / total + pen * float(theta @ theta)

        value_and_gradient = None
        if scaled_total is not None:
            summed = scaled_total

            def objective(phi: FloatArray) -> float:
                theta = np.exp(phi)
                return -summed(theta)[0] / total + pen * float(theta @ theta)

            def value_and_gradient(phi: FloatArray) -> tuple[float, FloatArray]:
                theta = np.exp(phi)
                value, d_total = summed(theta)
                d_theta = -d_total / total + 2.0 * pen * theta
                return -value / total + pen * float(theta @ theta), d_theta * theta

        elif scaled_score is not None:
            score = scaled_score

            def value_and_gradient(phi: FloatArray) -> tuple[float, FloatArray]:
                theta = np.exp(phi)
                rows, partials = score(theta)
                value = -float(weights @ rows) / total + pen * float(theta @ theta)
                d_theta = -np.array([weights @ p for p in partials]) / total + 2.0 * pen * theta
                return value, np.asarray(d_theta * theta, dtype=np.float64)

        optimum = maximise(
            objective,
            len(self.param_names),
            n_obs=total,
            n_starts=self.n_starts,
            seed=self.seed,
            value_and_gradient=value_and_gradient,
        )
        warn_if_needed(optimum, type(self).__name__, self.hints, self.n_starts)
        params = np.exp(optimum.log_params) / units
        names = list(self.param_names)
        self.params_ = pd.Series(params, index=names, dtype=float)
        self.log_likelihood_ = float(weights @ loglik(params))
        self.n_obs_ = total
        self.converged_ = optimum.converged
        k = len(names)
        cov = np.full((k, k), np.nan) if optimum.covariance is None else optimum.covariance
        self.variance_matrix_ = pd.DataFrame(
            np.outer(params, params) * cov, index=names, columns=names
        )


def compress(
    columns: tuple[FloatArray, ...], weights: FloatArray
) -> tuple[tuple[FloatArray, ...], FloatArray]:
    """Collapse identical rows into one row with the summed weight.

    Real RFM tables repeat patterns a lot (every one-off buyer of a cohort has the same
    (0, 0, T)), and the likelihood only depends on the pattern.
    """
    stacked = np.column_stack(columns)
    unique, inverse = np.unique(stacked, axis=0, return_inverse=True)
    summed = np.bincount(inverse.ravel(), weights=weights, minlength=unique.shape[0])
    split = tuple(np.ascontiguousarray(unique[:, i]) for i in range(unique.shape[1]))
    return split, np.asarray(summed, dtype=np.float64)
