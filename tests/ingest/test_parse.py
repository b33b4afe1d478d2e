"""Reading cell text as numbers, booleans and timestamps."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxpulse.ingest.parse import (
    DATE_EXPECTED,
    FLOAT_TOO_LARGE,
    INT_TOO_LARGE,
    as_text,
    parse_bool,
    parse_float,
    parse_int,
    parse_string,
    parse_timestamp,
    read_float,
)

UTC = ZoneInfo("UTC")
PARIS = ZoneInfo("Europe/Paris")


def text(*values: Any) -> pd.Series[Any]:
    return as_text(pd.Series(list(values), dtype=object))


def bad_rows(failures: list[tuple[Any, str]]) -> list[bool]:
    rows = failures[0][0].copy()
    for mask, _ in failures[1:]:
        rows |= mask
    return [bool(v) for v in rows]


def plain(column: pd.Series[Any]) -> list[Any]:
    return [None if pd.isna(v) else v for v in column]


def test_as_text_strips_and_empties_to_null() -> None:
    assert plain(text(" a ", "", "  ", None, "b\u00a0")) == ["a", None, None, None, "b"]
    assert plain(text(1, 2.5, True, None)) == ["1", "2.5", "true", None]


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("4.5", 4.5),
        ("4,5", 4.5),
        ("-4,5", -4.5),
        ("1 234,56", 1234.56),
        ("1\u00a0234,56", 1234.56),
        ("1\u202f234,56", 1234.56),
        ("1 234 567", 1234567.0),
        ("1.234,56", 1234.56),
        ("1,234.56", 1234.56),
        ("1,234", 1.234),
        (".5", 0.5),
        ("1e3", 1000.0),
        ("+7", 7.0),
    ],
)
def test_numbers(raw: str, value: float) -> None:
    parsed = parse_float(text(raw))
    assert parsed.values.tolist() == [value]
    assert bad_rows(parsed.failures) == [False]


@pytest.mark.parametrize("raw", ["abc", "4 5", "1 23,4", "4,5,6", "nan", "inf", "1.2.3", "€5"])
def test_not_numbers(raw: str) -> None:
    parsed = parse_float(text(raw))
    assert bad_rows(parsed.failures) == [True]
    assert parsed.failures[0][1].startswith("not a number; expected e.g. 4.5, 4,5")


@pytest.mark.parametrize(
    ("raw", "value"), [("4", 4), ("4,0", 4), ("4.00", 4), ("-12", -12), ("1 234", 1234)]
)
def test_whole_numbers(raw: str, value: int) -> None:
    assert parse_int(text(raw)).values.tolist() == [value]


@pytest.mark.parametrize("raw", ["4.5", "4,5", "4,01", "1e3", "four"])
def test_not_whole_numbers(raw: str) -> None:
    parsed = parse_int(text(raw))
    assert bad_rows(parsed.failures) == [True]
    assert "not a whole number" in parsed.failures[0][1]


_INT64 = (-(2**63), 2**63 - 1)


@given(st.lists(st.integers(min_value=-(10**30), max_value=10**30), max_size=20))
def test_whole_numbers_beyond_the_store_are_refused_not_crashed(values: list[int]) -> None:
    parsed = parse_int(text(*[str(v) for v in values], "+0009223372036854775808"))
    too_large = next(m for m, message in parsed.failures if message == INT_TOO_LARGE)
    for i, value in enumerate([*values, 2**63]):
        fits = _INT64[0] <= value <= _INT64[1]
        assert bool(too_large[i]) is not fits
        assert plain(parsed.values)[i] == (value if fits else None)


def test_numbers_beyond_a_double_are_refused() -> None:
    parsed = parse_float(text("1e400", "-1e309", "1e308", "4,5"))
    too_large = next(m for m, message in parsed.failures if message == FLOAT_TOO_LARGE)
    assert too_large.tolist() == [True, True, False, False]
    assert plain(parsed.values) == [None, None, 1e308, 4.5]


@given(
    st.one_of(
        st.text(alphabet="0123456789,. \u00a0+-eE", max_size=12),
        st.floats(allow_nan=False).map(str),
        st.sampled_from(["49,00", "1 234,56", "1.234,56", "1,234.50", "1e400", "nan", "inf"]),
    )
)
def test_one_cell_reads_as_its_column_does(raw: str) -> None:
    """The presets read a cell at a time: the same rule as the import's columns."""
    column = plain(parse_float(as_text(pd.Series([raw], dtype=object))).values)
    assert read_float(raw) == column[0]


