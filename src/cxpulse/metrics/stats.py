"""Estimates, confidence intervals and change tests, from sufficient statistics.

Metric queries return small per-group counts (answers, promoters, detractors, sums); everything
here works on those counts, vectorised over groups with numpy, so the same code serves the
engine (thousands of groups) and the notebook API (one group).

Three kinds of statistic:
- ``nps``: three categories scored +1 / 0 / -1 (NPS, CES net easy score). Interval: adjusted
  Wald by default (add 3/4 to each extreme category and 3 to n; Sauro & Lewis), ``wald`` as a
  variant. Variance of the per-answer score is p + d - (p - d)^2.
- ``share``: a proportion (CSAT, response rate). Interval: Wilson score. Change test: the
  pooled two-proportion z test, Fisher's exact test when an expected count is below 5.
- ``mean``: an average score. Interval: Student t.
- ``ratio``: a ratio of two sums (MRR churn, ARPA). No sampling interval: these are counts of a
  whole population, not a sample, so the value is exact and a change is a change.
- ``value``: a number computed in the query itself (a median, a count, a balance); no interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

import numpy as np
import numpy.typing as npt

Kind = Literal["nps", "share", "mean", "ratio", "value"]
Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Estimate:
    """A metric value with its interval. ``value`` is in the metric's unit (e.g. NPS points)."""

    value: float
    ci_low: float
    ci_high: float
    n: int
    definition: str = ""

    def __float__(self) -> float:
        return self.value

    def __repr__(self) -> str:
        return (
            f"Estimate(value={self.value:.4g}, ci=[{self.ci_low:.4g}, {self.ci_high:.4g}], "
            f"n={self.n})"
        )


def z_value(confidence: float) -> float:
    # the standard library's normal quantile (Wichura's AS 241, as scipy's to the last bit or
    # two): NPS and share intervals need no SciPy, whose import alone takes about a second
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def _arr(x: object) -> Array:
    return np.asarray(x, dtype=np.float64)


def _safe_div(num: Array, den: Array) -> Array:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


# -- NPS-like (three categories) --------------------------------------------------------------
def nps_point(n: object, p: object, d: object) -> Array:
    """Net score in -1..1: share of the top category minus share of the bottom one."""
    n_, p_, d_ = _arr(n), _arr(p), _arr(d)
    return _safe_div(p_ - d_, n_)


def nps_variance(n: object, p: object, d: object, *, adjusted: bool) -> tuple[Array, Array]:
    """(centre, variance of one answer) on the -1..1 scale; adjusted adds 3/4, 3/4 and 3."""
    n_, p_, d_ = _arr(n), _arr(p), _arr(d)
    if adjusted:
        n_, p_, d_ = n_ + 3, p_ + 0.75, d_ + 0.75
    ps, ds = _safe_div(p_, n_), _safe_div(d_, n_)
    centre = ps - ds
    return centre, ps + ds - centre**2


def nps_interval(
    n: object, p: object, d: object, *, confidence: float, adjusted: bool = True
) -> tuple[Array, Array]:
    """Interval of the net score, -1..1, clipped to the possible range."""
    n_ = _arr(n)
    centre, var = nps_variance(n, p, d, adjusted=adjusted)
    se = np.sqrt(_safe_div(var, n_ + (3 if adjusted else 0)))
    half = z_value(confidence) * se
    low = np.clip(centre - half, -1, 1)
    high = np.clip(centre + half, -1, 1)
    empty = n_ <= 0
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def nps_change_significant(
    n1: object,
    p1: object,
    d1: object,
    n2: object,
    p2: object,
    d2: object,
    *,
    confidence: float,
) -> npt.NDArray[np.bool_]:
    """Two-sided z test of a difference of net scores between independent samples
    (:func:`nps_change_test`: the variance of one answer from both samples pooled)."""
    return nps_change_test(n1, p1, d1, n2, p2, d2, confidence=confidence).significant(confidence)


