"""How much of a change comes from the segments themselves (rate) and how much from their mix.

An overall value blends segments that can be very different populations: support tickets by
chat are answered in minutes, by email in hours. When more tickets come by chat, the
all-channel first response time falls although no channel got faster. This module splits the
change of a metric between two periods over one segment column:

- rates that are weighted means of the segments (NPS, shares, means, ratios of sums): the
  symmetric shift-share (Kitagawa 1955) decomposition. With segment weights ``w`` (answers,
  or the ratio's denominator) and values ``v``::

      change = sum((w0 + w1) / 2 * (v1 - v0))   rate effect
             + sum((v0 + v1) / 2 * (w1 - w0))   mix effect

  exactly, segment by segment (a segment missing from one period adds only mix);
- quantiles (a median, a p90): this period is recomputed with its rows reweighted so that
  each segment has the share it had in the previous period; the rate effect is that
  reweighted quantile minus the previous one, the mix effect the rest. All three use the
  weighted inverse distribution function (:func:`weighted_quantile`): for a median it is the
  engine's value; a p90 can differ from the engine's interpolated one by less than the gap
  between two neighbouring values.

Intervals (rates only): each segment's rate effect gets the interval its own change implies.
The shares ``w`` are taken as given (the mix observed), the two periods as independent
samples, and each segment's value has the standard error of the engine's interval method for
the metric's kind: adjusted (or plain) Wald for NPS-like scores, sqrt(variance / n); Wilson for
shares, its half-width divided by z (never 0, even at 0 % or 100 %); Student t for means,
s / sqrt(n) (a segment with a single answer borrows its period's pooled variance). So::

    se(rate_i) = (w0 + w1) / 2 * sqrt(se0_i^2 + se1_i^2)
    se(rate)   = sqrt(sum(se(rate_i)^2))       segments are independent samples

and the interval is the effect +- z se at the workspace's confidence (normal: a sum over
segments). A segment present in one period only has no rate effect and no interval width.
Ratios of sums are exact population figures and quantiles have no engine interval: their
intervals are None.

The headline is flagged when the mix effect is larger than the rate effect: ``opposite`` when
it also points the other way (the overall value moved one way while the segments, on
balance, moved the other: Simpson's paradox), ``mostly_mix`` when the direction is right but
most of the change is the mix. The scorecard says so next to the number.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from cxpulse import wording
from cxpulse.metrics import engine, periods, stats
from cxpulse.metrics.spec import REGISTRY, Registry

if TYPE_CHECKING:
    from cxpulse.context import Context

NONE_LABEL = "(none)"
NNBSP, NBSP = wording.NNBSP, wording.NBSP  # French: before ";" (narrow), ":" and a unit


@dataclass(frozen=True)
class SegmentShift:
    """One segment's part of a change."""

    segment: str
    weight_before: float
    """Share of the previous period's answers (or tickets, or denominator), 0-1."""
    weight_after: float
    value_before: float | None
    value_after: float | None
    rate_effect: float
    """What this segment's own change adds to the total (quantiles: its own change, weighted
    by its average share; not additive)."""
    mix_effect: float
    n_before: int = 0
    n_after: int = 0
    rate_ci_low: float | None = None
    """Interval of ``rate_effect`` (module docstring); None where the kind has none."""
    rate_ci_high: float | None = None


