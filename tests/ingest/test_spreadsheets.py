"""Importing Excel workbooks: real .xlsx files written with openpyxl."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from cxpulse.errors import ConfigError, ImportRejected
from cxpulse.ingest import import_file
from cxpulse.ingest.readers import ReadOptions, read_file
from cxpulse.settings import Settings
from cxpulse.store import Store

from .conftest import records


def _workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    notes = book.active
    assert notes is not None
    notes.title = "Notes"
    notes.append(["exported by the shop"])
    orders = book.create_sheet("Orders")
    orders.append(["order_id", "ordered_at", "amount", "channel"])
    orders.append(["O1", datetime(2026, 1, 5, 10, 30), 12, "web"])
    orders.append([2, date(2026, 5, 1), 9.5, None])  # a number as id: Excel stores 2.0
    orders.append([None, None, None, None])  # a blank row is skipped, lines still count
    orders.append(["O3", "01/05/2026", "abc", "store"])
    book.save(path)
    return path


def test_the_first_sheet_is_read_by_default_and_sheet_chooses(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "orders.xlsx")
    first = read_file(path)
    assert list(first.frame.columns) == ["exported by the shop"]
    raw = read_file(path, ReadOptions(sheet="Orders"))
    assert raw.label == "orders.xlsx [Orders]"
    assert raw.lines == [2, 3, 5]
    assert raw.frame["order_id"].tolist() == ["O1", "2", "O3"]
    assert raw.frame["ordered_at"].tolist() == ["2026-01-05 10:30:00", "2026-05-01", "01/05/2026"]
    with pytest.raises(ConfigError, match="no sheet 'Sales'; its sheets are: Notes, Orders"):
        read_file(path, ReadOptions(sheet="Sales"))


def test_an_xlsx_file_imports_with_line_numbers_of_the_sheet(
    store: Store, paris: Settings, tmp_path: Path
) -> None:
    path = _workbook(tmp_path / "orders.xlsx")
    with pytest.raises(ImportRejected, match=r"orders.xlsx \[Orders\], line 5, column \"amount\""):
        import_file(store, paris, "orders", path, read=ReadOptions(sheet="Orders"))
    report = import_file(
        store, paris, "orders", path, read=ReadOptions(sheet="Orders"), on_error="skip"
    )
    assert (report.rows_new, report.rows_rejected) == (2, 1)
    rows = records(store, "orders")
    assert [(r["order_id"], r["amount"]) for r in rows] == [("2", 9.5), ("O1", 12.0)]
    # a date cell is a date, whatever the dayfirst setting; local Paris time to UTC
    assert rows[1]["ordered_at"] == datetime(2026, 1, 5, 9, 30)


def test_a_workbook_that_is_not_one_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "orders.xlsx"
    fake.write_text("order_id,amount\n", encoding="utf-8")
    with pytest.raises(ImportRejected, match="not a readable workbook"):
        read_file(fake)
    csv = tmp_path / "orders.csv"
    csv.write_text("order_id,amount\nO1,3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="--sheet does not apply to a CSV file"):
        read_file(csv, ReadOptions(sheet="Orders"))
