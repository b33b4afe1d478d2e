from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxpulse.errors import CxpulseError
from cxpulse.models import BetaGeo, ModelInputError, NotFittedError, simulate_beta_geo
from cxpulse.models import beta_geo as bg
from cxpulse.models._fit import central_gradient

# Fader, Hardie & Lee (2005), table 1 / lifetimes docs: BG/NBD on the CDNOW sample
PUBLISHED = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_LL = -9582.4

# a model with the published CDNOW parameters, for property tests (no fitting needed)
KNOWN = BetaGeo()
KNOWN.params_ = pd.Series(PUBLISHED)


@pytest.fixture(scope="module")
def fitted(cdnow: pd.DataFrame) -> BetaGeo:
    return BetaGeo().fit(cdnow)


def test_cdnow_fit_reproduces_the_published_parameters(fitted: BetaGeo) -> None:
    for name, value in PUBLISHED.items():
        assert fitted.params_[name] == pytest.approx(value, abs=6e-4)
    assert fitted.log_likelihood_ == pytest.approx(PUBLISHED_LL, abs=0.05)
    assert fitted.converged_
    assert fitted.n_obs_ == 2357


def test_summary_has_standard_errors_and_intervals(fitted: BetaGeo) -> None:
    table = fitted.summary
    assert list(table.columns) == ["coef", "se(coef)", "lower 95% bound", "upper 95% bound"]
    assert list(table.index) == ["r", "alpha", "a", "b"]
    assert (table["se(coef)"] > 0).all()
    assert (table["lower 95% bound"] < table["coef"]).all()
    assert (table["coef"] < table["upper 95% bound"]).all()
    assert (table["lower 95% bound"] > 0).all()  # log-scale intervals stay positive


def test_matches_lifetimes_fit_and_standard_errors(fitted: BetaGeo, cdnow, lifetimes) -> None:  # type: ignore[no-untyped-def]
    oracle = lifetimes.BetaGeoFitter().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    np.testing.assert_allclose(fitted.params_, oracle.params_[fitted.params_.index], rtol=1e-5)
    np.testing.assert_allclose(
        fitted.summary["se(coef)"], oracle.summary["se(coef)"].to_numpy(), rtol=1e-3
    )


@pytest.mark.parametrize("penalizer", [0.01, 0.1])
def test_penalizer_means_what_it_means_in_lifetimes(cdnow, lifetimes, penalizer: float) -> None:  # type: ignore[no-untyped-def]
    ours = BetaGeo(penalizer_coef=penalizer).fit(cdnow)
    oracle = lifetimes.BetaGeoFitter(penalizer_coef=penalizer)
    oracle.fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    np.testing.assert_allclose(ours.params_, oracle.params_[ours.params_.index], rtol=1e-4)


def test_predictions_match_lifetimes(fitted: BetaGeo, cdnow, lifetimes) -> None:  # type: ignore[no-untyped-def]
    oracle = lifetimes.BetaGeoFitter()
    oracle.params_ = fitted.params_.copy()
    x, tx, T = cdnow["frequency"], cdnow["recency"], cdnow["T"]
    for t in (1, 4.5, 39, 100):
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
    t = np.array([0.5, 1.0, 10.0, 39.0, 78.0])
    np.testing.assert_allclose(
        fitted.expected_number_of_purchases_up_to_time(t),
        oracle.expected_number_of_purchases_up_to_time(t),
        rtol=1e-6,
    )


def test_alias_and_long_name_agree(fitted: BetaGeo) -> None:
    long = fitted.conditional_expected_number_of_purchases_up_to_time(10, 2, 30.43, 38.86)
    assert fitted.predict(10, 2, 30.43, 38.86) == pytest.approx(float(long))


def test_conditional_expectation_is_stable_for_heavy_buyers() -> None:
    # the textbook 2F1(r+x, b+x; a+b+x-1; z) overflows for large x; the Euler form does not
    value = KNOWN.predict(52, [300, 2000], [38.0, 38.5], [38.86, 38.86])
    assert np.all(np.isfinite(value)) and np.all(value > 0)
    rate_per_week = np.array([300, 2000]) / 38.86
    assert np.all(value < 52 * rate_per_week * 1.1)


