"""Statistics from sufficient statistics (cxpulse.metrics.stats)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as sps

from cxpulse.metrics.stats import (
    mean_change_significant,
    mean_point,
    sample_variance,
    t_interval,
    z_value,
)


@given(st.floats(min_value=0.01, max_value=0.9999))
def test_z_value_is_scipys_normal_quantile(confidence: float) -> None:
    """The standard library's quantile (no SciPy import for NPS and shares) agrees with
    SciPy's to rounding."""
    expected = float(sps.norm.ppf(0.5 + confidence / 2))
    assert z_value(confidence) == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_z_value_of_95_percent() -> None:
    assert z_value(0.95) == pytest.approx(1.959963984540054, abs=1e-15)


@given(
    st.integers(min_value=0, max_value=10_000),
    st.floats(min_value=0, max_value=1e4),
    st.floats(min_value=0, max_value=1e4),
    st.floats(min_value=0.5, max_value=0.999),
)
def test_t_interval_is_scipy_stats_t(n: int, mean: float, spread: float, conf: float) -> None:
    """The t quantile from scipy.special (a lighter import) is scipy.stats's t.ppf."""
    total, total_sq = n * mean, n * (mean**2 + spread)
    low, high = t_interval(n, total, total_sq, confidence=conf)
    se = np.sqrt(sample_variance(n, total, total_sq) / n) if n > 1 else np.nan
    t = sps.t.ppf(0.5 + conf / 2, n - 1) if n > 1 else np.nan
    expected = (mean_point(n, total) - t * se, mean_point(n, total) + t * se)
    np.testing.assert_allclose([low, high], expected, rtol=1e-9, atol=1e-9)


@given(
    st.integers(min_value=0, max_value=500),
    st.integers(min_value=0, max_value=500),
    st.floats(min_value=-3, max_value=3),
    st.floats(min_value=0, max_value=5),
    st.floats(min_value=0, max_value=5),
)
def test_welch_test_is_scipys(n1: int, n2: int, shift: float, var1: float, var2: float) -> None:
    """The Welch test with the t CDF from scipy.special decides as with scipy.stats's t.sf
    (degenerate groups included: no answers, one answer, no spread)."""
    s1, ss1 = 0.0, max(n1 - 1, 0) * var1
    s2, ss2 = n2 * shift, n2 * shift**2 + max(n2 - 1, 0) * var2
    got = mean_change_significant(n1, s1, ss1, n2, s2, ss2, confidence=0.95)
    with np.errstate(all="ignore"):
        v1, v2 = sample_variance(n1, s1, ss1), sample_variance(n2, s2, ss2)
        a, b = v1 / n1 if n1 else np.nan, v2 / n2 if n2 else np.nan
        df = (a + b) ** 2 / (a**2 / (n1 - 1) + b**2 / (n2 - 1))
        t = np.abs(mean_point(n2, s2) - mean_point(n1, s1)) / np.sqrt(a + b)
        p = 2 * sps.t.sf(t, df)
    assert bool(got) == bool(np.isfinite(p) and p < 0.05)


# -- change_test: the difference of two samples, its interval and p-value ----------------------
@given(
    st.integers(1, 400), st.integers(0, 400), st.integers(0, 400),
    st.integers(1, 400), st.integers(0, 400), st.integers(0, 400),
)  # fmt: skip
def test_change_test_calls_significant_what_the_engine_calls_significant(
    n1: int, a1: int, b1: int, n2: int, a2: int, b2: int
) -> None:
    from cxpulse.metrics.stats import (
        change_test,
        nps_change_significant,
        share_change_significant,
    )

    k1, k2 = min(a1, n1), min(a2, n2)
    share = change_test("share", {"n": n1, "k": k1}, {"n": n2, "k": k2}, confidence=0.95)
    assert share is not None and share.ci_low <= share.change <= share.ci_high
    if abs(abs(share.p_value) - 0.05) > 1e-9:  # not on the edge, where rounding decides
        engine = bool(share_change_significant(n1, k1, n2, k2, confidence=0.95))
        assert (share.p_value < 0.05) == engine
    p1, p2 = min(a1, n1), min(a2, n2)
    d1, d2 = min(b1, n1 - p1), min(b2, n2 - p2)
    nps = change_test("nps", {"n": n1, "p": p1, "d": d1}, {"n": n2, "p": p2, "d": d2},
                      confidence=0.95)  # fmt: skip
    assert nps is not None and nps.ci_low <= nps.change <= nps.ci_high
    if abs(nps.p_value - 0.05) > 1e-9:
        engine = bool(nps_change_significant(n1, p1, d1, n2, p2, d2, confidence=0.95))
        assert (nps.p_value < 0.05) == engine


