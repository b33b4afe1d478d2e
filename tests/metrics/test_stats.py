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
