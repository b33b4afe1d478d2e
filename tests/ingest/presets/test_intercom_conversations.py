"""Intercom conversations (API JSON or a reports CSV) into tickets, and their 1-5 ratings into
survey_responses (samples: fixtures/presets/intercom_conversations.*)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from cxpulse.errors import ConfigError, ImportRejected
from cxpulse.ingest.presets import import_with_preset
from cxpulse.settings import Settings
from cxpulse.store import Store

from ..conftest import FIXTURES, records, write_csv

JSONL = FIXTURES / "presets" / "intercom_conversations.jsonl"
CSV = FIXTURES / "presets" / "intercom_conversations.csv"
UTC = Settings(timezone="UTC")


def test_api_conversations_into_tickets(store: Store) -> None:
    report = import_with_preset(store, UTC, "intercom-conversations", JSONL)
    assert (report.rows_new, report.rows_rejected) == (3, 0)
    rated, emailed, called = records(store, "tickets")
    assert {k: rated[k] for k in (
        "ticket_id", "customer_id", "created_at", "first_reply_at", "first_solved_at",
        "solved_at", "reopens", "channel", "team", "agent_id", "priority", "subject", "source",
    )} == {
        "ticket_id": "1911149811", "customer_id": "C000042",  # the contact's external id
        "created_at": datetime(2025, 7, 1, 9), "first_reply_at": datetime(2025, 7, 1, 9, 15),
        "first_solved_at": datetime(2025, 7, 1, 11), "solved_at": datetime(2025, 7, 2, 9),
        "reopens": 1, "channel": "chat", "team": "5017655", "agent_id": "5017691",
        "priority": "normal", "subject": "Invoice shows the wrong VAT number",
        "source": "intercom_conversations.jsonl",
    }  # fmt: skip
    # open (not solved), Intercom's own contact id when there is no external one, the email's
    # subject when the conversation has no title, an unknown field ignored
    assert (emailed["solved_at"], emailed["customer_id"], emailed["channel"]) == (
        None, "6683a1c9", "email",
    )  # fmt: skip
    assert (emailed["subject"], emailed["priority"]) == ("Order 1043 never arrived", "high")
    assert called["channel"] == "phone"
    again = import_with_preset(store, UTC, "intercom-conversations", JSONL)
    assert (again.rows_new, again.rows_unchanged) == (0, 3)


def test_the_list_array_and_a_reports_csv(store: Store, tmp_path: Path) -> None:
    lines = JSONL.read_text(encoding="utf-8").splitlines()
    array = tmp_path / "conversations.json"
    array.write_text(json.dumps([json.loads(line) for line in lines]), encoding="utf-8")
    assert import_with_preset(store, UTC, "intercom-conversations", array).rows_new == 3
    report = import_with_preset(store, UTC, "intercom-conversations", CSV)
    assert (report.rows_new, report.rows_rejected) == (2, 0)
    rows = {r["ticket_id"]: r for r in records(store, "tickets")}
    chat = rows["1911150001"]
    assert (chat["customer_id"], chat["agent_id"], chat["team"], chat["channel"]) == (
        "C000042", "Hugo Martin", "Billing", "chat",
    )  # fmt: skip
    assert (chat["first_reply_at"], chat["solved_at"]) == (
        datetime(2025, 7, 5, 8, 20), datetime(2025, 7, 5, 9),
    )  # fmt: skip
    assert rows["1911150002"]["solved_at"] is None and len(rows) == 5


def test_ratings_as_five_point_csat(store: Store) -> None:
    json_report = import_with_preset(store, UTC, "intercom-ratings", JSONL)
    csv_report = import_with_preset(store, UTC, "intercom-ratings", CSV)
    assert (json_report.rows_new, csv_report.rows_new) == (2, 1)  # unrated: left out
    rows = {r["response_id"]: r for r in records(store, "survey_responses")}
    four = rows["intercom-rating-1911149811"]
    assert {k: four[k] for k in (
        "customer_id", "ticket_id", "agent_id", "score", "scale_min", "scale_max",
        "question_type", "polarity", "comment", "responded_at", "touchpoint",
    )} == {
        "customer_id": "C000042", "ticket_id": "1911149811", "agent_id": "5017691", "score": 4,
        "scale_min": 1, "scale_max": 5, "question_type": "csat", "polarity": "high_is_good",
        "comment": "Sorted quickly", "responded_at": datetime(2025, 7, 2, 9, 10),
        "touchpoint": "support",
    }  # fmt: skip
    assert rows["intercom-rating-1911149813"]["score"] == 1
    assert rows["intercom-rating-1911150001"]["responded_at"] == datetime(2025, 7, 5, 9, 10)


def test_ratings_from_a_file_without_a_rating_column_are_refused(
    store: Store, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "c.csv", "Conversation ID,State\n1911150001,closed\n")
    with pytest.raises(ConfigError, match='"Conversation rating" .*intercom-ratings preset'):
        import_with_preset(store, UTC, "intercom-ratings", path)


def test_a_malformed_row_is_refused_with_its_line(store: Store, tmp_path: Path) -> None:
    text = JSONL.read_text(encoding="utf-8").replace('"rating": 1,', '"rating": 9,')
    path = write_csv(tmp_path / "conv.jsonl", text)
    with pytest.raises(ImportRejected, match="conv.jsonl, line 3, column \"score\": '9'"):
        import_with_preset(store, UTC, "intercom-ratings", path)
