from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad
from scipy.special import gammaln

from cxpulse.models import ModelInputError, ParetoNBD, simulate_pareto_nbd
from cxpulse.models import pareto_nbd as pn

# Fader, Hardie & Lee (2005) / lifetimes docs: Pareto/NBD on the CDNOW sample
PUBLISHED = {"r": 0.55, "alpha": 10.58, "s": 0.61, "beta": 11.67}
PUBLISHED_LL = -9595.0

KNOWN = ParetoNBD()
KNOWN.params_ = pd.Series(PUBLISHED)


@pytest.fixture(scope="module")
def fitted(cdnow: pd.DataFrame) -> ParetoNBD:
    return ParetoNBD().fit(cdnow)


def test_cdnow_fit_reproduces_the_published_parameters(fitted: ParetoNBD) -> None:
    for name, value in PUBLISHED.items():
        assert fitted.params_[name] == pytest.approx(value, abs=0.006)
    assert fitted.log_likelihood_ == pytest.approx(PUBLISHED_LL, abs=0.05)
    assert fitted.converged_
    assert (fitted.summary["se(coef)"] > 0).all()


def test_fit_is_at_least_as_good_as_lifetimes(fitted: ParetoNBD, cdnow, lifetimes) -> None:  # type: ignore[no-untyped-def]
    x, tx, T = cdnow["frequency"], cdnow["recency"], cdnow["T"]
    oracle = lifetimes.ParetoNBDFitter().fit(x, tx, T)
    np.testing.assert_allclose(fitted.params_, oracle.params_[fitted.params_.index], rtol=1e-3)
    theirs = pn.log_likelihood(
        oracle.params_[list(fitted.param_names)].to_numpy(),
        x.to_numpy(float),
        tx.to_numpy(float),
        T.to_numpy(float),
    ).sum()
    assert fitted.log_likelihood_ >= theirs - 1e-7