def test_change_test_of_means_is_welchs_t_test() -> None:
    from cxpulse.metrics.stats import change_test

    rng = np.random.default_rng(7)
    x, y = rng.normal(3.0, 1.0, 40), rng.normal(3.6, 1.5, 55)

    def summary(v: np.ndarray) -> dict[str, float]:
        return {"n": len(v), "s": float(v.sum()), "ss": float((v**2).sum())}

    found = change_test("mean", summary(x), summary(y), confidence=0.95)
    assert found is not None
    welch = sps.ttest_ind(y, x, equal_var=False)
    assert found.p_value == pytest.approx(welch.pvalue, rel=1e-9)
    low, high = welch.confidence_interval(0.95)
    assert (found.ci_low, found.ci_high) == (pytest.approx(low), pytest.approx(high))


def test_change_test_has_no_test_for_exact_figures_or_an_empty_side() -> None:
    from cxpulse.metrics.stats import change_test

    assert change_test("ratio", {"n": 5, "num": 1, "den": 2}, {"n": 5, "num": 1, "den": 3},
                       confidence=0.95) is None  # fmt: skip
    assert change_test("share", {"n": 0, "k": 0}, {"n": 9, "k": 3}, confidence=0.95) is None


def test_the_share_interval_is_newcombes_hybrid_score_interval() -> None:
    """Newcombe (1998), table II, example (a): 56/70 against 48/80, method 10."""
    from cxpulse.metrics.stats import change_test

    found = change_test("share", {"n": 80, "k": 48}, {"n": 70, "k": 56}, confidence=0.95)
    assert found is not None
    assert (found.ci_low, found.ci_high) == (pytest.approx(0.0524, abs=5e-5),
                                             pytest.approx(0.3339, abs=5e-5))  # fmt: skip


@pytest.mark.parametrize("kind", ["share", "nps"])
def test_change_test_holds_its_level_and_its_coverage(kind: str) -> None:
    """400 pairs of samples drawn with a known difference (none, then 8 points): the test
    finds a difference where there is none in about 5 % of pairs (binomial allowance: at most
    32 of 400, which a test at exactly 5 % passes 99.9 % of the time), and the interval holds
    the true difference in about 95 % of pairs (at least 368 of 400)."""
    from cxpulse.metrics.stats import change_test

    rng = np.random.default_rng(17)
    n1, n2 = 300, 250
    found = covered = 0
    for planted in (0.0, 0.08):
        for _ in range(400):
            if kind == "share":
                k1, k2 = rng.binomial(n1, 0.7), rng.binomial(n2, 0.7 + planted)
                test = change_test("share", {"n": n1, "k": k1}, {"n": n2, "k": k2},
                                   confidence=0.95)  # fmt: skip
            else:  # promoters, passives, detractors; the net score moves by `planted`
                c1 = rng.multinomial(n1, [0.45, 0.35, 0.20])
                c2 = rng.multinomial(n2, [0.45 + planted / 2, 0.35, 0.20 - planted / 2])
                test = change_test("nps", {"n": n1, "p": c1[0], "d": c1[2]},
                                   {"n": n2, "p": c2[0], "d": c2[2]}, confidence=0.95)  # fmt: skip
            assert test is not None
            if planted == 0:
                found += test.p_value < 0.05
            covered += test.ci_low <= planted <= test.ci_high
    assert found <= 32
    assert covered >= 2 * 368


