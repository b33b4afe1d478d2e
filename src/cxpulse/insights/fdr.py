"""False discovery control over a family of tests: Benjamini-Hochberg adjusted p-values.

Insights test every metric overall and in every segment of every drill dimension: a hundred
tests or more in one run, so about five would pass at 5 % by chance alone. Benjamini and
Hochberg (1995) keep the expected share of false findings among the findings at ``q``; when
nothing changed at all, that is the chance of reporting anything. It stays valid for the
positively dependent tests a total and its segments make (Benjamini & Yekutieli 2001).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def bh_adjust(p: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """The BH q-value of each p-value: min over j >= rank of m * p_(j) / j, capped at 1.

    A test is a finding at false discovery rate ``q`` when its q-value is at most ``q``. NaN
    p-values (untestable) stay NaN and do not count in m.
    """
    values = np.asarray(p, dtype=np.float64)
    out = np.full(values.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(values))
    m = ok.size
    if m == 0:
        return out
    order = ok[np.argsort(values[ok], kind="stable")]
    ranked = values[order] * m / np.arange(1, m + 1)
    # the running minimum from the largest p-value down keeps q monotone in p
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out[order] = np.minimum(q, 1.0)
    return out