def nps_change_test(
    n1: object,
    p1: object,
    d1: object,
    n2: object,
    p2: object,
    d2: object,
    *,
    confidence: float,
) -> ChangeTest:
    """The change of net score from sample 1 to sample 2 (-1..1 scale), its z test and interval.

    The test takes the variance of one answer under "no change": both samples pooled, as
    the two-proportion test does. Each sample's own variance (the interval's) understates
    the spread of a small sample whose answers happen to bunch: with 40 answers a sample
    and no change (200,000 simulated pairs), p < 0.05 came 1.32 times and p < 0.001 2.5
    times as often as it should; pooled, 1.03 and 0.94 times. Variances are adjusted-Wald
    (3/4 added to each extreme category, 3 to n) so samples with no spread (all promoters)
    still get a finite standard error.
    """
    n1_, n2_ = _arr(n1), _arr(n2)
    _, v1 = nps_variance(n1, p1, d1, adjusted=True)
    _, v2 = nps_variance(n2, p2, d2, adjusted=True)
    se = np.sqrt(_safe_div(v1, n1_ + 3) + _safe_div(v2, n2_ + 3))
    _, v0 = nps_variance(n1_ + n2_, _arr(p1) + _arr(p2), _arr(d1) + _arr(d2), adjusted=True)
    se0 = np.sqrt(v0 * (_safe_div(np.ones_like(n1_), n1_) + _safe_div(np.ones_like(n2_), n2_)))
    diff = nps_point(n2, p2, d2) - nps_point(n1, p1, d1)
    half = z_value(confidence) * se
    return ChangeTest(diff, se, normal_p(_safe_div(diff, se0)), diff - half, diff + half)


# -- shares ----------------------------------------------------------------------------------
def share_point(n: object, k: object) -> Array:
    return _safe_div(_arr(k), _arr(n))


def wilson_interval(n: object, k: object, *, confidence: float) -> tuple[Array, Array]:
    n_, k_ = _arr(n), _arr(k)
    z = z_value(confidence)
    p = share_point(n_, k_)
    denom = 1 + z**2 / np.where(n_ > 0, n_, 1)
    centre = (p + z**2 / (2 * np.where(n_ > 0, n_, 1))) / denom
    half = (z / denom) * np.sqrt(
        p * (1 - p) / np.where(n_ > 0, n_, 1) + z**2 / (4 * np.where(n_ > 0, n_, 1) ** 2)
    )
    low = np.clip(centre - half, 0, 1)
    high = np.clip(centre + half, 0, 1)
    empty = n_ <= 0
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def share_change_significant(
    n1: object, k1: object, n2: object, k2: object, *, confidence: float
) -> npt.NDArray[np.bool_]:
    """Two-sided pooled two-proportion z test, exact for small counts
    (:func:`share_change_test`)."""
    return share_change_test(n1, k1, n2, k2, confidence=confidence).significant(confidence)


def share_change_test(
    n1: object, k1: object, n2: object, k2: object, *, confidence: float
) -> ChangeTest:
    """The change of share from sample 1 to sample 2 (0..1 scale): the pooled two-proportion
    z test (the standard error under no change), or Fisher's exact test where an expected
    count is small (:func:`exact_share_test`), and the Wald interval of the difference (each
    sample's own variance: the change is not assumed to be zero there)."""
    n1_, k1_, n2_, k2_ = _arr(n1), _arr(k1), _arr(n2), _arr(k2)
    pooled = _safe_div(k1_ + k2_, n1_ + n2_)
    one = np.ones_like(n1_)
    se0 = np.sqrt(pooled * (1 - pooled) * (_safe_div(one, n1_) + _safe_div(one, n2_)))
    s1, s2 = share_point(n1_, k1_), share_point(n2_, k2_)
    diff = s2 - s1
    se = np.sqrt(_safe_div(s1 * (1 - s1), n1_) + _safe_div(s2 * (1 - s2), n2_))
    half = z_value(confidence) * se
    p = normal_p(_safe_div(diff, se0))
    exact = np.flatnonzero(np.isfinite(p) & exact_share_test(n1_, k1_, n2_, k2_))
    if exact.size:
        p = p.copy()
        cells = (np.broadcast_to(np.atleast_1d(x), p.shape)[exact] for x in (n1_, k1_, n2_, k2_))
        p[exact] = _fisher_p(*cells)
    return ChangeTest(diff, se, p, diff - half, diff + half)


MIN_EXPECTED = 5.0
"""Below this expected count in a cell of the 2x2 table (under no change) a share's change
is tested exactly (:func:`exact_share_test`)."""


def exact_share_test(n1: object, k1: object, n2: object, k2: object) -> npt.NDArray[np.bool_]:
    """Where :func:`share_change_test` uses Fisher's exact test instead of the z test: an
    expected count of the 2x2 table below :data:`MIN_EXPECTED` (the textbook rule, Cochran
    1954). There the normal approximation is too rosy where it matters most: with 30 answers
    in one period and 300 in the other at a 1 % share and no change (200,000 simulated
    pairs), p < 0.01 came 2.8 times and p < 0.001 8.6 times as often as it should, and the
    small p-values are the ones a false discovery control over many tests lets through."""
    n1_, k1_, n2_, k2_ = _arr(n1), _arr(k1), _arr(n2), _arr(k2)
    pooled = _safe_div(k1_ + k2_, n1_ + n2_)
    rare = np.minimum(pooled, 1 - pooled)
    with np.errstate(invalid="ignore"):
        return np.asarray(np.fmin(n1_, n2_) * rare < MIN_EXPECTED) & (rare > 0)


