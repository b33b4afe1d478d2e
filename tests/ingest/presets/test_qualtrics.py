"""Qualtrics' data export: three header rows, the NPS question by its _NPS_GROUP twin, dates
in the zone the third header row names."""

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


def test_three_header_rows_and_the_nps_question(store: Store, paris: Settings) -> None:
    report = import_with_preset(store, paris, "qualtrics", sample("qualtrics.csv"))
    counts = (report.rows_read, report.rows_new, report.rows_rejected, report.rows_left_out)
    assert counts == (4, 2, 0, 2)  # two more header rows, left out by the preset
    first, second = records(store, "survey_responses")
    assert (first["response_id"], first["customer_id"], first["score"]) == (
        "R_1aBcDeFgHiJkLmN",
        "C001",
        10,
    )
    assert (first["comment"], first["language"], first["channel"]) == (
        "Great support team",
        "en",
        "email",
    )
    # RecordedDate in America/Denver (UTC-6 in July), whatever the workspace's zone
    assert first["responded_at"] == datetime(2025, 7, 1, 14, 2, 11)
    # an unfinished response keeps its score; an anonymous link is the web channel
    assert (second["score"], second["comment"], second["channel"], second["language"]) == (
        4,
        None,
        "web",
        "fr",
    )
    assert (second["question_type"], second["scale_min"], second["scale_max"]) == ("nps", 0, 10)
    again = import_with_preset(store, paris, "qualtrics", sample("qualtrics.csv"))
    assert (again.rows_new, again.rows_unchanged) == (0, 2)


def test_choice_text_is_read_as_its_number(store: Store, paris: Settings, tmp_path: Path) -> None:
    path = broken(tmp_path, "qualtrics.csv", ",3,10,", ",3,10 - Extremely likely,")
    import_with_preset(store, paris, "qualtrics", path)
    assert records(store, "survey_responses")[0]["score"] == 10


def test_a_bad_row_names_its_own_line(store: Store, paris: Settings, tmp_path: Path) -> None:
    # line 5: three header lines, then the first response on line 4
    path = broken(tmp_path, "qualtrics.csv", ",1,4,", ",1,eleven,")
    with pytest.raises(ImportRejected, match=r'line 5, column "Q1" \(score\): \'eleven\''):
        import_with_preset(store, paris, "qualtrics", path)
