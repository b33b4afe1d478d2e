from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxpulse.errors import ConfigError
from cxpulse.models import BetaGeo, GammaGamma, ParetoNBD, customer_lifetime_value


@pytest.fixture(scope="module")
def models(cdnow: pd.DataFrame) -> tuple[BetaGeo, ParetoNBD, GammaGamma]:
    return BetaGeo().fit(cdnow), ParetoNBD().fit(cdnow), GammaGamma().fit(cdnow)


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # lifetimes' log(0) at t=0
@pytest.mark.parametrize("which", ["bgnbd", "pareto"])
@pytest.mark.parametrize(("time", "rate"), [(12, 0.01), (1, 0.0), (24, 0.05)])
def test_matches_lifetimes_on_cdnow(models, cdnow, lifetimes, which, time, rate) -> None:  # type: ignore[no-untyped-def]
    bgnbd, pareto, spend = models
    ours = bgnbd if which == "bgnbd" else pareto
    oracle_model = lifetimes.BetaGeoFitter() if which == "bgnbd" else lifetimes.ParetoNBDFitter()
    oracle_model.params_ = ours.params_.copy()
    oracle_model.predict = oracle_model.conditional_expected_number_of_purchases_up_to_time
    oracle_spend = lifetimes.GammaGammaFitter()
    oracle_spend.params_ = spend.params_.rename({"gamma": "v"})  # lifetimes calls gamma v
    args = (cdnow["frequency"], cdnow["recency"], cdnow["T"], cdnow["monetary_value"])
    expected = oracle_spend.customer_lifetime_value(
        oracle_model, *args, time=time, discount_rate=rate, freq="W"
    )
    got = spend.customer_lifetime_value(ours, *args, time=time, discount_rate=rate, freq="W")
    np.testing.assert_allclose(got, expected.to_numpy(), rtol=1e-6)


def test_days_give_the_same_value_up_to_the_month_length(models, cdnow) -> None:  # type: ignore[no-untyped-def]
    bgnbd, _, spend = models
    in_days = cdnow.assign(recency=cdnow["recency"] * 7, T=cdnow["T"] * 7)
    daily = BetaGeo().fit(in_days)
    args = ("frequency", "recency", "T", "monetary_value")
    weeks = spend.customer_lifetime_value(bgnbd, *(cdnow[a] for a in args), freq="W")
    days = spend.customer_lifetime_value(daily, *(in_days[a] for a in args), freq="D")
    # lifetimes' month is 4.345 weeks = 30.415 days but 30 days in "D": about 1.4 % apart
    np.testing.assert_allclose(days, weeks, rtol=0.02)


def test_direct_function_is_the_discounted_sum(models) -> None:  # type: ignore[no-untyped-def]
    bgnbd, _, _ = models
    x, tx, T, value = 3, 25.0, 38.0, 40.0
    months = np.arange(13) * 4.345
    cumulative = bgnbd.predict(months, x, tx, T)
    by_hand = sum(value * (cumulative[k] - cumulative[k - 1]) / 1.01**k for k in range(1, 13))
    got = customer_lifetime_value(bgnbd, x, tx, T, value, time=12, discount_rate=0.01)
    assert got.shape == ()
    assert float(got) == pytest.approx(by_hand, rel=1e-12)
    # more months, more value; a higher discount rate, less
    assert float(customer_lifetime_value(bgnbd, x, tx, T, value, time=24)) > float(got)
    assert float(customer_lifetime_value(bgnbd, x, tx, T, value, discount_rate=0.05)) < float(got)


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"time": 0}, "time"),
        ({"time": 1.5}, "time"),
        ({"discount_rate": -1.0}, "discount_rate"),
        ({"freq": "H"}, "freq"),
    ],
)
def test_bad_settings(models, kwargs, needle) -> None:  # type: ignore[no-untyped-def]
    bgnbd, _, _ = models
    with pytest.raises(ConfigError, match=needle):
        customer_lifetime_value(bgnbd, 1, 1.0, 2.0, 10.0, **kwargs)
