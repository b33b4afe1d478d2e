"""Typeform's responses CSV: the NPS question found by its text or its 0-10 answers."""

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


def test_the_nps_question_and_its_follow_up(store: Store, paris: Settings) -> None:
    report = import_with_preset(store, paris, "typeform", sample("typeform.csv"))
    assert (report.rows_new, report.rows_rejected) == (3, 0)
    # the questions read through the preset are used, not ignored
    assert report.ignored_columns == (
        "Which plan are you on?",
        "Start Date (UTC)",
        "Stage Date (UTC)",
        "Network ID",
        "Tags",
    )
    rows = records(store, "survey_responses")
    got = [(r["response_id"], r["customer_id"], r["score"], r["comment"]) for r in rows]
    assert got == [
        ("k2x9d0q7m1l4v8h3w6", "C001", 9, "Support answers fast"),
        ("p5t8r2n6b9c1z4y7x3", "C002", 4, "Pricing went up, again"),
        ("u1o4i7e2a5s8d3f6g9", None, 7, None),
    ]
    assert {(r["question_type"], r["scale_min"], r["scale_max"]) for r in rows} == {("nps", 0, 10)}
    assert rows[0]["question_id"] == "recommend"
    assert rows[0]["responded_at"] == datetime(2025, 7, 1, 9, 1, 12)  # "(UTC)": not Paris
    # a partial response has no submit date: its stage date stands in
    assert rows[2]["responded_at"] == datetime(2025, 7, 2, 8, 0, 30)
    again = import_with_preset(store, paris, "typeform", sample("typeform.csv"))
    assert (again.rows_new, again.rows_unchanged) == (0, 3)


def test_a_question_not_named_like_nps_is_found_by_its_answers_or_mapped(
    store: Store, paris: Settings, tmp_path: Path
) -> None:
    header = "#,Your score for us,Stars,Submit Date (UTC)\n"
    path = write_csv(tmp_path / "t.csv", header + "a1,10,4,2025-07-01 09:00:00\n")
    import_with_preset(store, paris, "typeform", path)
    assert records(store, "survey_responses")[0]["score"] == 10
    # two 0-10 columns: which one is NPS cannot be told, so --map says it
    two = write_csv(tmp_path / "two.csv", header + "a2,10,9,2025-07-01 09:00:00\n")
    with pytest.raises(ImportRejected, match=r'(?s)no column "score".*--map'):
        import_with_preset(store, paris, "typeform", two)
    import_with_preset(store, paris, "typeform", two, mapping={"Your score for us": "score"})
    assert records(store, "survey_responses")[1]["score"] == 10


def test_a_bad_row_names_its_line(store: Store, paris: Settings, tmp_path: Path) -> None:
    path = broken(tmp_path, "typeform.csv", "p5t8r2n6b9c1z4y7x3,4,", "p5t8r2n6b9c1z4y7x3,12,")
    with pytest.raises(
        ImportRejected,
        match=r'line 3, column "On a scale from 0 to 10, how likely [^"]+" \(score\): \'12\'',
    ):
        import_with_preset(store, paris, "typeform", path)
