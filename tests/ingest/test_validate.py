"""validate_frame: the checks shared by file imports and the HTTP API."""

from __future__ import annotations

import pandas as pd
import pytest

from cxpulse import schema
from cxpulse.ingest import validate_frame
from cxpulse.ingest.report import RowProblem
from cxpulse.settings import Settings

RESPONSES = schema.table("survey_responses")
TICKETS = schema.table("tickets")


def test_types_and_fills_the_table_columns(paris: Settings) -> None:
    raw = pd.DataFrame(
        {
            "response_id": ["a", "b"],
            "question_type": ["NPS", "csat"],
            "score": ["9", None],
            "responded_at": ["2025-07-01 10:00", "2025-07-01T10:00:00Z"],
        },
        index=[10, 11],
    )
    typed, problems = validate_frame(raw, RESPONSES, paris, file_label="api", lines=[1, 2])

    assert problems == []
    assert list(typed.columns) == RESPONSES.names
    assert list(typed.index) == [10, 11]
    assert str(typed["score"].dtype) == "Int64"
    assert str(typed["responded_at"].dtype) == "datetime64[ns]"
    assert typed["question_type"].tolist() == ["nps", "csat"]
    assert typed["responded_at"].tolist() == [
        pd.Timestamp("2025-07-01 08:00"),
        pd.Timestamp("2025-07-01 10:00"),
    ]
    assert typed["scale_max"].tolist() == [10, 5]
    assert typed["comment"].isna().all()


def test_problems_name_line_column_value_and_rule(paris: Settings) -> None:
    raw = pd.DataFrame(
        {
            "ticket_id": ["t1", "t2", None, "t4"],
            "created_at": ["2025-01-02", "2025-01-02", "2025-01-02", "demain"],
            "first_reply_at": ["2025-01-01", None, None, None],
            "reopens": ["-1", "2", "0", "1,5"],
            "sentiment": ["0,5", "1,5", None, None],
            "channel": ["chat", "pigeon", None, None],
            "escalated": ["oui", "peut-être", None, None],
        }
    )
    typed, problems = validate_frame(raw, TICKETS, paris, file_label="t.csv", lines=[2, 3, 4, 5])

    assert [str(p) for p in problems] == [
        "t.csv, line 2, column \"first_reply_at\": '2025-01-01' - "
        "first_reply_at is before created_at",
        "t.csv, line 2, column \"reopens\": '-1' - must be at least 0",
        "t.csv, line 3, column \"channel\": 'pigeon' - must be one of: email, web, in_app, sms, "
        "chat, phone, social, other",
        "t.csv, line 3, column \"escalated\": 'peut-être' - not a yes/no value; expected one of "
        "true, false, yes, no, oui, non, vrai, faux, 1, 0",
        "t.csv, line 3, column \"sentiment\": '1,5' - must be at most 1",
        't.csv, line 4, column "ticket_id": (empty) - required; this cell is empty',
        "t.csv, line 5, column \"created_at\": 'demain' - not a date; expected e.g. "
        "2025-12-31 14:05, 31/12/2025 14:05, 31/12/2025 or 2025-12-31T14:05:00+01:00",
        "t.csv, line 5, column \"reopens\": '1,5' - not a whole number; expected e.g. 4 or "
        "1 234 (4,0 is read as 4, 4,5 is refused)",
    ]
    assert typed.empty
    assert problems[0].as_dict()["value"] == "2025-01-01"


def test_rows_with_problems_are_left_out(paris: Settings) -> None:
    raw = pd.DataFrame(
        {
            "response_id": ["a", "b", "c"],
            "question_type": ["nps", "ces", "ces"],
            "score": [9, 4, 4],
            "scale_max": [None, None, 7],
            "polarity": [None, None, "high_is_easy"],
            "responded_at": ["2025-01-01"] * 3,
        }
    )
    typed, problems = validate_frame(raw, RESPONSES, paris, file_label="x", lines=[1, 2, 3])
    assert typed["response_id"].tolist() == ["a", "c"]
    assert {(p.line, p.column, p.rule) for p in problems} == {
        (2, "scale_max", "a CES scale has 5 or 7 points (1-5 or 1-7)"),
        (2, "polarity", "a CES answer needs polarity high_is_easy or high_is_hard"),
    }


def test_rows_can_be_named_rows(paris: Settings) -> None:
    raw = pd.DataFrame({"response_id": ["a"], "question_type": ["nps"], "responded_at": [None]})
    _, problems = validate_frame(
        raw, RESPONSES, paris, file_label="p.parquet", lines=[7], line_word="row"
    )
    assert isinstance(problems[0], RowProblem)
    assert str(problems[0]).startswith('p.parquet, row 7, column "responded_at"')


def test_lines_must_match_rows(paris: Settings) -> None:
    with pytest.raises(ValueError, match="lines has 1 numbers for 2 rows"):
        validate_frame(pd.DataFrame({"a": [1, 2]}), RESPONSES, paris, file_label="x", lines=[1])


def test_any_index_is_kept(paris: Settings) -> None:
    raw = pd.DataFrame(
        {
            "response_id": ["a", "b", "c"],
            "question_type": ["nps", "nps", "nps"],
            "responded_at": ["31/12/2025", "bad", "2025-01-01"],
        },
        index=["x", "x", "y"],
    )
    typed, problems = validate_frame(raw, RESPONSES, paris, file_label="f", lines=[2, 3, 4])
    assert list(typed.index) == ["x", "y"]
    assert typed["response_id"].tolist() == ["a", "c"]
    assert [p.line for p in problems] == [3]