@pytest.mark.parametrize("swap", [False, True], ids=["alpha>=beta", "alpha<beta"])
def test_log_likelihood_matches_lifetimes_in_both_branches(cdnow, lifetimes, swap: bool) -> None:  # type: ignore[no-untyped-def]
    theta = np.array([0.55, 10.58, 0.61, 11.67])
    if swap:
        theta = np.array([0.55, 20.0, 0.61, 11.67])
    x, tx, T = (cdnow[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    ours = pn.log_likelihood(theta, x, tx, T)
    theirs = lifetimes.ParetoNBDFitter._conditional_log_likelihood(theta, x, tx, T)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)


def _by_quadrature(theta: tuple[float, float, float, float], x: int, tx: float, T: float) -> float:
    """ln L from the integral form: the death time integrated numerically (no 2F1 at all).

    L = Gamma(r+x) alpha^r beta^s / Gamma(r) [ (alpha+T)^-(r+x) (beta+T)^-s
        + s int_tx^T (alpha+u)^-(r+x) (beta+u)^-(s+1) du ]
    The integrand is scaled by its value at tx so that large x does not underflow.
    """
    r, alpha, s, beta = theta
    ref = -(r + x) * np.log(alpha + tx) - (s + 1) * np.log(beta + tx)

    def integrand(u: float) -> float:
        return float(np.exp(-(r + x) * np.log(alpha + u) - (s + 1) * np.log(beta + u) - ref))

    integral = quad(integrand, tx, T, epsabs=0, epsrel=1e-12, limit=200)[0] if tx < T else 0.0
    alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    died = np.log(s) + ref + np.log(integral) if integral > 0 else -np.inf
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    return float(common + np.logaddexp(alive, died))


@pytest.mark.parametrize("theta", [(0.55, 10.58, 0.61, 11.67), (0.55, 3.0, 2.5, 40.0)])
@pytest.mark.parametrize(
    ("x", "tx", "T"),
    [(0, 0.0, 38.86), (1, 1.71, 38.86), (7, 30.0, 38.86), (60, 38.0, 38.86), (500, 20.0, 38.0)],
)
def test_log_likelihood_agrees_with_numerical_integration(theta, x, tx, T) -> None:  # type: ignore[no-untyped-def]
    ours = pn.log_likelihood(np.array(theta), np.array([float(x)]), np.array([tx]), np.array([T]))
    assert ours[0] == pytest.approx(_by_quadrature(theta, x, tx, T), rel=1e-9)


def test_likelihood_is_finite_where_the_textbook_form_overflows() -> None:
    theta = np.array([0.55, 10.58, 0.61, 11.67])
    x = np.array([2000.0, 5000.0])
    ll = pn.log_likelihood(theta, x, np.array([38.0, 38.86]), np.array([38.86, 38.86]))
    assert np.all(np.isfinite(ll))


def test_predictions_match_lifetimes(fitted: ParetoNBD, cdnow, lifetimes) -> None:  # type: ignore[no-untyped-def]
    oracle = lifetimes.ParetoNBDFitter()
    oracle.params_ = fitted.params_.copy()
    x, tx, T = cdnow["frequency"], cdnow["recency"], cdnow["T"]
    for t in (1, 10, 39, 100):
        np.testing.assert_allclose(
            fitted.predict(t, x, tx, T),
            oracle.conditional_expected_number_of_purchases_up_to_time(t, x, tx, T),
            rtol=1e-6,
        )
    np.testing.assert_allclose(
        fitted.conditional_probability_alive(x, tx, T),
        oracle.conditional_probability_alive(x, tx, T),
        rtol=1e-6,
    )
    t = np.array([1.0, 10.0, 39.0, 78.0])
    np.testing.assert_allclose(
        fitted.expected_number_of_purchases_up_to_time(t),
        oracle.expected_number_of_purchases_up_to_time(t),
        rtol=1e-6,
    )


def test_predictions_are_continuous_through_s_equal_one() -> None:
    def model(s: float) -> ParetoNBD:
        m = ParetoNBD()
        m.params_ = pd.Series({"r": 0.55, "alpha": 10.58, "s": s, "beta": 11.67})
        return m

    at_one = model(1.0)
    for near in (1 - 1e-7, 1 + 1e-7):
        assert float(model(near).predict(20, 3, 20.0, 38.0)) == pytest.approx(
            float(at_one.predict(20, 3, 20.0, 38.0)), rel=1e-6
        )
        assert float(model(near).expected_number_of_purchases_up_to_time(20)) == pytest.approx(
            float(at_one.expected_number_of_purchases_up_to_time(20)), rel=1e-6
        )


def test_recovers_simulated_parameters() -> None:
    truth = {"r": 0.6, "alpha": 8.0, "s": 0.8, "beta": 12.0}
    data = simulate_pareto_nbd(6000, **truth, T=np.arange(6000) % 26 + 52.0, seed=2)
    model = ParetoNBD(n_starts=1).fit(data)
    se = model.summary["se(coef)"]
    for name, value in truth.items():
        assert abs(model.params_[name] - value) < 4 * se[name], name


histories = st.tuples(
    st.integers(0, 300), st.floats(0, 1), st.floats(0.01, 200, allow_subnormal=False)
).map(lambda h: (h[0], 0.0 if h[0] == 0 else h[1] * h[2], h[2]))


@settings(max_examples=150, deadline=None)
@given(histories, st.floats(0, 300), st.floats(0.01, 300))
def test_probabilities_and_expectations_behave(h, t: float, dt: float) -> None:  # type: ignore[no-untyped-def]
    x, tx, T = h
    p = float(KNOWN.conditional_probability_alive(x, tx, T))
    assert 0.0 <= p <= 1.0
    now, later = float(KNOWN.predict(t, x, tx, T)), float(KNOWN.predict(t + dt, x, tx, T))
    assert 0.0 <= now <= later * (1 + 1e-9) + 1e-12


def test_bad_input_is_a_clear_error() -> None:
    with pytest.raises(ModelInputError, match="larger"):
        ParetoNBD().fit(pd.DataFrame({"frequency": [1, 2], "recency": [5.0, 1.0], "T": [3.0, 3]}))
