"""Numbers as English and French readers write them (cxpulse.wording)."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from cxpulse import wording
from cxpulse.wording import MINUS, NNBSP


def test_numbers_in_english_and_french() -> None:
    assert wording.number(1234.56, "en") == "1,234.6"
    assert wording.number(1234.56, "fr") == f"1{NNBSP}234,6"
    assert wording.number(-2.5, "en", 2) == f"{MINUS}2.50"
    assert wording.number(3.0, "en", 0, sign=True) == "+3"
    assert wording.percent(45.25, "en") == "45.2%"  # round half to even, as Python formats
    assert wording.percent(45.26, "fr") == f"45,3{NNBSP}%"
    assert wording.share(0.676, "fr", 0) == f"68{NNBSP}%"
    assert wording.count(1960, "fr") == f"1{NNBSP}960"
    assert wording.period_name("2025-11", "fr") == "novembre 2025"
    assert wording.period_name("2025-W47", "en") == "2025-W47"


def test_a_missing_value_is_a_dash_and_zero_has_no_sign() -> None:
    assert wording.number(None, "en") == wording.percent(math.nan, "fr") == "–"
    assert wording.number(-0.04, "en", 1) == "0.0"
    assert wording.number(0.04, "fr", 1, sign=True) == "0,0"


@given(st.floats(-1e9, 1e9, allow_nan=False), st.integers(0, 3))
def test_both_languages_write_the_same_value(x: float, digits: int) -> None:
    en, fr = wording.number(x, "en", digits), wording.number(x, "fr", digits)
    back_en = float(en.replace(MINUS, "-").replace(",", ""))
    back_fr = float(fr.replace(MINUS, "-").replace(NNBSP, "").replace(",", "."))
    assert back_en == back_fr == float(f"{x:.{digits}f}")


def test_money_as_cldr_writes_it() -> None:
    # one formatter for the web, the insights and the forecasts (three had drifted:
    # "EUR 261,818" in a forecast next to "€34,722" in a cost sentence)
    assert wording.money(34722, "en", "EUR") == "€34,722"
    assert wording.money(34722, "fr", "EUR") == "34\u202f722\u00a0€"
    assert wording.money(12.5, "en", "CHF") == "CHF\u00a012.50"
    assert wording.money(12.5, "fr", "CHF") == "12,50\u00a0CHF"
    assert wording.money(-1234, "en", "USD") == "\u2212$1,234"
    assert wording.money(9370, "fr", "") == "9\u202f370"  # never a guessed currency
    assert wording.money(60.4, "en", "GBP", digits=0) == "£60"
    assert wording.money(None, "en", "EUR") == wording.DASH
