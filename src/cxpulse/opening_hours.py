"""The text of the business-hours settings (``business_hours``, ``holidays``,
``business_timezone``), parsed and checked.

Plain text to plain values, nothing else: the settings check these values when they are built,
and they sit below the metrics (DESIGN.md, Layers), so the parsing lives here rather than in
:mod:`cxpulse.metrics.businesshours`, which turns the parts into a :class:`Schedule`.
"""

from __future__ import annotations

import itertools
import re
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cxpulse.errors import ConfigError

# English and French day names, Monday first (weekday() order).
_DAYS = {
    **{d: i for i, d in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
    **{d: i for i, d in enumerate(("lun", "mar", "mer", "jeu", "ven", "sam", "dim"))},
}
_SPAN = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
EXAMPLE = "mon-fri 09:00-18:00; sat 10:00-13:00"

Span = tuple[int, int]  # opening and closing minute from local midnight (close may be 1440)
Week = tuple[tuple[Span, ...], ...]  # opening spans per weekday, Monday first


def parse_week(text: str) -> Week:
    """``'mon-fri 09:00-12:30,13:30-18:00; sat 10:00-13:00'`` -> spans per weekday."""
    week: list[list[Span]] = [[] for _ in range(7)]
    for part in filter(None, (p.strip() for p in text.replace("\n", ";").split(";"))):
        days_text, _, hours_text = part.partition(" ")
        if not hours_text.strip():
            raise ConfigError(f"business_hours: {part!r} needs days and hours, e.g. {EXAMPLE!r}")
        spans = [_parse_span(s.strip(), part) for s in hours_text.split(",") if s.strip()]
        for day in _parse_days(days_text.lower(), part):
            week[day].extend(spans)
    for day, spans in enumerate(week):
        spans.sort()
        for (_, close), (nxt, _) in itertools.pairwise(spans):
            if nxt < close:
                name = list(_DAYS)[day]
                raise ConfigError(f"business_hours: the hours of {name} overlap ({text!r})")
    if not any(week):
        raise ConfigError(f"business_hours has no opening hours; write e.g. {EXAMPLE!r}")
    return tuple(tuple(s) for s in week)


def _parse_days(text: str, part: str) -> list[int]:
    days: list[int] = []
    for item in text.split(","):
        lo, sep, hi = item.partition("-")
        try:
            a = _DAYS[lo.strip()[:3]]
            b = _DAYS[hi.strip()[:3]] if sep else a
        except KeyError:
            raise ConfigError(
                f"business_hours: unknown day in {part!r}; use mon..sun (or lun..dim), "
                f"e.g. {EXAMPLE!r}"
            ) from None
        days.extend(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    return days


def _parse_span(text: str, part: str) -> Span:
    match = _SPAN.match(text)
    if not match:
        raise ConfigError(f"business_hours: {text!r} in {part!r} is not HH:MM-HH:MM")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    open_min, close_min = h1 * 60 + m1, h2 * 60 + m2
    if m1 > 59 or m2 > 59 or open_min >= 1440 or close_min > 1440 or close_min <= open_min:
        raise ConfigError(
            f"business_hours: {text!r} must open before it closes, within 00:00-24:00"
        )
    return open_min, close_min


def parse_holidays(text: str) -> tuple[frozenset[date], frozenset[tuple[int, int]]]:
    """``'2025-12-25, 05-01'``: one day (YYYY-MM-DD) or every year (MM-DD)."""
    days: set[date] = set()
    yearly: set[tuple[int, int]] = set()
    for item in filter(None, (i.strip() for i in re.split(r"[,;\s]+", text))):
        try:
            if len(item) == 5:
                yearly.add((int(item[:2]), int(item[3:])))
                date(2000, int(item[:2]), int(item[3:]))  # 2000 is a leap year: 02-29 is fine
            else:
                days.add(date.fromisoformat(item))
        except ValueError:
            raise ConfigError(
                f"holidays: {item!r} is not a day; write YYYY-MM-DD for one day or MM-DD for "
                "every year, separated by commas (e.g. '2025-12-26, 12-25, 05-01')"
            ) from None
    return frozenset(days), frozenset(yearly)


def parse_schedule(
    business_hours: str, holidays: str, zone_name: str
) -> tuple[Week | None, ZoneInfo, frozenset[date], frozenset[tuple[int, int]]]:
    """The parts of a schedule: its week (None when ``business_hours`` is empty), zone, days off
    and days off every year; checks all three settings."""
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"business_timezone: unknown time zone {zone_name!r}; use an IANA name such as "
            "'Europe/Paris', or leave it empty to use the workspace time zone"
        ) from None
    days, yearly = parse_holidays(holidays)
    if not business_hours.strip():
        return None, zone, days, yearly
    return parse_week(business_hours), zone, days, yearly
