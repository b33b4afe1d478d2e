"""HubSpot's feedback submissions export: NPS, CSAT and CES, their scales from the survey type."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from cxpulse.errors import ImportRejected
from cxpulse.ingest.presets import import_with_preset
from cxpulse.settings import Settings
from cxpulse.store import Store

from ..conftest import records, write_csv
from ._samples import broken, sample


def test_each_survey_type_gets_its_scale(store: Store, paris: Settings) -> None:
    report = import_with_preset(store, paris, "hubspot-feedback", sample("hubspot_feedback.csv"))
    assert (report.rows_new, report.rows_rejected) == (5, 0)
    rows = {r["response_id"]: r for r in records(store, "survey_responses")}
    wanted = {
        "7301": ("nps", 9, 0, 10, "high_is_good", "Great onboarding, quick answers."),
        "7302": ("nps", 3, 0, 10, "high_is_good", "Billing errors two months in a row"),
        "7303": ("csat", 3, 1, 3, "high_is_good", None),  # "Satisfied": the top face
        "7304": ("csat", 1, 1, 3, "high_is_good", "Waited three days for an answer"),
        "7305": ("ces", 6, 1, 7, "high_is_easy", None),
    }
    fields = ("question_type", "score", "scale_min", "scale_max", "polarity", "comment")
    got = {k: tuple(r[f] for f in fields) for k, r in rows.items()}
    assert got == wanted
    assert rows["7301"]["survey_id"] == "412"
    # no zone in the export: the workspace's (Paris, UTC+2 in July)
    assert rows["7301"]["responded_at"] == datetime(2025, 7, 1, 7, 15)
    again = import_with_preset(store, paris, "hubspot-feedback", sample("hubspot_feedback.csv"))
    assert (again.rows_new, again.rows_unchanged) == (0, 5)


def test_internal_property_names_and_csat_as_numbers(
    store: Store, paris: Settings, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "feedback.csv",
        "hs_object_id,hs_survey_type,hs_response_value,hs_content,hs_submission_timestamp\n"
        "9001,CSAT,0,Rude agent,2025-07-01T10:00:00Z\n"
        "9002,NPS,10,,2025-07-01T11:00:00Z\n",
    )
    import_with_preset(store, paris, "hubspot-feedback", path)
    first, second = records(store, "survey_responses")
    assert (first["question_type"], first["score"], first["comment"]) == ("csat", 1, "Rude agent")
    assert (second["question_type"], second["score"]) == ("nps", 10)
    assert second["responded_at"] == datetime(2025, 7, 1, 11)


def test_a_bad_row_names_its_line(store: Store, paris: Settings, tmp_path: Path) -> None:
    path = broken(tmp_path, "hubspot_feedback.csv", "NPS,3,", "NPS,11,")
    with pytest.raises(ImportRejected, match=r'line 3, column "Response value" \(score\): \'11\''):
        import_with_preset(store, paris, "hubspot-feedback", path)
    custom = broken(tmp_path, "hubspot_feedback.csv", "Ticket effort,CES", "Ticket effort,CUSTOM")
    with pytest.raises(
        ImportRejected, match=r'line 6, column "Survey type" \(question_type\): \'CUSTOM\''
    ):
        import_with_preset(store, paris, "hubspot-feedback", custom)
