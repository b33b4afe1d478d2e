"""Numbers and month names as English and French readers write them, for the sentences the
library writes itself (insight headlines, mix notes, forecasts, digests).

English: ``1,234.5``, ``45.2%``. French: ``1 234,5`` and ``45,2 %``, with a narrow no-break
space (U+202F) as the thousands separator and before %. Both: a true minus sign (U+2212) and
never ``−0.0``. One module so that every sentence in a language reads alike; the web app's
pages (:mod:`cxpulse.web.i18n`) follow the same rules.
"""

from __future__ import annotations

import math

NNBSP = "\u202f"  # French thousands separator and the space before % ; : ? !
NBSP = "\u00a0"
MINUS = "\u2212"
DASH = "–"  # a value that is missing
LANGUAGES = ("en", "fr")

MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"),
}  # fmt: skip


def number(x: float | None, lang: str, digits: int = 1, *, sign: bool = False) -> str:
    """``x`` with ``digits`` decimals in ``lang``; a dash when missing (None or NaN). ``sign``
    writes a plus before a positive value (a change). A value that rounds to zero has no sign."""
    if x is None or not math.isfinite(x):
        return DASH
    text = f"{abs(x):,.{digits}f}"
    if lang == "fr":
        text = text.replace(",", NNBSP).replace(".", ",")
    if not text.strip("0.," + NNBSP):  # rounds to zero
        return text
    if x < 0:
        return MINUS + text
    return "+" + text if sign else text


def percent(pct: float | None, lang: str, digits: int = 1, *, sign: bool = False) -> str:
    """``pct`` already in percent: ``45.2%`` / ``45,2 %``."""
    text = number(pct, lang, digits, sign=sign)
    if text == DASH:
        return text
    return f"{text}{NNBSP}%" if lang == "fr" else f"{text}%"


def share(x: float | None, lang: str, digits: int = 1) -> str:
    """A 0-1 share as a percentage."""
    return percent(None if x is None else 100 * x, lang, digits)


def count(n: float | None, lang: str) -> str:
    """A whole number: ``1,960`` / ``1 960``."""
    return number(n, lang, 0)


SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}  # codes every reader knows by their sign


def money(x: float | None, lang: str, currency: str = "", digits: int | None = None) -> str:
    """An amount in the workspace's ``currency`` (an ISO code) as CLDR writes it: ``€1,234`` /
    ``1 234 €``; a code without a known sign goes before in English (``CHF 1,234``), after in
    French. No currency shown when none is set (never a guessed one). Without ``digits``: cents
    below 1,000, whole units above."""
    if x is None or not math.isfinite(x):
        return DASH
    text = number(x, lang, (0 if abs(x) >= 1000 else 2) if digits is None else digits)
    if not currency:
        return text
    symbol = SYMBOLS.get(currency)
    if lang == "fr":  # as CLDR writes them: 1 234,50 €, 1 234,50 CHF
        return f"{text}{NBSP}{symbol or currency}"
    sign = MINUS if text.startswith(MINUS) else ""
    return (
        f"{sign}{symbol}{text.lstrip(MINUS)}"
        if symbol
        else f"{sign}{currency}{NBSP}{text.lstrip(MINUS)}"
    )


def period_name(label: str, lang: str) -> str:
    """A month label (2025-11) as ``November 2025`` / ``novembre 2025``; other labels as they
    are."""
    year, _, month = label.partition("-")
    if year.isdigit() and month.isdigit() and len(month) == 2 and 1 <= int(month) <= 12:
        return f"{MONTHS[lang][int(month) - 1]} {year}"
    return label


# the metrics' names in French where they are not the same words (others keep their label);
# every sentence the library writes in French names a metric from here
METRIC_NAMES_FR: dict[str, str] = {
    "nps": "NPS",
    "csat": "Satisfaction client (CSAT)",
    "ces": "Effort client (CES)",
    "response_rate": "Taux de réponse aux enquêtes",
    "first_contact_resolution": "Résolution au premier contact",
    "customer_churn_rate": "Taux d'attrition client",
    "nrr": "Rétention nette du revenu",
    "bounce_rate": "Taux de rebond",
    "exit_rate": "Taux de sortie",
    "review_rating": "Note moyenne des avis",
    "first_response_time": "Délai de première réponse",
    "time_to_resolution": "Délai de résolution",
    "escalation_rate": "Taux d'escalade",
    "reopen_rate": "Taux de réouverture",
    "average_handle_time": "Durée moyenne de traitement",
    "cx_index": "Indice CX",
}


def metric_name(metric: str, label: str, lang: str) -> str:
    """A metric's name in ``lang``: its French name, or its own (English) label."""
    return METRIC_NAMES_FR.get(metric, label) if lang == "fr" else label