def _fisher_p(n1: Array, k1: Array, n2: Array, k2: Array) -> Array:
    """Two-sided p-values of Fisher's exact test: given both samples' sizes and the total
    count, the probability (hypergeometric) of every split at most as likely as the one seen,
    as :func:`scipy.stats.fisher_exact` and R's ``fisher.test`` define it (the tests check it
    against SciPy's). From scipy.special's log-gamma, over each table's support at once:
    SciPy's function takes about a millisecond a table and scipy.stats a second to import,
    and the engine tests thousands of small segments.

    Fisher's test rather than Boschloo's, which is more powerful but maximises over a
    nuisance parameter for each table (a numerical search, tens of milliseconds each):
    Fisher's is conservative where it is used, which keeps the false discovery control's
    level, and those cells are few among the tests of a run."""
    from scipy.special import gammaln

    def log_choose(n: float, k: Array) -> Array:
        return np.asarray(gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1), dtype=np.float64)

    out = np.empty(len(n1))
    for i, (a, b, c, d) in enumerate(zip(n1, k1, n2, k2, strict=True)):
        size1, size2, seen = round(a), round(c), round(b)
        total = seen + round(d)
        support = np.arange(max(0, total - size2), min(size1, total) + 1, dtype=np.float64)
        log_pmf = log_choose(size1, support) + log_choose(size2, total - support)
        log_pmf = log_pmf - log_choose(size1 + size2, _arr([total]))
        pmf = np.exp(log_pmf)
        # at most as likely as the table seen, with R's relative tolerance for exact ties
        observed = pmf[seen - int(support[0])]
        out[i] = min(float(pmf[pmf <= observed * (1 + 1e-7)].sum()), 1.0)
    return out


# -- ratios of sums ---------------------------------------------------------------------------
def ratio_point(num: object, den: object) -> Array:
    """num / den, undefined (NaN, never infinite) when den is 0."""
    return _safe_div(_arr(num), _arr(den))


# -- means -----------------------------------------------------------------------------------
def mean_point(n: object, total: object) -> Array:
    return _safe_div(_arr(total), _arr(n))


def sample_variance(n: object, total: object, total_sq: object) -> Array:
    """Unbiased sample variance from n, sum and sum of squares (clipped at 0 for rounding)."""
    n_, s, ss = _arr(n), _arr(total), _arr(total_sq)
    var = _safe_div(ss - _safe_div(s**2, n_), n_ - 1)
    return np.where(n_ > 1, np.maximum(var, 0.0), np.nan)


def t_interval(
    n: object,
    total: object,
    total_sq: object,
    *,
    confidence: float,
    lo: object | None = None,
    hi: object | None = None,
) -> tuple[Array, Array]:
    """Student t interval of a mean; for a bounded score (a 1-7 scale) clipped to ``lo`` and
    ``hi``: an interval reaching past the scale would claim means no answers can give. The
    coverage is unchanged, since only impossible values are cut."""
    # Student's t quantile as scipy.stats computes it, from scipy.special: only mean metrics
    # import it, and scipy.special loads in a quarter of the time of scipy.stats
    from scipy.special import stdtrit

    n_ = _arr(n)
    mean = mean_point(n_, total)
    se = np.sqrt(_safe_div(sample_variance(n_, total, total_sq), n_))
    with np.errstate(invalid="ignore"):
        t = stdtrit(np.where(n_ > 1, n_ - 1, np.nan), 0.5 + confidence / 2)
    low, high = mean - t * se, mean + t * se
    if lo is not None:
        low, high = np.maximum(low, _arr(lo)), np.maximum(high, _arr(lo))
    if hi is not None:
        low, high = np.minimum(low, _arr(hi)), np.minimum(high, _arr(hi))
    return low, high


def mean_change_significant(
    n1: object,
    s1: object,
    ss1: object,
    n2: object,
    s2: object,
    ss2: object,
    *,
    confidence: float,
) -> npt.NDArray[np.bool_]:
    """Welch's two-sided t test from summary statistics (:func:`mean_change_test`)."""
    return mean_change_test(n1, s1, ss1, n2, s2, ss2, confidence=confidence).significant(confidence)