@dataclass(frozen=True)
class MixShift:
    """A change between two periods split into rate and mix effects over ``dimension``."""

    metric: str
    variant: str
    dimension: str
    period: str
    previous_period: str
    value: float
    previous: float
    rate_effect: float
    mix_effect: float
    method: str
    unit: str
    segments: list[SegmentShift] = field(default_factory=list)
    rate_ci_low: float | None = None
    """Interval of the total ``rate_effect`` at ``confidence`` (module docstring); None for
    exact figures and quantiles."""
    rate_ci_high: float | None = None
    confidence: float = 0.95

    @property
    def change(self) -> float:
        return self.value - self.previous

    @property
    def flag(self) -> str | None:
        """``"opposite"``: the mix moved the headline against what happened inside the
        segments (the mix effect is larger than the rate effect and points the other way);
        ``"mostly_mix"``: the direction is right but most of the change is mix; else None."""
        mix, rate = self.mix_effect, self.rate_effect
        tiny = 1e-9 * (1.0 + abs(self.value) + abs(self.previous))
        if abs(mix) <= tiny or abs(mix) <= abs(rate):
            return None
        return "opposite" if mix * rate <= 0 and abs(rate) > tiny else "mostly_mix"

    @property
    def misleading(self) -> bool:
        return self.flag is not None

    def note(self, lang: str = "en") -> str | None:
        """One sentence to show next to the headline when the mix moved it (None otherwise),
        in English (``lang="en"``, the default) or French (``"fr"``)."""
        flag = self.flag
        if flag is None:
            return None
        fr = lang == "fr"
        # the segment whose share moved most, up or down, names the mix shift (the one that
        # grew when two moved as much: with two segments, one's gain is the other's loss)
        moved = max(
            self.segments,
            key=lambda s: (
                round(abs(s.weight_after - s.weight_before), 9),  # 0.7 - 0.5 < 0.5 - 0.3
                s.weight_after > s.weight_before,
            ),
            default=None,
        )
        shift = ""
        if moved is not None and moved.weight_after != moved.weight_before:
            digits = _distinct_digits(moved.weight_before, moved.weight_after)
            a = _percent(moved.weight_before, digits, lang)
            b = _percent(moved.weight_after, digits, lang)
            shift = (
                f" ({moved.segment} est passé de {a} à {b} du total)"
                if fr
                else f" ({moved.segment} went from {a} to {b} of the total)"
            )
        amount = _amount(self.rate_effect, self.unit, lang)
        up = self.rate_effect > 0
        # a rate effect that shows as 0.00 moved nothing: "risen 0.00 h" reads as a rise
        still = abs(self.rate_effect) < 0.005
        if fr:
            moved_fr = f"aurait {'augmenté' if up else 'baissé'} de {amount}"
            rate = (
                f"à répartition par {self.dimension} de {self.previous_period} constante, il "
                f"{'serait resté stable' if still else moved_fr}"
            )
        else:
            moved_en = f"would have {'risen' if up else 'fallen'} {amount}"
            rate = (
                f"at the {self.previous_period} {self.dimension} mix it "
                f"{'would not have moved' if still else moved_en}"
            )
        if flag == "opposite":
            if fr:
                went = "augmenté" if self.change > 0 else "baissé"
                return (
                    f"effet de mix{NBSP}: le total a {went} uniquement parce que la répartition "
                    f"par {self.dimension} a changé{shift}{NNBSP}; {rate}"
                )
            went = "rose" if self.change > 0 else "fell"
            return (
                f"mix shift: the total {went} only because the {self.dimension} mix "
                f"changed{shift}; {rate}"
            )
        share = abs(self.mix_effect) / (abs(self.mix_effect) + abs(self.rate_effect))
        if fr:
            return (
                f"surtout un effet de mix{NBSP}: {_percent(share, 0, lang)} de ce changement "
                f"vient de la répartition par {self.dimension}{shift}{NNBSP}; {rate}"
            )
        return (
            f"mostly a mix shift: {_percent(share, 0, lang)} of this change comes from the "
            f"{self.dimension} mix{shift}; {rate}"
        )

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["change"] = self.change
        out["flag"] = self.flag
        out["note"] = self.note()
        out["notes"] = {lang: self.note(lang) for lang in ("en", "fr")}
        return out


def _number(x: float, digits: int, lang: str) -> str:
    return wording.number(x, lang, digits)


def _percent(share: float, digits: int, lang: str) -> str:
    return wording.share(share, lang, digits)


def _distinct_digits(a: float, b: float, most: int = 3) -> int:
    """The fewest decimals (0 to ``most``) that show two different shares as different: 27.6 %
    and 28.4 % both round to 28 %, and "from 28% to 28%" reads as no change at all."""
    for digits in range(most):
        if f"{100 * a:.{digits}f}" != f"{100 * b:.{digits}f}":
            return digits
    return most


def _amount(x: float, unit: str, lang: str = "en") -> str:
    suffix = {"hours": "h", "seconds": "s", "%": "points", "points": "points"}.get(unit, "")
    number = _number(abs(x), 2 if abs(x) < 1 else 1, lang)
    if not suffix:
        return number
    return f"{number}{NBSP if lang == 'fr' else ' '}{suffix}"


