"""Small helpers the rule condition and action classes share: checks of YAML values and the
pieces of the sentences they describe themselves with."""

from __future__ import annotations

from typing import Any


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def num(value: float, lang: str) -> str:
    """A number for a sentence: 0.7 in English, 0,7 in French."""
    text = f"{value:g}"
    return text.replace(".", ",") if lang == "fr" else text


def pick(lang: str, en: str, fr: str) -> str:
    """The French sentence for ``fr``, else the English one."""
    return fr if lang == "fr" else en
