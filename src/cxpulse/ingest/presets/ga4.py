"""The GA4 BigQuery export (a day's ``events_YYYYMMDD`` table written as Parquet) into
web_events.

The fields and their meaning are Google's ("[GA4] BigQuery Export schema",
https://support.google.com/analytics/answer/7029846, and
https://developers.google.com/analytics/bigquery/event-schema): one row per event with
``event_date``, ``event_timestamp`` (microseconds since the epoch, UTC), ``event_name``,
``user_pseudo_id`` (the browser's client id), ``user_id`` (the id the site set, when signed
in) and ``event_params``, a repeated ``key``/``value`` record whose value is in one of
``string_value``, ``int_value``, ``float_value`` or ``double_value``. ``reshape`` reads the
parameters GA4 sends with web events: ``page_location`` (the full URL; cxpulse keeps its
path), ``page_referrer``, ``engagement_time_msec``, ``percent_scrolled`` (the scroll event's
90) and ``ga_session_id``, and keeps the events web_events holds: ``page_view``;
``user_engagement`` and ``scroll`` as engagement; ``purchase``, ``generate_lead``,
``sign_up``, ``qualify_lead``, ``close_convert_lead`` as key events (GA4's recommended key
events; a property's own key events are not in the export). Other events (``session_start``,
``first_visit``, ``click``...) and consent mode's cookieless pings (no ``user_pseudo_id``)
are left out: they add no page, time or scroll to what the kept ones say.

What cannot be mapped: web_events has no session or engaged-session column. cxpulse derives
sessions from the hits itself (a gap longer than the ``session_gap_minutes`` setting ends
one, as GA4's 30-minute session timeout does), so
``ga_session_id`` and ``session_engaged`` only make the event id unique and stable:
``user_pseudo_id:ga_session_id:event_timestamp:event_name`` (plus ``batch_event_index`` when
the export has it), which a re-import of the same day finds again.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from cxpulse.ingest.presets.preset import Preset
from cxpulse.ingest.presets.reshaping import blank, keep_rows, text, unix_micros, with_frame
from cxpulse.ingest.readers import RawFile

KINDS = {
    "page_view": "page_view",
    "user_engagement": "engagement",
    "scroll": "engagement",
    "purchase": "key_event",
    "generate_lead": "key_event",
    "sign_up": "key_event",
    "qualify_lead": "key_event",
    "close_convert_lead": "key_event",
}
ORIGINS = {
    "(occurred at)": "event_timestamp",
    "(event type)": "event_name",
    **{
        name: "event_params"
        for name in ("(page)", "(referrer)", "(engagement ms)", "(scroll percent)")
    },
}
"""The export's column each derived one is read from, named in errors."""
_VALUE_FIELDS = ("string_value", "int_value", "double_value", "float_value")


def params(cell: object) -> dict[str, Any]:
    """``event_params`` (as the reader writes a repeated record: JSON text) as a dict."""
    if cell is None or pd.isna(cell):  # type: ignore[call-overload]
        return {}
    try:
        items = json.loads(str(cell))
    except json.JSONDecodeError:
        return {}
    found: dict[str, Any] = {}
    for item in items if isinstance(items, list) else []:
        value = item.get("value") or {}
        found[str(item.get("key"))] = next(
            (value[f] for f in _VALUE_FIELDS if value.get(f) is not None), None
        )
    return found


def _path(url: object) -> str | None:
    if url is None:
        return None
    return urlsplit(str(url)).path or "/"


def _whole(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _left_out(names: list[object], anonymous: int) -> tuple[str, ...]:
    """The note saying which events were left out on purpose, and why."""
    counts = Counter(str(n) for n in names)
    parts = [f"{n:,} {name}" for name, n in counts.most_common()]
    if anonymous:
        parts.append(f"{anonymous:,} without user_pseudo_id (consent mode)")
    if not parts:
        return ()
    total = len(names) + anonymous
    return (
        f"left out {total:,} event{'s' if total != 1 else ''} web_events does not hold "
        f"(page views, engagement and key events of known browsers): {', '.join(parts)}",
    )


def reshape(raw: RawFile) -> RawFile:
    frame = raw.frame
    if "event_name" not in frame.columns or "event_timestamp" not in frame.columns:
        return raw  # not a GA4 export: the import names the missing columns
    known = frame["event_name"].isin(list(KINDS)).fillna(False).to_numpy(dtype=bool)
    anonymous = np.zeros(len(frame), dtype=bool)
    if "user_pseudo_id" in frame.columns:
        anonymous = known & blank(frame["user_pseudo_id"])
    notes = _left_out(frame["event_name"][~known].tolist(), int(anonymous.sum()))
    raw = replace(keep_rows(raw, known & ~anonymous), notes=notes)
    frame = raw.frame
    given = (
        [params(c) for c in frame["event_params"]]
        if "event_params" in frame.columns
        else [{} for _ in range(len(frame))]
    )
    index = frame.index
    stamps = frame["event_timestamp"].tolist()
    names = frame["event_name"].tolist()
    visitors = frame["user_pseudo_id"].tolist() if "user_pseudo_id" in frame.columns else []
    batch = frame["batch_event_index"].tolist() if "batch_event_index" in frame.columns else []
    ids = []
    for i, p in enumerate(given):
        parts = [visitors[i] if visitors else "", _whole(p.get("ga_session_id")) or ""]
        parts += [str(stamps[i]), str(names[i])]
        if batch and batch[i] is not None and not pd.isna(batch[i]):
            parts.append(str(batch[i]))
        ids.append(":".join(parts))
    out = frame.copy()
    out["(event id)"] = text(ids, index)
    out["(occurred at)"] = text([unix_micros(s) or s for s in stamps], index)
    out["(event type)"] = text([KINDS[n] for n in names], index)
    out["(page)"] = text([_path(p.get("page_location")) for p in given], index)
    out["(referrer)"] = text([p.get("page_referrer") for p in given], index)
    out["(engagement ms)"] = text([_whole(p.get("engagement_time_msec")) for p in given], index)
    out["(scroll percent)"] = text([_whole(p.get("percent_scrolled")) for p in given], index)
    kept = with_frame(raw, out.drop(columns=["event_params"], errors="ignore"), raw.lines)
    return replace(kept, origins=ORIGINS)


GA4_BIGQUERY = Preset(
    name="ga4-bigquery",
    table="web_events",
    doc="GA4 BigQuery export: a day's events_YYYYMMDD table as Parquet",
    columns={
        "event_id": ("(event id)",),
        "visitor_id": ("user_pseudo_id",),
        "customer_id": ("user_id",),
        "occurred_at": ("(occurred at)",),
        "event_type": ("(event type)",),
        "page": ("(page)",),
        "referrer": ("(referrer)",),
        "engagement_ms": ("(engagement ms)",),
        "scroll_percent": ("(scroll percent)",),
    },
    timezone="UTC",
    confirmed=True,
    reshape=reshape,
)
