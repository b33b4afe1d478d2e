from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize

from cxpulse.models import ModelInputError, ShiftedBetaGeo

# Fader & Hardie (2007), "How to Project Customer Retention": survivors of 1,000 customers
# over years 0-7. The published estimates are regular: alpha 0.704, beta 1.182; high end:
# alpha 0.668, beta 3.806. (The "regular" segment is the one that falls to 241.)
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]


def fit(survivors: list[int]) -> ShiftedBetaGeo:
    return ShiftedBetaGeo().fit(pd.DataFrame({"survivors": survivors}))


def _independent_mle(survivors: list[int]) -> tuple[np.ndarray, float]:
    """The same MLE by another route: FH07's recursion P(T=1) = a/(a+b),
    P(T=t) = (b+t-2)/(a+b+t-1) P(T=t-1), and Nelder-Mead instead of L-BFGS-B."""
    counts = np.asarray(survivors, dtype=float)
    lost = -np.diff(counts)

    def negll(log_ab: np.ndarray) -> float:
        a, b = np.exp(log_ab)
        p = [a / (a + b)]
        for t in range(2, len(counts)):
            p.append(p[-1] * (b + t - 2) / (a + b + t - 1))
        churn = np.array(p)
        return -float(lost @ np.log(churn) + counts[-1] * np.log(1 - churn.sum()))

    res = minimize(
        negll, [0.0, 0.0], method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-12}
    )
    return np.exp(res.x), -float(res.fun)


@pytest.mark.parametrize(
    ("survivors", "alpha", "beta"), [(REGULAR, 0.704, 1.182), (HIGH_END, 0.668, 3.806)]
)
def test_reproduces_the_published_estimates(
    survivors: list[int], alpha: float, beta: float
) -> None:
    model = fit(survivors)
    assert model.params_["alpha"] == pytest.approx(alpha, abs=6e-4)
    assert model.params_["beta"] == pytest.approx(beta, abs=6e-4)
    params, ll = _independent_mle(survivors)
    np.testing.assert_allclose(model.params_, params, rtol=1e-6)
    assert model.log_likelihood_ == pytest.approx(ll, abs=1e-8)
    assert model.n_obs_ == 1000 and model.converged_


def test_log_likelihoods_of_the_two_segments() -> None:
    assert fit(REGULAR).log_likelihood_ == pytest.approx(-1680.2652, abs=1e-3)
    assert fit(HIGH_END).log_likelihood_ == pytest.approx(-1611.1581, abs=1e-3)


def test_curves_fit_the_observed_survival_and_rise_in_retention() -> None:
    model = fit(REGULAR)
    curves = model.curves(12)
    assert list(curves.columns) == ["survival", "retention_rate", "churn_probability"]
    assert curves.loc[0, "survival"] == 1.0 and np.isnan(curves.loc[0, "retention_rate"])
    observed = np.array(REGULAR) / 1000
    np.testing.assert_allclose(curves["survival"].iloc[:8], observed, atol=0.01)
    assert np.all(np.diff(curves["retention_rate"].iloc[1:]) > 0)  # heterogeneity: r_t rises
    # S(t) is the running product of retention rates, and S(t-1) - S(t) = P(T = t)
    t = np.arange(1, 13)
    np.testing.assert_allclose(model.survival_function(t), np.cumprod(model.retention_rate(t)))
    np.testing.assert_allclose(
        model.survival_function(t - 1) - model.survival_function(t), model.churn_probability(t)
    )


def test_discounted_expected_residual_lifetime_equals_its_series() -> None:
    model = fit(HIGH_END)
    d = 0.1
    for renewals in (0, 1, 4):
        k = np.arange(1, 4000)
        s = model.survival_function(renewals + k) / model.survival_function(renewals)
        series = float(np.sum(s / (1 + d) ** (k - 1)))
        assert float(model.discounted_expected_residual_lifetime(d, renewals)) == pytest.approx(
            series, rel=1e-10
        )
    # customers who have renewed more are worth more (they are the sticky ones)
    derl = model.discounted_expected_residual_lifetime(d, np.arange(6))
    assert np.all(np.diff(derl) > 0)


def test_cohorts_pool_like_repeated_data() -> None:
    one = fit(REGULAR)
    two = ShiftedBetaGeo().fit(
        pd.DataFrame({"cohort": ["a"] * 8 + ["b"] * 8, "survivors": REGULAR + REGULAR}),
        cohort_col="cohort",
    )
    np.testing.assert_allclose(two.params_, one.params_, rtol=1e-6)
    assert two.n_obs_ == 2000


def test_cohorts_observed_for_different_lengths_and_shuffled_rows() -> None:
    frame = pd.DataFrame(
        {
            "cohort": ["2019"] * 8 + ["2020"] * 5,
            "period": list(range(8)) + list(range(5)),
            "survivors": [*REGULAR, 500, 320, 240, 190, 160],
        }
    )
    ordered = ShiftedBetaGeo().fit(frame, period_col="period", cohort_col="cohort")
    shuffled = frame.sample(frac=1.0, random_state=1)
    again = ShiftedBetaGeo().fit(shuffled, period_col="period", cohort_col="cohort")
    np.testing.assert_allclose(again.params_, ordered.params_, rtol=1e-8)
    assert ordered.n_obs_ == 1500


@pytest.mark.parametrize(
    ("survivors", "needle"),
    [
        ([1000, 900, 950], "go up"),
        ([0, 0, 0], "above 0"),
        ([1000, 1000, 1000], "churn"),
        ([1000], "churn"),
        ([1000, 900.5], "whole"),
    ],
)
def test_bad_survivor_counts(survivors: list[float], needle: str) -> None:
    with pytest.raises(ModelInputError, match=needle):
        fit(survivors)  # type: ignore[arg-type]


def test_gaps_in_periods_are_rejected() -> None:
    frame = pd.DataFrame({"period": [0, 1, 3], "survivors": [100, 80, 60]})
    with pytest.raises(ModelInputError, match="without gaps"):
        ShiftedBetaGeo().fit(frame, period_col="period")


def test_periods_must_be_whole_numbers() -> None:
    with pytest.raises(ModelInputError, match="whole"):
        fit(REGULAR).survival_function(1.5)
