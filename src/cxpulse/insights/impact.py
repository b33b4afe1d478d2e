"""Did it move the metrics? Each metric before an event and from its start, over equal
windows, with each window's interval and a test of the difference.

The windows (local days of the workspace's zone): the *after* window starts on the event's
first day and the *before* window is the same number of days just before it. Its length is
``days`` when given, else the event's own span (``day`` to ``until``: an outage is compared
with as many days before it), else :data:`DEFAULT_DAYS` for a one-off event (a release, a
price change: what it changed is read over the following four weeks, whole weeks so both
windows hold the same weekdays). "From its start" rather than "after its end": a lasting
annotation is an episode (an outage, a campaign) whose effect is the question; to read what
stayed after it, annotate its end as an event of its own.

Only days that are over are compared: an after window reaching today or later is cut at
yesterday, and the before window is cut to the same length (so both hold as many days), with
a caveat saying so. A window with fewer answers than the workspace's ``min_n`` is shown but
never called a change.

Each change is tested with the metric's own method (:func:`cxpulse.metrics.stats.change_test`,
the engine's tests); metrics the engine gives no interval (ratios of totals over a whole
population, medians, composite indexes) get their change without one, and no test. The two
windows are read as independent samples, the engine's assumption for two periods too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from cxpulse import wording
from cxpulse.errors import AnnotationError
from cxpulse.insights.annotations import Annotation, annotations_between, find_annotation
from cxpulse.metrics import periods
from cxpulse.metrics.engine import aggregate_stats, estimate
from cxpulse.metrics.scorecard import DEFAULT_METRICS
from cxpulse.metrics.spec import REGISTRY, STAT_COLUMNS
from cxpulse.metrics.stats import change_test

if TYPE_CHECKING:
    from cxpulse.context import Context

DEFAULT_DAYS = 28
MAX_DAYS = 366
NNBSP, NBSP = wording.NNBSP, wording.NBSP

# the French names of the scorecard's metrics (the library cannot import the web's i18n)
_LABELS_FR = {**wording.METRIC_NAMES_FR, "csat": "CSAT", "ces": "CES"}  # short names
_LABELS_EN = {"nps": "NPS", "csat": "CSAT", "ces": "CES"}  # the short names people use


@dataclass(frozen=True)
class Window:
    """Local days ``start``..``end``, both included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "days": self.days}


@dataclass(frozen=True)
class Side:
    """One window's value of a metric and its interval (the metric's unit)."""

    value: float | None
    ci_low: float | None
    ci_high: float | None
    n: int


