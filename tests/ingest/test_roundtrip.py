"""Property: any set of valid rows, written as any spreadsheet would write them, imports to
exactly those rows; and importing it again changes nothing."""

from __future__ import annotations

import csv
import io
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cxpulse import schema
from cxpulse.ingest import import_file
from cxpulse.settings import Settings
from cxpulse.store import open_store
from cxpulse.store.migrations import migrate

from .conftest import records

CP1252_SAFE = st.characters(
    codec="cp1252", exclude_categories=["Cc", "Cs", "Zl", "Zp"], exclude_characters="\x00"
)
TEXT = st.lists(CP1252_SAFE | st.sampled_from(["\n", "\r", "\r\n", ";", ",", '"', "\t"])).map(
    "".join
)
COMMENT = TEXT.filter(lambda s: s == s.strip()).map(lambda s: s or None)
SCALES = {
    "nps": (0, 10, "high_is_good"),
    "csat": (1, 5, "high_is_good"),
    "ces": (1, 7, "high_is_easy"),
}


@st.composite
def survey_row(draw: st.DrawFn, key: int) -> dict[str, Any]:
    qtype = draw(st.sampled_from(sorted(SCALES)))
    low, high, polarity = SCALES[qtype]
    return {
        "response_id": f"R{key}",
        "customer_id": draw(st.none() | st.from_regex(r"[a-z0-9-]{1,8}", fullmatch=True)),
        "question_type": qtype,
        "score": draw(st.none() | st.integers(low, high)),
        "scale_min": low,
        "scale_max": high,
        "polarity": polarity,
        "comment": draw(COMMENT),
        "channel": draw(st.none() | st.sampled_from(schema.CHANNELS)),
        "responded_at": draw(
            st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2036, 12, 31))
        ).replace(microsecond=0),
    }


ROWS = st.integers(0, 12).flatmap(lambda n: st.tuples(*[survey_row(k) for k in range(n)]).map(list))
DIALECTS = st.sampled_from(
    [
        (",", "utf-8", "%Y-%m-%dT%H:%M:%SZ"),
        (";", "cp1252", "%d/%m/%Y %H:%M:%S"),
        (";", "utf-8-sig", "%Y-%m-%d %H:%M:%S"),
        ("\t", "utf-8", "%Y-%m-%d %H:%M:%S"),
        ("|", "cp1252", "%Y-%m-%dT%H:%M:%S+00:00"),
    ]
)


def as_csv(rows: list[dict[str, Any]], delimiter: str, fmt: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    names = list(survey_row_names())
    writer.writerow(names)
    for row in rows:
        cells = dict(row, responded_at=row["responded_at"].strftime(fmt))
        writer.writerow(["" if cells[n] is None else cells[n] for n in names])
    if fmt.startswith("%d"):
        # A row that proves the day-first order keeps short files unambiguous.
        writer.writerow(["proof", "", "nps", "", "", "", "", "", "", "31/01/2020 00:00:00"])
    return out.getvalue()


def survey_row_names() -> list[str]:
    return [
        "response_id",
        "customer_id",
        "question_type",
        "score",
        "scale_min",
        "scale_max",
        "polarity",
        "comment",
        "channel",
        "responded_at",
    ]


def _also_utf8(data: bytes) -> bool:
    """Non-ASCII bytes that UTF-8 reads too."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not data.isascii()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ROWS, DIALECTS)
def test_valid_rows_round_trip(rows: list[dict[str, Any]], dialect: tuple[str, str, str]) -> None:
    delimiter, encoding, fmt = dialect
    data = as_csv(rows, delimiter, fmt).encode(encoding)
    # a cp1252 file whose bytes also read as UTF-8 ("ÂŒ" is C2 8C: UTF-8 for U+008C) is read
    # as UTF-8, by design (readers.decode): no byte sequence can tell the two apart
    assume(encoding != "cp1252" or not _also_utf8(data))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.csv"
        path.write_bytes(data)
        store = open_store("duckdb://")
        migrate(store)
        try:
            report = import_file(store, Settings(dayfirst=False), "survey_responses", path)
            got = [r for r in records(store, "survey_responses") if r["response_id"] != "proof"]
            again = import_file(store, Settings(dayfirst=False), "survey_responses", path)
        finally:
            store.close()

    assert report.rows_rejected == 0
    expected = [
        {c: None for c in schema.table("survey_responses").names} | row | {"source": "export.csv"}
        for row in sorted(rows, key=lambda r: r["response_id"])
    ]
    assert got == expected
    assert (again.rows_new, again.rows_updated) == (0, 0)
