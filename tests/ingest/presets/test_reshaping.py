"""The presets' reshape tools: every row keeps its own line; scores written with their labels
read as their number; the NPS question found among columns named by their text."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from cxpulse.ingest.parse import TEXT
from cxpulse.ingest.presets.reshaping import (
    after,
    find_nps,
    flatten_json,
    pick,
    recode,
    score_values,
    text,
    with_columns,
)
from cxpulse.ingest.presets.shopify_orders import SHOPIFY_ORDERS
from cxpulse.ingest.readers import RawFile


def raw_file(columns: dict[str, list[str | None]], lines: list[int]) -> RawFile:
    frame = pd.DataFrame({k: pd.Series(v, dtype=TEXT) for k, v in columns.items()})
    return RawFile("export.csv", frame, lines)


@given(st.lists(st.integers(min_value=1, max_value=4), min_size=1, max_size=12))
def test_line_items_collapse_to_each_orders_first_line(items: list[int]) -> None:
    names = [f"#{1000 + i}" for i, n in enumerate(items) for _ in range(n)]
    lines = list(range(2, 2 + len(names)))
    total = [
        "10.00" if k == 0 else None for n in items for k in range(n)
    ]  # the first row carries the totals
    raw = raw_file({"Name": names, "Total": total}, lines)
    assert SHOPIFY_ORDERS.reshape is not None
    out = SHOPIFY_ORDERS.reshape(raw)
    assert len(out.frame) == len(out.lines) == len(items)
    firsts = [lines[names.index(name)] for name in dict.fromkeys(names)]
    assert out.lines == firsts
    assert list(out.frame["order_id"]) == list(dict.fromkeys(names))
    assert set(out.frame["amount"]) == {"10.00"}


@given(
    st.lists(
        st.one_of(st.none(), st.sampled_from(["Mail", "web_form", "VOICE", "pigeon"])),
        min_size=1,
        max_size=8,
    )
)
def test_recoded_columns_keep_their_rows_and_lines(values: list[str | None]) -> None:
    raw = raw_file({"Via": values, "Id": [str(i) for i in range(len(values))]},
                   [3 * i + 2 for i in range(len(values))])  # fmt: skip
    codes = {"mail": "email", "web_form": "web", "voice": "phone"}
    out = with_columns(raw, {"channel": recode(pick(raw.frame, "Via"), codes, other="other")},
                       used=("Via",))  # fmt: skip
    assert out.lines == raw.lines and list(out.frame.columns) == ["Id", "channel"]
    expected = [None if v is None else codes.get(v.lower(), "other") for v in values]
    assert [None if pd.isna(v) else v for v in out.frame["channel"]] == expected


@given(st.integers(min_value=0, max_value=10**6))
def test_minutes_after_a_start(minutes: int) -> None:
    start = datetime(2025, 7, 1, 9)
    moment = after(start.isoformat(), str(minutes), "minutes")
    assert moment == (start + timedelta(minutes=minutes)).isoformat()
    assert after(start.isoformat(), "soon", "minutes") == "soon"  # the import rejects it
    assert after(None, str(minutes), "minutes") is None


def test_nested_json_flattens_and_the_object_goes() -> None:
    raw = raw_file({"id": ["1", "2"], "via": ['{"channel": "email", "source": {"rel": null}}',
                                              None]}, [1, 2])  # fmt: skip
    out = flatten_json(raw)
    assert list(out.frame.columns) == ["id", "via.channel", "via.source.rel"]
    assert out.lines == [1, 2] and out.frame["via.channel"][0] == "email"


LABELS = st.text(alphabet=st.characters(categories=["L", "Zs"]), min_size=1, max_size=20).filter(
    lambda s: any(c.isalpha() for c in s)
)


@given(st.integers(0, 10), LABELS, st.sampled_from(["{n} - {l}", "{l} - {n}", "{n} ({l})"]))
def test_a_labelled_score_reads_as_its_number(n: int, label: str, form: str) -> None:
    value = form.format(n=n, l=label.strip() or "x")
    assert score_values(text([value])).tolist() == [str(n)]


@given(st.text(max_size=12))
def test_a_value_is_never_invented(value: str) -> None:
    (read,) = score_values(text([value])).tolist()
    # either kept as written (the import rejects it with its line) or its own digits
    assert read == value or (read is not None and read in value and read.isdigit())


def test_the_nps_question_by_text_then_by_answers() -> None:
    frame = pd.DataFrame(
        {
            "Why that score?": text(["meh", "ok"]),
            "How likely are you to recommend us?": text(["3", "9"]),
            "Stars": text(["4", "5"]),
        }
    )
    assert find_nps(frame) == "How likely are you to recommend us?"
    by_values = frame.rename(columns={"How likely are you to recommend us?": "Q7"})
    assert find_nps(by_values) == "Q7"  # the only 0-10 column (Stars stays under 8)
    assert find_nps(by_values, ["Why?", "Overall, would you recommend Acme?", "Stars"]) == "Q7"
    assert find_nps(by_values.assign(Other=text(["10", "8"]))) is None  # two: --map decides
