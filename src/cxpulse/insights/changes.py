"""Significant changes: every metric, overall and in every segment of its drill dimensions,
tested against the comparison period with the metric's own method, the whole family kept at
a false discovery rate.

How a run counts its tests (m), so the false discovery control is honest:

- a metric is tested when its statistic is a sample (``nps`` by its variance, ``share`` by
  the two-proportion z test, ``mean`` by Welch's t test: :mod:`cxpulse.metrics.stats`);
  exact population figures (revenue ratios, counts) and quantiles are not, and the result
  says which were left out and why;
- a group (the total, or one segment) is tested when both periods have at least the
  workspace's ``min_n`` answers (tickets, sessions...): the tests of smaller groups are too
  weak to find anything and would only raise m;
- a dimension is tested when at least two of its segments are (with one, its test repeats
  the total's); rows with no value for the dimension are not a segment and are not tested;
- the p-values of every test of the run, all metrics together, are adjusted with
  Benjamini-Hochberg (:mod:`.fdr`) at q = 1 - the workspace's confidence (5 % by default).

With ``compare="baseline"`` each metric's total in the period is tested against its expected
band from the complete periods before it instead (:func:`band_test`); segments are not (one
forecast per segment would be slow, and fitted on thin series), and the headline says so.

One query per metric reads the sufficient statistics of both periods grouped by every
dimension at once; totals and each dimension's segments are sums of those groups (every row
has one value per column). Calendar-defined metrics do the same when their groups sum up
(:data:`~cxpulse.metrics.spec.Rollup`: sessions and page views; customers placed in one
plan, with their own attributes); the others are read once per dimension, and their total
on its own (:func:`read_plan`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cxpulse.errors import ConfigError, QueryError
from cxpulse.insights.dimensions import drill_dimensions
from cxpulse.insights.explain import decompositions, shift_from_stats
from cxpulse.insights.fdr import bh_adjust
from cxpulse.insights.findings import (
    GRAIN_PLURALS,
    NNBSP,
    Band,
    Caveat,
    Finding,
    Segment,
    Text,
    check_language,
    number,
)
from cxpulse.metrics import engine, periods, stats
from cxpulse.metrics.feedback import label_grain, period_bounds
from cxpulse.metrics.scorecard import DEFAULT_METRICS as SCORECARD_METRICS
from cxpulse.metrics.selection import CUSTOMER_PREFIX
from cxpulse.metrics.spec import REGISTRY, STAT_COLUMNS, MetricSpec, Registry, Variant

if TYPE_CHECKING:
    from cxpulse.context import Context
    from cxpulse.models.forecast import ExpectedBand

DEFAULT_METRICS: tuple[str, ...] = (*SCORECARD_METRICS, "exit_rate")
"""The scorecard's metrics, and the exit rate (a page losing its visitors is what the
website's scorecard line, the bounce rate, does not show)."""

COMPARISONS = ("previous", "year", "baseline")
TESTED_KINDS = ("nps", "share", "mean")
FEW_ANSWERS = 100
"""Below this many answers in a period, a finding says its numbers rest on few answers."""
TOTAL = ""  # the dimension of a metric's total
NONE_LABEL = "(none)"
FIRST_DAY, LAST_DAY = periods.FIRST_DAY, periods.LAST_DAY


@dataclass(frozen=True)
class Window:
    """The period looked at and the one it is compared with (local days, inclusive)."""

    grain: periods.Grain
    first: date
    last: date
    before: date
    before_last: date
    compare: str

    @property
    def label(self) -> str:
        return periods.label(self.first, self.grain)

    @property
    def comparison(self) -> str:
        return periods.label(self.before, self.grain)


