"""The parts of a survey definition besides its questions: texts, trigger, audience, follow-ups.

Kept apart from :mod:`cxpulse.surveys.definition` so each module stays small; the checks report
the file and the field the same way (:class:`Where`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import time, timedelta
from pathlib import Path
from typing import Any

import yaml

from cxpulse.errors import ConfigError
from cxpulse.schema import LANGUAGES

TRIGGER_KINDS = ("event", "attribute", "recurring", "quarterly", "manual", "none")
BUILTIN_EVENTS = {
    # event name -> (canonical table, time column): derived, nobody has to log them
    "ticket_solved": ("tickets", "solved_at"),
    "order_delivered": ("orders", "delivered_at"),
}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(minute|hour|day|week)s?\s*$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400}
_CLOCK = re.compile(r"^\s*([01]?\d|2[0-3]):([0-5]\d)\s*$")
TRIGGER_KEYS = ("event", "attribute", "every", "delay", "max_age", "at", "month", "day")


@dataclass(frozen=True)
class FollowUp:
    low: int
    high: int
    text: dict[str, str]


@dataclass(frozen=True)
class Trigger:
    """When a survey is due for a customer.

    - event: ``delay`` after each ``event`` (ticket_solved, order_delivered, or a name logged
      in the ``survey_events`` table);
    - attribute: ``delay`` after a timestamp column of ``customers`` (e.g. created_at);
    - recurring: every ``every_days`` days per customer, counted from signup; with ``at``, on
      the local day (workspace time zone) at that local time;
    - quarterly: once per calendar quarter (in the workspace time zone), on ``day`` of the
      quarter's ``month`` (1-3; a day past the month's end is its last day) at ``at`` local time
      (09:00 unless given);
    - manual: never due by itself; sent only by `cxpulse surveys send` to a segment (a
      campaign, a pricing change announced to some customers);
    - none: never due by itself (a widget survey, shown when a visitor is on a chosen page).

    ``max_age`` bounds how late an event may still be surveyed, so the first run does not
    invite everyone whose ticket was solved years ago.
    """

    kind: str
    event: str = ""
    attribute: str = ""
    delay: timedelta = timedelta(0)
    every_days: float = 0.0
    max_age: timedelta = timedelta(days=7)
    at: time | None = None  # local time of day of a recurring or quarterly survey
    month: int = 1  # quarterly: month of the quarter, 1-3
    day: int = 1  # quarterly: day of that month


@dataclass(frozen=True)
class Audience:
    segments: tuple[str, ...] = ()
    plans: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    email_consent: bool = True  # only customers who said yes (an empty consent is not a yes)


def read_yaml(path: str | Path, what: str) -> Any:
    """The content of a YAML file, or a ConfigError naming the file and what is wrong."""
    path = Path(path)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file; give the path of {what} YAML file") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from None


class Where:
    """Where in which file a field is, to name both in errors."""

    def __init__(self, source: str, path: str = "") -> None:
        self.source = source
        self.path = path

    def sub(self, name: str) -> Where:
        return Where(self.source, f"{self.path}.{name}" if self.path else name)

    def error(self, name: str, message: str) -> ConfigError:
        full = f"{self.path}.{name}" if self.path and name else (name or self.path)
        return ConfigError(f"{self.source}: field {full!r}: {message}")

    def only(self, data: dict[Any, Any], fields: Iterable[str], message: str = "") -> None:
        """Refuse a key not in ``fields``: a misspelt one would otherwise be ignored."""
        allowed = list(fields)
        unknown = sorted(str(k) for k in data if str(k) not in allowed)
        if unknown:
            listed = ", ".join(allowed)
            raise self.error(unknown[0], message or f"unknown field; fields are: {listed}")

    def number(self, data: dict[str, Any], key: str, default: float, minimum: float = 0) -> float:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
            raise self.error(key, f"takes a number of at least {minimum:g}, not {value!r}")
        return float(value)

    def integer(self, data: dict[str, Any], key: str, default: int) -> int:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"takes a whole number, not {value!r}")
        return value


def texts(data: Any, where: Where, empty_ok: bool = False) -> dict[str, str]:
    """A text in English and French: {en: ..., fr: ...}; a bare string is English only."""
    if isinstance(data, str):
        data = {"en": data}
    if not isinstance(data, dict) or not isinstance(data.get("en"), str):
        raise where.error("", "a text needs at least English: {en: '...', fr: '...'}")
    extra = sorted(set(data) - set(LANGUAGES))
    if extra:
        raise where.error(extra[0], f"unknown language; texts take {', '.join(LANGUAGES)}")
    if not empty_ok and not data["en"].strip():
        raise where.error("en", "the English text is empty")
    return {k: str(v) for k, v in data.items()}


def duration(value: Any, where: Where, key: str) -> timedelta:
    """'24 hours', '30 days', '2 weeks' (or a number of days)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return timedelta(days=float(value))
    match = _DURATION.match(str(value)) if isinstance(value, str) else None
    if match is None:
        raise where.error(key, f"{value!r} is not a duration such as '24 hours' or '30 days'")
    return timedelta(seconds=float(match[1]) * _UNIT_SECONDS[match[2]])


