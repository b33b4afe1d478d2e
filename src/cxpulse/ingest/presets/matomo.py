"""Matomo's visits log (the Live API, ``Live.getLastVisitsDetails`` with ``format=JSON``) into
web_events: one row per page view, goal conversion and e-commerce order.

The fields are Matomo's (``plugins/Live`` in matomo-org/matomo, whose test fixtures
``test_*__Live.getLastVisitsDetails_day.xml`` show a visit as the API returns it): per visit
``idVisit``, ``visitorId`` (16 hex digits), ``userId``, ``serverTimestamp`` (Unix seconds),
``referrerUrl`` and ``actionDetails``, a list of actions each with ``type`` (``action`` for a
page view, ``goal``, ``ecommerceOrder``, ``outlink``, ``download``, ``event``,
``search``...), ``url``, ``pageTitle``, ``pageId``, ``timestamp`` and ``timeSpent``
(seconds until the next action). ``reshape`` makes one row per page view (engagement time
from ``timeSpent``; the visit's referrer on its first page) and per goal or order (a key
event); outlinks, downloads, events and site searches are left out. Each row keeps the record
(visit) it came from, so an error names the visit's place in the file. The event id is
``idVisit:pageId`` (or the action's position for a goal), stable when a visit still in
progress is exported again with more actions. The CSV form of the same API flattens the
actions into numbered columns that are not documented: export JSON.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from cxpulse.ingest.presets.preset import Preset
from cxpulse.ingest.presets.reshaping import text, unix_seconds, with_frame
from cxpulse.ingest.readers import RawFile

KINDS = {"action": "page_view", "goal": "key_event", "ecommerceOrder": "key_event"}
COLUMNS = ("(event id)", "visitorId", "userId", "(occurred at)", "(event type)", "(page)")
_EXTRA = ("(referrer)", "(engagement ms)")


def _actions(cell: object) -> list[dict[str, Any]]:
    if cell is None or pd.isna(cell):  # type: ignore[call-overload]
        return []
    try:
        found = json.loads(str(cell))
    except json.JSONDecodeError:
        return []
    return [a for a in found if isinstance(a, dict)] if isinstance(found, list) else []


def _seconds_to_ms(value: object) -> str | None:
    try:
        return str(round(float(str(value)) * 1000)) if value not in (None, "") else None
    except ValueError:
        return str(value)  # kept, so the import rejects it with its visit


def _when(value: object, fallback: object) -> str | None:
    for candidate in (value, fallback):
        if candidate not in (None, ""):
            return unix_seconds(str(candidate)) or str(candidate)
    return None


def reshape(raw: RawFile) -> RawFile:
    frame = raw.frame
    if "actionDetails" not in frame.columns:
        return raw  # not a visits log: the import names the missing columns
    rows: dict[str, list[str | None]] = {name: [] for name in COLUMNS + _EXTRA}
    lines: list[int] = []
    skipped: Counter[str] = Counter()
    for line, visit in zip(raw.lines, frame.to_dict("records"), strict=True):
        first_page = True
        for order, action in enumerate(_actions(visit.get("actionDetails")), start=1):
            kind = KINDS.get(str(action.get("type")))
            if kind is None:
                skipped[str(action.get("type"))] += 1
                continue
            url = action.get("url")
            page_id = action.get("pageId") if kind == "page_view" else None
            rows["(event id)"].append(f"{visit.get('idVisit')}:{page_id or f'#{order}'}")
            rows["visitorId"].append(visit.get("visitorId"))
            rows["userId"].append(visit.get("userId"))
            when = _when(action.get("timestamp"), visit.get("serverTimestamp"))
            rows["(occurred at)"].append(when)
            rows["(event type)"].append(kind)
            rows["(page)"].append((urlsplit(str(url)).path or "/") if url else None)
            referrer = visit.get("referrerUrl") if kind == "page_view" and first_page else None
            rows["(referrer)"].append(referrer or None)
            spent = _seconds_to_ms(action.get("timeSpent")) if kind == "page_view" else None
            rows["(engagement ms)"].append(spent)
            first_page = first_page and kind != "page_view"
            lines.append(line)
    out = pd.DataFrame({name: text(values) for name, values in rows.items()})
    derived = ("(occurred at)", "(event type)", "(page)", "(referrer)", "(engagement ms)")
    notes: tuple[str, ...] = ()
    if skipped:
        total = sum(skipped.values())
        listed = ", ".join(f"{n:,} {kind}" for kind, n in skipped.most_common())
        notes = (
            f"left out {total:,} action{'s' if total != 1 else ''} web_events does not hold "
            f"(page views, goals and orders): {listed}",
        )
    origins = dict.fromkeys(derived, "actionDetails")
    return replace(with_frame(raw, out, lines), origins=origins, notes=notes)


MATOMO = Preset(
    name="matomo",
    table="web_events",
    doc="Matomo visits log: Live.getLastVisitsDetails, format=JSON",
    columns={
        "event_id": ("(event id)",),
        "visitor_id": ("visitorId",),
        "customer_id": ("userId",),
        "occurred_at": ("(occurred at)",),
        "event_type": ("(event type)",),
        "page": ("(page)",),
        "referrer": ("(referrer)",),
        "engagement_ms": ("(engagement ms)",),
    },
    timezone="UTC",
    confirmed=True,
    reshape=reshape,
)
