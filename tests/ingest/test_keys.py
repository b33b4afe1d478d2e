"""Keys made from a row's content, and CDNOW's raw purchase log imported as it is."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxpulse.errors import ConfigError, ImportRejected
from cxpulse.ingest import import_file
from cxpulse.ingest.keys import content_ids
from cxpulse.ingest.readers import WHITESPACE, ReadOptions
from cxpulse.settings import Settings
from cxpulse.store import Store

from .conftest import FIXTURES, records

CDNOW = ReadOptions(
    separator=WHITESPACE,
    header=False,
    columns=("customer_id", "ordered_at", "quantity", "amount"),
)
CDNOW_FULL = Path(__import__("lifetimes").__file__).parent / "datasets" / "CDNOW_master.txt"

cells = st.one_of(st.none(), st.text(max_size=4))


@given(st.lists(st.tuples(cells, cells), max_size=30), st.randoms())
def test_content_ids_are_unique_and_do_not_depend_on_row_order(
    rows: list[tuple[str | None, str | None]], rnd: object
) -> None:
    frame = pd.DataFrame(rows, columns=["a", "b"], dtype=object)
    ids = content_ids(frame)
    assert ids.is_unique
    order = list(range(len(rows)))
    rnd.shuffle(order)  # type: ignore[attr-defined]
    shuffled = content_ids(frame.iloc[order])
    assert sorted(shuffled.tolist()) == sorted(ids.tolist())


def test_the_raw_cdnow_log_imports_and_reimports_unchanged(store: Store, tmp_path: Path) -> None:
    # the sample plus one purchase repeated: two identical rows are two orders
    text = (FIXTURES / "cdnow_sample.txt").read_bytes()
    path = tmp_path / "CDNOW_master.txt"
    path.write_bytes(text + text.splitlines(keepends=True)[0])
    utc = Settings()
    args = {"read": CDNOW, "date_format": "%Y%m%d", "generate_id": True}

    report = import_file(store, utc, "orders", path, **args)  # type: ignore[arg-type]
    assert (report.rows_read, report.rows_new, report.rows_rejected) == (201, 201, 0)
    assert report.ignored_columns == ("quantity",)
    rows = records(store, "orders")
    first = [r for r in rows if r["customer_id"] == "00001"]
    assert [(r["ordered_at"], r["amount"]) for r in first] == [(datetime(1997, 1, 1), 11.77)] * 2
    assert sorted(r["order_id"][-2:] for r in first) == ["-1", "-2"]

    again = import_file(store, utc, "orders", path, **args)  # type: ignore[arg-type]
    assert (again.rows_new, again.rows_updated, again.rows_unchanged) == (0, 0, 201)


def test_options_that_do_not_fit_are_explained(store: Store, tmp_path: Path) -> None:
    path = FIXTURES / "cdnow_sample.txt"
    with pytest.raises(ConfigError, match="--columns names 3 columns but cdnow_sample.txt has 4"):
        import_file(
            store, Settings(), "orders", path,
            read=ReadOptions(separator=WHITESPACE, header=False, columns=("a", "b", "c")),
        )  # fmt: skip
    with pytest.raises(ImportRejected, match="no order_id at all, --generate-id makes one"):
        import_file(store, Settings(), "orders", path, read=CDNOW)
    csv = tmp_path / "orders.csv"
    csv.write_text("order_id,ordered_at,amount\nO1,19970101,3\nO2,1997-01-01,4\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="--generate-id makes order_id.*has a column mapped"):
        import_file(store, Settings(), "orders", csv, generate_id=True)
    report = import_file(store, Settings(), "orders", csv, date_format="%Y%m%d", on_error="skip")
    assert report.rows_rejected == 1
    assert "not a date in the format %Y%m%d" in report.problems[0].rule


@pytest.mark.skipif(not CDNOW_FULL.exists(), reason="lifetimes' CDNOW_master.txt not installed")
def test_the_full_cdnow_file_gives_its_69659_purchases(store: Store) -> None:
    # lifetimes' copy has a header line: --columns replaces its names
    options = ReadOptions(separator=WHITESPACE, columns=CDNOW.columns)
    started = time.perf_counter()
    report = import_file(
        store, Settings(), "orders", CDNOW_FULL, read=options, date_format="%Y%m%d",
        generate_id=True,
    )  # fmt: skip
    print(f"CDNOW import: {time.perf_counter() - started:.1f} s")
    assert (report.rows_read, report.rows_new, report.rows_rejected) == (69_659, 69_659, 0)