@dataclass(frozen=True)
class MetricImpact:
    metric: str
    label: str
    unit: str
    higher_is_better: bool
    before: Side
    after: Side
    change: float | None
    """after - before, in the metric's unit (percentage points for a share)."""
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    significant: bool
    confidence: float
    min_n: int
    tested: bool
    """False for the figures the engine gives no interval (ratios of totals, medians,
    indexes): their change is shown, never tested."""

    @property
    def too_few(self) -> bool:
        return min(self.before.n, self.after.n) < self.min_n

    @property
    def direction(self) -> str | None:
        """better, worse or None (no significant change)."""
        if not self.significant or self.change is None or self.change == 0:
            return None
        return "better" if (self.change > 0) == self.higher_is_better else "worse"

    def caveats(self, lang: str) -> list[str]:
        fr = lang == "fr"
        found = []
        if self.before.n == 0 or self.after.n == 0:
            found.append(
                "pas de données dans une des deux fenêtres"
                if fr
                else "no data in one of the two windows"
            )
        elif self.too_few:
            n1, n2, m = (_int(x, lang) for x in (self.before.n, self.after.n, self.min_n))
            found.append(
                f"trop peu de données pour conclure ({n1} avant, {n2} après{NBSP}; au moins {m})"
                if fr
                else f"too few to tell ({n1} before, {n2} after; at least {m} needed)"
            )
        if not self.tested and self.change is not None:
            found.append(
                "pas d'intervalle pour ce chiffre (total, médiane ou indice), donc pas de test"
                if fr
                else "no interval for this figure (a total, median or index), so no test"
            )
        return found

    def headline(self, lang: str) -> str:
        fr = lang == "fr"
        label = _LABELS_FR.get(self.metric, self.label) if fr else self._label_en()
        colon = f"{NBSP}:" if fr else ":"
        if self.change is None or self.before.value is None or self.after.value is None:
            return f"{label}{colon} " + (
                "pas de données avant et après l'événement à comparer."
                if fr
                else "no data before and after the event to compare."
            )
        v1 = _value(self.before.value, self.unit, lang)
        v2 = _value(self.after.value, self.unit, lang)
        change = _change(self.change, self.unit, lang)
        # French without "le/la ... est passé(e)": the labels' genders differ
        moved = f"{colon} de {v1} à {v2}" if fr else f" {_verb(self.change)} from {v1} to {v2}"
        if not self.tested or self.too_few:
            why = (f"{NBSP}; " if fr else "; ").join(self.caveats(lang))
            return f"{label}{moved} ({change}){f'{NBSP};' if fr else ':'} {why}."
        conf = _int(round(self.confidence * 100), lang)
        lo = _number(self.ci_low or 0.0, _digits(self.unit), lang)
        hi = _number(self.ci_high or 0.0, _digits(self.unit), lang)
        interval = (
            f"intervalle à {conf}{NNBSP}% de {lo} à {hi}"
            if fr
            else f"{conf}% interval {lo} to {hi}"
        )
        verdict = {
            ("better", False): "a significant improvement",
            ("worse", False): "a significant worsening",
            ("better", True): "une amélioration significative",
            ("worse", True): "une dégradation significative",
        }.get((self.direction or "", fr))
        if verdict is None:
            p = _number(self.p_value or 0.0, 2, lang)
            verdict = (
                f"pas de changement significatif (p = {p})"
                if fr
                else f"not a significant change (p = {p})"
            )
        if fr:
            return f"{label}{moved}, soit {change} ({interval}), {verdict}."
        return f"{label}{moved}: {change} ({interval}), {verdict}."

    def _label_en(self) -> str:
        return _LABELS_EN.get(self.metric, self.label)

    def to_dict(self) -> dict[str, Any]:
        def side(s: Side) -> dict[str, Any]:
            return {"value": s.value, "ci_low": s.ci_low, "ci_high": s.ci_high, "n": s.n}

        return {
            "metric": self.metric,
            "label": self.label,
            "unit": self.unit,
            "higher_is_better": self.higher_is_better,
            "before": side(self.before),
            "after": side(self.after),
            "change": self.change,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "p_value": self.p_value,
            "significant": self.significant,
            "direction": self.direction,
            "tested": self.tested,
            "too_few": self.too_few,
            "caveats": {"en": self.caveats("en"), "fr": self.caveats("fr")},
            "headline": {"en": self.headline("en"), "fr": self.headline("fr")},
        }


