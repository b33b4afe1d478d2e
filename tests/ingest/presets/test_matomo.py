"""Matomo's visits log (Live.getLastVisitsDetails, JSON): one row per page view and goal."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from cxpulse.errors import ImportRejected
from cxpulse.ingest.presets import import_with_preset
from cxpulse.settings import Settings
from cxpulse.store import Store

from ..conftest import records
from ._samples import broken, sample


def test_page_views_and_goals_of_each_visit(store: Store, paris: Settings) -> None:
    report = import_with_preset(store, paris, "matomo", sample("matomo.json"))
    assert (report.rows_new, report.rows_rejected) == (4, 0)
    assert report.notes == (
        "left out 1 action web_events does not hold (page views, goals and orders): 1 outlink",
    )
    fields = ("event_id", "visitor_id", "customer_id", "occurred_at", "event_type", "page")
    fields += ("referrer", "engagement_ms")
    got = [tuple(r[f] for f in fields) for r in records(store, "web_events")]
    visitor, other = "a1b2c3d4e5f60718", "0f1e2d3c4b5a6978"
    at = datetime(2025, 7, 1, 9)
    assert got == [
        ("5821:#3", visitor, "C001", at.replace(second=50), "key_event", "/signup", None, None),
        (
            "5821:90311",
            visitor,
            "C001",
            at,
            "page_view",
            "/pricing",
            "https://www.google.com/",
            42000,
        ),
        ("5821:90312", visitor, "C001", at.replace(second=42), "page_view", "/signup", None, 0),
        ("5822:90400", other, None, at.replace(hour=10), "page_view", "/", None, 8500),
    ]
    again = import_with_preset(store, paris, "matomo", sample("matomo.json"))
    assert (again.rows_new, again.rows_unchanged) == (0, 4)


def test_a_bad_action_names_its_visit(store: Store, paris: Settings, tmp_path: Path) -> None:
    path = broken(tmp_path, "matomo.json", '"timeSpent": "8.5"', '"timeSpent": "-3"')
    with pytest.raises(
        ImportRejected, match=r'record 2, column "actionDetails" \(engagement_ms\): \'-3000\''
    ):
        import_with_preset(store, paris, "matomo", path)