@dataclass(frozen=True)
class Insights:
    """The findings of one run, ranked, and what the run tested."""

    window: Window
    as_of: date
    confidence: float
    tests: int
    """m: how many tests the false discovery control covered."""
    findings: list[Finding]
    skipped: dict[str, Text] = field(default_factory=dict)
    """Metrics not tested, with the reason."""
    family: list[dict[str, Any]] = field(default_factory=list)
    """Every test of the run (metric, dimension, segment, n, comparison_n, change, p, q):
    what the false discovery control covered, findings or not."""

    @property
    def q(self) -> float:
        return round(1 - self.confidence, 10)

    @property
    def interval_level(self) -> float:
        """The confidence of the findings' intervals (:func:`fcr_level`)."""
        return fcr_level(self.q, len(self.findings), self.tests)

    @property
    def comparison(self) -> str:
        """What the period is compared with: a period's label, or ``baseline``."""
        return "baseline" if self.window.compare == "baseline" else self.window.comparison

    def headline(self, lang: str = "en") -> str:
        check_language(lang)
        w, k = self.window, len(self.findings)
        rate = number(self.q * 100, lang, 0)
        if w.compare == "baseline":
            return self._baseline_headline(lang, rate)
        if lang == "fr":
            what = (
                "Aucun changement significatif"
                if k == 0
                else f"{k} changement{'s' if k > 1 else ''} significatif{'s' if k > 1 else ''}"
            )
            return (
                f"{what} en {w.label} par rapport à {w.comparison} "
                f"({_tests(self.tests, lang)}, taux de fausses découvertes {rate}\u202f%)."
            )
        what = "No significant change" if k == 0 else f"{k} significant change{'s' * (k > 1)}"
        return (
            f"{what} in {w.label} against {w.comparison} ({_tests(self.tests, lang)}, "
            f"false discovery rate {rate}%)."
        )

    def _baseline_headline(self, lang: str, rate: str) -> str:
        w, k = self.window, len(self.findings)
        if lang == "fr":
            what = (
                "Aucune valeur hors de sa fourchette attendue"
                if k == 0
                else f"{k} valeur{'s' * (k > 1)} hors de {'leur' if k > 1 else 'sa'} "
                f"fourchette attendue"
            )
            return (
                f"{what} en {w.label}, d'après l'historique ({_tests(self.tests, lang)}, taux de "
                f"fausses découvertes {rate}{NNBSP}%). Les totaux seuls sont comparés à "
                "l'historique, pas les segments."
            )
        what = (
            "No value outside its expected band"
            if k == 0
            else f"{k} value{'s' * (k > 1)} outside {'their' if k > 1 else 'its'} expected band"
        )
        return (
            f"{what} in {w.label}, from history ({_tests(self.tests, lang)}, false discovery rate "
            f"{rate}%). Only totals are compared with their history, not segments."
        )

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        w = self.window
        return {
            "period": w.label,
            "comparison": self.comparison,
            "compare": w.compare,
            "by": w.grain,
            "start": w.first.isoformat(),
            "end": w.last.isoformat(),
            "as_of": self.as_of.isoformat(),
            "confidence": self.confidence,
            "false_discovery_rate": self.q,
            "tests": self.tests,
            "headline": self.headline(lang),
            "findings": [f.to_dict(lang) for f in self.findings],
            "skipped": {name: why(lang) for name, why in self.skipped.items()},
        }


def _tests(m: int, lang: str) -> str:
    """ "1 test", "254 tests" (French: "0 test", "1 test", "2 tests")."""
    plural = m > 1 if lang == "fr" else m != 1
    return f"{number(m, lang, 0)} test{'s' * plural}"


def window(
    ctx: Context,
    period: str | None,
    by: str | None,
    compare: str,
    as_of: date | None,
    data_end: date | None = None,
) -> Window:
    """The period (default: the last complete one, in the workspace's zone, that the data
    covers to its end) and the one it is compared with. An unfinished period is refused."""
    if compare not in COMPARISONS:
        raise QueryError(f"compare with {compare!r}? Use {', '.join(COMPARISONS)}.")
    grain = periods.check_grain(by or (label_grain(period) if period else "month"))
    if grain == "all":
        raise QueryError("insights compare periods: use --by day, week, month, quarter or year")
    today = as_of or datetime.now(ctx.settings.zone).date()
    try:
        win = _window(grain, period, compare, today, data_end)
    except QueryError:  # a ValueError too, and already says what is wrong
        raise
    except (ValueError, OverflowError):  # a period next to year 1 or 9999
        raise QueryError(
            f"{period or today} is too close to the calendar's ends (years 1 and 9999) to "
            "have a period to compare with"
        ) from None
    if win.before < FIRST_DAY or win.last > LAST_DAY:
        # the engine's timestamps (pandas, nanoseconds) span 1677-2262; a period outside it
        # holds no data anyway, and failed deep in the engine (a fuzzed as_of=1235-05-29)
        raise QueryError(
            f"{period or today}: insights look at periods from {FIRST_DAY.year} to {LAST_DAY.year}"
        )
    return win