@dataclass(frozen=True)
class Impact:
    annotation: Annotation
    before: Window
    after: Window
    days_wanted: int
    """The windows' length before the cut at yesterday (equal to ``after.days`` when none)."""
    confidence: float
    rows: list[MetricImpact]
    others: list[Annotation] = field(default_factory=list)
    """Other annotations inside the windows: they may explain part of a change."""

    @property
    def unfinished(self) -> bool:
        return self.after.days < self.days_wanted

    def caveats(self, lang: str) -> list[str]:
        fr = lang == "fr"
        found = []
        if self.unfinished:
            k, n = _int(self.after.days, lang), _int(self.days_wanted, lang)
            found.append(
                f"la fenêtre après n'est pas finie{NBSP}: {k} jours sur {n} sont passés, les "
                f"deux fenêtres sont réduites à {k} jours"
                if fr
                else f"the after window is not over: {k} of its {n} days are past, so both "
                f"windows are cut to {k} days"
            )
        for other in self.others:
            found.append(
                f"un autre événement tombe dans ces fenêtres{NBSP}: {_event(other)}"
                if fr
                else f"another event falls in these windows: {_event(other)}"
            )
        return found

    def headline(self, lang: str) -> str:
        fr = lang == "fr"
        a = self.annotation
        moved = [r for r in self.rows if r.direction is not None]
        tested = [r for r in self.rows if r.tested and not r.too_few]
        k, m, d = _int(len(moved), lang), _int(len(tested), lang), _int(self.after.days, lang)

        def names(which: str) -> str:
            return ", ".join(
                (_LABELS_FR.get(r.metric, r.label) if fr else r._label_en())
                for r in moved
                if r.direction == which
            )

        worse, better = names("worse"), names("better")
        if fr:
            text = (
                f"{_event(a)}{NBSP}: {_moved_fr(len(moved), len(tested), k, m)} significativement "
                f"sur les {d} jours depuis son début, par rapport aux {d} jours d'avant"
            )
            parts = [f"en baisse{NBSP}: {worse}" if worse else "",
                     f"en hausse{NBSP}: {better}" if better else ""]  # fmt: skip
        else:
            text = (
                f"{_event(a)}: {_moved_en(len(moved), len(tested), k, m)} significantly over the "
                f"{d} days "
                f"from its start, against the {d} days before"
            )
            parts = [f"worse: {worse}" if worse else "", f"better: {better}" if better else ""]
        detail = "; ".join(p for p in parts if p)
        return f"{text} ({detail})." if detail else f"{text}."

    def to_dict(self) -> dict[str, Any]:
        return {
            "annotation": self.annotation.to_dict(),
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
            "days_wanted": self.days_wanted,
            "unfinished": self.unfinished,
            "confidence": self.confidence,
            "others": [o.to_dict() for o in self.others],
            "caveats": {"en": self.caveats("en"), "fr": self.caveats("fr")},
            "headline": {"en": self.headline("en"), "fr": self.headline("fr")},
            "metrics": [r.to_dict() for r in self.rows],
        }


def windows(annotation: Annotation, days: int | None, today: date) -> tuple[Window, Window, int]:
    """(before, after, days wanted): see the module's docstring."""
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise AnnotationError(f"days: {days}; give 1 to {MAX_DAYS}")
    wanted = days or ((annotation.last_day - annotation.day).days + 1 if annotation.until else
                      DEFAULT_DAYS)  # fmt: skip
    last_over = today - timedelta(days=1)  # today itself is still running
    over = min(wanted, (last_over - annotation.day).days + 1)
    if over < 1:
        raise AnnotationError(
            f"day: the event starts on {annotation.day}, and no day from it is over yet "
            f"(today is {today}); its impact can be read from {annotation.day + timedelta(1)}"
        )
    after = Window(annotation.day, annotation.day + timedelta(days=over - 1))
    before = Window(annotation.day - timedelta(days=over), annotation.day - timedelta(days=1))
    return before, after, wanted


def impact(
    ctx: Context,
    name_or_id: str | Annotation,
    *,
    metrics: Sequence[str] | None = None,
    days: int | None = None,
    as_of: date | str | None = None,
) -> Impact:
    """The metrics before and from the start of an annotated event (id or label).

    ``metrics``: default, the scorecard's metrics that have data in both windows; named ones
    are always shown (a window without data says so). ``as_of``: the local day taken as today
    (default: today in the workspace's zone)."""
    annotation = (
        name_or_id if isinstance(name_or_id, Annotation) else find_annotation(ctx, name_or_id)
    )
    today = periods.parse_day(as_of, "as_of") or datetime.now(ctx.settings.zone).date()
    before, after, wanted = windows(annotation, days, today)
    names = list(dict.fromkeys(metrics)) if metrics else list(DEFAULT_METRICS)
    specs = [REGISTRY.get(n) for n in names]  # an unknown name is refused before any query
    rows = []
    with ctx.sharing():
        for spec in specs:
            row = _compare(ctx, spec, before, after)
            if metrics or (row.before.n > 0 and row.after.n > 0):
                rows.append(row)
    others = [
        o
        for o in annotations_between(ctx, before.start, after.end)
        if o.annotation_id != annotation.annotation_id
    ]
    return Impact(annotation, before, after, wanted, ctx.settings.confidence, rows, others)


