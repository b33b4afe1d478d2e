"""The sentences of theme findings, in English and French.

The web layer's typography (:mod:`cxpulse.web.i18n`) sits above the library, so the few rules
needed are repeated here: a comma as decimal mark in French, a narrow no-break space (U+202F)
as thousands separator and before % ; ? !, a no-break space before a colon, guillemets.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

NNBSP = "\u202f"
NBSP = "\u00a0"
_MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"),
}  # fmt: skip


def check_language(lang: str) -> str:
    if lang not in ("en", "fr"):
        from cxpulse.errors import ConfigError

        raise ConfigError(f"sentences are written in en or fr, not {lang!r}")
    return lang


def number(value: float, lang: str, digits: int = 1, *, sign: bool = False) -> str:
    """``value`` with ``digits`` decimals; a minus sign (U+2212), a plus with ``sign``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{abs(value):,.{digits}f}"
    if lang == "fr":
        text = text.replace(",", NNBSP).replace(".", ",")
    if round(value, digits) < 0:
        return "−" + text
    return "+" + text if sign and round(value, digits) > 0 else text


def percent(value: float, lang: str, *, sign: bool = False) -> str:
    text = number(value, lang, sign=sign)
    return f"{text}{NNBSP}%" if lang == "fr" else f"{text}%"


def count(value: int, lang: str) -> str:
    return number(value, lang, 0)


def period_name(label: str, lang: str) -> str:
    """2025-11 as "November 2025" / "novembre 2025"; other labels as they are."""
    year, _, month = label.partition("-")
    if month.isdigit() and len(month) == 2:
        return f"{_MONTHS[lang][int(month) - 1]} {year}"
    return label


def quoted(text: str, lang: str) -> str:
    return f"«{NNBSP}{text}{NNBSP}»" if lang == "fr" else f"“{text}”"


def colon(lang: str) -> str:
    return f"{NBSP}:" if lang == "fr" else ":"


def segment_text(segment: Mapping[str, Any] | None) -> str:
    """`` (touchpoint = delivery)``: the answers a finding is restricted to, if any."""
    if not segment:
        return ""
    parts = []
    for column, value in segment.items():
        values = value if isinstance(value, list | tuple | set | frozenset) else [value]
        parts.append(f"{column} = {', '.join(str(v) for v in values)}")
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