def _window(
    grain: periods.Grain, period: str | None, compare: str, today: date, data_end: date | None
) -> Window:
    if period:
        first, last = period_bounds(period, grain)
        if last >= today:
            done = periods.label(periods.shift(periods.floor_date(today, grain), grain, -1), grain)
            raise QueryError(
                f"{period} is not over yet (it ends on {last}); insights compare complete "
                f"periods only: the last complete {grain} is {done}"
            )
    else:
        # the day after the data ends, when it ends before today: a period the data stops in
        # the middle of is not complete either
        upto = min(today, data_end + timedelta(days=1)) if data_end else today
        first = periods.shift(periods.floor_date(upto, grain), grain, -1)
        last = periods.shift(first, grain, 1) - timedelta(days=1)
    # a baseline band is for the period itself; its labels compare with the previous one
    lag = engine._lag(grain, "year" if compare == "year" else "previous")
    before = periods.shift(first, grain, -lag)
    before_last = periods.shift(before, grain, 1) - timedelta(days=1)
    return Window(grain, first, last, before, before_last, compare)


def baseline_band(ctx: Context, name: str, win: Window) -> ExpectedBand:
    """The expected band of ``name`` in the window's period from the complete periods before
    it (seasonal when they hold two full cycles: :mod:`cxpulse.models.forecast` decides).
    Raises :class:`~cxpulse.models.errors.ShortHistoryError` when they are too few."""
    # imported here: the forecasts load SciPy, which a run against a period does without
    from cxpulse.models import forecast

    return forecast.expected_band(ctx, name, win.first, win.grain)


def band_test(
    ctx: Context, spec: MetricSpec, win: Window, confidence: float, min_n: int
) -> tuple[dict[str, Any], Band] | Text:
    """The total of ``spec`` in the window's period against its expected band: the test's
    row (the columns of :func:`_test`) and the band, or why it is not tested.

    The p-value is :func:`band_p_value`'s. The interval of the change is the value minus the
    band: how far from what was expected it is, at the same confidence.
    """
    var = spec.default
    cols = list(STAT_COLUMNS[var.kind])
    got = engine.aggregate_stats(ctx, spec, var, win.grain, [], {}, win.first, win.last)
    if got is None or got.empty:
        return Text(f"no data in {win.label}", f"pas de données en {win.label}")
    total = _margin(got, TOTAL, cols).iloc[0]
    g = {c: float(total[c]) for c in cols}
    if g["n"] < min_n:
        return Text(
            f"fewer than {min_n} answers in {win.label}",
            f"moins de {min_n} réponses en {win.label}",
        )
    from cxpulse.models.errors import ShortHistoryError  # here: cxpulse.models loads SciPy

    try:
        expected = baseline_band(ctx, spec.name, win)
    except ShortHistoryError as exc:  # the forecast's reason; in French, what it needs
        from cxpulse.models.smoothing import MIN_FIT

        plural = GRAIN_PLURALS[win.grain][1]
        full = "complètes" if win.grain == "week" else "complets"
        return Text(
            str(exc),
            f"pas de fourchette attendue{NNBSP}: il faut au moins {MIN_FIT} {plural} {full} "
            f"sans interruption avant {win.label}",
        )
    band = Band(
        expected.expected, expected.low, expected.high, expected.seasonal, expected.history,
        win.grain,
    )  # fmt: skip
    value, spread = _point(var, g)
    value *= var.multiplier
    p, z = band_p_value(value, band, confidence)
    if not math.isfinite(p):
        return Text(
            "its history does not vary: no band to test against",
            f"son historique ne varie pas{NNBSP}: pas de fourchette à laquelle la comparer",
        )
    distance = value - band.expected
    with np.errstate(divide="ignore", invalid="ignore"):
        effect = abs(distance / var.multiplier) / spread
    row = {
        "metric": spec.name,
        "dimension": TOTAL,
        "segment": "",
        "n_0": 0,  # a band has no answers of its own
        "n_1": int(g["n"]),
        "value_0": band.expected,
        "value_1": value,
        "change": distance,
        "low": value - band.high,
        "high": value - band.low,
        "p": p,
        "score": float(rank_score(z, effect)),
    }
    return row, band


