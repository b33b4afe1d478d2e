"""The GA4 BigQuery export as Parquet: event_params read as GA4 defines them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cxpulse.errors import ImportRejected
from cxpulse.ingest.presets import import_with_preset
from cxpulse.settings import Settings
from cxpulse.store import Store

from ..conftest import records

# the export's event_params: a repeated key/value record, the value in one typed field
VALUE = pa.struct(
    [
        ("string_value", pa.string()),
        ("int_value", pa.int64()),
        ("float_value", pa.float64()),
        ("double_value", pa.float64()),
    ]
)
PARAMS = pa.list_(pa.struct([("key", pa.string()), ("value", VALUE)]))
SCHEMA = pa.schema(
    [
        ("event_date", pa.string()),
        ("event_timestamp", pa.int64()),
        ("event_name", pa.string()),
        ("event_params", PARAMS),
        ("user_id", pa.string()),
        ("user_pseudo_id", pa.string()),
        ("platform", pa.string()),
    ]
)
T0 = 1751364000_000000  # 2025-07-01 10:00:00 UTC, in microseconds
SESSION = 1751364000


def p(key: str, value: str | int) -> dict[str, Any]:
    typed = {"string_value": value} if isinstance(value, str) else {"int_value": value}
    return {"key": key, "value": typed}


def events(scrolled: int = 90) -> list[dict[str, Any]]:
    visitor = "1197596843.1751363990"
    base = [p("ga_session_id", SESSION), p("ga_session_number", 3)]
    pricing = [p("page_location", "https://acme.example/pricing?utm_source=news")]
    rows = [
        ("session_start", 0, [*base, *pricing, p("page_title", "Pricing")]),
        (
            "page_view",
            0,
            [
                *base,
                *pricing,
                p("page_title", "Pricing"),
                p("page_referrer", "https://news.example/"),
            ],
        ),
        ("scroll", 12_500_000, [*base, *pricing, p("percent_scrolled", scrolled)]),
        (
            "user_engagement",
            40_000_000,
            [*base, *pricing, p("engagement_time_msec", 39_250), p("session_engaged", "1")],
        ),
        ("generate_lead", 41_000_000, [*base, p("page_location", "https://acme.example/demo")]),
    ]
    out = [
        {
            "event_date": "20250701",
            "event_timestamp": T0 + offset,
            "event_name": name,
            "event_params": params,
            "user_id": "C001",
            "user_pseudo_id": visitor,
            "platform": "WEB",
        }
        for name, offset, params in rows
    ]
    # consent mode's cookieless ping: no client id, nothing to tie it to
    out.append({**out[1], "user_pseudo_id": None, "user_id": None})
    return out


def write(path: Path, rows: list[dict[str, Any]]) -> Path:
    pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMA), path)
    return path


def test_page_views_engagement_and_key_events(
    store: Store, paris: Settings, tmp_path: Path
) -> None:
    path = write(tmp_path / "events_20250701.parquet", events())
    report = import_with_preset(store, paris, "ga4-bigquery", path)
    assert (report.rows_new, report.rows_rejected) == (4, 0)
    assert report.notes == (
        "left out 2 events web_events does not hold (page views, engagement and key events "
        "of known browsers): 1 session_start, 1 without user_pseudo_id (consent mode)",
    )
    rows = sorted(records(store, "web_events"), key=lambda r: r["occurred_at"])
    got = [
        (r["event_type"], r["page"], r["referrer"], r["engagement_ms"], r["scroll_percent"])
        for r in rows
    ]
    assert got == [
        ("page_view", "/pricing", "https://news.example/", None, None),
        ("engagement", "/pricing", None, None, 90.0),
        ("engagement", "/pricing", None, 39250, None),
        ("key_event", "/demo", None, None, None),
    ]
    first = rows[0]
    assert (first["visitor_id"], first["customer_id"]) == ("1197596843.1751363990", "C001")
    assert first["occurred_at"] == datetime(2025, 7, 1, 10)  # UTC whatever the workspace's zone
    assert first["event_id"] == f"1197596843.1751363990:{SESSION}:{T0}:page_view"
    again = import_with_preset(store, paris, "ga4-bigquery", path)
    assert (again.rows_new, again.rows_unchanged) == (0, 4)


def test_a_bad_event_names_its_row(store: Store, paris: Settings, tmp_path: Path) -> None:
    path = write(tmp_path / "events_20250701.parquet", events(scrolled=150))
    with pytest.raises(
        ImportRejected, match=r'row 3, column "event_params" \(scroll_percent\): \'150\''
    ):
        import_with_preset(store, paris, "ga4-bigquery", path)