def parse_trigger(data: Any, where: Where) -> Trigger:
    if data == "manual":
        return Trigger("manual")
    if not isinstance(data, dict):
        raise where.error(
            "",
            "required: e.g. {event: ticket_solved, delay: 24 hours}, or manual (sent only "
            "by `cxpulse surveys send`)",
        )
    where.only(data, TRIGGER_KEYS, f"unknown trigger field; fields are: {', '.join(TRIGGER_KEYS)}")
    kinds = [k for k in ("event", "attribute", "every") if k in data]
    if len(kinds) != 1:
        raise where.error(
            "", "give exactly one of event (with delay), attribute (with delay) or every"
        )
    max_age = duration(data.get("max_age", "7 days"), where, "max_age")
    _only_recurring(data, where)
    if "every" in data:
        at = clock(data["at"], where, "at") if "at" in data else None
        return _recurring(data, where, max_age, at)
    delay = duration(data.get("delay", 0), where, "delay")
    return _after(kinds[0], data[kinds[0]], where, delay, max_age)


def _only_recurring(data: dict[str, Any], where: Where) -> None:
    """Refuse the fields of a recurring trigger on another one (they would be ignored)."""
    if ("month" in data or "day" in data) and data.get("every") != "quarter":
        raise where.error("month" if "month" in data else "day", "only for {every: quarter}")
    if "at" in data and "every" not in data:
        raise where.error("at", "only for recurring surveys ({every: ...}); events use delay")


def _recurring(data: dict[str, Any], where: Where, max_age: timedelta, at: time | None) -> Trigger:
    """{every: 90 days} (counted from signup) or {every: quarter} (calendar quarters)."""
    if data["every"] == "quarter":
        month, day = where.integer(data, "month", 1), where.integer(data, "day", 1)
        if not 1 <= month <= 3:
            raise where.error("month", f"the month of the quarter: 1, 2 or 3, not {month}")
        if not 1 <= day <= 31:
            raise where.error("day", f"a day of the month, 1-31, not {day}")
        return Trigger("quarterly", max_age=max_age, at=at or time(9, 0), month=month, day=day)
    every = duration(data["every"], where, "every")
    if every <= timedelta(0):
        raise where.error("every", "a recurring survey repeats after at least a minute")
    return Trigger("recurring", every_days=every / timedelta(days=1), max_age=max_age, at=at)


def _after(kind: str, name: Any, where: Where, delay: timedelta, max_age: timedelta) -> Trigger:
    """``delay`` after an event ({event: ticket_solved}) or a customers time column."""
    if kind == "event":
        if not isinstance(name, str) or not name.strip():
            raise where.error("event", "names an event: ticket_solved, order_delivered or yours")
        return Trigger("event", event=name.strip(), delay=delay, max_age=max_age)
    if name != "created_at":
        raise where.error("attribute", "the customers time column to count from: created_at")
    return Trigger("attribute", attribute=name, delay=delay, max_age=max_age)


def clock(value: Any, where: Where, key: str) -> time:
    """'09:00' (a local time of day)."""
    match = _CLOCK.match(value) if isinstance(value, str) else None
    if match is None:
        raise where.error(key, f"{value!r} is not a time of day such as '09:00'")
    return time(int(match[1]), int(match[2]))


def parse_audience(data: Any, where: Where) -> Audience:
    if data is None:
        return Audience()
    if not isinstance(data, dict):
        raise where.error("", "a mapping of segment, plan, language, email_consent")
    fields = ("segment", "plan", "language", "email_consent")
    where.only(data, fields, f"unknown filter; use {', '.join(fields)}")

    def names(key: str) -> tuple[str, ...]:
        value = data.get(key, [])
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
            raise where.error(key, "a name or a list of names")
        return tuple(items)

    consent = data.get("email_consent", True)
    if not isinstance(consent, bool):
        raise where.error("email_consent", "true (only customers who agreed) or false")
    return Audience(names("segment"), names("plan"), names("language"), consent)