def band_p_value(value: float, band: Band, confidence: float) -> tuple[float, float]:
    """The two-sided p-value of ``value`` against ``band``, and its z (NaN both when the band
    has no width).

    The predictive distribution is normal, centred on the expected value, with standard error
    = the band's half-width / z (z: the normal quantile of ``confidence``, the level the band
    was made at). The band already holds the forecast's parameter uncertainty (its Student's t
    widening) and the sampling noise of the periods it was fitted on, so a value falls outside
    the band exactly when p < 1 - confidence, before the false discovery control. Where the
    band is cut at a bound of the metric (NPS at -100, a share at 0), the half-width is taken
    from the side that is not."""
    half = max(band.high - band.expected, band.expected - band.low)
    se = half / stats.z_value(confidence)
    if not (math.isfinite(se) and se > 0 and math.isfinite(value)):
        return math.nan, math.nan
    z = abs(value - band.expected) / se
    return 2 * NormalDist().cdf(-z), z


def _point(var: Variant, g: dict[str, float]) -> tuple[float, float]:
    """A group's value (on the engine's scale, before the multiplier) and the standard
    deviation of one answer (for :func:`rank_score`'s effect size)."""
    if var.kind == "nps":
        _, var_each = stats.nps_variance(g["n"], g["p"], g["d"], adjusted=False)
        return float(stats.nps_point(g["n"], g["p"], g["d"])), float(np.sqrt(var_each))
    if var.kind == "share":
        share = float(stats.share_point(g["n"], g["k"]))
        return share, math.sqrt(share * (1 - share))
    variance = stats.sample_variance(g["n"], g["s"], g["ss"])
    return float(stats.mean_point(g["n"], g["s"])), float(np.sqrt(variance))


def significant_changes(
    ctx: Context,
    *,
    period: str | None = None,
    by: str | None = None,
    compare: str = "previous",
    metrics: Sequence[str] | None = None,
    dimensions: Sequence[str] | None = None,
    as_of: date | str | None = None,
    registry: Registry = REGISTRY,
) -> Insights:
    """The significant changes of ``metrics`` (default :data:`DEFAULT_METRICS`) in ``period``
    (a label such as 2025-11; default: the last complete ``by`` period) against the
    ``compare`` period, overall and per segment of each drill dimension (``dimensions``:
    keep only these), ranked by :func:`rank_score`."""
    names = list(dict.fromkeys(metrics or DEFAULT_METRICS))
    specs = [registry.get(n) for n in names]  # an unknown name fails before any query
    today = periods.parse_day(as_of, "as_of")
    bounds = _Bounds(ctx)
    data_end = None if period else bounds.last_day([s for s in specs if _tested(s)])
    win = window(ctx, period, by, compare, today, data_end)
    confidence, min_n = ctx.settings.confidence, ctx.settings.min_n
    parts: list[pd.DataFrame] = []
    skipped: dict[str, Text] = {}
    raw: dict[str, Raw | None] = {}
    kept: dict[str, pd.DataFrame] = {}  # each metric's groups tested, for their intervals
    bands: dict[str, Band] = {}
    with ctx.sharing():
        for spec in specs:
            if not _tested(spec):
                skipped[spec.name] = _why_untested(spec)
                continue
            if compare == "baseline":
                try:
                    got = band_test(ctx, spec, win, confidence, min_n)
                except ConfigError as exc:
                    got = Text(str(exc), str(exc))
                if isinstance(got, Text):
                    skipped[spec.name] = got
                else:
                    parts.append(pd.DataFrame([got[0]]))
                    bands[spec.name] = got[1]
                continue
            try:
                groups = _groups(ctx, spec, spec.default, win, drill_dimensions(spec, dimensions))
            except ConfigError as exc:  # a setting it needs is missing: say why, go on
                skipped[spec.name] = Text(str(exc), str(exc))
                continue
            if groups is None:
                skipped[spec.name] = Text(
                    f"no data in {win.label} or {win.comparison}",
                    f"pas de données en {win.label} ou en {win.comparison}",
                )
                continue
            raw[spec.name] = groups[1]
            tested = _test(_testable(groups[0], min_n), spec, spec.default, confidence)
            if tested.empty:
                skipped[spec.name] = Text(
                    f"fewer than {min_n} answers in a period",
                    f"moins de {min_n} réponses sur une période",
                )
                continue
            parts.append(tested)
            kept[spec.name] = _testable(groups[0], min_n)
        table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        if table.empty:
            return Insights(win, today or _today(ctx), confidence, 0, [], skipped, [])
        table["q"] = bh_adjust(table["p"].to_numpy(float))
        found = table[table["q"] <= 1 - confidence]
        level = fcr_level(1 - confidence, len(found), len(table))
        found = _selected_intervals(found, kept, bands, registry, confidence, level)
        findings = [
            _band_finding(row, registry.get(row["metric"]), win, confidence, bounds,
                          bands[row["metric"]], level)
            if row["metric"] in bands
            else _finding(row, registry.get(row["metric"]), win, confidence, bounds,
                          raw[row["metric"]], level)
            for row in _records(found)
        ]  # fmt: skip
    order = {n: i for i, n in enumerate(names)}
    findings.sort(
        key=lambda f: (
            -f.score,
            order[f.metric],
            f.segment.dimension if f.segment else "",
            f.segment.value if f.segment else "",
        )
    )
    family = table[["metric", "dimension", "segment", "n_1", "n_0", "change", "p", "q"]]
    family = family.rename(columns={"n_1": "n", "n_0": "comparison_n"})
    return Insights(
        win, today or _today(ctx), confidence, len(table), findings, skipped, _records(family)
    )


