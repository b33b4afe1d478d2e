from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxpulse.errors import ConfigError, CxpulseError
from cxpulse.models import ModelInputError, rfm_summary

SMALL = pd.DataFrame(
    {
        "customer": ["a", "a", "a", "a", "b", "c", "c"],
        "at": pd.to_datetime(
            [
                "2024-01-01 09:00",
                "2024-01-01 17:30",  # same day as the first: merged, values summed
                "2024-01-15 10:00",
                "2024-01-29 08:00",
                "2024-01-10 12:00",
                "2024-01-08 12:00",
                "2024-02-05 12:00",  # after calibration_end: holdout
            ]
        ),
        "amount": [10.0, 5.0, 20.0, 40.0, 7.0, 3.0, 9.0],
    }
)


def test_definitions_on_a_small_example() -> None:
    s = rfm_summary(
        SMALL,
        "customer",
        "at",
        "amount",
        calibration_end="2024-01-31",
        holdout_end="2024-02-14",
        freq="D",
    )
    assert list(s.index) == ["a", "b", "c"] and s.index.name == "customer"
    a = s.loc["a"]
    assert a["frequency"] == 2  # two repeat days (the same-day pair counts once)
    assert a["recency"] == 28 and a["T"] == 30
    assert a["monetary_value"] == 30.0  # mean of 20 and 40; the first day (15) is left out
    b = s.loc["b"]
    assert (b["frequency"], b["recency"], b["T"], b["monetary_value"]) == (0, 0, 21, 0)
    assert s.loc["c", "frequency_holdout"] == 1 and s.loc["c", "monetary_value_holdout"] == 9.0
    assert s.loc["a", "frequency_holdout"] == 0 and s.loc["a", "monetary_value_holdout"] == 0
    assert (s["duration_holdout"] == 14).all()
    assert s["frequency"].dtype == np.int64


@pytest.mark.parametrize(("freq", "days"), [("D", 1.0), ("W", 7.0), ("M", 365.2425 / 12)])
def test_time_units(freq: str, days: float) -> None:
    s = rfm_summary(
        SMALL,
        "customer",
        "at",
        calibration_end="2024-01-31",
        observation_end="2024-01-31",
        freq=freq,
    )  # type: ignore[arg-type]
    assert s.loc["a", "recency"] == pytest.approx(28 / days)
    assert s.loc["a", "T"] == pytest.approx(30 / days)
    assert "monetary_value" not in s.columns


def test_reproduces_the_published_cdnow_summary(cdnow_transactions, cdnow) -> None:  # type: ignore[no-untyped-def]
    s = rfm_summary(
        cdnow_transactions,
        "customer_id",
        "date",
        "value",
        calibration_end="1997-09-30",
        holdout_end="1998-06-30",
    )
    assert len(s) == 2357
    np.testing.assert_array_equal(s["frequency"], cdnow["frequency"])
    # the published file is rounded to 2 decimals
    for column in ("recency", "T", "monetary_value"):
        np.testing.assert_allclose(s[column], cdnow[column], atol=0.005 + 1e-9)


def test_matches_lifetimes_calibration_and_holdout(cdnow_transactions, lifetimes) -> None:  # type: ignore[no-untyped-def]
    from lifetimes.utils import calibration_and_holdout_data

    ours = rfm_summary(
        cdnow_transactions,
        "customer_id",
        "date",
        "value",
        calibration_end="1997-09-30",
        holdout_end="1998-06-30",
    )
    theirs = calibration_and_holdout_data(
        cdnow_transactions,
        "customer_id",
        "date",
        "1997-09-30",
        "1998-06-30",
        freq="D",
        freq_multiplier=7,
        monetary_value_col="value",
    )
    pairs = [
        ("frequency", "frequency_cal"),
        ("recency", "recency_cal"),
        ("T", "T_cal"),
        ("monetary_value", "monetary_value_cal"),
        ("frequency_holdout", "frequency_holdout"),
        ("duration_holdout", "duration_holdout"),
    ]
    for mine, other in pairs:
        np.testing.assert_allclose(ours[mine], theirs[other], rtol=1e-12, err_msg=mine)
    # (monetary_value_holdout differs on purpose: lifetimes averages raw rows in the
    # holdout, we average merged days as everywhere else)


def test_time_zone_aware_dates_use_the_local_calendar_day() -> None:
    utc = pd.to_datetime(["2024-03-01 22:30", "2024-03-01 23:30", "2024-03-05 10:00"], utc=True)
    paris = pd.DataFrame({"c": [1, 1, 1], "at": utc.tz_convert("Europe/Paris")})
    # 22:30 UTC is 23:30 in Paris (same day), 23:30 UTC is 00:30 the next day in Paris
    s = rfm_summary(paris, "c", "at", freq="D")
    assert s.loc[1, "frequency"] == 2 and s.loc[1, "recency"] == 4
    plain = rfm_summary(pd.DataFrame({"c": [1, 1, 1], "at": utc}), "c", "at", freq="D")
    assert plain.loc[1, "frequency"] == 1


def test_observation_end_leaves_later_transactions_out() -> None:
    s = rfm_summary(SMALL, "customer", "at", observation_end="2024-01-31", freq="D")
    assert s.loc["c", "frequency"] == 0 and s.loc["a", "T"] == 30


