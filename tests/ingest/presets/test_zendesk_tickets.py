"""Zendesk Support's ticket exports (CSV and JSON) into tickets, and their satisfaction
ratings into survey_responses (samples: tests/ingest/fixtures/presets/zendesk_tickets.*)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from cxpulse.errors import ConfigError, ImportRejected
from cxpulse.ingest.presets import import_with_preset
from cxpulse.settings import Settings
from cxpulse.store import Store

from ..conftest import FIXTURES, records, write_csv

CSV = FIXTURES / "presets" / "zendesk_tickets.csv"
JSON = FIXTURES / "presets" / "zendesk_tickets.json"
UTC = Settings(timezone="UTC")


def test_the_csv_export_into_tickets(store: Store) -> None:
    report = import_with_preset(store, UTC, "zendesk-tickets", CSV)
    assert (report.rows_new, report.rows_rejected) == (3, 0)
    solved, late, closed = records(store, "tickets")
    assert {k: solved[k] for k in (
        "ticket_id", "customer_id", "created_at", "first_reply_at", "first_solved_at",
        "solved_at", "reopens", "agent_replies", "channel", "team", "agent_id", "priority",
        "subject", "source",
    )} == {
        "ticket_id": "4101", "customer_id": "361001", "created_at": datetime(2025, 7, 1, 9),
        "first_reply_at": datetime(2025, 7, 1, 10, 35),  # 95 minutes after creation
        "first_solved_at": datetime(2025, 7, 2, 10),  # 1,500 minutes
        "solved_at": datetime(2025, 7, 2, 10), "reopens": 0, "agent_replies": 2,
        "channel": "email", "team": "Billing", "agent_id": "Hugo Martin", "priority": "normal",
        "subject": "Refund for order #1043, please", "source": "zendesk_tickets.csv",
    }  # fmt: skip
    # an open ticket is not solved; "Web Form" is the web channel
    assert (late["solved_at"], late["channel"], late["priority"]) == (None, "web", "high")
    assert (closed["solved_at"], closed["channel"]) == (datetime(2025, 7, 4, 12), "chat")
    again = import_with_preset(store, UTC, "zendesk-tickets", CSV)
    assert (again.rows_new, again.rows_unchanged) == (0, 3)


def test_the_json_export_flattened_into_tickets(store: Store) -> None:
    report = import_with_preset(store, UTC, "zendesk-tickets", JSON)
    assert (report.rows_new, report.rows_rejected) == (2, 0)
    solved, idea = records(store, "tickets")
    assert (solved["ticket_id"], solved["customer_id"], solved["agent_id"]) == (
        "4201", "361001", "900001",
    )  # fmt: skip
    assert solved["created_at"] == datetime(2025, 7, 10, 8)
    assert solved["first_reply_at"] == datetime(2025, 7, 10, 8, 45)
    assert solved["first_solved_at"] == datetime(2025, 7, 10, 12)
    assert solved["solved_at"] == datetime(2025, 7, 11, 8, 30)
    assert (solved["reopens"], solved["agent_replies"], solved["team"]) == (1, 3, "360005")
    assert (solved["channel"], solved["priority"]) == ("email", "high")
    assert (idea["channel"], idea["solved_at"], idea["priority"], idea["agent_id"]) == (
        "web", None, None, None,
    )  # fmt: skip


def test_ratings_from_either_export_as_csat(store: Store) -> None:
    csv = import_with_preset(store, UTC, "zendesk-ratings", CSV)
    json = import_with_preset(store, UTC, "zendesk-ratings", JSON)
    # "Offered" and "unoffered" are no answer: left out with their lines
    assert (csv.rows_new, json.rows_new) == (2, 1)
    rows = {r["response_id"]: r for r in records(store, "survey_responses")}
    assert set(rows) == {
        "zendesk-csat-ticket-4101",
        "zendesk-csat-ticket-4103",
        "zendesk-csat-77001",
    }
    good = rows["zendesk-csat-77001"]  # the rating's own id, as the connector keys it
    assert (good["score"], good["scale_min"], good["scale_max"], good["question_type"]) == (
        3, 1, 3, "csat",
    )  # fmt: skip
    assert (good["ticket_id"], good["customer_id"], good["comment"]) == (
        "4201", "361001", "Quick, thanks",
    )  # fmt: skip
    assert good["responded_at"] == datetime(2025, 7, 11, 9)  # the ticket's last update
    bad = rows["zendesk-csat-ticket-4103"]
    assert (bad["score"], bad["polarity"], bad["survey_id"]) == (1, "high_is_good", "zendesk-csat")


def test_the_file_s_rows_are_counted_before_unrated_ones_are_left_out(store: Store) -> None:
    report = import_with_preset(store, UTC, "zendesk-ratings", CSV)
    total = len(CSV.read_text(encoding="utf-8").splitlines()) - 1
    assert (report.rows_read, report.rows_new) == (total, 2)
    assert report.rows_left_out == total - 2
    assert f"{total} rows read, 2 new" in report.summary()
    assert f"{total - 2} left out by the preset" in report.summary()


def test_ratings_from_a_file_without_a_rating_column_are_refused(
    store: Store, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "t.csv", "Id,Subject,Updated at\n1,Hi,2025-07-01 10:00\n")
    with pytest.raises(ConfigError, match='t.csv has no "Satisfaction Score" or .*zendesk-ratings'):
        import_with_preset(store, UTC, "zendesk-ratings", path)


def test_a_malformed_row_is_refused_with_its_line(store: Store, tmp_path: Path) -> None:
    lines = CSV.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = lines[2].replace("2025-07-03 14:00:00", "last Tuesday", 1)
    path = write_csv(tmp_path / "tickets.csv", "".join(lines))
    wanted = r'tickets.csv, line 3, column "Created at" \(created_at\)'
    with pytest.raises(ImportRejected, match=wanted):
        import_with_preset(store, UTC, "zendesk-tickets", path)
    assert records(store, "tickets") == []