def fcr_level(q: float, selected: int, tests: int) -> float:
    """The confidence of a selected finding's interval: 1 - q·R/m for R findings selected by
    Benjamini-Hochberg at ``q`` among m tests (1 - q when none is).

    Why not the plain 95 % interval: a finding is shown *because* its change was large, and
    the 95 % intervals of changes picked that way miss the true change far more often than
    5 % of the time (the winner's curse: a change picked for being large is, on average,
    larger than the truth). Labelling the plain interval "unadjusted" would leave the reader
    to correct it in their head. Benjamini & Yekutieli (2005, JASA 100:71-81) show that the
    intervals of the R selected at level 1 - q·R/m keep the expected share of selected
    intervals that miss (the false coverage rate) at q, for independent and positively
    dependent tests, as BH itself.
    They are consistent with the selection: a finding's interval leaves out no change
    (bar the small gap between the test's pooled variance and the interval's own)."""
    if selected <= 0 or tests <= 0:
        return round(1 - q, 10)
    return 1 - q * min(selected, tests) / tests


def _selected_intervals(
    found: pd.DataFrame,
    kept: dict[str, pd.DataFrame],
    bands: dict[str, Band],
    registry: Registry,
    confidence: float,
    level: float,
) -> pd.DataFrame:
    """``found`` with each change's interval at ``level`` (:func:`fcr_level`) instead of
    ``confidence``: the same method as the test's own interval, only wider."""
    if found.empty:
        return found
    out = []
    for name, rows in found.groupby("metric", sort=False):
        rows = rows.drop(columns=["low", "high"])
        if name in bands:  # the band's normal predictive spread, each side, widened
            band, widen = bands[str(name)], stats.z_value(level) / stats.z_value(confidence)
            value = rows["value_1"]
            rows["low"] = value - (band.expected + widen * (band.high - band.expected))
            rows["high"] = value - (band.expected - widen * (band.expected - band.low))
        else:
            spec = registry.get(str(name))
            keys = rows[["dimension", "segment"]]
            groups = kept[str(name)].merge(keys, on=["dimension", "segment"])
            wide = _test(groups, spec, spec.default, level)[["dimension", "segment", "low", "high"]]
            rows = rows.merge(wide, on=["dimension", "segment"], how="left")
        out.append(rows)
    return pd.concat(out, ignore_index=True)


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in df.to_dict("records")]


def _today(ctx: Context) -> date:
    return datetime.now(ctx.settings.zone).date()


def _tested(spec: MetricSpec) -> bool:
    var = spec.default
    return var.kind in TESTED_KINDS and var.quantile is None


def _why_untested(spec: MetricSpec) -> Text:
    if spec.default.quantile is not None:
        return Text(
            "a quantile: its change has no test from the engine's statistics yet",
            "un quantile\u202f: les statistiques du moteur n'en testent pas encore la variation",
        )
    return Text(
        "an exact figure of the whole population, with no sampling error to test",
        "un chiffre exact de toute la population, sans erreur d'échantillonnage à tester",
    )


