"""Statistics from sufficient statistics (cxpulse.metrics.stats)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as sps

from cxpulse.metrics.stats import z_value


@given(st.floats(min_value=0.01, max_value=0.9999))
def test_z_value_is_scipys_normal_quantile(confidence: float) -> None:
    """The standard library's quantile (no SciPy import for NPS and shares) agrees with
    SciPy's to rounding."""
    expected = float(sps.norm.ppf(0.5 + confidence / 2))
    assert z_value(confidence) == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_z_value_of_95_percent() -> None:
    assert z_value(0.95) == pytest.approx(1.959963984540054, abs=1e-15)
