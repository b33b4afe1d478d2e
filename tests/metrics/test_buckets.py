"""Bucket-first evaluation gives exactly the row path's statistics, in every zone and grain."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from cxpulse import Workspace
from cxpulse.metrics import buckets, engine, periods
from cxpulse.metrics.spec import REGISTRY
from tests.conftest import add_rows

# DST zones on each grid (hour, 30 and 15 minutes), and fixed offsets off the hour
ZONES = (
    "Europe/Paris",
    "America/New_York",
    "America/St_Johns",  # -3:30 / -2:30
    "Australia/Lord_Howe",  # +10:30 / +11: a 30-minute change
    "Australia/Adelaide",  # +9:30 / +10:30, DST across the new year
    "Pacific/Chatham",  # +12:45 / +13:45
    "Asia/Kolkata",  # +5:30
    "Asia/Kathmandu",  # +5:45
    "UTC",
)
# (metric, variant): counts, shares, sums of squares, and the min/max of the scale columns
MERGEABLE = (
    ("nps", "default"),
    ("nps", "wald"),
    ("csat", "default"),
    ("csat", "mean"),
    ("ces", "default"),
)
TOUCHPOINTS = ("checkout", "support", None)


def edges(zone: str) -> list[datetime]:
    """Where a bucket could straddle two periods (naive UTC): the instants the zone's offset
    changes in 2025 and the local midnights that start a day, week, month, quarter or year
    near them."""
    tz = ZoneInfo(zone)
    spans = periods.offset_spans(tz, datetime(2025, 1, 1), datetime(2026, 1, 1))
    changes = [s.start_utc for s in spans[1:]]
    days = [date(2025, 1, 1), date(2025, 3, 31), date(2025, 4, 1), date(2025, 10, 1)]
    days += [c.date() + timedelta(days=d) for c in changes for d in (-1, 0, 1)]
    return changes + [periods.local_midnight_utc(d, tz) for d in days]


@st.composite
def response_rows(draw: st.DrawFn, zone: str) -> list[dict[str, object]]:
    anchors = edges(zone)
    csat_max = draw(st.sampled_from([5, 7]))  # one scale: a mean over two is refused
    rows: list[dict[str, object]] = []
    for _ in range(draw(st.integers(1, 40))):
        anchor = draw(st.sampled_from(anchors))
        when = anchor + timedelta(seconds=draw(st.integers(-3 * 3600, 3 * 3600)))
        kind = draw(st.sampled_from(["nps", "csat", "ces"]))
        scale_max = {"nps": 10, "csat": csat_max, "ces": 7}[kind]
        rows.append(
            {
                "question_type": kind,
                "score": draw(st.none() | st.integers(0 if kind == "nps" else 1, scale_max)),
                "scale_min": 0 if kind == "nps" else 1,
                "scale_max": scale_max,
                "touchpoint": draw(st.sampled_from(TOUCHPOINTS)),
                "responded_at": when,
            }
        )
    return rows


def _both_paths(
    ws: Workspace, metric: str, variant: str, grain: periods.Grain, segments: list[str],
    start: date | None = None, end: date | None = None,
) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:  # fmt: skip
    spec = REGISTRY.get(metric)
    var = spec.variant(variant)
    got = [
        engine.aggregate_stats(ws, spec, var, grain, segments, {}, start, end, bucket_first=b)
        for b in (True, False)
    ]
    return got[0], got[1]


def _sorted(df: pd.DataFrame, segments: list[str]) -> pd.DataFrame:
    keys = ["_period", *segments]
    return df.sort_values(keys, na_position="first").reset_index(drop=True)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[p for p in Phase if p != Phase.explain],  # explaining a failure takes minutes
)
@given(data=st.data(), zone=st.sampled_from(ZONES))
def test_buckets_first_gives_the_row_paths_statistics_and_values(
    ws: Workspace, data: st.DataObject, zone: str
) -> None:
    ws.store.con.raw_sql("DELETE FROM survey_responses")
    ws.set_setting("timezone", zone)
    add_rows(ws, "survey_responses", data.draw(response_rows(zone)))
    metric, variant = data.draw(st.sampled_from(MERGEABLE))
    grain = periods.check_grain(
        data.draw(st.sampled_from(["day", "week", "month", "quarter", "year"]))
    )
    segments = data.draw(st.sampled_from([[], ["touchpoint"]]))
    bucketed, rows = _both_paths(ws, metric, variant, grain, segments)
    if rows is None:
        assert bucketed is None
        return
    assert bucketed is not None
    pd.testing.assert_frame_equal(_sorted(bucketed, segments), _sorted(rows, segments))
    # and so the values, intervals and changes shown
    spec = REGISTRY.get(metric)
    shown = [
        engine.finish(df, spec, spec.variant(variant), grain, segments, 0.95, 30)
        for df in (bucketed, rows)
    ]
    pd.testing.assert_frame_equal(shown[0], shown[1])


@pytest.mark.parametrize("zone", ["Europe/Paris", "America/St_Johns", "Pacific/Chatham"])
def test_a_range_cut_inside_periods_agrees_too(ws: Workspace, zone: str) -> None:
    ws.set_setting("timezone", zone)
    start = datetime(2025, 3, 1)
    add_rows(
        ws,
        "survey_responses",
        [{"score": i % 11, "responded_at": start + timedelta(minutes=97 * i)} for i in range(2000)],
    )
    for grain in ("day", "week", "month"):
        bucketed, rows = _both_paths(
            ws, "nps", "default", grain, [], date(2025, 3, 20), date(2025, 4, 10)
        )
        assert bucketed is not None and rows is not None
        pd.testing.assert_frame_equal(_sorted(bucketed, []), _sorted(rows, []))


def test_the_metric_reads_buckets_in_a_dst_zone(ws: Workspace) -> None:
    """The engine takes the bucket path for a mergeable variant (and the grid a zone allows)."""
    add_rows(
        ws,
        "survey_responses",
        [{"score": 10, "responded_at": datetime(2025, 3, 30, h)} for h in range(24)],
    )
    spec = REGISTRY.get("nps")
    t, spans = engine._rows(ws, spec, spec.default, [], {}, None, None) or (None, [])
    assert buckets.grid(spans) == timedelta(hours=1)
    assert spec.default.aggregate is not None
    query = buckets.aggregate(t, "responded_at", spec.default.aggregate, [], spans, "day")
    assert query is not None
    # the days of Paris: 23 hours on the day clocks go forward
    assert list(ws.metric("nps", by="day")["n"]) == [22, 2]


def _spans(zone: str, lo: datetime, hi: datetime) -> list[periods.OffsetSpan]:
    return periods.offset_spans(ZoneInfo(zone), lo, hi)


@pytest.mark.parametrize(
    ("zone", "lo", "step"),
    [
        ("Europe/Paris", datetime(2025, 1, 1), timedelta(hours=1)),
        ("America/New_York", datetime(2025, 1, 1), timedelta(hours=1)),
        ("America/St_Johns", datetime(2025, 1, 1), timedelta(minutes=30)),
        ("Australia/Lord_Howe", datetime(2025, 1, 1), timedelta(minutes=30)),
        ("Pacific/Chatham", datetime(2025, 1, 1), timedelta(minutes=15)),
        # Nepal moved from +5:30 to +5:45 on 1 January 1986
        ("Asia/Kathmandu", datetime(1985, 6, 1), timedelta(minutes=15)),
        # one offset: the row path only adds a constant, nothing to bucket
        ("Asia/Kathmandu", datetime(2025, 1, 1), None),
        ("Asia/Kolkata", datetime(2025, 1, 1), None),
        # Liberia kept -0:44:30 until 1972: off every grid
        ("Africa/Monrovia", datetime(1971, 6, 1), None),
    ],
)
def test_the_grid_is_the_coarsest_the_zone_keeps(
    zone: str, lo: datetime, step: timedelta | None
) -> None:
    assert buckets.grid(_spans(zone, lo, lo + timedelta(days=400))) == step


@pytest.mark.parametrize(
    ("metric", "variant", "mergeable"),
    [
        ("nps", "default", True),
        ("csat", "mean", True),
        ("response_rate", "default", True),
        # an average per account first, a median, a distinct count: the row path
        ("nps", "account", False),
        ("first_response_time", "median", False),
        ("purchase_frequency", "default", False),
    ],
)
def test_only_statistics_that_merge_are_bucketed(
    ws: Workspace, metric: str, variant: str, mergeable: bool
) -> None:
    spec = REGISTRY.get(metric)
    var = spec.variant(variant)
    assert var.aggregate is not None
    day = date(2025, 1, 1)  # a range: the rows' query without reading any
    found = engine._rows(ws, spec, var, [], {}, day, day)
    assert found is not None
    rows = found[0].mutate(_hour=0)
    how = buckets.merges(var.aggregate(rows, ["_hour"]), rows, ["_hour"])
    assert (how is not None) == mergeable
    if metric == "csat" and variant == "mean":
        assert how == {
            "n": "sum",
            "s": "sum",
            "ss": "sum",
            "scale_lo": "min",
            "scale_hi": "max",
            "scale_floor": "max",
        }