class _Bounds:
    """The first and last local day of each table's rows (read once per run)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.found: dict[str, tuple[date, date] | None] = {}

    def of(self, spec: MetricSpec) -> tuple[date, date] | None:
        if spec.table not in self.found:
            t = self.ctx.table(spec.table)
            ts = t[spec.time_column]
            got = t.aggregate(lo=ts.min(), hi=ts.max()).to_pyarrow()
            lo, hi = got["lo"][0].as_py(), got["hi"][0].as_py()
            zone = self.ctx.settings.zone
            self.found[spec.table] = (
                None if lo is None else (engine.local_day(lo, zone), engine.local_day(hi, zone))
            )
        return self.found[spec.table]

    def last_day(self, specs: list[MetricSpec]) -> date | None:
        ends = [b[1] for b in map(self.of, specs) if b is not None]
        return max(ends) if ends else None


def _read(
    ctx: Context, spec: MetricSpec, var: Variant, win: Window, segments: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """Both periods' statistics grouped by ``segments`` (None when either has no data).
    Adjacent periods are read in one query and split on ``_period``."""

    def read(a: date, b: date) -> pd.DataFrame | None:
        return engine.aggregate_stats(ctx, spec, var, win.grain, segments, {}, a, b)

    if win.before_last + timedelta(days=1) == win.first:
        both = read(win.before, win.last)
        if both is None or both.empty:
            return None
        when = pd.to_datetime(both["_period"]).dt.date
        frames = (both[when == win.before], both[when == win.first])
    else:
        f0, f1 = read(win.before, win.before_last), read(win.first, win.last)
        if f0 is None or f1 is None:
            return None
        frames = (f0, f1)
    if frames[0].empty or frames[1].empty:
        return None
    return frames


def _margin(df: pd.DataFrame, dimension: str, cols: list[str]) -> pd.DataFrame:
    """The statistics summed per segment of ``dimension`` (TOTAL: over everything)."""
    if dimension == TOTAL:
        out = df[cols].sum().to_frame().T
        out["segment"] = ""
    else:
        seg = df[dimension].astype(object).where(df[dimension].notna(), NONE_LABEL).astype(str)
        out = df[cols].groupby(seg.rename("segment")).sum().reset_index()
    out.insert(0, "dimension", dimension)
    return out


Raw = tuple[pd.DataFrame, pd.DataFrame]


def _groups(
    ctx: Context, spec: MetricSpec, var: Variant, win: Window, dims: list[str]
) -> tuple[pd.DataFrame, Raw | None] | None:
    """One row per group (the total, each dimension's segments) with each period's
    statistics (columns ``<stat>_0`` before, ``<stat>_1`` after), and the statistics as
    read grouped by every dimension (None when no one read holds them all)."""
    cols = list(STAT_COLUMNS[var.kind])
    margins: list[tuple[pd.DataFrame, pd.DataFrame]] = []
    reads = read_plan(var, dims)
    got: Raw | None = None
    if reads is None:  # the total is read on its own, then each dimension
        total = _read(ctx, spec, var, win, [])
        if total is None:
            return None
        margins.append((_margin(total[0], TOTAL, cols), _margin(total[1], TOTAL, cols)))
        reads = [[d] for d in dims]
    for i, grouped in enumerate(reads):
        got = _read(ctx, spec, var, win, grouped)
        if got is None:
            if i == 0 and not margins:  # the read that gives the total: no data at all
                return None
            continue
        # the groups sum up (read_plan): the first read gives the total too
        for dim in (TOTAL, *grouped) if not margins else grouped:
            margins.append((_margin(got[0], dim, cols), _margin(got[1], dim, cols)))
    if not (len(reads) == 1 and set(reads[0]) == set(dims)):
        got = None  # the decompositions need every dimension in one read
    before = pd.concat([m[0] for m in margins], ignore_index=True)
    after = pd.concat([m[1] for m in margins], ignore_index=True)
    both = before.merge(after, on=["dimension", "segment"], how="outer", suffixes=("_0", "_1"))
    stat = [f"{c}_{i}" for c in cols for i in (0, 1)]
    both[stat] = both[stat].astype(float).fillna(0.0)
    both.insert(0, "metric", spec.name)
    return both, got


def read_plan(var: Variant, dims: list[str]) -> list[list[str]] | None:
    """The groupings to read so that every dimension's segments (and the total) are sums of
    one read's groups, as few as the variant allows (:data:`~cxpulse.metrics.spec.Rollup`);
    None: the variant's groups do not sum up, the total and each dimension are read on their
    own. Calendar-defined metrics ran one query per dimension: most of a run's time."""
    if var.periodic is None or var.rolls_up == "rows":
        return [list(dims)]
    if var.rolls_up == "customers":
        own = [d for d in dims if not d.startswith(CUSTOMER_PREFIX)]
        theirs = [d for d in dims if d.startswith(CUSTOMER_PREFIX)]
        return [[*own[:1], *theirs], *([d] for d in own[1:])]
    return None


def _testable(groups: pd.DataFrame, min_n: int) -> pd.DataFrame:
    """The groups tested: at least ``min_n`` answers in both periods; in a dimension, only
    when two segments or more are (one would repeat the total). The rows with no value for
    the dimension are not a segment (CSAT answers with no agent are every answer but the
    support ones) and are not tested: ranked first, "agent: (none) fell" said nothing."""
    big = groups[(groups["n_0"] >= min_n) & (groups["n_1"] >= min_n)]
    big = big[(big["dimension"] == TOTAL) | (big["segment"] != NONE_LABEL)]
    per_dim = big.groupby("dimension")["segment"].transform("size")
    return big[(big["dimension"] == TOTAL) | (per_dim >= 2)].reset_index(drop=True)


def _test(groups: pd.DataFrame, spec: MetricSpec, var: Variant, confidence: float) -> pd.DataFrame:
    """Each group's values, change, interval, p-value and rank score (display units)."""
    if groups.empty:
        return groups
    g = {c: groups[c].to_numpy(float) for c in groups.columns if c[-2:] in ("_0", "_1")}
    if var.kind == "nps":
        args = (g["n_0"], g["p_0"], g["d_0"], g["n_1"], g["p_1"], g["d_1"])
        test = stats.nps_change_test(*args, confidence=confidence)
        v0, v1 = stats.nps_point(*args[:3]), stats.nps_point(*args[3:])
        _, var_each = stats.nps_variance(
            g["n_0"] + g["n_1"], g["p_0"] + g["p_1"], g["d_0"] + g["d_1"], adjusted=False
        )
        spread = np.sqrt(var_each)
    elif var.kind == "share":
        test = stats.share_change_test(
            g["n_0"], g["k_0"], g["n_1"], g["k_1"], confidence=confidence
        )
        v0, v1 = stats.share_point(g["n_0"], g["k_0"]), stats.share_point(g["n_1"], g["k_1"])
        pooled = stats.share_point(g["n_0"] + g["n_1"], g["k_0"] + g["k_1"])
        spread = np.sqrt(pooled * (1 - pooled))
    else:
        test = stats.mean_change_test(
            g["n_0"], g["s_0"], g["ss_0"], g["n_1"], g["s_1"], g["ss_1"], confidence=confidence
        )
        v0, v1 = stats.mean_point(g["n_0"], g["s_0"]), stats.mean_point(g["n_1"], g["s_1"])
        var0 = stats.sample_variance(g["n_0"], g["s_0"], g["ss_0"])
        var1 = stats.sample_variance(g["n_1"], g["s_1"], g["ss_1"])
        spread = np.sqrt((var0 + var1) / 2)
    m = var.multiplier
    out = groups[["metric", "dimension", "segment", "n_0", "n_1"]].copy()
    out["value_0"], out["value_1"] = v0 * m, v1 * m
    out["change"], out["low"], out["high"] = test.diff * m, test.low * m, test.high * m
    out["p"] = test.p
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.abs(test.diff / test.se)
        effect = np.abs(test.diff / spread)
    out["score"] = rank_score(z, effect)
    tested: pd.DataFrame = out[np.isfinite(out["p"].to_numpy(float))]
    return tested.reset_index(drop=True)


def rank_score(z: Any, effect: Any) -> Any:
    """How high a change ranks: the strength of its evidence (|z|, the change in standard
    errors) raised by its size in units of the metric's spread (the standard deviation of
    one answer: Cohen's d), capped at 2 so a tiny segment's huge swing does not outrank the
    clear evidence of a large one."""
    z_ = np.nan_to_num(np.asarray(z, float), nan=0.0, posinf=0.0)
    d = np.nan_to_num(np.asarray(effect, float), nan=0.0, posinf=0.0)
    return z_ * (1 + np.minimum(d, 2.0))


def _finding(
    row: dict[str, Any],
    spec: MetricSpec,
    win: Window,
    confidence: float,
    bounds: _Bounds,
    raw: Raw | None,
    level: float,
) -> Finding:
    segment = None if row["dimension"] == TOTAL else Segment(row["dimension"], row["segment"])
    caveats: list[Caveat] = []
    evidence: list[dict[str, Any]] = []
    if min(row["n_0"], row["n_1"]) < FEW_ANSWERS:
        n = int(min(row["n_0"], row["n_1"]))
        caveats.append(
            Caveat(
                "few_answers",
                Text(
                    f"Based on few answers ({n} in one period): the interval is wide.",
                    f"Peu de réponses ({n} sur une période)\u202f: l'intervalle est large.",
                ),
            )
        )
    caveats += _coverage_caveats(bounds.of(spec), win)
    if segment is None and raw is not None:
        labels = (win.label, win.comparison)
        found = decompositions(
            [shift_from_stats(spec, d, labels, raw, confidence) for d in drill_dimensions(spec)]
        )
        evidence += found.evidence
        caveats += found.caveats
    return Finding(
        kind="change",
        metric=spec.name,
        label=spec.label,
        unit=spec.unit,
        period=win.label,
        comparison=win.comparison,
        segment=segment,
        value=float(row["value_1"]),
        comparison_value=float(row["value_0"]),
        change=float(row["change"]),
        change_low=float(row["low"]),
        change_high=float(row["high"]),
        n=int(row["n_1"]),
        comparison_n=int(row["n_0"]),
        p_value=float(row["p"]),
        q_value=float(row["q"]),
        score=float(row["score"]),
        higher_is_better=spec.higher_is_better,
        confidence=confidence,
        interval_level=level,
        evidence=tuple(evidence),
        caveats=tuple(caveats),
    )


def _band_finding(
    row: dict[str, Any],
    spec: MetricSpec,
    win: Window,
    confidence: float,
    bounds: _Bounds,
    band: Band,
    level: float,
) -> Finding:
    caveats: list[Caveat] = []
    if row["n_1"] < FEW_ANSWERS:
        n = int(row["n_1"])
        caveats.append(
            Caveat(
                "few_answers",
                Text(
                    f"Based on few answers ({n}): the value itself is uncertain.",
                    f"Peu de réponses ({n}) : la valeur elle-même est incertaine.",
                ),
            )
        )
    # the history before the period is the band's business (too little of it: not tested)
    caveats += _coverage_caveats(bounds.of(spec), win, comparison=False)
    return Finding(
        kind="change",
        metric=spec.name,
        label=spec.label,
        unit=spec.unit,
        period=win.label,
        comparison="baseline",
        value=float(row["value_1"]),
        comparison_value=float(row["value_0"]),
        change=float(row["change"]),
        change_low=float(row["low"]),
        change_high=float(row["high"]),
        n=int(row["n_1"]),
        p_value=float(row["p"]),
        q_value=float(row["q"]),
        score=float(row["score"]),
        higher_is_better=spec.higher_is_better,
        confidence=confidence,
        interval_level=level,
        caveats=tuple(caveats),
        band=band,
    )


def _coverage_caveats(
    bounds: tuple[date, date] | None, win: Window, *, comparison: bool = True
) -> list[Caveat]:
    """A period the data covers only in part (it starts late, or stops early); with
    ``comparison`` False, the period looked at only."""
    if bounds is None:
        return []
    lo, hi = bounds
    out = []
    if hi < win.last:
        out.append(
            Caveat(
                "partial",
                Text(
                    f"The data ends on {hi}, before {win.label} does: the period is only "
                    "partly covered.",
                    f"Les données s'arrêtent le {hi}, avant la fin de {win.label}\u202f: la "
                    "période n'est que partiellement couverte.",
                ),
            )
        )
    if comparison and lo > win.before:
        out.append(
            Caveat(
                "partial",
                Text(
                    f"The data starts on {lo}, after {win.comparison} began: the comparison "
                    "period is only partly covered.",
                    f"Les données commencent le {lo}, après le début de {win.comparison}\u202f: "
                    "la période de comparaison n'est que partiellement couverte.",
                ),
            )
        )
    return out
