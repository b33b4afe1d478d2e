"""The shared machinery: gradients, Hessians, multi-start, convergence warnings, base class."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from cxpulse.errors import ConfigError, CxpulseError
from cxpulse.models import BetaGeo, ConvergenceWarning, GammaGamma, ModelInputError, NotFittedError
from cxpulse.models._base import compress
from cxpulse.models._fit import (
    Optimum,
    central_gradient,
    maximise,
    numerical_hessian,
    warn_if_needed,
)

A = np.array([[2.0, 0.5], [0.5, 1.0]])
CENTRE = np.array([0.3, -0.7])


def quadratic(x: np.ndarray) -> float:
    d = x - CENTRE
    return float(0.5 * d @ A @ d + 0.1 * np.sum(d**4))


def test_gradient_and_hessian_by_differences() -> None:
    x = np.array([1.0, 2.0])
    d = x - CENTRE
    exact_grad = A @ d + 0.4 * d**3
    np.testing.assert_allclose(central_gradient(quadratic, x), exact_grad, rtol=1e-8)
    exact_hess = A + np.diag(1.2 * d**2)
    np.testing.assert_allclose(numerical_hessian(quadratic, None, x), exact_hess, rtol=1e-6)
    from_grad = numerical_hessian(quadratic, lambda y: central_gradient(quadratic, y), x)
    np.testing.assert_allclose(from_grad, exact_hess, rtol=1e-5)


def test_maximise_finds_the_optimum_and_the_covariance() -> None:
    result = maximise(quadratic, 2, n_obs=10.0, n_starts=4, seed=1)
    assert result.converged
    np.testing.assert_allclose(result.log_params, CENTRE, atol=1e-7)
    assert result.covariance is not None
    np.testing.assert_allclose(result.covariance, np.linalg.inv(A * 10.0), rtol=1e-5)


def test_a_parameter_running_off_is_not_converged() -> None:
    result = maximise(
        lambda x: float(np.exp(x[0]) + (x[1] - 1) ** 2), 2, n_obs=1, n_starts=1, seed=0
    )
    assert not result.converged and "edge" in result.message


def test_warning_reads_as_a_checklist() -> None:
    bad = Optimum(np.zeros(2), 1.0, False, "ABNORMAL; largest gradient 1e-1", None)
    with pytest.warns(ConvergenceWarning) as record:
        warn_if_needed(bad, "BetaGeo", ["model-specific advice"], n_starts=3)
    text = str(record[0].message)
    for needle in (
        "did not converge",
        "Things to try",
        "more data",
        "penalizer_coef",
        "n_starts=10",
        "model-specific advice",
        "standard errors",
    ):
        assert needle in text
    good = Optimum(np.zeros(2), 1.0, True, "ok", np.eye(2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_if_needed(good, "BetaGeo", [], n_starts=3)


def test_degenerate_data_warn_and_leave_nan_standard_errors() -> None:
    # every customer spends exactly the same: no within-customer variation, p and q run off
    flat = pd.DataFrame({"frequency": [1, 2, 3, 4], "monetary_value": [10.0] * 4})
    with pytest.warns(ConvergenceWarning, match="Things to try"):
        model = GammaGamma().fit(flat)
    assert not model.converged_
    assert model.summary["se(coef)"].isna().any()


def test_settings_are_checked() -> None:
    for kwargs in ({"penalizer_coef": -1.0}, {"n_starts": 0}, {"n_starts": 2.5}):
        with pytest.raises(ConfigError):
            BetaGeo(**kwargs)  # type: ignore[arg-type]


def test_errors_follow_the_cxpulse_hierarchy() -> None:
    assert issubclass(ModelInputError, CxpulseError) and issubclass(ModelInputError, ValueError)
    assert issubclass(NotFittedError, CxpulseError) and issubclass(NotFittedError, AttributeError)
    assert issubclass(ConvergenceWarning, UserWarning)
    with pytest.raises(NotFittedError):
        _ = BetaGeo().summary


def test_repr_says_whether_fitted(cdnow: pd.DataFrame) -> None:
    assert repr(BetaGeo()) == "<BetaGeo: not fitted>"
    text = repr(BetaGeo().fit(cdnow))
    assert text.startswith("<BetaGeo: r=0.2426, alpha=4.414") and "2357" in text


def test_compress_sums_weights_of_identical_rows() -> None:
    x = np.array([1.0, 0.0, 1.0, 1.0])
    t = np.array([2.0, 3.0, 2.0, 5.0])
    (ux, ut), w = compress((x, t), np.array([1.0, 2.0, 3.0, 4.0]))
    rows = {(a, b): c for a, b, c in zip(ux, ut, w, strict=True)}
    assert rows == {(0.0, 3.0): 2.0, (1.0, 2.0): 4.0, (1.0, 5.0): 4.0}