def test_the_net_score_change_test_keeps_its_level_on_small_samples() -> None:
    """With 40 answers a period and nothing changed, p < 0.05 in 5 % of pairs: the variance
    under "no change" is pooled (each sample's own made it 6.6 %, a simulated 1.32 times)."""
    from cxpulse.metrics.stats import nps_change_test

    rng = np.random.default_rng(11)
    pairs, n = 40_000, 40
    a = rng.multinomial(n, [0.45, 0.30, 0.25], size=pairs)
    b = rng.multinomial(n, [0.45, 0.30, 0.25], size=pairs)
    ones = np.full(pairs, n)
    test = nps_change_test(ones, a[:, 0], a[:, 2], ones, b[:, 0], b[:, 2], confidence=0.95)
    rate = float((test.p < 0.05).mean())
    assert 0.045 <= rate <= 0.056  # about 5 standard errors of the rate either side
    assert (test.significant(0.95) == (test.p < 0.05)).all()


# -- shares with small counts: Fisher's exact test --------------------------------------------
@given(st.integers(1, 80), st.integers(0, 80), st.integers(1, 400), st.integers(0, 400))
def test_a_share_with_a_small_expected_count_is_tested_exactly(
    n1: int, a: int, n2: int, b: int
) -> None:
    """Where an expected count of the 2x2 table is below 5 the p-value is SciPy's Fisher's
    exact test; elsewhere the pooled z test, vectorised as before."""
    import math

    from cxpulse.metrics.stats import exact_share_test, share_change_test

    k1, k2 = min(a, n1), min(b, n2)
    n = np.array([n1, n1, 300.0]), np.array([k1, k1, 150.0])
    test = share_change_test(n[0], n[1], [n2, n2, 310], [k2, k2, 140], confidence=0.95)
    pooled = (k1 + k2) / (n1 + n2)
    if pooled in (0.0, 1.0):
        assert np.isnan(test.p[0])  # nothing varies: no test
        return
    small = min(n1, n2) * min(pooled, 1 - pooled) < 5
    assert bool(exact_share_test(n1, k1, n2, k2)) == small
    if small:
        fisher = sps.fisher_exact([[k1, n1 - k1], [k2, n2 - k2]])[1]
        assert test.p[0] == pytest.approx(fisher, rel=1e-9, abs=1e-12)
    else:
        se0 = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        z = (k2 / n2 - k1 / n1) / se0
        assert test.p[0] == pytest.approx(math.erfc(abs(z) / math.sqrt(2)), rel=1e-9)
    assert test.p[1] == test.p[0]
    z = (140 / 310 - 0.5) / math.sqrt(290 / 610 * (320 / 610) * (1 / 300 + 1 / 310))
    assert test.p[2] == pytest.approx(math.erfc(abs(z) / math.sqrt(2)), rel=1e-12)


def test_a_rare_share_between_unequal_samples_keeps_its_level() -> None:
    """30 answers then 300, a 1 % share, nothing changed (20,000 pairs): p < 0.01 and
    p < 0.001 come at most as often as they should. The z test alone gave them 2.8 and 8.6
    times as often: the small p-values a false discovery control lets through."""
    from cxpulse.metrics.stats import share_change_test

    rng = np.random.default_rng(5)
    pairs = 20_000
    k1, k2 = rng.binomial(30, 0.01, pairs), rng.binomial(300, 0.01, pairs)
    test = share_change_test(np.full(pairs, 30), k1, np.full(pairs, 300), k2, confidence=0.95)
    for level in (0.05, 0.01, 0.001):
        assert (test.p < level).sum() <= level * pairs * 1.1
