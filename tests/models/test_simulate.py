from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxpulse.errors import ConfigError
from cxpulse.models import BetaGeo, ParetoNBD, simulate_beta_geo, simulate_pareto_nbd

BG = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}
PN = {"r": 0.55, "alpha": 10.0, "s": 0.6, "beta": 12.0}


@pytest.mark.parametrize(
    ("simulate", "params"), [(simulate_beta_geo, BG), (simulate_pareto_nbd, PN)]
)
def test_tables_are_valid_and_reproducible(simulate, params) -> None:  # type: ignore[no-untyped-def]
    data = simulate(5000, **params, T=np.linspace(1, 52, 5000), seed=3)
    assert list(data.columns) == ["frequency", "recency", "T"]
    assert (data["frequency"] >= 0).all() and (data["recency"] <= data["T"]).all()
    assert (data.loc[data["frequency"] == 0, "recency"] == 0).all()
    assert (data.loc[data["frequency"] > 0, "recency"] > 0).all()
    pd.testing.assert_frame_equal(
        data, simulate(5000, **params, T=np.linspace(1, 52, 5000), seed=3)
    )


@pytest.mark.parametrize(
    ("simulate", "model", "params"),
    [(simulate_beta_geo, BetaGeo(), BG), (simulate_pareto_nbd, ParetoNBD(), PN)],
)
def test_mean_purchases_match_the_model_expectation(simulate, model, params) -> None:  # type: ignore[no-untyped-def]
    # the simulator and the closed form E[X(t)] are independent routes to the same number
    model.params_ = pd.Series(params)
    data = simulate(400_000, **params, T=30.0, seed=8)
    expected = float(model.expected_number_of_purchases_up_to_time(30.0))
    se = data["frequency"].std() / np.sqrt(len(data))
    assert abs(data["frequency"].mean() - expected) < 4 * se


def test_bad_parameters() -> None:
    with pytest.raises(ConfigError, match="alpha"):
        simulate_beta_geo(10, 0.2, -1.0, 1.0, 1.0)
    with pytest.raises(ConfigError, match="n_customers"):
        simulate_pareto_nbd(0, 0.2, 1.0, 1.0, 1.0)
    with pytest.raises(ConfigError, match="T"):
        simulate_beta_geo(10, 0.2, 1.0, 1.0, 1.0, T=0.0)
