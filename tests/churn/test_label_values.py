"""A churn label in words is accepted; anything else is refused, naming what was found."""

from __future__ import annotations

import pandas as pd
import pytest

from cxpulse.churn.errors import ChurnDataError
from cxpulse.churn.label_values import label_values


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["Yes", "No", "yes", "NO"], [1, 0, 1, 0]),
        (["No", "Yes"], [0, 1]),
        (["True", "false"], [1, 0]),
        ([True, False], [1, 0]),
        ([1, 0], [1, 0]),
        ([1.0, 0.0], [1, 0]),
        (["Churned", "active"], [1, 0]),
    ],
)
def test_accepted(values: list[object], expected: list[int]) -> None:
    assert label_values(pd.Series(values), "Churn").tolist() == expected


def test_blank_is_to_score() -> None:
    got = label_values(pd.Series(["Yes", " ", None, "No"]), "Churn")
    assert got.isna().tolist() == [False, True, True, False]


def test_refused_naming_the_values() -> None:
    with pytest.raises(ChurnDataError, match=r"2 rows hold something else: 'gone', 'left'"):
        label_values(pd.Series(["Yes", "left", "gone", "No"]), "Churn")
