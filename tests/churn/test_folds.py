"""The grouped stratified folds are scikit-learn's StratifiedGroupKFold folds, row for row."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.model_selection import StratifiedGroupKFold  # type: ignore[import-untyped]

from cxpulse.churn.folds import stratified_group_folds


@st.composite
def labelled_groups(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int, int]:
    n_splits = draw(st.integers(2, 6))
    n_groups = draw(st.integers(n_splits, 60))
    sizes = draw(st.lists(st.integers(1, 7), min_size=n_groups, max_size=n_groups))
    groups = np.repeat(np.arange(n_groups) * 7 % 101, sizes)  # ids not in row order
    rate = draw(st.floats(0.05, 0.6))
    seed = draw(st.integers(0, 2**16))
    y = (np.random.default_rng(seed).random(len(groups)) < rate).astype(np.int64)
    # both classes with at least n_splits rows, as the caller guarantees
    y[:n_splits] = 1
    y[n_splits : 2 * n_splits] = 0
    return y, groups, n_splits, draw(st.integers(0, 1000))


@settings(max_examples=150, deadline=None)
@given(labelled_groups())
def test_the_folds_are_scikit_learns(case: tuple[np.ndarray, np.ndarray, int, int]) -> None:
    y, groups, n_splits, seed = case
    theirs = StratifiedGroupKFold(n_splits, shuffle=True, random_state=seed).split(y, y, groups)
    ours = stratified_group_folds(y, groups, n_splits=n_splits, random_state=seed)
    for (train, test), (our_train, our_test) in zip(theirs, ours, strict=True):
        assert np.array_equal(train, our_train) and np.array_equal(test, our_test)


def test_a_customer_never_sits_on_both_sides() -> None:
    rng = np.random.default_rng(1)
    groups = rng.integers(0, 300, 2000)
    y = (rng.random(2000) < 0.1).astype(np.int64)
    folds = stratified_group_folds(y, groups, n_splits=5, random_state=0)
    tested = np.concatenate([test for _, test in folds])
    assert np.array_equal(np.sort(tested), np.arange(2000))  # every row held out once
    for train, test in folds:
        assert not set(groups[train]) & set(groups[test])
