"""Kaplan-Meier medians: a number when reached, missing (shown "not reached") when not."""

from __future__ import annotations

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
    assert km["median_days"].isna().tolist() == [False, True]
    assert km["median_days"].iloc[0] == 20.0
    assert km["customers"].dtype.kind == "i" and km["churned"].dtype.kind == "i"
