"""Numbers as each language writes them."""

from __future__ import annotations

from cxpulse.digests.numbers import change_unit, number, signed, with_unit


def test_english_and_french_numbers() -> None:
    assert number(12345.678, "en") == "12,345.7"
    assert number(12345.678, "fr") == "12\u202f345,7"
    assert signed(-4.05, "fr", 2) == "\u22124,05" and signed(3, "en", 0) == "+3"
    assert number(None, "en") == "–"


def test_units_and_changes() -> None:
    assert with_unit("59.1", "%", "en") == "59.1%"
    assert with_unit("59,1", "%", "fr") == "59,1\u202f%"
    assert with_unit("2,5", "hours", "fr") == "2,5\u202fh"
    assert with_unit("2.9", "stars", "fr") == "2.9\u202fétoiles"
    assert change_unit("%") == "points" and change_unit("hours") == "hours"
