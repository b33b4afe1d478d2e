"""How the columns of a user's table are read: numbers with blanks stay numbers, ids are left
out, long categories are grouped, and each decision is said."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxpulse.churn.encoding import MAX_CATEGORIES, as_number, encode
from tests.churn.telco_like import telco_like


def test_numbers_with_blank_cells_stay_numbers() -> None:
    df = telco_like()
    enc = encode(df, ["customerID", "Contract", "tenure", "TotalCharges"])
    assert enc.numeric == ["tenure", "TotalCharges"]
    assert enc.categorical == ["Contract"]
    assert enc.left_out == ["customerID"]
    assert any(n.startswith("TotalCharges: numbers with 10 blank cells") for n in enc.notes)
    assert any(n.startswith("customerID: left out, looks like an id") for n in enc.notes)
    x = enc.frame(df)
    assert x["TotalCharges"].dtype == float and x["TotalCharges"].isna().sum() == 10
    assert list(x.columns) == enc.features


def test_missing_markers_and_text_that_is_not_a_number() -> None:
    col = pd.Series(["1.5", "NA", "", "null", "?", "2"])
    assert as_number(col).tolist()[0] == 1.5 and as_number(col).isna().sum() == 4
    df = pd.DataFrame({"a": ["1", "2", "three"] * 10, "flag": [True, False, True] * 10})
    enc = encode(df, ["a", "flag"])
    assert enc.categorical == ["a"] and enc.numeric == ["flag"]


def test_a_long_category_is_grouped_and_said() -> None:
    rng = np.random.default_rng(0)
    city = pd.Series([f"city{int(v)}" for v in rng.zipf(1.5, 2000) % 200])
    enc = encode(pd.DataFrame({"city": city}), ["city"])
    assert enc.categorical == ["city"]
    assert any(f"the {MAX_CATEGORIES - 1} most common" in n for n in enc.notes)


def test_codes_are_decided_on_the_whole_table_and_unseen_values_stay_usable() -> None:
    df = pd.DataFrame({"plan": ["pro", "basic", "pro", None, " pro ", "NA"] * 5})
    enc = encode(df, ["plan"])
    assert enc.categories["plan"] == ["pro", "basic"]  # most common first
    codes = enc.codes(pd.DataFrame({"plan": ["basic", "pro ", "enterprise", None, "?"]}))
    # a value not seen when encoding is missing (NaN), as a blank or a missing marker is
    assert codes["plan"].tolist()[:2] == [1.0, 0.0]
    assert codes["plan"].isna().tolist() == [False, False, True, True, True]
    # the order of the rows does not change the codes
    assert encode(df.iloc[::-1], ["plan"]).categories == enc.categories


def test_a_grouped_column_codes_rare_and_unseen_values_as_other() -> None:
    values = [f"v{i:02d}" for i in range(40)]
    df = pd.DataFrame({"c": values * 2 + values[:5] * 3})
    enc = encode(df, ["c"])
    assert enc.grouped == ["c"] and len(enc.categories["c"]) == MAX_CATEGORIES - 1
    other = float(MAX_CATEGORIES - 1)
    codes = enc.codes(pd.DataFrame({"c": ["v00", "v39", "never seen", None]}))["c"].tolist()
    assert codes[0] == 0.0 and codes[1:3] == [other, other] and np.isnan(codes[3])