def test_booleans() -> None:
    values = [
        "true",
        "FALSE",
        "Yes",
        "no",
        "oui",
        "NON",
        "vrai",
        "Faux",
        "1",
        "0",
        None,
        "peut-être",
    ]
    parsed = parse_bool(text(*values))
    assert parsed.values.tolist()[:10] == [True, False] * 5
    assert bad_rows(parsed.failures) == [False] * 11 + [True]


def test_choices_ignore_case() -> None:
    parsed = parse_string(text("Email", "SMS", "fax", None), ("email", "sms"))
    assert parsed.values.tolist()[:2] == ["email", "sms"]
    assert bad_rows(parsed.failures) == [False, False, True, False]
    assert parsed.failures[0][1] == "must be one of: email, sms"


@pytest.mark.parametrize(
    ("raw", "utc"),
    [
        ("2025-12-31", "2025-12-31 00:00"),
        ("2025-12-31 14:05", "2025-12-31 14:05"),
        ("2025-12-31T14:05:09", "2025-12-31 14:05:09"),
        ("2025-12-31 14:05:09,5", "2025-12-31 14:05:09.5"),
        ("2025/12/31 14:05", "2025-12-31 14:05"),
        ("31/12/2025", "2025-12-31 00:00"),
        ("31/12/2025 14:05", "2025-12-31 14:05"),
        ("31.12.2025 14:05:30", "2025-12-31 14:05:30"),
        ("31-12-2025", "2025-12-31"),
        ("2025-12-31T14:05:00+01:00", "2025-12-31 13:05"),
        ("2025-12-31T14:05:00-0130", "2025-12-31 15:35"),
        ("2025-12-31T14:05:00+01", "2025-12-31 13:05"),
        ("2025-12-31T14:05:00Z", "2025-12-31 14:05"),
        ("2025-12-31 14:05 UTC", "2025-12-31 14:05"),
    ],
)
def test_timestamps(raw: str, utc: str) -> None:
    parsed = parse_timestamp(text(raw), UTC, dayfirst=True)
    assert parsed.values.tolist() == [pd.Timestamp(utc)]
    assert bad_rows(parsed.failures) == [False]


@pytest.mark.parametrize(
    "raw", ["31/02/2025", "2025-13-01", "2025-12-31 24:00", "hier", "12/2025", "1735653900"]
)
def test_not_timestamps(raw: str) -> None:
    parsed = parse_timestamp(text(raw), UTC, dayfirst=True)
    assert bad_rows(parsed.failures) == [True]
    assert parsed.failures[0][1] == DATE_EXPECTED


def test_day_month_order_per_column() -> None:
    def read(*values: str, dayfirst: bool = True) -> list[str]:
        parsed = parse_timestamp(text(*values), UTC, dayfirst)
        return [t.strftime("%m-%d") for t in parsed.values]

    assert read("01/02/2025", "13/02/2025", dayfirst=False) == ["02-01", "02-13"]
    assert read("01/02/2025", "02/13/2025", dayfirst=True) == ["01-02", "02-13"]
    assert read("01/02/2025", dayfirst=True) == ["02-01"]
    assert read("01/02/2025", dayfirst=False) == ["01-02"]


def test_the_day_month_order_is_said_with_its_reason() -> None:
    [assumed] = parse_timestamp(text("01/05/2026", "02/05/2026"), UTC, True).notes
    assert "'01/05/2026' read day first (31/12/2025) from the dayfirst setting" in assumed
    assert "cxpulse config set dayfirst false" in assumed
    [proven] = parse_timestamp(text("01/05/2026", "31/05/2026"), UTC, False).notes
    assert proven.startswith("dates read day first (31/12/2025): the file shows it")
    assert "'31/05/2026' has 31 in the first field" in proven
    [month] = parse_timestamp(text("05/31/2026"), UTC, True).notes
    assert "month first (12/31/2025)" in month and "31 in the second field" in month
    assert parse_timestamp(text("2026-05-01"), UTC, True).notes == []


