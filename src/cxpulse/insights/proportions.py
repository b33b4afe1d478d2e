"""Comparing two independent proportions (Benjamini-Hochberg over many tests: :mod:`.fdr`).

- :func:`two_proportion_test`: two-sided p-value of a change in a share between two independent
  samples: the engine's :func:`cxpulse.metrics.stats.share_change_test`, the pooled
  two-proportion z test, or Fisher's exact test (SciPy) when an expected count of the 2x2
  table is below 5, where the normal approximation is too rosy.
- :func:`newcombe_interval`: interval of the difference p2 - p1, Newcombe's hybrid score
  method 10 (1998) built on the two Wilson intervals: unlike the Wald interval it stays inside
  -1..1 and keeps its coverage near 0 and 1, where theme shares often are.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from cxpulse.metrics import stats

Array = npt.NDArray[np.float64]


def two_proportion_test(n1: int, k1: int, n2: int, k2: int) -> tuple[float, str]:
    """Two-sided p-value of k1/n1 vs k2/n2 (1.0 when there is nothing to compare), and the
    test used: ``two_proportion_z`` or ``fisher_exact``: the engine's own share test
    (:func:`cxpulse.metrics.stats.share_change_test`), one implementation for both."""
    if n1 <= 0 or n2 <= 0 or k1 + k2 in (0, n1 + n2):
        return 1.0, "none"
    test = stats.share_change_test(n1, k1, n2, k2, confidence=0.95)  # the p-value only
    exact = bool(stats.exact_share_test(n1, k1, n2, k2)[()])
    return float(test.p[0]), "fisher_exact" if exact else "two_proportion_z"


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