def decompose(
    ws: Context,
    name: str,
    period_start: date,
    *,
    by: str = "month",
    dimension: str | None = None,
    variant: str | None = None,
    compare: str = "previous",
    filters: Mapping[str, Any] | None = None,
    registry: Registry = REGISTRY,
) -> MixShift | None:
    """Split the change of ``name`` from the compared period to the period starting on
    ``period_start`` over ``dimension`` (default: the metric's main segment).

    None when the metric has no such segment, a period has no data, or the statistic cannot
    be split (counts, balances and other exact figures that are not a blend of segments).
    """
    spec = registry.get(name)
    var = spec.variant(variant)
    dimension = dimension or spec.main_segment
    grain = periods.check_grain(by)
    if dimension is None or grain == "all" or var.periodic is not None:
        return None
    first = periods.floor_date(period_start, grain)
    lag = {"previous": 1}.get(compare, engine._lag(grain, compare))
    before = periods.shift(first, grain, -lag)
    last_day = periods.shift(first, grain, 1) - timedelta(days=1)
    before_end = periods.shift(before, grain, 1) - timedelta(days=1)
    label, prev_label = periods.label(first, grain), periods.label(before, grain)
    filters = dict(filters or {})
    common = (spec.name, var.name, dimension, label, prev_label)
    spans = ((before, before_end), (first, last_day))
    if var.quantile is not None:
        frames = _per_period(
            spans, lambda a, b: _rows(ws, spec, var, grain, dimension, filters, a, b)
        )
        if frames is None:
            return None
        return _quantile_shift(
            *common, frames[0], frames[1], var.quantile, spec.unit, ws.settings.confidence
        )
    if var.kind not in ("nps", "share", "mean", "ratio"):
        return None
    got = _per_period(
        spans,
        lambda a, b: engine.aggregate_stats(ws, spec, var, grain, [dimension], filters, a, b),
    )
    if got is None:
        return None
    confidence = ws.settings.confidence
    parts = [_values(g, var, dimension, confidence) for g in got]
    return _shift_share(*common, parts[0], parts[1], spec.unit, confidence)


def _per_period(
    spans: tuple[tuple[date, date], tuple[date, date]],
    read: Callable[[date, date], pd.DataFrame | None],
) -> list[pd.DataFrame] | None:
    """The two periods' frames (with ``_period``), or None when either has no data.

    Adjacent periods (the usual comparison with the previous one) are read in one query over
    both and split on ``_period``: a period's rows do not depend on where the range starts, and
    the query's fixed cost (compiling it, joining the segment, scanning the table) is paid
    once instead of twice. A comparison a year back reads each period on its own rather than
    the eleven in between."""
    (before, before_end), (first, last_day) = spans
    if before_end + timedelta(days=1) == first:
        both = read(before, last_day)
        if both is None or both.empty:
            return None
        when = pd.to_datetime(both["_period"]).dt.date
        frames = [both[when == before], both[when == first]]
    else:
        got = [read(a, b) for a, b in spans]
        if any(f is None for f in got):
            return None
        frames = [f for f in got if f is not None]
    if any(f.empty for f in frames):
        return None
    return [f.reset_index(drop=True) for f in frames]


def _values(agg: pd.DataFrame, var: Any, dimension: str, confidence: float) -> pd.DataFrame:
    """Per segment: weight (n, or the ratio's denominator), value and its standard error
    (:func:`standard_errors`), in display units."""
    df = agg.copy()
    df[dimension] = df[dimension].astype(object).where(df[dimension].notna(), NONE_LABEL)
    df = df.groupby(dimension, as_index=False).sum(numeric_only=True)
    value, _, _ = engine.estimate(df, var, confidence)
    weight = df["den"] if var.kind == "ratio" else df["n"]
    return pd.DataFrame(
        {
            "segment": df[dimension].astype(str),
            "w": weight.to_numpy(float),
            "v": np.asarray(value, float),
            "n": df["n"].to_numpy(int),
            "se": standard_errors(df, var, confidence),
        }
    )


