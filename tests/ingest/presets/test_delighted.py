"""Delighted's responses CSV: Unix timestamps, person properties into the columns that exist."""

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


def test_responses_with_their_properties(store: Store, paris: Settings) -> None:
    report = import_with_preset(store, paris, "delighted", sample("delighted.csv"))
    assert (report.rows_new, report.rows_rejected) == (3, 0)
    assert {"Plan", "Email", "Person ID"} <= set(report.ignored_columns)
    first, second, third = records(store, "survey_responses")
    assert (first["response_id"], first["customer_id"], first["score"]) == ("101", "C001", 10)
    assert (first["question_type"], first["scale_min"], first["scale_max"]) == ("nps", 0, 10)
    assert first["polarity"] == "high_is_good" and first["comment"] == "Love the new dashboard"
    assert first["responded_at"] == datetime(2025, 7, 1, 10)  # 1751364000, UTC
    assert (first["language"], first["channel"]) == ("en", "email")  # en-US, Email
    assert (second["language"], second["channel"], second["comment"]) == (
        "fr",
        "web",
        "Too slow, honestly",
    )
    assert (third["customer_id"], third["channel"], third["comment"]) == (None, "web", None)
    assert third["responded_at"] == datetime(2025, 7, 2, 10)
    again = import_with_preset(store, paris, "delighted", sample("delighted.csv"))
    assert (again.rows_new, again.rows_unchanged) == (0, 3)


def test_a_bad_row_names_its_line(store: Store, paris: Settings, tmp_path: Path) -> None:
    path = broken(tmp_path, "delighted.csv", "Ben K.,6,", "Ben K.,six,")
    with pytest.raises(ImportRejected, match=r'line 3, column "Score" \(score\): \'six\''):
        import_with_preset(store, paris, "delighted", path)
    assert records(store, "survey_responses") == []
