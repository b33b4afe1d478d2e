"""Numbers as each language writes them (the library cannot import the web app's i18n):
English ``1,234.5%``; French ``1 234,5 %`` with narrow no-break spaces (U+202F) as the
thousands separator and before the unit."""

from __future__ import annotations

NNBSP = "\u202f"


def number(value: float | None, lang: str, digits: int = 1) -> str:
    if value is None:
        return "–"
    text = f"{value:,.{digits}f}"
    if lang == "fr":
        text = text.replace(",", NNBSP).replace(".", ",")
    return text


def signed(value: float | None, lang: str, digits: int = 1) -> str:
    if value is None:
        return "–"
    return ("+" if value > 0 else "") + number(value, lang, digits)


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
