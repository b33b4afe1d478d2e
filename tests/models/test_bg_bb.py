from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxpulse.models import BetaGeoBetaBinom, ModelInputError

# Fader, Hardie & Shang (2010) / lifetimes docs: the donations data set (11,104 donors, n = 6)
PUBLISHED = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}
PUBLISHED_LL = -33225.6


@pytest.fixture(scope="module")
def fitted(donations: pd.DataFrame) -> BetaGeoBetaBinom:
    return BetaGeoBetaBinom().fit(donations, n_periods_col="periods", weights_col="weights")


def test_donations_fit_reproduces_the_published_parameters(fitted: BetaGeoBetaBinom) -> None:
    for name, value in PUBLISHED.items():
        assert fitted.params_[name] == pytest.approx(value, abs=6e-4)
    assert fitted.log_likelihood_ == pytest.approx(PUBLISHED_LL, abs=0.05)
    assert fitted.n_obs_ == 11104
    assert fitted.converged_


def test_matches_lifetimes(fitted: BetaGeoBetaBinom, donations, lifetimes) -> None:  # type: ignore[no-untyped-def]
    x, tx, n, w = (donations[c] for c in ("frequency", "recency", "periods", "weights"))
    oracle = lifetimes.BetaGeoBetaBinomFitter().fit(x, tx, n, w)
    np.testing.assert_allclose(fitted.params_, oracle.params_[fitted.params_.index], rtol=1e-5)
    np.testing.assert_allclose(
        fitted.summary["se(coef)"], oracle.summary["se(coef)"].to_numpy(), rtol=1e-3
    )
    oracle.params_ = fitted.params_.copy()
    for m in (0, 1, 5):
        np.testing.assert_allclose(
            fitted.conditional_probability_alive(x, tx, n, m),
            oracle.conditional_probability_alive(m, x, tx, n),
            rtol=1e-6,
        )
    for m in (1, 5, 10):
        np.testing.assert_allclose(
            fitted.predict(m, x, tx, n),
            oracle.conditional_expected_number_of_purchases_up_to_time(m, x, tx, n),
            rtol=1e-6,
        )
    histogram = oracle.expected_number_of_transactions_in_first_n_periods(6)["model"]
    ours = fitted.probability_of_n_purchases_up_to_time(6, histogram.index.to_numpy())
    np.testing.assert_allclose(ours * w.sum(), histogram.to_numpy(), rtol=1e-6)


def test_weights_equal_repeated_rows(fitted: BetaGeoBetaBinom, donations) -> None:  # type: ignore[no-untyped-def]
    expanded = donations.loc[donations.index.repeat(donations["weights"])]
    plain = BetaGeoBetaBinom().fit(expanded, n_periods_col="periods")
    np.testing.assert_allclose(plain.params_, fitted.params_, rtol=1e-6)
    assert plain.log_likelihood_ == pytest.approx(fitted.log_likelihood_)


def test_purchase_distribution_is_consistent(fitted: BetaGeoBetaBinom) -> None:
    for n in (1, 6, 20):
        p = fitted.probability_of_n_purchases_up_to_time(n, np.arange(n + 1))
        assert p.sum() == pytest.approx(1.0, abs=1e-12)
        mean = float(fitted.expected_number_of_purchases_up_to_time(n))
        assert (np.arange(n + 1) * p).sum() == pytest.approx(mean, rel=1e-10)
    assert float(fitted.probability_of_n_purchases_up_to_time(3, 4)) == 0.0


def test_predictions_behave(fitted: BetaGeoBetaBinom) -> None:
    alive = fitted.conditional_probability_alive([0, 1, 6, 3], [0, 1, 6, 6], 6)
    assert np.all((alive >= 0) & (alive <= 1))
    assert alive[2] > alive[1]  # a donor active in the last period is more likely alive
    later = fitted.conditional_probability_alive(3, 6, 6, [0, 1, 5])
    assert np.all(np.diff(later) < 0)
    expected = fitted.predict(np.arange(0, 12), 3, 5, 6)
    assert expected[0] == 0.0 and np.all(np.diff(expected) > 0)
    new = fitted.expected_number_of_purchases_up_to_time(np.arange(0, 8))
    assert new[0] == 0.0 and np.all(np.diff(new) > 0)


@pytest.mark.parametrize(
    ("row", "needle"),
    [
        ({"frequency": 3, "recency": 2, "n_periods": 6}, "larger"),
        ({"frequency": 1, "recency": 7, "n_periods": 6}, "larger"),
        ({"frequency": 0, "recency": 2, "n_periods": 6}, "must be 0"),
        ({"frequency": 1.5, "recency": 2, "n_periods": 6}, "whole"),
        ({"frequency": -1, "recency": 2, "n_periods": 6}, "negative"),
    ],
)
def test_bad_input_is_a_clear_error(row: dict[str, float], needle: str) -> None:
    frame = pd.DataFrame([{"frequency": 1, "recency": 1, "n_periods": 6}, row])
    with pytest.raises(ModelInputError, match=needle):
        BetaGeoBetaBinom().fit(frame)


def test_negative_weights_are_rejected(donations: pd.DataFrame) -> None:
    bad = donations.assign(weights=-donations["weights"])
    with pytest.raises(ModelInputError, match="negative"):
        BetaGeoBetaBinom().fit(bad, n_periods_col="periods", weights_col="weights")
