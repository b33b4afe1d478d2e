from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxpulse.models import GammaGamma, ModelInputError
from cxpulse.models import gamma_gamma as gg
from cxpulse.models._fit import central_gradient
from cxpulse.models.rfm import rfm_summary

# lifetimes docs (Fader, Hardie & Lee 2005, "RFM and CLV"): CDNOW repeat customers
PUBLISHED = {"p": 6.25, "q": 3.74, "gamma": 15.44}  # Fader, Hardie & Lee 2005


@pytest.fixture(scope="module")
def fitted(cdnow: pd.DataFrame) -> GammaGamma:
    return GammaGamma().fit(cdnow)


def test_cdnow_fit_reproduces_the_published_parameters(fitted: GammaGamma) -> None:
    assert list(fitted.params_.index) == ["p", "q", "gamma"]
    assert "gamma" in fitted.summary.index and "v" not in fitted.summary.index
    for name, value in PUBLISHED.items():
        assert fitted.params_[name] == pytest.approx(value, abs=0.01)
    assert fitted.n_obs_ == 946  # customers with at least one repeat purchase
    assert fitted.converged_


def test_rows_without_repeat_purchases_are_skipped(fitted: GammaGamma, cdnow) -> None:  # type: ignore[no-untyped-def]
    repeaters = GammaGamma().fit(cdnow[cdnow["frequency"] > 0])
    np.testing.assert_allclose(repeaters.params_, fitted.params_, rtol=1e-8)


def test_matches_lifetimes(fitted: GammaGamma, cdnow, lifetimes) -> None:  # type: ignore[no-untyped-def]
    repeat = cdnow[cdnow["frequency"] > 0]
    oracle = lifetimes.GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    theirs = oracle.params_.rename({"v": "gamma"})  # lifetimes' name for gamma
    np.testing.assert_allclose(fitted.params_, theirs[fitted.params_.index], rtol=1e-5)
    np.testing.assert_allclose(
        fitted.summary["se(coef)"], oracle.summary["se(coef)"].to_numpy(), rtol=1e-3
    )
    oracle.params_ = fitted.params_.rename({"gamma": "v"})
    np.testing.assert_allclose(
        fitted.conditional_expected_average_profit(cdnow["frequency"], cdnow["monetary_value"]),
        oracle.conditional_expected_average_profit(cdnow["frequency"], cdnow["monetary_value"]),
        rtol=1e-6,
    )


def test_expected_spend_shrinks_towards_the_population_mean(fitted: GammaGamma) -> None:
    p, q, gamma = fitted.params_
    population = p * gamma / (q - 1)
    assert float(fitted.conditional_expected_average_profit(0, 123.0)) == pytest.approx(population)
    own = np.array([5.0, 500.0])
    for x in (1, 5, 50):
        value = fitted.conditional_expected_average_profit(x, own)
        assert np.all((np.minimum(own, population) < value) & (value < np.maximum(own, population)))
    # more purchases, more weight on the customer's own mean
    many = fitted.conditional_expected_average_profit([1, 10, 100], 500.0)
    assert np.all(np.diff(many) > 0)


def test_currency_unit_only_rescales_gamma(cdnow: pd.DataFrame) -> None:
    cents = GammaGamma().fit(cdnow.assign(monetary_value=cdnow["monetary_value"] * 100))
    dollars = GammaGamma().fit(cdnow)
    np.testing.assert_allclose(cents.params_ / dollars.params_, [1, 1, 100], rtol=1e-5)


def test_analytic_score_matches_finite_differences(cdnow: pd.DataFrame) -> None:
    repeat = cdnow[cdnow["frequency"] > 0]
    x = repeat["frequency"].to_numpy(float)
    m = repeat["monetary_value"].to_numpy(float) / 35.0
    for theta in ([6.0, 3.7, 0.45], [1.0, 1.5, 2.0], [20.0, 8.0, 0.1]):
        th = np.array(theta)
        _, partials = gg.score(th, x, m)
        analytic = np.array([p.sum() for p in partials])
        numeric = central_gradient(lambda t: float(gg.log_likelihood(t, x, m).sum()), th)
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6)


positive = st.floats(0.05, 50.0)


@settings(max_examples=60, deadline=None)
@given(
    theta=st.tuples(positive, positive, positive),
    rows=st.lists(
        st.tuples(st.integers(1, 40), st.floats(0.01, 100.0), st.floats(0.1, 5.0)),
        min_size=1,
        max_size=30,
    ),
)
def test_summed_likelihood_and_gradient_equal_the_sums_over_rows(
    theta: tuple[float, float, float], rows: list[tuple[int, float, float]]
) -> None:
    # the fit uses Totals (Gamma functions per distinct frequency, ln m terms summed once);
    # it must be the weighted sum of the per-row likelihood and score, for any data
    x, m, w = (np.array(c, dtype=float) for c in zip(*rows, strict=True))
    th = np.array(theta)
    value, gradient = gg.Totals(x, m, w)(th)
    rows_value, partials = gg.score(th, x, m)
    scale = float(w @ np.abs(rows_value)) + 1.0
    assert abs(value - float(w @ rows_value)) <= 1e-9 * scale
    expected = np.array([w @ p for p in partials])
    np.testing.assert_allclose(gradient, expected, rtol=1e-8, atol=1e-9 * scale)


def test_identical_to_lifetimes_on_the_full_cdnow(lifetimes) -> None:  # type: ignore[no-untyped-def]
    # the 23,570 CDNOW customers (lifetimes' CDNOW_master), their first 39 weeks
    path = Path(lifetimes.__file__).parent / "datasets" / "CDNOW_master.txt"
    raw = pd.read_csv(
        path, sep=r"\s+", header=0, names=["customer_id", "date", "cds", "value"], dtype=str
    )
    raw = raw.assign(
        date=pd.to_datetime(raw["date"], format="%Y%m%d"), value=raw["value"].astype(float)
    )
    summary = rfm_summary(raw, "customer_id", "date", "value", observation_end="1997-09-30")
    # one customer's repeat purchases are worth $0: no spend to model (both would refuse it)
    summary = summary[(summary["frequency"] == 0) | (summary["monetary_value"] > 0)]
    ours = GammaGamma().fit(summary).params_.to_numpy()
    repeat = summary[summary["frequency"] > 0]
    theirs = lifetimes.GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    np.testing.assert_allclose(ours, theirs.params_.to_numpy(), rtol=1e-5)


@pytest.mark.parametrize(
    ("frame", "needle"),
    [
        (pd.DataFrame({"frequency": [1, 2], "monetary_value": [0.0, 3.0]}), "> 0"),
        (pd.DataFrame({"frequency": [0, 0], "monetary_value": [0.0, 0.0]}), "repeat"),
        (pd.DataFrame({"frequency": [1, 2], "spend": [1.0, 3.0]}), "monetary_value"),
        (pd.DataFrame({"frequency": [-1, 2], "monetary_value": [1.0, 3.0]}), "negative"),
    ],
)
def test_bad_input_is_a_clear_error(frame: pd.DataFrame, needle: str) -> None:
    with pytest.raises(ModelInputError, match=needle):
        GammaGamma().fit(frame)