def mean_change_test(
    n1: object,
    s1: object,
    ss1: object,
    n2: object,
    s2: object,
    ss2: object,
    *,
    confidence: float,
) -> ChangeTest:
    """The change of mean from sample 1 to sample 2: Welch's t test and interval."""
    from scipy.special import stdtr, stdtrit  # Student's t CDF and quantile

    n1_, n2_ = _arr(n1), _arr(n2)
    v1, v2 = sample_variance(n1_, s1, ss1), sample_variance(n2_, s2, ss2)
    a, b = _safe_div(v1, n1_), _safe_div(v2, n2_)
    se = np.sqrt(a + b)
    diff = mean_point(n2_, s2) - mean_point(n1_, s1)
    with np.errstate(divide="ignore", invalid="ignore"):
        df = (a + b) ** 2 / (a**2 / (n1_ - 1) + b**2 / (n2_ - 1))
        t = np.abs(diff) / se
        p = 2 * stdtr(df, -t)
        half = stdtrit(df, 0.5 + confidence / 2) * se
    p = np.where(np.isfinite(p), p, np.nan)
    return ChangeTest(diff, se, p, diff - half, diff + half)


@dataclass(frozen=True)
class ChangeTest:
    """Per group, a change from one independent sample to another: ``diff`` (on the
    statistic's own scale: -1..1 for net scores, 0..1 for shares, the unit for means), its
    standard error, the two-sided p-value of "no change" (NaN where it cannot be tested)
    and the ``confidence`` interval of the change."""

    diff: Array
    se: Array
    p: Array
    low: Array
    high: Array

    def significant(self, confidence: float) -> npt.NDArray[np.bool_]:
        with np.errstate(invalid="ignore"):
            return np.asarray(np.isfinite(self.p) & (self.p < 1 - confidence))


def normal_p(z: object) -> Array:
    """Two-sided p-value of standard normal scores (NaN stays NaN)."""
    z_ = np.atleast_1d(_arr(z))
    return np.array([math.erfc(abs(v) / math.sqrt(2)) if np.isfinite(v) else np.nan for v in z_])


# -- one change between two samples given by their statistics (impact of an event) -----------
@dataclass(frozen=True)
class SampleChange:
    """``after - before`` on the statistic's own scale (NPS in -1..1, a share in 0..1), its
    interval and the two-sided p-value of the engine's test (:class:`ChangeTest`):
    ``p_value < 1 - confidence`` exactly when the engine calls the change significant."""

    change: float
    ci_low: float
    ci_high: float
    p_value: float


def change_test(
    kind: Kind,
    before: dict[str, float],
    after: dict[str, float],
    *,
    confidence: float,
) -> SampleChange | None:
    """The change between two independent samples given by their sufficient statistics
    (:data:`cxpulse.metrics.spec.STAT_COLUMNS`); None for exact figures (``ratio``,
    ``value``: no sampling, no test), when a side is empty or the test is undefined.

    The p-value is the engine's own test (:func:`nps_change_test`, :func:`share_change_test`,
    :func:`mean_change_test`). For shares the interval is Newcombe's hybrid score interval
    from the two Wilson intervals (Newcombe 1998, method 10), which keeps its coverage near
    0 % and 100 % where a Wald interval does not; the others use the test's own interval.
    """
    n1, n2 = float(before.get("n", 0) or 0), float(after.get("n", 0) or 0)
    if kind not in ("nps", "share", "mean") or n1 <= 0 or n2 <= 0:
        return None
    if kind == "nps":
        test = nps_change_test(
            n1, before["p"], before["d"], n2, after["p"], after["d"], confidence=confidence
        )
    elif kind == "share":
        test = share_change_test(n1, before["k"], n2, after["k"], confidence=confidence)
    else:
        test = mean_change_test(
            n1, before["s"], before["ss"], n2, after["s"], after["ss"], confidence=confidence
        )
    diff, p, low, high = (
        float(np.asarray(x).reshape(-1)[0]) for x in (test.diff, test.p, test.low, test.high)
    )
    if kind == "share":
        k1, k2 = float(before["k"]), float(after["k"])
        s1, s2 = k1 / n1, k2 / n2
        (l1,), (u1,) = wilson_interval([n1], [k1], confidence=confidence)
        (l2,), (u2,) = wilson_interval([n2], [k2], confidence=confidence)
        low = diff - float(np.sqrt((s2 - l2) ** 2 + (u1 - s1) ** 2))
        high = diff + float(np.sqrt((u2 - s2) ** 2 + (s1 - l1) ** 2))
    if np.isfinite(diff) and diff == 0 and not np.isfinite(p):
        p = 1.0  # both samples all one answer: nothing moved, and nothing to test against
    if not (np.isfinite(diff) and np.isfinite(p) and np.isfinite(low) and np.isfinite(high)):
        return None  # one answer on a side, or no spread at all: no standard error
    return SampleChange(diff, low, high, p)