def standard_errors(df: pd.DataFrame, var: Any, confidence: float) -> npt.NDArray[np.float64]:
    """The standard error of each row's value, in display units, as the engine's interval
    method for the kind implies it (module docstring); NaN for kinds without an interval."""
    n = df["n"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if var.kind == "nps":
            adjusted = var.interval != "wald"
            _, variance = stats.nps_variance(df["n"], df["p"], df["d"], adjusted=adjusted)
            se = np.sqrt(variance / (n + (3 if adjusted else 0)))
        elif var.kind == "share":
            # Wilson's half-width over z: like sqrt(p (1 - p) / n), but never 0 at 0 % or 100 %
            z2 = stats.z_value(confidence) ** 2
            p = stats.share_point(df["n"], df["k"])
            se = np.sqrt(p * (1 - p) / n + z2 / (4 * n**2)) / (1 + z2 / n)
        elif var.kind == "mean":
            variance = stats.sample_variance(df["n"], df["s"], df["ss"])
            pooled = stats.sample_variance(df["n"].sum(), df["s"].sum(), df["ss"].sum())
            se = np.sqrt(np.where(np.isnan(variance), pooled, variance) / n)
        else:  # exact population figures, or a value without an engine interval
            se = np.full(len(df), np.nan)
    return np.asarray(np.where(n > 0, se, np.nan) * var.multiplier, dtype=np.float64)


def _shift_share(
    metric: str,
    variant: str,
    dimension: str,
    label: str,
    prev_label: str,
    before: pd.DataFrame,
    after: pd.DataFrame,
    unit: str,
    confidence: float = 0.95,
) -> MixShift | None:
    both = before.merge(after, on="segment", how="outer", suffixes=("0", "1"))
    both[["w0", "w1", "n0", "n1"]] = both[["w0", "w1", "n0", "n1"]].fillna(0)
    both = both[(both["w0"] > 0) | (both["w1"] > 0)]
    total0, total1 = both["w0"].sum(), both["w1"].sum()
    if total0 <= 0 or total1 <= 0:
        return None
    w0, w1 = both["w0"].to_numpy() / total0, both["w1"].to_numpy() / total1
    v0, v1 = both["v0"].to_numpy(float), both["v1"].to_numpy(float)
    # a segment absent from one period (or with an undefined value) takes the other period's
    # value there: it adds mix only
    v0 = np.where(np.isnan(v0) | (w0 == 0), v1, v0)
    v1 = np.where(np.isnan(v1) | (w1 == 0), v0, v1)
    rate = (w0 + w1) / 2 * (v1 - v0)
    mix = (v0 + v1) / 2 * (w1 - w0)
    # the rate effect's standard error; a segment in one period only has no rate effect
    se0, se1 = both["se0"].to_numpy(float), both["se1"].to_numpy(float)
    one_sided = (w0 == 0) | (w1 == 0)
    # (no width where the kind has an interval; NaN, no interval, where it has none)
    no_width = np.where(np.isnan(np.fmax(se0, se1)), np.nan, 0.0)
    rate_se = np.where(one_sided, no_width, (w0 + w1) / 2 * np.sqrt(se0**2 + se1**2))
    z = stats.z_value(confidence)
    total_se = float(np.sqrt((rate_se**2).sum()))
    segments = [
        SegmentShift(
            segment=str(s),
            weight_before=float(a),
            weight_after=float(b),
            value_before=None if wa == 0 else float(x),
            value_after=None if wb == 0 else float(y),
            rate_effect=float(r),
            mix_effect=float(m),
            n_before=int(na),
            n_after=int(nb),
            rate_ci_low=_finite(r - z * e),
            rate_ci_high=_finite(r + z * e),
        )
        for s, a, b, x, y, r, m, wa, wb, na, nb, e in zip(
            both["segment"],
            w0,
            w1,
            v0,
            v1,
            rate,
            mix,
            both["w0"],
            both["w1"],
            both["n0"],
            both["n1"],
            rate_se,
            strict=True,
        )
    ]
    segments.sort(key=lambda s: -abs(s.rate_effect + s.mix_effect))
    return MixShift(
        metric=metric,
        variant=variant,
        dimension=dimension,
        period=label,
        previous_period=prev_label,
        value=float((w1 * v1).sum()),
        previous=float((w0 * v0).sum()),
        rate_effect=float(rate.sum()),
        mix_effect=float(mix.sum()),
        method=(
            "shift-share (Kitagawa): weights = each segment's share of the answers; rate "
            "intervals from each segment's standard error, shares taken as given"
        ),
        unit=unit,
        segments=segments,
        rate_ci_low=_finite(rate.sum() - z * total_se),
        rate_ci_high=_finite(rate.sum() + z * total_se),
        confidence=confidence,
    )


def _finite(x: float) -> float | None:
    """A float for JSON: None for NaN (no interval)."""
    return None if np.isnan(x) else float(x)


# -- quantiles ------------------------------------------------------------------------------
def _rows(
    ws: Context,
    spec: Any,
    var: Any,
    grain: periods.Grain,
    dimension: str,
    filters: dict[str, Any],
    start: date,
    end: date,
) -> pd.DataFrame | None:
    """The one period's values (``_x``) and segment: a period of one metric's rows, the only
    row-level data this module reads."""
    t = engine.prepared(ws, spec, var, grain, [dimension], filters, start, end)
    if t is None:
        return None
    t = t.filter(t._x.notnull())
    df: pd.DataFrame = t.select("_period", segment=t[dimension].cast("string"), x=t._x).execute()
    df["segment"] = df["segment"].fillna(NONE_LABEL)
    return df


def weighted_quantile(x: npt.ArrayLike, q: float, weights: npt.ArrayLike | None = None) -> float:
    """The ``q`` quantile of ``x`` with ``weights``: the smallest value whose cumulative
    weight reaches ``q`` of the total, averaged with the next one when it reaches it exactly
    (the weighted inverse distribution function, Stata's definition; numpy's
    ``averaged_inverted_cdf``). For a median with equal weights it is the usual median: the
    middle value, or the mean of the two middle ones. Rows weighted 2 count as two rows, so
    reweighting segments reproduces the sample the new mix would have drawn."""
    values = np.asarray(x, float)
    w = np.ones_like(values) if weights is None else np.asarray(weights, float)
    keep = w > 0
    values, w = values[keep], w[keep]
    if values.size == 0:
        return float("nan")
    order = np.argsort(values, kind="stable")
    values, w = values[order], w[order]
    cum = np.cumsum(w)
    target = q * cum[-1]
    # relative tolerance: weights such as 50/70 do not sum to exact binary fractions
    tol = 1e-9 * cum[-1]
    i = int(np.searchsorted(cum, target - tol, side="left"))
    i = min(i, values.size - 1)
    if abs(cum[i] - target) <= tol and i + 1 < values.size:
        return float((values[i] + values[i + 1]) / 2)
    return float(values[i])


def _quantile_shift(
    metric: str,
    variant: str,
    dimension: str,
    label: str,
    prev_label: str,
    before: pd.DataFrame,
    after: pd.DataFrame,
    q: float,
    unit: str,
    confidence: float = 0.95,
) -> MixShift:
    share0 = before["segment"].value_counts(normalize=True)
    share1 = after["segment"].value_counts(normalize=True)
    # this period's rows, each segment weighted to its share of the previous period (a segment
    # the previous period did not have weighs nothing)
    ratio = (share0 / share1).reindex(share1.index).fillna(0.0)
    reweighted = weighted_quantile(after["x"], q, after["segment"].map(ratio).to_numpy(float))
    value, previous = weighted_quantile(after["x"], q), weighted_quantile(before["x"], q)
    segments = []
    for seg in sorted(set(share0.index) | set(share1.index)):
        x0, x1 = before["x"][before["segment"] == seg], after["x"][after["segment"] == seg]
        a, b = float(share0.get(seg, 0.0)), float(share1.get(seg, 0.0))
        v0 = weighted_quantile(x0, q) if len(x0) else None
        v1 = weighted_quantile(x1, q) if len(x1) else None
        own = (v1 - v0) if v0 is not None and v1 is not None else 0.0
        segments.append(SegmentShift(seg, a, b, v0, v1, (a + b) / 2 * own, 0.0, len(x0), len(x1)))
    segments.sort(key=lambda s: -abs(s.rate_effect))
    if np.isnan(reweighted):  # no segment in common: all of the change is mix
        reweighted = previous
    return MixShift(
        metric=metric,
        variant=variant,
        dimension=dimension,
        period=label,
        previous_period=prev_label,
        value=value,
        previous=previous,
        rate_effect=reweighted - previous,
        mix_effect=value - reweighted,
        method=(
            f"reweighted quantile: this period's rows weighted to the previous period's "
            f"{dimension} mix; no interval (the engine has none for quantiles)"
        ),
        unit=unit,
        segments=segments,
        confidence=confidence,
    )
