"""The follow-up figures of the cases a person may see: time to first contact, share within
SLA, recovery rate (``GET /api/v1/cases/metrics`` and the head of the cases inbox).

The figures are :func:`cxpulse.automations.case_metrics.summary`'s; the cases are those the
person may see (:func:`cxpulse.automations.inbox.cases_for`: agents their own), opened within
the range (local days of the workspace).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from cxpulse.automations.case_metrics import summary
from cxpulse.automations.inbox import cases_for
from cxpulse.errors import QueryError
from cxpulse.metrics.periods import local_midnight_utc
from cxpulse.web.state import WebState
from cxpulse.web.utc import as_utc


def _midnight(day: date | None, zone: ZoneInfo, days_after: int = 0) -> datetime | None:
    """The naive-UTC start of local ``day`` (plus ``days_after``); None, no bound, for none or
    for a day at the edge of the calendar (0001-01-01, 9999-12-31) where it cannot be written."""
    if day is None:
        return None
    try:
        return local_midnight_utc(day + timedelta(days=days_after), zone)
    except OverflowError:
        return None


def follow_up(
    state: WebState,
    principal_name: str,
    all_cases: bool,
    start: date | None = None,
    end: date | None = None,
) -> dict[str, Any]:
    """The figures over the cases opened from local day ``start`` to ``end`` (both included;
    either open) that ``principal_name`` may see (every case with ``all_cases``)."""
    if start and end and end < start:
        raise QueryError(f"the range ends ({end}) before it starts ({start})")
    now = state.now()
    zone = state.ws.settings.zone
    with state.reader() as ws:
        mine = None if all_cases else list(cases_for(ws, principal_name, False).case_id)
        figures = summary(ws, now, mine, _midnight(start, zone), _midnight(end, zone, 1))
    return {
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
        # UTC, said as the JSON API says it (pydantic's form): the page's twin and
        # /api/v1/cases/metrics answer the same text
        "as_of": as_utc(now).isoformat().replace("+00:00", "Z"),
        **figures,
    }
