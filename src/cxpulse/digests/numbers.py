"""Numbers with their units as each language writes them (:mod:`cxpulse.wording`): English
``1,234.5%``, ``4.2 h``; French ``1 234,5 %``, ``4,2 h`` with narrow no-break spaces."""

from __future__ import annotations

from cxpulse import wording

NNBSP = wording.NNBSP


def number(value: float | None, lang: str, digits: int = 1) -> str:
    return wording.number(value, lang, digits)


def signed(value: float | None, lang: str, digits: int = 1) -> str:
    return wording.number(value, lang, digits, sign=True)


def change_unit(unit: str) -> str:
    """The unit of a change: a rate in % moves by percentage points."""
    return "points" if unit == "%" else unit


def with_unit(text: str, unit: str, lang: str) -> str:
    """``text`` followed by ``unit`` (% and points, hours...) spaced as the language wants."""
    if not unit or text == "–":
        return text
    if unit == "%":
        return f"{text}{NNBSP}%" if lang == "fr" else f"{text}%"
    words = {"points": ("pts", "pts"), "hours": ("h", "h"), "minutes": ("min", "min"),
             "stars": ("stars", "étoiles")}  # fmt: skip
    short = words.get(unit, (unit, unit))[lang == "fr"]
    return f"{text}{NNBSP if lang == 'fr' else ' '}{short}"
