"""The sentences of theme findings, in English and French.

Numbers and month names come from :mod:`cxpulse.wording`; French quotes are guillemets and a
no-break space comes before a colon.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cxpulse import wording
from cxpulse.insights.findings import Segment

NNBSP, NBSP = wording.NNBSP, wording.NBSP
number, percent, count, period_name = (
    wording.number,
    wording.percent,
    wording.count,
    wording.period_name,
)


def check_language(lang: str) -> str:
    if lang not in ("en", "fr"):
        from cxpulse.errors import ConfigError

        raise ConfigError(f"sentences are written in en or fr, not {lang!r}")
    return lang


def quoted(text: str, lang: str) -> str:
    return f"«{NNBSP}{text}{NNBSP}»" if lang == "fr" else f"“{text}”"


def colon(lang: str) -> str:
    return f"{NBSP}:" if lang == "fr" else ":"


def segment_text(segment: Mapping[str, Any] | None, lang: str) -> str:
    """`` (touchpoint: delivery)`` / `` (point de contact : delivery)``: the answers a finding
    is restricted to, if any, named as the change findings name their segment
    (:meth:`cxpulse.insights.findings.Segment.words`), not by column key."""
    if not segment:
        return ""
    parts = []
    for column, value in segment.items():
        values = value if isinstance(value, list | tuple | set | frozenset) else [value]
        parts.append(Segment(column, ", ".join(str(v) for v in values)).words(lang))
    return f" ({'; '.join(parts)})"


def terms_text(terms: Sequence[str], lang: str) -> str:
    return quoted(", ".join(terms), lang)


def shift_sentence(
    lang: str,
    *,
    theme: str,
    group: str,
    per_answer: bool,
    periods: tuple[str, str],
    counts: tuple[int, int],
    totals: tuple[int, int],
    shares: tuple[float, float],
    change: tuple[float, float, float, float],
    q: float | None,
) -> str:
    """A theme's change between two periods in one sentence; ``q`` when not significant."""
    name, c = quoted(theme, lang), colon(lang)
    then, now = (period_name(p, lang) for p in periods)
    before, after = (percent(s, lang) for s in shares)
    (k1, k2), (n1, n2) = (count(k, lang) for k in counts), (count(n, lang) for n in totals)
    points, low, high = (number(x, lang, sign=True) for x in change[:3])
    level = f"{100 * change[3]:g}{NNBSP}%" if lang == "fr" else f"{100 * change[3]:g}%"
    if lang == "fr":
        verb = "en hausse" if change[0] > 0 else "en baisse" if change[0] < 0 else "stable"
        where = f"dans les commentaires des {group}"
        if per_answer:
            where += ", rapportés à toutes les réponses"
        unit = "réponses" if per_answer else "commentaires"
        text = (
            f"{name} {verb} {where}{c} {after} en {now} contre {before} en {then} ({points} "
            f"points, intervalle à {level}{c} {low} à {high}{NNBSP}; {k2} {unit} sur {n2} contre "
            f"{k1} sur {n1})"
        )
        return text + ("." if q is None else f", non significatif (q = {number(q, lang, 2)}).")
    verb = "rose" if change[0] > 0 else "fell" if change[0] < 0 else "held"
    where = f"in the comments of {group}"
    if per_answer:
        where += ", per answer"
    unit = "answers" if per_answer else "comments"
    text = (
        f"{name} {verb} {where}{c} {after} in {now} vs {before} in {then} ({points} points, "
        f"{level} interval {low} to {high}; {k2} of {n2} {unit} vs {k1} of {n1})"
    )
    return text + ("." if q is None else f", not significant (q = {q:.2f}).")