def test_analytic_score_matches_finite_differences(cdnow: pd.DataFrame) -> None:
    x, tx, T = (cdnow[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    data = bg._Data(x, tx / 38.86, T / 38.86)
    rng = np.random.default_rng(3)
    for _ in range(5):
        theta = np.exp(rng.normal(0, 0.7, 4))
        _, partials = bg.score(theta, data)
        analytic = np.array([p.sum() for p in partials])
        numeric = central_gradient(lambda th: float(bg.log_likelihood(th, data).sum()), theta)
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-6)


def test_time_unit_only_rescales_alpha(cdnow: pd.DataFrame) -> None:
    in_days = cdnow.assign(recency=cdnow["recency"] * 7, T=cdnow["T"] * 7)
    weeks, days = BetaGeo().fit(cdnow).params_, BetaGeo().fit(in_days).params_
    np.testing.assert_allclose(days / weeks, [1, 7, 1, 1], rtol=1e-5)


def test_weights_equal_repeated_rows() -> None:
    # whole weeks make patterns repeat; fit the patterns with counts and the expanded rows
    data = simulate_beta_geo(3000, 0.3, 5.0, 0.7, 2.0, T=np.arange(3000) % 13 + 27.0, seed=5)
    data = data.assign(recency=np.floor(data["recency"]))
    patterns = data.value_counts().rename("n").reset_index()
    assert len(patterns) < len(data) / 3
    weighted = BetaGeo().fit(patterns, weights_col="n")
    plain = BetaGeo().fit(data)
    np.testing.assert_allclose(weighted.params_, plain.params_, rtol=1e-6)
    assert weighted.n_obs_ == plain.n_obs_ == 3000
    assert weighted.log_likelihood_ == pytest.approx(plain.log_likelihood_)


@pytest.mark.slow
def test_recovers_simulated_parameters_on_100k_customers_in_seconds() -> None:
    truth = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}
    ages = np.random.default_rng(7).uniform(13, 52, 100_000)  # staggered cohorts, weeks
    data = simulate_beta_geo(100_000, **truth, T=ages, seed=11)
    start = time.perf_counter()
    model = BetaGeo().fit(data)
    elapsed = time.perf_counter() - start
    print(f"BG/NBD fit on 100,000 simulated customers: {elapsed:.2f} s")
    assert elapsed < 20  # typically 1-3 s; generous for a loaded CI machine
    assert model.converged_
    se = model.summary["se(coef)"]
    for name, value in truth.items():
        assert abs(model.params_[name] - value) < max(4 * se[name], 0.05 * value), name


# --- properties ----------------------------------------------------------------------------

histories = st.tuples(
    st.integers(0, 200), st.floats(0, 1), st.floats(0.01, 200, allow_subnormal=False)
).map(lambda h: (h[0], 0.0 if h[0] == 0 else h[1] * h[2], h[2]))


@settings(max_examples=200, deadline=None)
@given(histories)
def test_probability_alive_is_a_probability_and_one_without_repeats(h) -> None:  # type: ignore[no-untyped-def]
    x, tx, T = h
    p = float(KNOWN.conditional_probability_alive(x, tx, T))
    assert 0.0 <= p <= 1.0
    if x == 0:
        assert p == 1.0


@settings(max_examples=200, deadline=None)
@given(histories, st.floats(0, 500), st.floats(0.01, 500))
def test_expected_purchases_are_nonnegative_and_grow_with_t(h, t: float, dt: float) -> None:  # type: ignore[no-untyped-def]
    x, tx, T = h
    now = float(KNOWN.predict(t, x, tx, T))
    later = float(KNOWN.predict(t + dt, x, tx, T))
    assert 0.0 <= now <= later * (1 + 1e-9) + 1e-12
    assert np.isfinite(later)
    new = KNOWN.expected_number_of_purchases_up_to_time(np.array([t, t + dt]))
    assert 0.0 <= new[0] <= new[1] * (1 + 1e-9) + 1e-12


def test_no_purchase_expected_in_zero_time() -> None:
    assert float(KNOWN.predict(0, 3, 10.0, 20.0)) == 0.0
    assert float(KNOWN.expected_number_of_purchases_up_to_time(0)) == 0.0


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frame", "needle"),
    [
        (pd.DataFrame({"frequency": [1], "recency": [2.0]}), "'T'"),
        (pd.DataFrame({"frequency": [1, 0], "recency": [5.0, 0.0], "T": [4.0, 3.0]}), "larger"),
        (pd.DataFrame({"frequency": [-1, 1], "recency": [0.0, 1.0], "T": [4.0, 3.0]}), "negative"),
        (pd.DataFrame({"frequency": [1.5, 1], "recency": [1.0, 1.0], "T": [4.0, 3.0]}), "whole"),
        (pd.DataFrame({"frequency": [0, 1], "recency": [2.0, 1.0], "T": [4.0, 3.0]}), "not 0"),
        (pd.DataFrame({"frequency": [1, 1], "recency": [np.nan, 1.0], "T": [4.0, 3.0]}), "missing"),
        (pd.DataFrame({"frequency": [0, 0], "recency": [0.0, 0.0], "T": [4.0, 3.0]}), "repeat"),
        (pd.DataFrame({"frequency": ["1"], "recency": [0.0], "T": [4.0]}), "numeric"),
        (pd.DataFrame({"frequency": [], "recency": [], "T": []}), "empty"),
    ],
)
def test_bad_input_is_a_clear_error(frame: pd.DataFrame, needle: str) -> None:
    with pytest.raises(ModelInputError, match=needle) as info:
        BetaGeo().fit(frame)
    assert isinstance(info.value, ValueError) and isinstance(info.value, CxpulseError)


def test_not_a_dataframe() -> None:
    with pytest.raises(ModelInputError, match="DataFrame"):
        BetaGeo().fit({"frequency": [1]})  # type: ignore[arg-type]


def test_predicting_before_fitting_says_so() -> None:
    with pytest.raises(NotFittedError, match=r"\.fit"):
        BetaGeo().predict(1, 1, 1, 2)
    assert not hasattr(BetaGeo(), "params_")


def test_prediction_inputs_are_checked() -> None:
    with pytest.raises(ModelInputError, match="recency"):
        KNOWN.conditional_probability_alive(2, 10.0, 5.0)
    with pytest.raises(ModelInputError, match="negative"):
        KNOWN.predict(-1, 2, 1.0, 5.0)
