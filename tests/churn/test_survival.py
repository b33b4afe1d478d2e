"""Kaplan-Meier medians: a number when reached, missing (shown "not reached") when not."""

from __future__ import annotations

import math

import pandas as pd

from cxpulse.churn.survival import kaplan_meier


def test_median_not_reached_is_missing_not_infinite() -> None:
    data = pd.DataFrame(
        {
            "group": ["a"] * 4 + ["b"] * 4,
            "days": [10.0, 20.0, 30.0, 40.0] * 2,
            "churned": [1, 1, 1, 1, 1, 0, 0, 0],
        }
    )
    km = kaplan_meier(data, "group").set_index("group")
    assert km.loc["a", "median_days"] == 20.0
    assert math.isnan(km.loc["b", "median_days"])
    assert km["customers"].dtype.kind == "i" and km["churned"].dtype.kind == "i"
