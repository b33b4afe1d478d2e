"""Known answers from docs/worked-examples.md and the invariants of the notebook API."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import cxpulse
from cxpulse.errors import InvalidScores


def counts(mapping: dict[int, int]) -> list[int]:
    return [score for score, k in mapping.items() for _ in range(k)]


def test_nps_of_the_ten_published_scores_is_minus_10() -> None:
    est = cxpulse.nps([3, 4, 5, 6, 8, 8, 8, 9, 10, 10])
    assert est.value == pytest.approx(-10)
    assert est.n == 10


def test_nps_45_and_its_wald_margin_of_about_14_5_points() -> None:
    scores = counts({10: 60, 8: 25, 2: 15})
    est = cxpulse.nps(scores, variant="wald")
    assert est.value == pytest.approx(45)
    # Var = p + d - (p - d)^2 = 0.75 - 0.2025; SE = sqrt(Var / 100); 1.96 SE = 14.5 points
    margin = (est.ci_high - est.ci_low) / 2
    assert margin == pytest.approx(1.959964 * math.sqrt(0.5475 / 100) * 100, rel=1e-6)
    assert round(margin, 1) == 14.5


def test_nps_default_interval_is_adjusted_wald() -> None:
    est = cxpulse.nps(counts({10: 60, 8: 25, 2: 15}))
    p, d, n = 60.75 / 103, 15.75 / 103, 103
    centre = p - d
    half = 1.959964 * math.sqrt((p + d - centre**2) / n)
    assert est.value == pytest.approx(45)
    assert est.ci_low == pytest.approx((centre - half) * 100, rel=1e-5)
    assert est.ci_high == pytest.approx((centre + half) * 100, rel=1e-5)


def test_csat_of_the_published_counts_is_69_2() -> None:
    est = cxpulse.csat(counts({5: 42, 4: 32, 3: 10, 2: 9, 1: 14}), scale=5)
    assert round(est.value, 1) == 69.2
    assert est.n == 107


def test_ces_mean_of_the_published_7_point_counts_is_4_08() -> None:
    scores = counts({1: 80, 2: 210, 3: 140, 4: 110, 5: 160, 6: 180, 7: 120})
    assert cxpulse.ces(scores, scale=7, variant="mean").value == pytest.approx(4.08)


def test_ces_polarity_high_is_hard_is_flipped() -> None:
    easy = cxpulse.ces([1, 2, 7], scale=7, polarity="high_is_hard")
    assert easy.value == pytest.approx(200 / 3)  # 1 and 2 are easy when high means hard
    mean = cxpulse.ces([1, 7], scale=7, polarity="high_is_hard", variant="mean")
    assert mean.value == pytest.approx(4)
    nes = cxpulse.ces([5, 4, 1, 2, 3], scale=5, variant="nes")
    assert nes.value == pytest.approx(0)  # two easy, two hard, one neutral


def test_csat_variants() -> None:
    scores = [5, 4, 3, 2, 1, 5]
    assert cxpulse.csat(scores, variant="top1").value == pytest.approx(200 / 6)
    assert cxpulse.csat(scores, variant="zendesk").value == pytest.approx(300 / 6)
    assert cxpulse.csat(scores, variant="mean").value == pytest.approx(20 / 6)
    seven = [7, 6, 5, 4]
    assert cxpulse.csat(seven, scale=7).value == pytest.approx(50)
    assert cxpulse.csat(seven, scale=7, variant="zendesk").value == pytest.approx(75)


def test_missing_answers_are_skipped_and_series_accepted() -> None:
    est = cxpulse.nps(pd.Series([10, None, 0, np.nan]))
    assert est.n == 2 and est.value == pytest.approx(0)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: cxpulse.nps([11]), "from 0 to 10; got 11"),
        (lambda: cxpulse.nps([8.5]), "whole numbers"),
        (lambda: cxpulse.nps(["ten"]), "must be numbers; got 'ten'"),
        (lambda: cxpulse.csat([4], scale=4), "3, 5, 7 or 10 points"),
        (lambda: cxpulse.ces([4], scale=7, polarity="up"), "polarity"),
        (lambda: cxpulse.nps([9], variant="nope"), "variants are: default, wald, account"),
    ],
)
def test_bad_input_gets_a_clear_error(call, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises((ValueError, KeyError), match=message):
        call()


def test_errors_are_cxpulse_errors() -> None:
    with pytest.raises(InvalidScores):
        cxpulse.nps([-1])


nps_scores = st.lists(st.integers(0, 10), min_size=1, max_size=400)


@given(nps_scores)
def test_nps_lies_within_minus_100_and_100(scores: list[int]) -> None:
    est = cxpulse.nps(scores)
    assert -100 <= est.value <= 100
    assert -100 <= est.ci_low <= est.ci_high <= 100


@given(nps_scores, st.sampled_from([9, 10]))
def test_adding_a_promoter_never_lowers_nps(scores: list[int], promoter: int) -> None:
    assert cxpulse.nps([*scores, promoter]).value >= cxpulse.nps(scores).value - 1e-12


@given(nps_scores)
def test_adding_a_detractor_never_raises_nps(scores: list[int]) -> None:
    assert cxpulse.nps([*scores, 6]).value <= cxpulse.nps(scores).value + 1e-12


@given(st.lists(st.integers(0, 10), min_size=2, max_size=400), st.sampled_from(["default", "wald"]))
def test_nps_interval_contains_the_point(scores: list[int], variant: str) -> None:
    est = cxpulse.nps(scores, variant=variant)
    assert est.ci_low - 1e-9 <= est.value <= est.ci_high + 1e-9


def test_single_extreme_answer_is_the_one_case_the_adjusted_interval_excludes() -> None:
    # Adjusted Wald pulls the centre towards 0; with one answer it cannot reach +/-100.
    # Exhaustively, n = 1 is the only sample size up to 300 where this happens.
    est = cxpulse.nps([10])
    assert est.ci_high < 100
    assert cxpulse.nps([10], variant="wald").ci_high == 100


@given(st.lists(st.integers(1, 5), min_size=1, max_size=300))
def test_csat_interval_contains_the_point(scores: list[int]) -> None:
    est = cxpulse.csat(scores)
    assert 0 <= est.ci_low <= est.value + 1e-9
    assert est.value <= est.ci_high + 1e-9 <= 100 + 1e-9


@given(st.lists(st.integers(1, 7), min_size=2, max_size=300))
def test_ces_mean_interval_contains_the_point(scores: list[int]) -> None:
    est = cxpulse.ces(scores, variant="mean")
    assert 1 <= est.value <= 7
    if not math.isnan(est.ci_low):
        assert est.ci_low - 1e-9 <= est.value <= est.ci_high + 1e-9


@given(
    st.lists(st.integers(1, 7), min_size=2, max_size=40),
    st.sampled_from([0.8, 0.95, 0.99]),
)
def test_a_mean_score_interval_stays_within_its_scale(scores: list[int], level: float) -> None:
    for est in (
        cxpulse.ces(scores, scale=7, variant="mean", confidence=level),
        cxpulse.csat([min(s, 5) for s in scores], scale=5, variant="mean", confidence=level),
    ):
        if est.ci_low == est.ci_low:  # defined when the answers vary
            assert (
                1 <= est.ci_low <= est.value <= est.ci_high <= (7 if "ces" in est.definition else 5)
            )


def test_the_reported_ces_interval_is_cut_at_the_top_of_the_scale() -> None:
    # six answers, one of them 1: the plain t interval reaches 7.03 on a 1-7 scale
    est = cxpulse.ces([7, 7, 7, 1, 7, 7], scale=7, variant="mean")
    assert est.ci_high == 7.0 and est.ci_low < est.value
