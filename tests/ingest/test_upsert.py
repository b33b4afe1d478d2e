"""Re-importing is idempotent: rows are matched by natural key, only changes are written."""

from __future__ import annotations

from pathlib import Path

import pytest
from pandas.testing import assert_frame_equal

from cxpulse.ingest import import_file, load
from cxpulse.schema import IMPORTS_TABLE
from cxpulse.settings import Settings
from cxpulse.store import Store

from .conftest import stored, write_csv
from .test_import_csv import good_rows, survey_csv


def test_reimport_changes_nothing(store: Store, paris: Settings, tmp_path: Path) -> None:
    rows = good_rows(20)
    rows[0][4] = "Très bien"  # some rows with comments, most with none (null = null)
    path = write_csv(tmp_path / "responses.csv", survey_csv(rows))
    first = import_file(store, paris, "survey_responses", path)
    before = stored(store, "survey_responses")

    again = import_file(store, paris, "survey_responses", path)

    assert (first.rows_new, first.rows_updated, first.rows_unchanged) == (20, 0, 0)
    assert (again.rows_new, again.rows_updated, again.rows_unchanged) == (0, 0, 20)
    assert again.summary() == (
        "responses.csv -> survey_responses: 20 rows read, 0 new, 0 updated, 20 unchanged, "
        "0 rejected."
    )
    assert_frame_equal(stored(store, "survey_responses"), before)
    log = store.table(IMPORTS_TABLE).order_by("imported_at").execute()
    assert log[["rows_new", "rows_unchanged"]].values.tolist() == [[20, 0], [0, 20]]
    assert log["file"].tolist() == [str(path), str(path)]


def test_changed_and_new_rows(store: Store, paris: Settings, tmp_path: Path) -> None:
    rows = good_rows(5)
    path = write_csv(tmp_path / "responses.csv", survey_csv(rows))
    import_file(store, paris, "survey_responses", path)

    rows[1][4] = "ajouté plus tard"  # null -> text
    rows[2][3] = 0  # a new score
    rows.append(["r999", "c", "csat", 4, "", "2025-06-01"])
    write_csv(path, survey_csv(rows))
    report = import_file(store, paris, "survey_responses", path)

    assert (report.rows_new, report.rows_updated, report.rows_unchanged) == (1, 2, 3)
    table = stored(store, "survey_responses").set_index("response_id")
    assert table.loc["r001", "comment"] == "ajouté plus tard"
    assert table.loc["r002", "score"] == 0
    assert len(table) == 6

    rows[1][4] = ""  # text -> null is a change too
    write_csv(path, survey_csv(rows))
    report = import_file(store, paris, "survey_responses", path)
    assert (report.rows_new, report.rows_updated, report.rows_unchanged) == (0, 1, 5)
    comments = stored(store, "survey_responses").set_index("response_id")["comment"]
    assert comments.isna()["r001"]


def test_rows_not_in_the_file_are_kept(store: Store, paris: Settings, tmp_path: Path) -> None:
    import_file(
        store, paris, "survey_responses", write_csv(tmp_path / "a.csv", survey_csv(good_rows(3)))
    )
    part = good_rows(3)[1:2]
    report = import_file(
        store, paris, "survey_responses", write_csv(tmp_path / "a.csv", survey_csv(part))
    )
    assert (report.rows_read, report.rows_unchanged) == (1, 1)
    assert len(stored(store, "survey_responses")) == 3


def test_upsert_in_many_chunks(
    store: Store, paris: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = good_rows(130)
    path = write_csv(tmp_path / "responses.csv", survey_csv(rows))
    import_file(store, paris, "survey_responses", path)
    for row in rows[::2]:
        row[4] = "changé"
    rows += [[f"n{i}", "c", "nps", 1, "", "2025-01-01"] for i in range(70)]
    write_csv(path, survey_csv(rows))

    said: list[str] = []
    monkeypatch.setattr(load, "CHUNK_ROWS", 25)
    report = import_file(store, paris, "survey_responses", path, progress=said.append)

    assert (report.rows_new, report.rows_updated, report.rows_unchanged) == (70, 65, 65)
    assert sum("wrote" in s for s in said) == 3 + 3
    table = stored(store, "survey_responses")
    assert len(table) == 200
    assert (table["comment"] == "changé").sum() == 65
