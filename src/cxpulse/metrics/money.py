"""The currency money amounts are in: a figure of revenue is never shown without it."""

from __future__ import annotations

from typing import Any

from cxpulse.metrics.spec import Tables


def currency_of(tables: Tables, settings: Any) -> str:
    """The ``currency`` setting, else the one ISO code all subscriptions (and orders) carry;
    "" when it is unknown or mixed (then amounts are shown without a symbol, never with a
    guessed one)."""
    chosen = str(getattr(settings, "currency", "") or "")
    if chosen:
        return chosen
    codes: set[str] = set()
    for name in ("subscriptions", "orders"):
        t = tables.table(name)
        found = t.filter(t.currency.notnull()).select("currency").distinct().limit(3).execute()
        codes |= {str(c).strip().upper() for c in found["currency"] if str(c).strip()}
    return codes.pop() if len(codes) == 1 else ""
