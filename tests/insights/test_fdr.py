"""Benjamini-Hochberg q-values: a hand-computed case and the definition, checked by property."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxpulse.insights.fdr import bh_adjust


def test_q_values_match_a_hand_computation() -> None:
    # sorted: 0.005, 0.01, 0.03, 0.04; m * p / rank: 0.02, 0.02, 0.04, 0.04
    q = bh_adjust([0.01, 0.04, 0.03, 0.005])
    assert q == pytest.approx([0.02, 0.04, 0.04, 0.02])


def test_a_larger_p_value_later_lowers_an_earlier_q() -> None:
    # m * p / rank: 0.03, 0.025 -> the first takes the running minimum 0.025
    assert bh_adjust([0.015, 0.025]) == pytest.approx([0.025, 0.025])


def test_untestable_groups_stay_nan_and_do_not_count() -> None:
    q = bh_adjust([0.01, float("nan"), 0.02])
    assert np.isnan(q[1])
    assert q[[0, 2]] == pytest.approx([0.02, 0.02])  # m = 2, not 3
    assert np.isnan(bh_adjust([float("nan")])).all()


p_values = st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=40)


@given(p_values)
def test_q_is_the_definition(ps: list[float]) -> None:
    """q_i = min over p_j >= p_i of m p_j / rank_j, capped at 1 (ties share the larger rank)."""
    p = np.array(ps)
    m = len(p)
    rank = np.array([(p <= x).sum() for x in p])
    expected = [min(1.0, min(m * p[j] / rank[j] for j in range(m) if p[j] >= x)) for x in p]
    assert bh_adjust(p) == pytest.approx(expected, abs=1e-12)


@given(p_values)
def test_q_is_at_least_p_and_keeps_the_order(ps: list[float]) -> None:
    p = np.array(ps)
    q = bh_adjust(p)
    assert (q >= p - 1e-12).all() and (q <= 1).all()
    order = np.argsort(p, kind="stable")
    assert (np.diff(q[order]) >= -1e-12).all()
