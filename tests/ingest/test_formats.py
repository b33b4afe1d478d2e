"""Parquet, JSON lines, JSON arrays and gzip-compressed CSV."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cxpulse.errors import ImportRejected
from cxpulse.ingest import import_file
from cxpulse.settings import Settings
from cxpulse.store import Store

from .conftest import records, write_csv
from .test_import_csv import good_rows, survey_csv


def test_parquet_with_typed_columns(store: Store, paris: Settings, tmp_path: Path) -> None:
    table = pa.table(
        {
            "order_id": ["o1", "o2", "o3"],
            "ordered_at": pa.array(
                [datetime(2025, 1, 1, 12, tzinfo=UTC)] * 3, pa.timestamp("us", tz="UTC")
            ),
            # Naive timestamps are local time, like a CSV value without an offset.
            "delivered_at": pa.array(
                [datetime(2025, 7, 1, 12), None, datetime(2025, 1, 2, 9, 30, 15, 250000)],
                pa.timestamp("ms"),
            ),
            "amount": pa.array([19.99, 0.1 + 0.2, 1e6], pa.float64()),
            "margin": pa.array([1, None, 3], pa.int32()),
            "channel": pa.array(["web", "app", "web"]).dictionary_encode(),
        }
    )
    path = tmp_path / "orders.parquet"
    pq.write_table(table, path)

    report = import_file(store, paris, "orders", path)

    assert report.rows_new == 3
    rows = records(store, "orders")
    assert [r["amount"] for r in rows] == [19.99, 0.1 + 0.2, 1e6]
    assert [r["margin"] for r in rows] == [1.0, None, 3.0]
    assert rows[0]["ordered_at"] == datetime(2025, 1, 1, 12)
    assert [r["delivered_at"] for r in rows] == [
        datetime(2025, 7, 1, 10),
        None,
        datetime(2025, 1, 2, 8, 30, 15, 250000),
    ]
    assert [r["channel"] for r in rows] == ["web", "app", "web"]
    assert {r["source"] for r in rows} == {"orders.parquet"}
    assert import_file(store, paris, "orders", path).rows_unchanged == 3


def test_parquet_problems_are_reported_by_row(
    store: Store, paris: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "responses.parquet"
    pq.write_table(
        pa.table(
            {
                "response_id": ["a", "b"],
                "question_type": ["nps", "nps"],
                "score": [10, 11],
                "responded_at": ["2025-01-01", "2025-01-01"],
            }
        ),
        path,
    )
    with pytest.raises(ImportRejected) as caught:
        import_file(store, paris, "survey_responses", path)
    assert "responses.parquet, row 2, column \"score\": '11'" in str(caught.value)


def test_json_lines_with_numbers_booleans_blank_and_bad_lines(
    store: Store, paris: Settings, tmp_path: Path
) -> None:
    lines = [
        json.dumps({"invitation_id": "i1", "sent_at": "2025-01-01T08:00:00Z", "delivered": True}),
        "",
        json.dumps(
            {
                "invitation_id": "i2",
                "sent_at": "2025-01-01 09:00",
                "delivered": False,
                "channel": "SMS",
                "extra": {"a": 1},
            }
        ),
        '{"invitation_id": "i3", "sent_at": ',
        json.dumps(["not", "an", "object"]),
        json.dumps({"invitation_id": "i4", "sent_at": "2025-01-01", "delivered": "oui"}),
    ]
    path = tmp_path / "invitations.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    with pytest.raises(ImportRejected) as caught:
        import_file(store, paris, "survey_invitations", path)
    assert [p.line for p in caught.value.problems] == [4, 5]
    assert "invitations.jsonl, line 4" in str(caught.value)

    report = import_file(store, paris, "survey_invitations", path, on_error="skip")

    assert (report.rows_read, report.rows_new, report.rows_rejected) == (5, 3, 2)
    assert report.ignored_columns == ("extra",)
    rows = records(store, "survey_invitations")
    assert [r["delivered"] for r in rows] == [True, False, True]
    assert [r["sent_at"] for r in rows] == [
        datetime(2025, 1, 1, 8),
        datetime(2025, 1, 1, 8),
        datetime(2024, 12, 31, 23),
    ]
    assert rows[1]["channel"] == "sms"
    rejects = report.rejects_path.read_text(encoding="utf-8") if report.rejects_path else ""
    assert "not valid JSON" in rejects and "not a JSON object" in rejects


def test_json_lines_numbers_for_whole_number_columns(
    store: Store, paris: Settings, tmp_path: Path
) -> None:
    rows = [
        {
            "response_id": "a",
            "question_type": "csat",
            "score": 4.0,
            "scale_max": 5,
            "responded_at": "2025-01-01",
        },
        {
            "response_id": "b",
            "question_type": "csat",
            "score": 4.5,
            "scale_max": 5,
            "responded_at": "2025-01-01",
        },
    ]
    path = tmp_path / "r.ndjson"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    report = import_file(store, paris, "survey_responses", path, on_error="skip")
    assert (report.rows_new, report.rows_rejected) == (1, 1)
    assert "not a whole number" in report.problems[0].rule
    assert records(store, "survey_responses")[0]["score"] == 4


def test_json_array_file(store: Store, paris: Settings, tmp_path: Path) -> None:
    data = [
        {"response_id": "a", "question_type": "nps", "score": 9, "responded_at": "2025-01-01"},
        {"response_id": "b", "question_type": "nps", "score": 99, "responded_at": "2025-01-01"},
    ]
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ImportRejected, match=r"r\.json, record 2, column \"score\""):
        import_file(store, paris, "survey_responses", path)


def test_gzipped_csv(store: Store, paris: Settings, tmp_path: Path) -> None:
    path = tmp_path / "responses.csv.gz"
    path.write_bytes(gzip.compress(survey_csv(good_rows(3)).encode("cp1252")))
    report = import_file(store, paris, "survey_responses", path, source="archive")
    assert report.rows_new == 3
    assert {r["source"] for r in records(store, "survey_responses")} == {"archive"}


def test_gzipped_csv_rejects_go_beside_it(store: Store, paris: Settings, tmp_path: Path) -> None:
    rows = good_rows(2)
    rows[0][3] = 12
    path = tmp_path / "responses.csv.gz"
    path.write_bytes(gzip.compress(survey_csv(rows).encode()))
    report = import_file(store, paris, "survey_responses", path, on_error="skip")
    assert report.rejects_path == tmp_path / "responses.rejects.csv"


def test_rows_with_too_many_fields_are_reported_on_their_line(
    store: Store, paris: Settings, tmp_path: Path
) -> None:
    text = (
        survey_csv(good_rows(3)) + 'r9,c,nps,1,"a\nb",2025-01-01,oops\nr10,c,nps,1,,2025-01-01,,\n'
    )
    path = write_csv(tmp_path / "responses.csv", text)
    report = import_file(store, paris, "survey_responses", path, on_error="skip")
    assert (report.rows_new, report.rows_rejected) == (4, 1)
    problem = report.problems[0]
    assert (problem.line, problem.column) == (5, "(row)")
    assert "has 7 fields but the header has 6" in problem.rule
    assert records(store, "survey_responses")[-1]["response_id"] == "r10"


def test_empty_json_lines_file(store: Store, paris: Settings, tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("\n\n", encoding="utf-8")
    with pytest.raises(ImportRejected, match="empty.jsonl is empty"):
        import_file(store, paris, "survey_responses", path)


def test_header_only_csv_imports_nothing(store: Store, paris: Settings, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", "response_id;question_type;responded_at\r\n")
    report = import_file(store, paris, "survey_responses", path)
    assert (report.rows_read, report.rows_new) == (0, 0)
