"""The logistic model's median imputer gives scikit-learn's medians and fills like it."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.impute import SimpleImputer  # type: ignore[import-untyped]

from cxpulse.churn.impute import MedianImputer

cells = st.one_of(st.just(np.nan), st.floats(-1e6, 1e6, allow_nan=False), st.integers(-3, 3))


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 40), st.integers(1, 5)), elements=cells))
def test_the_medians_and_the_filled_rows_are_scikit_learns(x: np.ndarray) -> None:
    theirs = SimpleImputer(strategy="median", keep_empty_features=True).fit(x)
    ours = MedianImputer().fit(x)
    np.testing.assert_array_equal(ours.statistics_, theirs.statistics_)
    np.testing.assert_array_equal(ours.transform(x), theirs.transform(x))


def test_a_column_never_filled_keeps_its_place() -> None:
    x = np.array([[1.0, np.nan, 5.0], [3.0, np.nan, np.nan]])
    got = MedianImputer().fit(x).transform(x)
    np.testing.assert_array_equal(got, [[1.0, 0.0, 5.0], [3.0, 0.0, 5.0]])
    assert np.isnan(x[1, 2])  # the input is left as it was
