"""Comparing two independent proportions, and controlling many such tests together.

- :func:`two_proportion_test`: two-sided p-value of a change in a share between two independent
  samples. The pooled two-proportion z test, as :func:`cxpulse.metrics.stats
  .share_change_significant` decides; when an expected count of the 2x2 table is below 5 the
  normal approximation is too rosy, and Fisher's exact test (SciPy) is used instead.
- :func:`newcombe_interval`: interval of the difference p2 - p1, Newcombe's hybrid score
  method 10 (1998) built on the two Wilson intervals: unlike the Wald interval it stays inside
  -1..1 and keeps its coverage near 0 and 1, where theme shares often are.
- :func:`bh_adjust`: Benjamini-Hochberg adjusted p-values (q-values): rejecting every test with
  q <= alpha keeps the expected share of false discoveries at alpha or below (for independent
  or positively dependent tests).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from cxpulse.metrics import stats

Array = npt.NDArray[np.float64]
MIN_EXPECTED = 5.0


def two_proportion_test(n1: int, k1: int, n2: int, k2: int) -> tuple[float, str]:
    """Two-sided p-value of k1/n1 vs k2/n2 (1.0 when there is nothing to compare), and the
    test used: ``two_proportion_z`` or ``fisher_exact``."""
    if n1 <= 0 or n2 <= 0:
        return 1.0, "none"
    pooled = (k1 + k2) / (n1 + n2)
    if pooled in (0.0, 1.0):
        return 1.0, "none"
    expected = min(n * share for n in (n1, n2) for share in (pooled, 1 - pooled))
    if expected < MIN_EXPECTED:
        from scipy.stats import fisher_exact  # type: ignore[import-untyped]

        _, p = fisher_exact([[k1, n1 - k1], [k2, n2 - k2]], alternative="two-sided")
        return float(min(p, 1.0)), "fisher_exact"
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    z = (k2 / n2 - k1 / n1) / se
    return math.erfc(abs(z) / math.sqrt(2)), "two_proportion_z"


def newcombe_interval(
    n1: int, k1: int, n2: int, k2: int, *, confidence: float
) -> tuple[float, float]:
    """Interval of k2/n2 - k1/n1 (in -1..1), Newcombe's method 10 from Wilson intervals."""
    if n1 <= 0 or n2 <= 0:
        return math.nan, math.nan
    low, high = stats.wilson_interval([n1, n2], [k1, k2], confidence=confidence)
    p1, p2 = k1 / n1, k2 / n2
    l1, l2, u1, u2 = float(low[0]), float(low[1]), float(high[0]), float(high[1])
    diff = p2 - p1
    return (
        diff - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2),
        diff + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2),
    )


def bh_adjust(p: npt.ArrayLike) -> Array:
    """Benjamini-Hochberg q-values, in the order of ``p``: q(i) = min over j with p(j) >=
    p(i) of m p(j) / rank(j), capped at 1."""
    values = np.asarray(p, dtype=np.float64)
    m = len(values)
    if m == 0:
        return values
    order = np.argsort(values, kind="stable")
    scaled = values[order] * m / np.arange(1, m + 1)
    q = np.minimum.accumulate(scaled[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(q, 1.0)
    return out
