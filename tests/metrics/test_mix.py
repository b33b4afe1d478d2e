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


# -- intervals of the rate effect -------------------------------------------------------------
Z95 = 1.959963984540054


def wilson_se(good: int, n: int) -> float:
    """Wilson's half-width over z, written out by hand."""
    p = good / n
    return float(np.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / (1 + Z95**2 / n))


def test_a_two_segment_rate_interval_matches_the_hand_computation(ws: Workspace) -> None:
    # October: support 80 % of 100, delivery 60 % of 100; November: support 80 % of 50,
    # delivery 30 % of 150. Average shares: support 3/8, delivery 5/8.
    add_rows(ws, "survey_responses", answers("support", 80, 20, OCT))
    add_rows(ws, "survey_responses", answers("delivery", 60, 40, OCT))
    add_rows(ws, "survey_responses", answers("support", 40, 10, NOV))
    add_rows(ws, "survey_responses", answers("delivery", 45, 105, NOV))
    shift = decompose(ws, "csat", date(2025, 11, 1))
    assert shift is not None
    by = {s.segment: s for s in shift.segments}
    support, delivery = by["support"], by["delivery"]
    assert support.rate_effect == pytest.approx(0)
    assert delivery.rate_effect == pytest.approx(5 / 8 * (30 - 60))  # -18.75 points
    se_support = 3 / 8 * 100 * np.hypot(wilson_se(80, 100), wilson_se(40, 50))
    se_delivery = 5 / 8 * 100 * np.hypot(wilson_se(60, 100), wilson_se(45, 150))
    assert (support.rate_ci_low, support.rate_ci_high) == (
        pytest.approx(-Z95 * se_support),
        pytest.approx(Z95 * se_support),
    )
    assert delivery.rate_ci_low == pytest.approx(-18.75 - Z95 * se_delivery)
    assert shift.rate_effect == pytest.approx(-18.75)
    half = Z95 * np.hypot(se_support, se_delivery)
    assert (shift.rate_ci_low, shift.rate_ci_high) == (
        pytest.approx(-18.75 - half),
        pytest.approx(-18.75 + half),
    )
    # the numbers themselves: -18.75 points +- 8.97 (plain Wald would give +- 9.11)
    assert half == pytest.approx(8.97, abs=0.01)
    out = shift.to_dict()
    assert out["rate_ci_low"] == pytest.approx(-18.75 - half)
    assert out["segments"][0]["rate_ci_high"] is not None and out["confidence"] == 0.95


def spread_tickets(
    channel: str, hours: float, count: int, when: datetime
) -> list[dict[str, object]]:
    """``count`` tickets answered in ``hours`` +- 10 %, evenly spread (a mean needs spread)."""
    return [
        {
            "channel": channel,
            "created_at": when,
            "first_reply_at": when + timedelta(hours=hours * (0.9 + 0.2 * i / max(count - 1, 1))),
        }
        for i in range(count)
    ]


def test_the_docstrings_simpson_example_has_a_rate_interval_on_the_other_side(
    ws: Workspace,
) -> None:
    # more tickets by chat (minutes), email slower (10 h -> 12 h): the mean falls overall while
    # the channels got slower, and the rate effect's interval lies wholly above 0
    chat = 1 / 60
    add_rows(
        ws, "tickets", spread_tickets("chat", chat, 50, OCT) + spread_tickets("email", 10, 50, OCT)
    )
    add_rows(
        ws, "tickets", spread_tickets("chat", chat, 70, NOV) + spread_tickets("email", 12, 30, NOV)
    )
    shift = decompose(ws, "first_response_time", date(2025, 11, 1), variant="mean")
    assert shift is not None
    assert shift.change == pytest.approx((0.7 * chat + 0.3 * 12) - (0.5 * chat + 0.5 * 10))
    assert shift.rate_effect == pytest.approx(0.4 * 2)  # email's share (50 % then 30 %) x 2 h
    assert shift.flag == "opposite"
    assert shift.rate_ci_low is not None and shift.rate_ci_high is not None
    assert 0 < shift.rate_ci_low < shift.rate_effect < shift.rate_ci_high
    email = next(s for s in shift.segments if s.segment == "email")
    assert email.rate_ci_low is not None and email.rate_ci_low > 0
    # the default (the median) is a quantile: the engine has no interval for it, nor has this
    median = decompose(ws, "first_response_time", date(2025, 11, 1))
    assert median is not None and median.rate_ci_low is None and median.rate_ci_high is None
    assert all(s.rate_ci_low is None for s in median.segments)


def shift_of(shares: tuple[float, float], *others: tuple[str, float, float]) -> mix.MixShift:
    """A mostly-mix shift of CSAT where chat's share goes from ``shares[0]`` to ``shares[1]``."""
    segments = [mix.SegmentShift("chat", *shares, 70.0, 70.0, 0.0, -0.5)]
    segments += [mix.SegmentShift(s, a, b, 60.0, 60.0, 0.0, 0.2) for s, a, b in others]
    return mix.MixShift(
        "csat", "default", "channel", "2025-11", "2025-10", 64.4, 65.0, -0.1, -0.5, "", "%",
        segments,
    )  # fmt: skip


def test_the_note_shows_decimals_when_the_rounded_shares_are_equal() -> None:
    note = shift_of((0.276, 0.284), ("email", 0.724, 0.716)).note()
    assert note is not None and "chat went from 27.6% to 28.4% of the total" in note
    far = shift_of((0.2, 0.3), ("email", 0.8, 0.7)).note()
    assert far is not None and "chat went from 20% to 30% of the total" in far


