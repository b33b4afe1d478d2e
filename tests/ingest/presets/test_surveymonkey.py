"""SurveyMonkey's "All responses data" CSV: two header rows, month-first dates with AM/PM."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from cxpulse.errors import ImportRejected
from cxpulse.ingest.presets import import_with_preset
from cxpulse.ingest.presets.surveymonkey import us_time
from cxpulse.settings import Settings
from cxpulse.store import Store

from ..conftest import records
from ._samples import broken, sample


def test_the_second_header_row_is_not_a_response(store: Store, paris: Settings) -> None:
    report = import_with_preset(store, paris, "surveymonkey", sample("surveymonkey.csv"))
    counts = (report.rows_read, report.rows_new, report.rows_rejected, report.rows_left_out)
    assert counts == (3, 2, 0, 1)  # the second header row, left out by the preset
    assert "Which features do you use? | Alerts" in report.ignored_columns
    first, second = records(store, "survey_responses")
    assert (first["response_id"], first["score"], first["comment"]) == (
        "114052345678",
        10,
        "Reports save me hours",
    )
    assert (first["question_type"], first["scale_min"], first["scale_max"]) == ("nps", 0, 10)
    # 07/01/2025 09:14:40 AM and 01:05:10 PM, in the workspace's zone (Paris, UTC+2)
    assert first["responded_at"] == datetime(2025, 7, 1, 7, 14, 40)
    assert (second["score"], second["responded_at"]) == (5, datetime(2025, 7, 1, 11, 5, 10))
    again = import_with_preset(store, paris, "surveymonkey", sample("surveymonkey.csv"))
    assert (again.rows_new, again.rows_unchanged) == (0, 2)


def test_a_bad_row_names_its_own_line(store: Store, paris: Settings, tmp_path: Path) -> None:
    # the second response is on line 4: two header lines, then the first response
    path = broken(tmp_path, "surveymonkey.csv", "C002,5,", "C002,-1,")
    with pytest.raises(
        ImportRejected, match=r'line 4, column "How likely is it [^"]+" \(score\): \'-1\''
    ):
        import_with_preset(store, paris, "surveymonkey", path)


def test_us_times() -> None:
    assert us_time("07/01/2025 01:05:10 PM") == "2025-07-01 13:05:10"
    assert us_time("12/31/2025 12:00 AM") == "2025-12-31 00:00:00"
    assert us_time("31/12/2025 10:00:00 AM") is None  # left for the import to reject