def test_customers_first_seen_in_the_holdout_are_not_in_the_table() -> None:
    extra = pd.concat(
        [
            SMALL,
            pd.DataFrame({"customer": ["z"], "at": [pd.Timestamp("2024-02-03")], "amount": [1.0]}),
        ]
    )
    s = rfm_summary(
        extra, "customer", "at", "amount", calibration_end="2024-01-31", holdout_end="2024-02-14"
    )
    assert "z" not in s.index


def test_dates_as_strings_are_parsed() -> None:
    frame = SMALL.assign(at=SMALL["at"].dt.strftime("%Y-%m-%d %H:%M"))
    a = rfm_summary(frame, "customer", "at", "amount", observation_end="2024-01-31")
    b = rfm_summary(SMALL, "customer", "at", "amount", observation_end="2024-01-31")
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize(
    ("change", "kwargs", "needle"),
    [
        ({}, {"value_col": "price"}, "no column 'price'"),
        ({"amount": [10.0, -5.0, 20.0, 40.0, 7.0, 3.0, 9.0]}, {"value_col": "amount"}, "negative"),
        ({"amount": [10.0, np.nan, 20.0, 40.0, 7.0, 3.0, 9.0]}, {"value_col": "amount"}, "missing"),
        (
            {
                "at": [
                    "2024-01-01",
                    "soon",
                    "2024-01-02",
                    "2024-01-03",
                    "2024-01-04",
                    "2024-01-05",
                    "2024-01-06",
                ]
            },
            {},
            "unreadable",
        ),
        ({"customer": ["a", None, "a", "a", "b", "c", "c"]}, {}, "customer ids"),
        ({}, {"calibration_end": "2024-01-31"}, "holdout_end='2024-02-05'"),
        ({}, {"calibration_end": "2023-12-01"}, "no transaction"),
        ({}, {"calibration_end": "2024-01-31", "holdout_end": "2024-01-20"}, "after"),
        ({}, {"holdout_end": "2024-02-20"}, "needs calibration_end"),
        ({}, {"calibration_end": "2024-01-31", "observation_end": "2024-01-20"}, "before"),
        ({}, {"calibration_end": "2024-01-31", "holdout_end": "2024-02-01"}, "observation_end"),
        ({}, {"calibration_end": "not a date"}, "not a date"),
    ],
)
def test_bad_input_is_a_clear_error(change, kwargs, needle) -> None:  # type: ignore[no-untyped-def]
    frame = SMALL.assign(**change)
    with pytest.raises(ModelInputError, match=needle) as info:
        rfm_summary(frame, "customer", "at", **kwargs)
    assert isinstance(info.value, ValueError) and isinstance(info.value, CxpulseError)


def test_bad_freq_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="freq"):
        rfm_summary(SMALL, "customer", "at", freq="Y")  # type: ignore[arg-type]


def test_not_a_dataframe_or_empty() -> None:
    with pytest.raises(ModelInputError, match="DataFrame"):
        rfm_summary([1, 2], "c", "d")  # type: ignore[arg-type]
    with pytest.raises(ModelInputError, match="empty"):
        rfm_summary(SMALL.iloc[:0], "customer", "at")


# --- properties ----------------------------------------------------------------------------

transactions = st.lists(
    st.tuples(
        st.integers(0, 6),
        st.integers(0, 60),
        st.integers(0, 23),
        st.floats(0, 1000, allow_nan=False),
    ),
    min_size=1,
    max_size=60,
).map(
    lambda rows: pd.DataFrame(
        {
            "customer": [r[0] for r in rows],
            "at": pd.Timestamp("2024-01-01")
            + pd.to_timedelta([r[1] * 24 + r[2] for r in rows], unit="h"),
            "value": [r[3] for r in rows],
        }
    )
)


@settings(max_examples=150, deadline=None)
@given(transactions, st.sampled_from(["D", "W", "M"]))
def test_invariants(frame: pd.DataFrame, freq: str) -> None:
    s = rfm_summary(frame, "customer", "at", "value", freq=freq)  # type: ignore[arg-type]
    assert (s["frequency"] >= 0).all()
    assert (s["recency"] >= 0).all() and (s["recency"] <= s["T"]).all()
    assert (s["monetary_value"] >= 0).all()
    assert (s.loc[s["frequency"] == 0, ["recency", "monetary_value"]] == 0).all().all()
    days = frame.assign(day=frame["at"].dt.normalize()).drop_duplicates(["customer", "day"])
    assert int((s["frequency"] + 1).sum()) == len(days)
    assert sorted(s.index) == sorted(frame["customer"].unique())


@settings(max_examples=100, deadline=None)
@given(transactions)
def test_same_day_purchases_merge(frame: pd.DataFrame) -> None:
    # a second purchase a few minutes later on the same day changes no count, only value
    later = frame.assign(at=frame["at"].dt.normalize() + pd.Timedelta(minutes=30))
    doubled = pd.concat([frame, later], ignore_index=True)
    once = rfm_summary(frame, "customer", "at", "value", freq="D")
    twice = rfm_summary(doubled, "customer", "at", "value", freq="D")
    pd.testing.assert_frame_equal(
        once[["frequency", "recency", "T"]], twice[["frequency", "recency", "T"]]
    )
    expected = once["monetary_value"] * 2 + 0  # each merged day is now worth twice
    np.testing.assert_allclose(twice["monetary_value"], expected, rtol=1e-9, atol=1e-9)
