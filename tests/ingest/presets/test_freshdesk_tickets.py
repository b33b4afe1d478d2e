"""Freshdesk's ticket export into tickets (sample: fixtures/presets/freshdesk_tickets.csv)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from cxpulse.errors import ImportRejected
from cxpulse.ingest.presets import import_with_preset
from cxpulse.settings import Settings
from cxpulse.store import Store

from ..conftest import FIXTURES, records, write_csv

CSV = FIXTURES / "presets" / "freshdesk_tickets.csv"
UTC = Settings(timezone="UTC")


def test_the_export_into_tickets(store: Store) -> None:
    report = import_with_preset(store, UTC, "freshdesk-tickets", CSV)
    assert (report.rows_new, report.rows_rejected) == (3, 0)
    assert "Survey results" in report.ignored_columns
    closed, crash, refund = records(store, "tickets")
    assert {k: closed[k] for k in (
        "ticket_id", "customer_id", "created_at", "first_reply_at", "solved_at",
        "agent_replies", "channel", "team", "agent_id", "category", "priority", "subject",
        "source",
    )} == {
        "ticket_id": "1201", "customer_id": "80001", "created_at": datetime(2025, 6, 2, 9, 15),
        "first_reply_at": datetime(2025, 6, 2, 10),  # "Initial response time"
        "solved_at": datetime(2025, 6, 2, 16, 45),  # resolved, later closed: resolved time
        "agent_replies": 2, "channel": "email", "team": "Customer Care",
        "agent_id": "Sofia Rossi", "category": "Delivery", "priority": "normal",
        "subject": "Where is my parcel?", "source": "freshdesk_tickets.csv",
    }  # fmt: skip
    # no initial response time: created + "01:30:00" hours; open: not solved; chat; urgent
    assert crash["first_reply_at"] == datetime(2025, 6, 3, 12, 30)
    assert (crash["solved_at"], crash["channel"], crash["priority"]) == (None, "chat", "urgent")
    assert (refund["solved_at"], refund["channel"]) == (datetime(2025, 6, 4, 12), "email")
    again = import_with_preset(store, UTC, "freshdesk-tickets", CSV)
    assert (again.rows_new, again.rows_unchanged) == (0, 3)


def test_a_malformed_row_is_refused_with_its_line(store: Store, tmp_path: Path) -> None:
    text = CSV.read_text(encoding="utf-8").replace(",1,1,Within SLA", ",one,1,Within SLA", 1)
    path = write_csv(tmp_path / "fd.csv", text)
    wanted = r'fd.csv, line 4, column "Agent interactions" \(agent_replies\)'
    with pytest.raises(ImportRejected, match=wanted):
        import_with_preset(store, UTC, "freshdesk-tickets", path)