def test_a_rate_effect_too_small_to_show_is_no_move() -> None:
    shift = shift_of((0.2, 0.3), ("email", 0.8, 0.7))
    still = mix.MixShift(**{**shift.__dict__, "rate_effect": 0.001, "mix_effect": -0.6})
    assert str(still.note()).endswith("at the 2025-10 channel mix it would not have moved")
    assert str(still.note("fr")).endswith("de 2025-10 constante, il serait resté stable")


def test_the_note_names_the_segment_whose_share_moved_most() -> None:
    # email lost 15 points, chat gained 5 and phone 10: the note names email
    note = shift_of((0.2, 0.25), ("email", 0.5, 0.35), ("phone", 0.3, 0.4)).note()
    assert note is not None and "email went from 50% to 35% of the total" in note


def test_the_note_in_french() -> None:
    shift = shift_of((0.276, 0.284), ("email", 0.724, 0.716))
    note = shift.note("fr")
    assert note == (
        "surtout un effet de mix\u00a0: 83\u202f% de ce changement vient de la répartition par "
        "channel (chat est passé de 27,6\u202f% à 28,4\u202f% du total)\u202f; à répartition "
        "par channel de 2025-10 constante, il aurait baissé de 0,10\u00a0points"
    )
    assert shift.note() == shift.note("en") and str(shift.note()).startswith("mostly a mix")
    assert shift.to_dict()["notes"] == {"en": shift.note(), "fr": note}


def stat_frame(kind: str, counts: list[tuple[int, int, int]]) -> pd.DataFrame:
    """Per-segment sufficient statistics as the engine's query returns them: for ``nps``
    (answers, promoters, detractors), for ``share`` (answers, good, -), for ``mean`` scores of
    1, 3 and 5 (how many of each), for ``ratio`` a sum over a sum."""
    rows = []
    for i, (a, b, c) in enumerate(counts):
        if kind == "nps":
            rows.append({"seg": f"s{i}", "n": a + b + c, "p": a, "d": b})
        elif kind == "share":
            rows.append({"seg": f"s{i}", "n": a + b, "k": a})
        elif kind == "ratio":  # e.g. points redeemed / points earned
            rows.append({"seg": f"s{i}", "n": a + b + c, "num": a + 2 * b, "den": a + b + c})
        else:
            rows.append({"seg": f"s{i}", "n": a + b + c, "s": a + 3 * b + 5 * c,
                         "ss": a + 9 * b + 25 * c})  # fmt: skip
    return pd.DataFrame(rows)


KIND_METRICS = {
    "nps": ("nps", None),
    "share": ("csat", None),
    "mean": ("csat", "mean"),
    "ratio": ("loyalty_redemption_rate", None),
}
counts3 = st.tuples(st.integers(0, 40), st.integers(0, 40), st.integers(0, 40))


@settings(max_examples=200, deadline=None)
@given(
    kind=st.sampled_from(sorted(KIND_METRICS)),
    before=st.lists(counts3, min_size=1, max_size=5),
    after=st.lists(counts3, min_size=1, max_size=5),
)
def test_rate_plus_mix_is_the_change_and_the_interval_holds_the_point_and_shrinks(
    kind: str, before: list[tuple[int, int, int]], after: list[tuple[int, int, int]]
) -> None:
    name, variant = KIND_METRICS[kind]
    var = REGISTRY.get(name).variant(variant)

    def split(scale: int) -> mix.MixShift | None:
        frames = [
            stat_frame(kind, [(a * scale, b * scale, c * scale) for a, b, c in counts])
            for counts in (before, after)
        ]
        parts = [mix._values(f[f["n"] > 0], var, "seg", 0.95) for f in frames]
        return mix._shift_share(
            name, var.name, "seg", "2025-11", "2025-10", parts[0], parts[1], "%"
        )

    shift = split(1)
    if shift is None:  # a period without answers
        return
    assert shift.rate_effect + shift.mix_effect == pytest.approx(shift.change, abs=1e-9)
    assert sum(s.rate_effect for s in shift.segments) == pytest.approx(shift.rate_effect, abs=1e-9)
    if kind == "ratio":  # exact population figures: no sampling interval
        assert shift.rate_ci_low is None and shift.rate_ci_high is None
        assert all(s.rate_ci_low is None and s.rate_ci_high is None for s in shift.segments)
        return
    if kind == "mean" and min(sum(map(sum, counts)) for counts in (before, after)) < 2:
        # a period with a single answer has no variance to borrow: no interval, as the engine
        assert shift.rate_ci_low is None and shift.rate_ci_high is None
        return
    low, high = shift.rate_ci_low, shift.rate_ci_high
    assert low is not None and high is not None
    assert low - 1e-9 <= shift.rate_effect <= high + 1e-9
    for s in shift.segments:
        assert s.rate_ci_low is not None and s.rate_ci_high is not None
        assert s.rate_ci_low - 1e-9 <= s.rate_effect <= s.rate_ci_high + 1e-9
    # four times the answers in the same proportions: the same point, a narrower interval
    bigger = split(4)
    assert bigger is not None
    assert bigger.rate_effect == pytest.approx(shift.rate_effect, abs=1e-9)
    assert bigger.rate_ci_low is not None and bigger.rate_ci_high is not None
    width, narrower = high - low, bigger.rate_ci_high - bigger.rate_ci_low
    assert narrower <= width + 1e-12
    if width > 1e-9:
        assert narrower < width
