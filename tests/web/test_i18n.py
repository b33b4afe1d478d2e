"""Every message the dashboard shows has its French; numbers and dates follow the locale."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest

import cxpulse.web
from cxpulse.web import i18n

WEB = Path(cxpulse.web.__file__).parent
# _("text") or _('text') in templates; translate(lang, "text") and error messages in Python
CALL = re.compile(r"""_\(\s*(["'])(?P<text>(?:(?!\1).)+)\1\s*\)""")


def _messages() -> set[str]:
    found: set[str] = set()
    for path in [*WEB.rglob("*.html"), *WEB.rglob("*.py")]:
        found.update(m["text"] for m in CALL.finditer(path.read_text(encoding="utf-8")))
    return found


def test_every_message_has_a_french_translation() -> None:
    messages = _messages()
    assert "Scorecard" in messages  # the scan works
    missing = sorted(m for m in messages if m not in i18n.FR)
    assert missing == [], f"add these to cxpulse.web.i18n.FR: {missing}"


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [
        (1234567.891, "en", "1,234,567.9"),
        (1234567.891, "fr", "1\u202f234\u202f567,9"),
        (-3.25, "fr", "−3,2"),
        (None, "fr", "–"),
        (float("nan"), "en", "–"),
    ],
)
def test_numbers(value: float | None, lang: str, expected: str) -> None:
    assert i18n.format_number(value, lang) == expected


def test_percent_and_units() -> None:
    assert i18n.format_percent(45.25, "en") == "45.2%"
    assert i18n.format_percent(45.25, "fr") == "45,2\u202f%"
    assert i18n.format_value(1234.5, "currency", "fr", "EUR") == "1\u202f234\u00a0€"
    assert i18n.format_value(12.5, "currency", "en", "EUR") == "€12.50"
    assert i18n.format_value(12.5, "currency", "en", "CHF") == "CHF\u00a012.50"
    # no currency known: the amount alone, never a guessed symbol
    assert i18n.format_value(12.5, "currency", "en") == "12.50"
    # counts have no decimals ("150.0 customers" read as a measurement)
    assert i18n.format_value(150.0, "customers", "en") == "150\u00a0customers"
    assert i18n.format_value(119.0, "mentions", "fr") == "119\u00a0mentions"
    assert i18n.format_value(7.58, "hours", "fr") == "7,58\u00a0h"
    assert i18n.format_value(2.5, "x", "en") == "2.50x"


def test_dates_and_periods() -> None:
    assert i18n.format_date(date(2026, 2, 1), "fr") == "1 févr. 2026"
    assert i18n.format_date(date(2026, 2, 1), "en") == "Feb 1, 2026"
    assert i18n.format_date(datetime(2026, 2, 1, 9, 5), "fr", time=True) == "1 févr. 2026 09:05"
    assert i18n.format_period("2026-11", "fr") == "nov. 2026"
    assert i18n.format_period("2026-Q1", "fr") == "1er trim. 2026"
    assert i18n.format_period("2026-Q3", "fr") == "3e trim. 2026"
    assert i18n.format_period("2026-W07", "fr") == "2026-S07"
    assert i18n.format_period("2026-W07", "en") == "2026-W07"


def test_language_negotiation() -> None:
    assert i18n.pick_language(None, None, "fr-FR,fr;q=0.9,en;q=0.8") == "fr"
    assert i18n.pick_language("en", "fr", "fr-FR") == "en"
    assert i18n.pick_language(None, None, "de-DE") == "en"
