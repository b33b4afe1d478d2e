"""The review connectors' watermarks: a vendor's RFC 3339 timestamp as an aware moment, and
back as the text a cursor stores (JSON); and the reply window each sync reads again."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from cxpulse.errors import ConfigError
from cxpulse.sources.connector import Option

REPLY_WINDOW_DAYS = 30
REPLY_WINDOW = Option(
    "reply_window_days",
    f"Days of reviews each sync reads again for late replies (default {REPLY_WINDOW_DAYS}; "
    "fewer for an account with thousands of reviews a day).",
)


def reply_window(options: Mapping[str, str]) -> timedelta:
    """How far back from the newest review each sync reads again (a reply comes later)."""
    return timedelta(days=int(options.get("reply_window_days") or REPLY_WINDOW_DAYS))


def check_reply_window(options: Mapping[str, str]) -> None:
    value = options.get("reply_window_days")
    if value is not None and not (value.isdigit() and int(value) <= 365):
        raise ConfigError(f"--reply-window-days takes 0 to 365 days, not {value!r}")


def moment(value: Any) -> datetime | None:
    """An RFC 3339 timestamp (``Z`` or an offset, 0 to 9 fractional digits) as aware UTC;
    None when it is missing or unreadable (the import's checks report the row)."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    if "." in text:  # Python reads at most microseconds: Google sends up to nanoseconds
        head, _, tail = text.partition(".")
        digits = len(tail) - len(tail.lstrip("0123456789"))
        text = f"{head}.{tail[:digits][:6].ljust(6, '0')}{tail[digits:]}"
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)


def iso(when: datetime | None) -> str | None:
    return None if when is None else when.astimezone(UTC).isoformat().replace("+00:00", "Z")