def _compare(ctx: Context, spec: Any, before: Window, after: Window) -> MetricImpact:
    var = spec.default
    confidence, min_n = ctx.settings.confidence, ctx.settings.min_n
    cols = STAT_COLUMNS[var.kind]
    sides: list[Side] = []
    stats_: list[dict[str, float]] = []
    for w in (before, after):
        agg = aggregate_stats(ctx, spec, var, "all", [], {}, w.start, w.end)
        if agg is None or agg.empty or int(agg["n"].iloc[0] or 0) == 0:
            sides.append(Side(None, None, None, 0))
            stats_.append({})
            continue
        value, low, high = estimate(agg, var, confidence)
        sides.append(Side(_num(value[0]), _num(low[0]), _num(high[0]), int(agg["n"].iloc[0])))
        stats_.append({c: float(agg[c].iloc[0]) for c in cols})
    b, a = sides
    tested = var.kind in ("nps", "share", "mean")
    test = change_test(var.kind, stats_[0], stats_[1], confidence=confidence) if tested else None
    m = var.multiplier
    change = None if b.value is None or a.value is None else a.value - b.value
    too_few = min(b.n, a.n) < min_n
    return MetricImpact(
        metric=spec.name,
        label=spec.label,
        unit=spec.unit,
        higher_is_better=spec.higher_is_better,
        before=b,
        after=a,
        change=change,
        ci_low=_num(test.ci_low * m) if test else None,
        ci_high=_num(test.ci_high * m) if test else None,
        p_value=_num(test.p_value) if test else None,
        significant=bool(test and not too_few and test.p_value < 1 - confidence),
        confidence=confidence,
        min_n=min_n,
        tested=tested,
    )


# -- words and numbers in English and French -----------------------------------------------------
def _num(x: Any) -> float | None:
    return None if x is None or not np.isfinite(float(x)) else float(x)


def _number(x: float, digits: int, lang: str) -> str:
    return wording.number(x, lang, digits)


def _int(x: int, lang: str) -> str:
    return _number(float(x), 0, lang)


def _digits(unit: str) -> int:
    return 2 if unit == "hours" else 1


def _value(x: float, unit: str, lang: str) -> str:
    text = _number(x, _digits(unit), lang)
    if unit == "%":
        return f"{text}{NNBSP}%" if lang == "fr" else f"{text}%"
    short = {"hours": "h", "stars": "étoiles" if lang == "fr" else "stars"}.get(unit)
    return f"{text} {short}" if short else text


def _change(x: float | None, unit: str, lang: str) -> str:
    """A change with its sign; a share's or a score's in points."""
    if x is None:
        return "–"
    text = _number(x, _digits(unit), lang)
    text = "+" + text if x > 0 else text
    if unit in ("%", "points"):
        return f"{text} points"
    short = {"hours": "h", "stars": "étoiles" if lang == "fr" else "stars"}.get(unit)
    return f"{text} {short}" if short else text


def _verb(change: float) -> str:
    return "rose" if change > 0 else "fell" if change < 0 else "stayed"


def _event(a: Annotation) -> str:
    when = f"{a.day}" if a.until is None else f"{a.day} – {a.until}"
    return f"{a.label} ({when})"


def _moved_en(n_moved: int, n_tested: int, k: str, m: str) -> str:
    if n_tested == 1:
        return "the only tested metric " + ("changed" if n_moved else "did not change")
    return f"{k} of {m} tested metrics changed"


def _moved_fr(n_moved: int, n_tested: int, k: str, m: str) -> str:
    """French agrees the verb with the count, where English's "k of m metrics" never has to."""
    if n_tested == 1:
        return "le seul indicateur testé " + ("a changé" if n_moved else "n'a pas changé")
    if not n_moved:
        return f"aucun des {m} indicateurs testés n'a changé"
    return f"{k} des {m} indicateurs testés {'a' if n_moved == 1 else 'ont'} changé"
