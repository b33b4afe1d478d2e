"""A finding: one thing that changed (or a theme, a cost, an event), with its numbers, how sure
we are of it, the evidence behind it and one sentence saying it in English or French.

Every insight part produces :class:`Finding` objects, so the CLI, the API and the digests rank
and render them the same way. A ``change`` finding writes its own headline from its numbers;
the other kinds hand theirs in as ``text``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from cxpulse import wording
from cxpulse.errors import QueryError

LANGUAGES = wording.LANGUAGES
NNBSP, MINUS = wording.NNBSP, wording.MINUS

KINDS = ("change", "mix", "theme", "cost", "annotation")
"""``mix``: an untested metric (a quantile) whose total moved against its segments."""

# what a drill dimension is called in a sentence (a column not listed is shown as it is)
DIMENSION_NAMES: dict[str, tuple[str, str]] = {
    "touchpoint": ("touchpoint", "point de contact"),
    "channel": ("channel", "canal"),
    "language": ("language", "langue"),
    "plan": ("plan", "offre"),
    "segment": ("segment", "segment"),
    "country": ("country", "pays"),
    "team": ("team", "équipe"),
    "agent_id": ("agent", "agent"),
    "category": ("category", "catégorie"),
    "priority": ("priority", "priorité"),
    "page": ("page", "page"),
    "platform": ("platform", "plateforme"),
    "customer.segment": ("customer segment", "segment client"),
    "customer.plan": ("plan", "offre"),
    "customer.country": ("country", "pays"),
    "customer.language": ("customer language", "langue du client"),
}

FRENCH_LABELS = wording.METRIC_NAMES_FR
SHORT_LABELS = {"nps": "NPS"}

# how a change is counted: shares in percentage points, the rest in their own unit
CHANGE_UNITS: dict[str, tuple[str, str]] = {
    "%": (" points", " points"),
    "points": (" points", " points"),
    "hours": (" h", " h"),
    "seconds": (" s", " s"),
    "s": (" s", " s"),
    "stars": (" stars", " étoiles"),
    "days": (" days", " jours"),
    "pages": (" pages", " pages"),
}


def check_language(lang: str) -> str:
    if lang not in LANGUAGES:
        raise QueryError(f"language {lang!r}? Use {' or '.join(LANGUAGES)}.")
    return lang


def number(x: float | None, lang: str, digits: int = 1) -> str:
    """``x`` with ``digits`` decimals (:func:`cxpulse.wording.number`)."""
    return wording.number(x, lang, digits)


def percent(x: float, lang: str, digits: int = 0) -> str:
    """A confidence level or share given in percent (95 → 95% / 95 %)."""
    sep = NNBSP if lang == "fr" else ""
    return f"{number(x, lang, digits)}{sep}%"


def value_text(x: float | None, unit: str, lang: str) -> str:
    """A metric value with its unit: 45.2% / 45,2 %, 32.1 (NPS), 4.2 h."""
    if unit == "%":
        sep = NNBSP if lang == "fr" else ""
        return f"{number(x, lang)}{sep}%"
    suffix = CHANGE_UNITS.get(unit, ("", ""))[LANGUAGES.index(lang)]
    return f"{number(x, lang)}{'' if unit == 'points' else suffix}"


def change_text(x: float | None, unit: str, lang: str) -> str:
    """The size of a change (no sign: the verb says which way), in points for shares."""
    suffix = CHANGE_UNITS.get(unit, ("", ""))[LANGUAGES.index(lang)]
    return f"{number(None if x is None else abs(x), lang)}{suffix}"


def p_text(p: float | None, lang: str) -> str:
    if p is None or not math.isfinite(p):
        return "–"
    if p < 0.001:
        return "< 0,001" if lang == "fr" else "< 0.001"
    return "= " + number(p, lang, 3)


def dimension_name(dimension: str, lang: str) -> str:
    names = DIMENSION_NAMES.get(dimension)
    return names[LANGUAGES.index(lang)] if names else dimension.removeprefix("customer.")


def metric_name(metric: str, label: str, lang: str) -> str:
    if lang == "fr":
        return FRENCH_LABELS.get(metric, label)
    return SHORT_LABELS.get(metric, label)


@dataclass(frozen=True)
class Text:
    """One sentence in each language."""

    en: str
    fr: str

    def __call__(self, lang: str) -> str:
        return self.fr if check_language(lang) == "fr" else self.en


@dataclass(frozen=True)
class Caveat:
    """What a reader must know to read a finding right. ``code``: ``partial`` (a period is
    not over), ``mix`` (most of the change is a shift in the mix of segments), ``opposite``
    (the segments moved the other way: Simpson's paradox), ``few_answers``."""

    code: str
    text: Text

    def to_dict(self, lang: str = "en") -> dict[str, str]:
        return {"code": self.code, "text": self.text(lang)}


@dataclass(frozen=True)
class Segment:
    """Where a finding holds: the rows whose ``dimension`` is ``value``."""

    dimension: str
    value: str

    def words(self, lang: str) -> str:
        sep = f"{NNBSP}:" if lang == "fr" else ":"
        return f"{dimension_name(self.dimension, lang)}{sep} {self.value}"


GRAIN_PLURALS: dict[str, tuple[str, str]] = {
    "day": ("days", "jours"),
    "week": ("weeks", "semaines"),
    "month": ("months", "mois"),
    "quarter": ("quarters", "trimestres"),
    "year": ("years", "ans"),
}


@dataclass(frozen=True)
class Band:
    """Where a period's value was expected from its history (a one-step forecast's
    prediction interval, :func:`cxpulse.models.forecast.expected_band`)."""

    expected: float
    low: float
    high: float
    seasonal: bool
    history: int
    """How many complete periods before it the band was fitted on."""
    grain: str

    def history_words(self, lang: str) -> str:
        names = GRAIN_PLURALS.get(self.grain, (self.grain, self.grain))
        if lang == "fr":
            return f"d'après {self.history} {names[1]} d'historique"
        return f"from {self.history} {names[0]} of history"

    def to_dict(self) -> dict[str, Any]:
        return {
            "expected": _num(self.expected),
            "low": _num(self.low),
            "high": _num(self.high),
            "seasonal": self.seasonal,
            "history": self.history,
            "by": self.grain,
        }


@dataclass(frozen=True)
class Finding:
    """One ranked finding of a period against its comparison."""

    kind: str
    metric: str
    label: str
    unit: str
    period: str
    """The period the finding is about (an engine label: 2025-11, 2025-W46...)."""
    comparison: str
    """The period (or band) it is compared with."""
    segment: Segment | None = None
    """None: the metric's total."""
    value: float | None = None
    comparison_value: float | None = None
    change: float | None = None
    change_low: float | None = None
    change_high: float | None = None
    """The interval of the change, at :attr:`interval_level`."""
    n: int = 0
    comparison_n: int = 0
    p_value: float | None = None
    q_value: float | None = None
    """The p-value adjusted for the whole family of tests of the run (Benjamini-Hochberg)."""
    score: float = 0.0
    """Rank: higher first (see :func:`cxpulse.insights.changes.rank_score`)."""
    higher_is_better: bool = True
    confidence: float = 0.95
    interval_level: float | None = None
    """The confidence of (change_low, change_high): for a finding selected among m tests,
    1 - q·R/m (:func:`cxpulse.insights.changes.fcr_level`), wider than ``confidence``;
    None: ``confidence`` (a finding not selected by a test)."""
    evidence: tuple[dict[str, Any], ...] = ()
    caveats: tuple[Caveat, ...] = ()
    text: Text | None = None
    """The headline, for kinds that write their own (a change's is made from its numbers)."""
    tags: tuple[str, ...] = field(default=())
    band: Band | None = None
    """The expected band the value is compared with (``--compare baseline``): then
    ``comparison_value`` is its expected value and ``change`` the distance from it."""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"finding kind {self.kind!r}: one of {', '.join(KINDS)}")

    @property
    def better(self) -> bool | None:
        """Whether the change is an improvement (None: no change)."""
        if not self.change:
            return None
        return (self.change > 0) == self.higher_is_better

    def headline(self, lang: str = "en") -> str:
        check_language(lang)
        if self.text is not None:
            return self.text(lang)
        if self.band is not None:
            return self._band_sentence(self.band, lang)
        return self._change_sentence(lang)

    def _band_sentence(self, band: Band, lang: str) -> str:
        what = metric_name(self.metric, self.label, lang)
        if self.segment is not None:
            what = f"{what} ({self.segment.words(lang)})"
        now = value_text(self.value, self.unit, lang)
        low, high = (value_text(x, self.unit, lang) for x in (band.low, band.high))
        expected = value_text(band.expected, self.unit, lang)
        up = (self.change or 0) > 0
        if lang == "fr":
            verb = "hausse" if up else "baisse"
            return (
                f"{what}{NNBSP}: {verb} à {now} en {self.period}, hors de sa fourchette attendue "
                f"({low} à {high}, {band.history_words(lang)}{NNBSP}; valeur attendue{NNBSP}: "
                f"{expected})."
            )
        verb = "rose" if up else "fell"
        return (
            f"{what} {verb} to {now} in {self.period}, outside its expected band ({low} to "
            f"{high}, {band.history_words(lang)}; expected {expected})."
        )

    def _change_sentence(self, lang: str) -> str:
        what = metric_name(self.metric, self.label, lang)
        if self.segment is not None:
            what = f"{what} ({self.segment.words(lang)})"
        size = change_text(self.change, self.unit, lang)
        now = value_text(self.value, self.unit, lang)
        before = value_text(self.comparison_value, self.unit, lang)
        low = number(self.change_low, lang)
        high = number(self.change_high, lang)
        up = (self.change or 0) > 0
        interval = self._interval_words(lang)
        if lang == "fr":
            verb = "hausse" if up else "baisse"
            return (
                f"{what}{NNBSP}: {verb} de {size} en {self.period}, de {before} ({self.comparison})"
                f" à {now} ({interval}{NNBSP}: {low} à {high})."
            )
        verb = "rose" if up else "fell"
        return (
            f"{what} {verb} {size} in {self.period}, from {before} ({self.comparison}) to {now} "
            f"({interval}: {low} to {high})."
        )

    @property
    def level(self) -> float:
        """The confidence of the interval shown (:attr:`interval_level`)."""
        return self.confidence if self.interval_level is None else self.interval_level

    def _interval_words(self, lang: str) -> str:
        """ "95% interval of the change", or for a selected finding's wider interval "99.3%
        interval of the change, widened for the number of tests" (enough decimals that it
        does not read 100 %)."""
        digits = 0
        while digits < 4 and round(self.level * 100, digits) >= 100:
            digits += 1
        if self.level != round(self.level, 2):  # 99.3 %, not 99 %
            digits = max(digits, 1)
        level = percent(self.level * 100, lang, digits)
        widened = self.interval_level is not None and self.interval_level > self.confidence
        if lang == "fr":
            return f"intervalle à {level} de la variation" + (
                ", élargi pour le nombre de tests" if widened else ""
            )
        return f"{level} interval of the change" + (
            ", widened for the number of tests" if widened else ""
        )

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        """JSON-ready: numbers or None (never NaN), the headline and caveats in ``lang``."""
        return {
            "kind": self.kind,
            "metric": self.metric,
            "label": metric_name(self.metric, self.label, lang),
            "unit": self.unit,
            "segment": (
                None
                if self.segment is None
                else {"dimension": self.segment.dimension, "value": self.segment.value}
            ),
            "period": self.period,
            "comparison": self.comparison,
            "headline": self.headline(lang),
            "value": _num(self.value),
            "comparison_value": _num(self.comparison_value),
            "change": _num(self.change),
            "change_low": _num(self.change_low),
            "change_high": _num(self.change_high),
            "confidence": self.confidence,
            "interval_level": self.level,
            "n": self.n,
            "comparison_n": self.comparison_n,
            "p_value": _num(self.p_value),
            "q_value": _num(self.q_value),
            "score": _num(self.score),
            "better": self.better,
            "higher_is_better": self.higher_is_better,
            "evidence": [_clean(e) for e in self.evidence],
            "caveats": [c.to_dict(lang) for c in self.caveats],
            "tags": list(self.tags),
            "band": None if self.band is None else self.band.to_dict(),
        }


def _num(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(float(x)) else float(x)


def _clean(value: Any) -> Any:
    """Evidence as JSON takes it: NaN as None, tuples as lists."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
