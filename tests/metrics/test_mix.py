"""Mix and rate effects of a change, on real DuckDB workspaces: known answers and invariants."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxpulse import Workspace
from cxpulse.metrics import engine, mix
from cxpulse.metrics.mix import decompose, weighted_quantile
from cxpulse.metrics.spec import REGISTRY
from tests.conftest import add_rows

OCT, NOV = datetime(2025, 10, 8, 10), datetime(2025, 11, 12, 10)


def tickets(channel: str, hours: float, count: int, when: datetime) -> list[dict[str, object]]:
    return [
        {
            "channel": channel,
            "created_at": when,
            "first_reply_at": when + timedelta(hours=hours),
        }
        for _ in range(count)
    ]


def answers(touchpoint: str, good: int, bad: int, when: datetime) -> list[dict[str, object]]:
    rows = [{"score": 5, "touchpoint": touchpoint} for _ in range(good)]
    rows += [{"score": 2, "touchpoint": touchpoint} for _ in range(bad)]
    return [
        {**r, "responded_at": when, "scale_min": 1, "scale_max": 5, "question_type": "csat"}
        for r in rows
    ]


def test_a_median_that_fell_only_because_of_the_channel_mix_is_flagged(ws: Workspace) -> None:
    # October: half chat (1 minute), half email (10 h); November: more chat, and email slower
    add_rows(ws, "tickets", tickets("chat", 1 / 60, 50, OCT) + tickets("email", 10, 50, OCT))
    add_rows(ws, "tickets", tickets("chat", 1 / 60, 70, NOV) + tickets("email", 12, 30, NOV))
    shift = decompose(ws, "first_response_time", date(2025, 11, 1))
    assert shift is not None
    # the all-channel median: between the two populations in October, a chat time in November
    assert shift.previous == pytest.approx((1 / 60 + 10) / 2)
    assert shift.value == pytest.approx(1 / 60)
    # November reweighted to October's 50/50 mix: between chat and the slower email
    assert shift.rate_effect == pytest.approx((1 / 60 + 12) / 2 - (1 / 60 + 10) / 2)
    assert shift.rate_effect + shift.mix_effect == pytest.approx(shift.change)
    assert shift.flag == "opposite"
    note = shift.note()
    assert note is not None
    assert "fell only because the channel mix changed" in note
    assert "chat went from 50% to 70%" in note and "risen 1.0 h" in note
    email = next(s for s in shift.segments if s.segment == "email")
    assert (email.value_before, email.value_after) == (pytest.approx(10), pytest.approx(12))


def test_the_scorecard_says_so_next_to_the_number(ws: Workspace) -> None:
    add_rows(ws, "tickets", tickets("chat", 1 / 60, 50, OCT) + tickets("email", 10, 50, OCT))
    add_rows(ws, "tickets", tickets("chat", 1 / 60, 70, NOV) + tickets("email", 12, 30, NOV))
    card = ws.scorecard(metrics=["first_response_time"], as_of="2025-12-02")
    (row,) = card.rows
    assert row.change is not None and row.change < 0
    assert row.caveats and row.caveats[0].startswith("mix shift")
    assert row.mix is not None and row.mix["flag"] == "opposite"
    assert {s["segment"] for s in row.mix["segments"]} == {"chat", "email"}


def test_a_share_moved_by_its_mix_alone_is_all_mix(ws: Workspace) -> None:
    # each touchpoint keeps its CSAT; November has three times more delivery answers
    add_rows(ws, "survey_responses", answers("support", 80, 20, OCT))
    add_rows(ws, "survey_responses", answers("delivery", 60, 40, OCT))
    add_rows(ws, "survey_responses", answers("support", 40, 10, NOV))
    add_rows(ws, "survey_responses", answers("delivery", 90, 60, NOV))
    shift = decompose(ws, "csat", date(2025, 11, 1))
    assert shift is not None
    assert (shift.previous, shift.value) == (pytest.approx(70), pytest.approx(65))
    assert shift.rate_effect == pytest.approx(0, abs=1e-9)
    assert shift.mix_effect == pytest.approx(-5)
    assert shift.flag == "mostly_mix"
    assert "100% of this change comes from the touchpoint mix" in str(shift.note())


def test_a_real_change_inside_the_segments_is_not_flagged(ws: Workspace) -> None:
    add_rows(ws, "survey_responses", answers("support", 80, 20, OCT))
    add_rows(ws, "survey_responses", answers("support", 50, 50, NOV))
    shift = decompose(ws, "csat", date(2025, 11, 1))
    assert shift is not None and shift.flag is None and shift.note() is None
    assert shift.rate_effect == pytest.approx(-30)


@pytest.mark.parametrize("name", ["csat", "first_response_time"])
def test_two_adjacent_periods_read_in_one_query_equal_each_read_alone(
    tmp_path: Path, name: str
) -> None:
    # rows on both sides of local midnight at the period boundary, in a zone with a half-hour
    # offset: the split on the period read together must put each row where a read of its
    # period alone does
    edge = datetime(2025, 10, 31, 18, 29)  # 23:59 on 31 October in Kolkata, 18:31 is 1 Nov
    with Workspace.init(tmp_path / "ws.duckdb", timezone="Asia/Kolkata") as ws:
        for when in (OCT, NOV, edge, edge + timedelta(minutes=2)):
            add_rows(ws, "survey_responses", answers("support", 3, 2, when))
            add_rows(ws, "survey_responses", answers("delivery", 1, 4, when))
            add_rows(ws, "tickets", tickets("chat", 0.5, 3, when) + tickets("email", 9, 2, when))
        spec = REGISTRY.get(name)
        var = spec.variant(None)
        dim = str(spec.main_segment)
        spans = ((date(2025, 10, 1), date(2025, 10, 31)), (date(2025, 11, 1), date(2025, 11, 30)))

        def read(a: date, b: date) -> pd.DataFrame | None:
            if var.quantile is not None:
                return mix._rows(ws, spec, var, "month", dim, {}, a, b)
            return engine.aggregate_stats(ws, spec, var, "month", [dim], {}, a, b)

        together = mix._per_period(spans, read)
        alone = [read(a, b) for a, b in spans]
    assert together is not None
    for one, other in zip(together, alone, strict=True):
        assert other is not None
        pd.testing.assert_frame_equal(
            one.sort_values(list(other.columns)).reset_index(drop=True),
            other.sort_values(list(other.columns)).reset_index(drop=True),
            check_like=True,
        )


def test_metrics_without_a_main_segment_are_not_split(ws: Workspace) -> None:
    assert decompose(ws, "mrr", date(2025, 11, 1)) is None
    assert decompose(ws, "csat", date(2025, 11, 1)) is None  # no data


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    counts=st.lists(
        st.tuples(st.integers(0, 30), st.integers(0, 30), st.integers(0, 30), st.integers(0, 30)),
        min_size=1,
        max_size=4,
    )
)
def test_rate_and_mix_add_up_to_the_change_the_engine_reports(
    tmp_path_factory: pytest.TempPathFactory, counts: list[tuple[int, int, int, int]]
) -> None:
    if not any(g0 + b0 for g0, b0, _, _ in counts) or not any(g1 + b1 for _, _, g1, b1 in counts):
        return
    path = tmp_path_factory.mktemp("mix") / "ws.duckdb"
    with Workspace.init(path, timezone="UTC") as ws:
        for i, (g0, b0, g1, b1) in enumerate(counts):
            add_rows(ws, "survey_responses", answers(f"t{i}", g0, b0, OCT))
            add_rows(ws, "survey_responses", answers(f"t{i}", g1, b1, NOV))
        shift = decompose(ws, "csat", date(2025, 11, 1))
        overall = ws.metric("csat", as_of="2026-01-01").set_index("period")
    assert shift is not None
    assert shift.value == pytest.approx(overall.loc["2025-11", "value"])
    assert shift.previous == pytest.approx(overall.loc["2025-10", "value"])
    assert shift.rate_effect + shift.mix_effect == pytest.approx(shift.change, abs=1e-9)
    assert sum(s.rate_effect + s.mix_effect for s in shift.segments) == pytest.approx(
        shift.change, abs=1e-9
    )


@given(
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=60),
    st.sampled_from([0.0, 0.1, 0.5, 0.9, 1.0]),
)
def test_a_weighted_quantile_with_equal_weights_is_the_usual_one(
    values: list[float], q: float
) -> None:
    expected = float(np.quantile(values, q, method="averaged_inverted_cdf"))
    if q == 0.5:
        assert expected == pytest.approx(float(np.median(values)), rel=1e-9, abs=1e-6)
    assert weighted_quantile(values, q) == pytest.approx(expected, rel=1e-9, abs=1e-6)
    assert weighted_quantile(values, q, [3.0] * len(values)) == pytest.approx(
        expected, rel=1e-9, abs=1e-6
    )


@given(
    st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=1, max_size=30),
    st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=1, max_size=30),
)
def test_a_zero_weight_leaves_rows_out(kept: list[float], dropped: list[float]) -> None:
    weights = [1.0] * len(kept) + [0.0] * len(dropped)
    for q in (0.25, 0.5, 0.9):
        assert weighted_quantile(kept + dropped, q, weights) == pytest.approx(
            weighted_quantile(kept, q), rel=1e-9, abs=1e-6
        )


@given(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=1, max_size=30))
def test_a_weight_of_two_is_a_row_counted_twice(values: list[float]) -> None:
    weights = [1 + i % 2 for i in range(len(values))]
    repeated = [v for v, w in zip(values, weights, strict=True) for _ in range(w)]
    for q in (0.25, 0.5, 0.9):
        assert weighted_quantile(values, q, weights) == pytest.approx(
            weighted_quantile(repeated, q), rel=1e-9, abs=1e-6
        )