def test_a_date_format_reads_every_value_with_it() -> None:
    parsed = parse_timestamp(
        text("19970101", "19971231", "1997-01-01", None), PARIS, True, "%Y%m%d"
    )
    assert plain(parsed.values)[:2] == [datetime(1996, 12, 31, 23), datetime(1997, 12, 30, 23)]
    assert bad_rows(parsed.failures) == [False, False, True, False]


def test_microseconds_are_kept_and_nanoseconds_dropped() -> None:
    parsed = parse_timestamp(text("2025-01-01 00:00:00.123456789"), UTC, True)
    assert parsed.values[0] == pd.Timestamp("2025-01-01 00:00:00.123456")


# -- properties -------------------------------------------------------------------------
SEPARATORS = st.sampled_from([" ", "\u00a0", "\u202f"])


def french(value: float, separator: str) -> str:
    """How a French spreadsheet shows a number: 1 234 567,89."""
    whole, _, decimals = f"{abs(value):.2f}".partition(".")
    groups: list[str] = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return ("-" if value < 0 else "") + separator.join(groups) + "," + decimals


@given(
    st.lists(st.decimals(min_value=-(10**9), max_value=10**9, places=2), min_size=1, max_size=20),
    SEPARATORS,
)
def test_french_numbers_round_trip(values: list[Any], separator: str) -> None:
    floats = [float(v) for v in values]
    parsed = parse_float(text(*[french(v, separator) for v in floats]))
    assert parsed.values.tolist() == floats
    assert not any(bad_rows(parsed.failures))


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=20))
def test_float_text_round_trips(values: list[float]) -> None:
    parsed = parse_float(text(*[repr(v) for v in values]))
    assert parsed.values.tolist() == values


FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%d/%m/%Y %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S+00:00",
    "%Y-%m-%dT%H:%M:%SZ",
]


@given(
    st.lists(
        st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1)),
        min_size=1,
        max_size=20,
    ),
    st.sampled_from(FORMATS),
)
def test_timestamp_text_round_trips(values: list[datetime], fmt: str) -> None:
    values = [v.replace(microsecond=0) for v in values]
    if fmt.startswith("%d"):
        # One value proving day-first keeps the column unambiguous whatever the setting.
        values.append(datetime(2020, 1, 31))
    parsed = parse_timestamp(text(*[v.strftime(fmt) for v in values]), UTC, dayfirst=False)
    assert parsed.values.tolist() == [pd.Timestamp(v) for v in values]


@given(
    st.lists(
        st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1)),
        min_size=1,
        max_size=20,
    )
)
def test_paris_local_times_match_zoneinfo(values: list[datetime]) -> None:
    """Naive times are read in the zone: a gap moves forward, a repeated hour is the first."""
    parsed = parse_timestamp(
        text(*[v.strftime("%Y-%m-%d %H:%M:%S.%f") for v in values]), PARIS, True
    )
    for value, got in zip(values, parsed.values, strict=True):
        local = value.replace(tzinfo=PARIS, fold=0)
        unsure = local.utcoffset() != value.replace(tzinfo=PARIS, fold=1).utcoffset()
        if unsure and local.dst() == timedelta(0):  # in a gap, fold=0 keeps the old offset
            local = (value + timedelta(hours=1)).replace(tzinfo=PARIS)
            local = local.replace(minute=0, second=0, microsecond=0)
        expected = local.astimezone(UTC).replace(tzinfo=None)
        assert got == pd.Timestamp(expected), value


@pytest.mark.parametrize(
    ("local", "utc"),
    [
        ("2045-03-26 02:30", "2045-03-26 01:00"),  # gap after 2037 (pytz has no rule there)
        ("2045-10-29 02:30", "2045-10-29 00:30"),  # repeated hour after 2037: the first
        ("2045-07-01 12:00", "2045-07-01 10:00"),
    ],
)
def test_local_times_after_2037(local: str, utc: str) -> None:
    parsed = parse_timestamp(text(local), PARIS, True)
    assert parsed.values.tolist() == [pd.Timestamp(utc)]
