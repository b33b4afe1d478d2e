"""Reading files as text with their true line numbers, encodings and separators."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxpulse.errors import ImportRejected
from cxpulse.ingest.readers import decode, read_csv, read_file, sniff_delimiter


def cells(frame: pd.DataFrame) -> list[list[Any]]:
    return [[None if pd.isna(v) else v for v in row] for row in frame.itertuples(index=False)]


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("é".encode(), "utf-8"),
        (codecs.BOM_UTF8 + "é".encode(), "utf-8-sig"),
        ("é œ €".encode("cp1252"), "cp1252"),
        ("é".encode("utf-16"), "utf-16"),
        (b"\x81\xe9", "latin-1"),
    ],
)
def test_decode(data: bytes, encoding: str) -> None:
    text, found = decode(data)
    assert found == encoding
    assert "\ufeff" not in text


@pytest.mark.parametrize(
    ("header", "delimiter"),
    [
        ("a,b,c", ","),
        ("a;b;c", ";"),
        ("a\tb\tc", "\t"),
        ("a|b|c", "|"),
        ('"x;y",b,c', ","),
        ("a;b,c;d", ";"),
        ("single", ","),
    ],
)
def test_sniff_delimiter(header: str, delimiter: str) -> None:
    assert sniff_delimiter(header) == delimiter


def test_line_numbers_count_quoted_line_breaks_and_blank_lines() -> None:
    text = 'a;b\r\n1;"x\r\ny"\r\n\r\n2;"p\nq\rr"\n3;\n;\n4;z\n'
    raw = read_csv(text, "f.csv")
    assert cells(raw.frame) == [["1", "x\r\ny"], ["2", "p\nq\rr"], ["3", ""], ["4", "z"]]
    assert raw.lines == [2, 5, 8, 10]


def test_header_only_and_empty_files(tmp_path: Path) -> None:
    raw = read_csv("a,b\n", "f.csv")
    assert (len(raw.frame), list(raw.frame.columns), raw.lines) == (0, ["a", "b"], [])
    with pytest.raises(ImportRejected, match="f.csv is empty"):
        read_csv("", "f.csv")


def test_duplicate_header_names_are_refused() -> None:
    with pytest.raises(ImportRejected, match='the column "a" appears twice'):
        read_csv("a,b,a\n1,2,3\n", "f.csv")


@pytest.mark.parametrize(
    "text",
    ["a,b\n1,2,3\n4,5\n", "a,b\n4,5\n1,2,3\n", 'a,b\n"x\ny",2\n1,2,3\n'],
)
def test_rows_with_extra_fields_are_problems_on_their_line(text: str) -> None:
    raw = read_csv(text, "f.csv")
    bad = text.split("\n").index("1,2,3") + 1
    assert [(p.line, p.column, p.value) for p in raw.problems] == [(bad, "(row)", "3")]
    assert "has 3 fields but the header has 2" in raw.problems[0].rule
    assert len(raw.frame) == 1


def test_empty_extra_fields_are_ignored() -> None:
    raw = read_csv("a,b\n1,2,\n4,5,,\n", "f.csv")
    assert (cells(raw.frame), raw.lines, raw.problems) == ([["1", "2"], ["4", "5"]], [2, 3], [])


@pytest.mark.parametrize("extra", ["", "1;2;3\n"])
def test_excel_separator_hint_line(extra: str) -> None:
    raw = read_csv(f"sep=;\r\na;b\r\n1,5;x\r\n{extra}2;y\n", "f.csv")
    assert (raw.delimiter, raw.header_line, list(raw.frame.columns)) == (";", 2, ["a", "b"])
    assert cells(raw.frame) == [["1,5", "x"], ["2", "y"]]
    assert raw.lines == ([3, 4] if not extra else [3, 5])
    assert [p.line for p in raw.problems] == ([] if not extra else [4])


def test_unnamed_columns_from_trailing_separators() -> None:
    raw = read_csv("a;b;\n1;2;\n", "f.csv")
    assert list(raw.frame.columns) == ["a", "b", "(column 3)"]


# -- property: the same rows and lines as Python's csv module --------------------------
FIELD = st.lists(st.sampled_from([*'ab é;,"\n\r\t|', "\r\n"]), max_size=8).map("".join)


def reference(text: str, delimiter: str) -> tuple[list[list[str]], list[int]]:
    """Rows and start lines as the csv module sees them (blank records skipped, short ones
    padded: an unquoted carriage return ends a record early)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    width = len(next(reader))
    rows, lines, start = [], [], reader.line_num + 1
    for record in reader:
        line, start = start, reader.line_num + 1
        if any(cell.strip() for cell in record):
            rows.append(record + [""] * (width - len(record)))
            lines.append(line)
    return rows, lines


@settings(max_examples=200, deadline=None)
@given(
    st.integers(2, 4).flatmap(
        lambda width: st.lists(st.lists(FIELD, min_size=width, max_size=width), max_size=8)
    ),
    st.sampled_from([",", ";", "\t", "|"]),
    st.sampled_from(["\n", "\r\n"]),
    st.lists(st.integers(0, 8), max_size=3),
)
def test_rows_and_lines_match_the_csv_module(
    rows: list[list[str]], delimiter: str, newline: str, blanks: list[int]
) -> None:
    width = len(rows[0]) if rows else 2
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline, quoting=csv.QUOTE_MINIMAL)
    writer.writerow([f"col{i}" for i in range(width)])
    lines = [out.getvalue()]
    for i, row in enumerate(rows):
        if i in blanks:
            lines.append(newline)
        out = io.StringIO()
        csv.writer(out, delimiter=delimiter, lineterminator=newline).writerow(row)
        lines.append(out.getvalue())
    text = "".join(lines)

    raw = read_csv(text, "f.csv")

    expected_rows, expected_lines = reference(text, delimiter)
    assert raw.delimiter == delimiter
    assert raw.lines == expected_lines
    got = [["" if v is None else v for v in row] for row in cells(raw.frame)]
    assert got == expected_rows


def test_read_file_detects_encoding(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes("nom;ville\nZoé;Besançon\n".encode("cp1252"))
    raw = read_file(path)
    assert (raw.encoding, raw.delimiter) == ("cp1252", ";")
    assert cells(raw.frame) == [["Zoé", "Besançon"]]


def test_one_json_object_over_several_lines_is_one_record() -> None:
    from cxpulse.ingest.readers import read_json

    raw = read_json('{\n  "reviews": [\n    {"reviewId": "a"}\n  ],\n  "n": 1\n}\n', "r.json")
    assert (raw.lines, raw.problems, list(raw.frame.columns)) == ([1], [], ["reviews", "n"])
    assert raw.frame["reviews"][0] == '[{"reviewId": "a"}]'
    # JSON lines stay one record per line, a broken document one problem per bad line
    lines = read_json('{"a": 1}\n{"a": 2}\n', "x.jsonl")
    assert (lines.lines, len(lines.frame)) == ([1, 2], 2)
    bad = read_json('{\n  "a": 1,\n}\n', "bad.json")
    assert [p.line for p in bad.problems] == [1, 2, 3]
