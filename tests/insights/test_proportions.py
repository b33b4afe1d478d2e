"""Two-proportion tests and Newcombe's interval, against known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import false_discovery_control, fisher_exact

from cxpulse.insights import proportions
from cxpulse.insights.fdr import bh_adjust
from cxpulse.insights.proportions import newcombe_interval, two_proportion_test


@pytest.mark.parametrize(
    ("k1", "n1", "k2", "n2", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:873-890, table II, method 10 (p2 - p1)
        (48, 80, 56, 70, 0.0524, 0.3339),
        (3, 10, 9, 10, 0.1705, 0.8090),
        (0, 29, 5, 56, -0.0381, 0.1926),
    ],
)
def test_newcombe_interval_matches_the_published_values(
    k1: int, n1: int, k2: int, n2: int, low: float, high: float
) -> None:
    got = newcombe_interval(n1, k1, n2, k2, confidence=0.95)
    assert got == pytest.approx((low, high), abs=6e-5)


def test_the_z_test_by_hand_and_fisher_when_counts_are_small() -> None:
    p, test = two_proportion_test(200, 40, 220, 66)
    pooled = 106 / 420
    z = (66 / 220 - 40 / 200) / math.sqrt(pooled * (1 - pooled) * (1 / 200 + 1 / 220))
    assert test == "two_proportion_z" and p == pytest.approx(math.erfc(z / math.sqrt(2)))
    p, test = two_proportion_test(40, 0, 61, 6)  # 40 x 6/101 = 2.4 expected: too few for z
    assert test == "fisher_exact"
    assert p == pytest.approx(fisher_exact([[0, 40], [6, 55]])[1])
    assert two_proportion_test(0, 0, 10, 3) == (1.0, "none")
    assert two_proportion_test(10, 10, 10, 10) == (1.0, "none")


def test_one_benjamini_hochberg_for_every_family() -> None:
    """The themes are adjusted by the one implementation (:mod:`cxpulse.insights.fdr`), which
    leaves NaN p-values out of m; the copy here did not."""
    assert not hasattr(proportions, "bh_adjust")
    from cxpulse.insights import themes

    assert themes.bh_adjust is bh_adjust


def test_the_test_is_the_engines_share_test() -> None:
    """One implementation: a theme's share change is tested as the engine tests a share."""
    from cxpulse.metrics.stats import share_change_test

    for n1, k1, n2, k2 in [(200, 40, 220, 66), (40, 0, 61, 6), (30, 1, 300, 0), (12, 5, 9, 8)]:
        p, _ = two_proportion_test(n1, k1, n2, k2)
        assert p == share_change_test(n1, k1, n2, k2, confidence=0.95).p[0]


@given(st.lists(st.floats(0, 1), min_size=1, max_size=40))
def test_benjamini_hochberg_is_scipys(p: list[float]) -> None:
    q = bh_adjust(p)
    assert q == pytest.approx(false_discovery_control(p, method="bh"), abs=1e-12)
    assert np.all(q >= np.asarray(p) - 1e-12) and np.all(q <= 1)


def test_no_change_rarely_makes_a_finding() -> None:
    """Null simulation at the demo's volumes (40 then 60 negative comments, 8 themes from
    common to rare, shares unchanged): the share of runs where any theme has q <= 0.05 stays
    near the nominal 5 % (300 runs: 24 or fewer, a method at exactly 5 % passes 99 % of the
    time). The rare themes go through Fisher's exact test, which is conservative."""
    rng = np.random.default_rng(17)
    shares = np.array([0.5, 0.3, 0.2, 0.1, 0.1, 0.05, 0.05, 0.02])
    runs, n1, n2 = 300, 40, 60
    found = 0
    for _ in range(runs):
        k1, k2 = rng.binomial(n1, shares), rng.binomial(n2, shares)
        p = [two_proportion_test(n1, int(a), n2, int(b))[0] for a, b in zip(k1, k2, strict=True)]
        found += bool((bh_adjust(p) <= 0.05).any())
    assert found <= 24
