"""Support metrics on a real DuckDB workspace: known answers worked out in each docstring."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxpulse import Workspace
from cxpulse.errors import ConfigError
from cxpulse.metrics import REGISTRY, stats
from tests.conftest import add_rows

T0 = datetime(2025, 3, 4, 10)  # a Tuesday, 11:00 in Paris
H = timedelta(hours=1)


def test_first_response_time_median_mean_and_p90_in_hours(ws: Workspace) -> None:
    """Replies after 1, 2, 3 and 10 hours, one ticket unanswered (left out, n = 4).
    median = (2 + 3) / 2 = 2.5; mean = 16 / 4 = 4; p90 interpolates between the 3rd and 4th
    values at position 0.9 x 3 = 2.7: 3 + 0.7 x (10 - 3) = 7.9."""
    add_rows(
        ws,
        "tickets",
        [{"created_at": T0, "first_reply_at": T0 + k * H, "channel": "email"} for k in (1, 2, 3)]
        + [{"created_at": T0, "first_reply_at": T0 + 10 * H, "channel": "chat"}]
        + [{"created_at": T0, "channel": "chat"}],
    )
    row = ws.metric("first_response_time").iloc[0]
    assert (row["value"], row["n"]) == (pytest.approx(2.5), 4)
    assert row["definition"].startswith("first_response_time (default): median of ticket")
    assert ws.metric("first_response_time", variant="median").iloc[0]["value"] == 2.5
    mean = ws.metric("first_response_time", variant="mean").iloc[0]
    assert mean["value"] == pytest.approx(4)
    assert mean["ci_low"] < 4 < mean["ci_high"]  # t interval on 4 values
    assert ws.metric("first_response_time", variant="p90").iloc[0]["value"] == pytest.approx(7.9)
    by_channel = ws.metric("first_response_time", segment="channel").set_index("channel")
    assert by_channel.loc["email", "value"] == 2 and by_channel.loc["chat", "value"] == 10


def test_time_to_resolution_first_and_full(ws: Workspace) -> None:
    """A: solved after 2 h, reopened, solved again after 50 h; B: solved once after 4 h;
    C: not solved (left out). first: median(2, 4) = 3; full: median(50, 4) = 27."""
    add_rows(
        ws,
        "tickets",
        [
            {"created_at": T0, "first_solved_at": T0 + 2 * H, "solved_at": T0 + 50 * H},
            {"created_at": T0, "first_solved_at": T0 + 4 * H, "solved_at": T0 + 4 * H},
            {"created_at": T0},
        ],
    )
    for variant, expected in [(None, 3), ("first", 3), ("full", 27), ("full_mean", 27)]:
        row = ws.metric("time_to_resolution", variant=variant).iloc[0]
        assert (row["value"], row["n"]) == (pytest.approx(expected), 2), variant
    assert ws.metric("time_to_resolution", variant="full_p90").iloc[0]["value"] == pytest.approx(
        4 + 0.9 * 46
    )


def test_average_handle_time_counts_voice_and_written_work(ws: Workspace) -> None:
    """AHT = (talk + hold + wrap) / calls for voice: (300 + 60 + 90) + (200 + 0 + 100) = 750
    over 2 calls = 375 s (a missing hold counts 0). Written: working time / tickets with any:
    600 s over 1 ticket (no recorded time, or 0, is not a handled contact). All: 1350 / 3."""
    add_rows(
        ws,
        "tickets",
        [
            {"created_at": T0, "channel": "phone", "talk_seconds": 300.0, "hold_seconds": 60.0,
             "wrap_seconds": 90.0},
            {"created_at": T0, "channel": "phone", "talk_seconds": 200.0, "wrap_seconds": 100.0},
            {"created_at": T0, "channel": "email", "work_seconds": 600.0},
            {"created_at": T0, "channel": "email", "work_seconds": 0.0},
            {"created_at": T0, "channel": "email"},
        ],
    )  # fmt: skip
    row = ws.metric("average_handle_time").iloc[0]
    assert (row["value"], row["n"]) == (pytest.approx(450), 3)
    by_channel = ws.metric("average_handle_time", segment="channel").set_index("channel")
    assert by_channel.loc["phone", "value"] == pytest.approx(375)
    assert by_channel.loc["email", "value"] == pytest.approx(600)
    assert ws.metric("average_handle_time", variant="median").iloc[0]["value"] == 450


def test_first_contact_resolution_and_reopen_rate_are_shares_of_solved_tickets(
    ws: Workspace,
) -> None:
    """Solved: one reply never reopened (FCR), one reply reopened, three replies, and one closed
    without any reply (not a contact the team resolved: out of FCR, in the reopen rate); one
    ticket open (out of both). FCR = 1 / 3; reopen rate = 1 / 4."""
    solved = {"created_at": T0, "first_solved_at": T0 + H, "solved_at": T0 + H}
    add_rows(
        ws,
        "tickets",
        [
            {**solved, "agent_replies": 1, "reopens": 0},
            {**solved, "agent_replies": 1, "reopens": 1},
            {**solved, "agent_replies": 3, "reopens": 0},
            {**solved, "agent_replies": 0, "reopens": 0},
            {"created_at": T0, "agent_replies": 1},
        ],
    )
    fcr = ws.metric("first_contact_resolution").iloc[0]
    low, high = stats.wilson_interval(3, 1, confidence=0.95)
    assert (fcr["value"], fcr["n"]) == (pytest.approx(100 / 3), 3)
    assert (fcr["ci_low"], fcr["ci_high"]) == (pytest.approx(100 * low), pytest.approx(100 * high))
    reopen = ws.metric("reopen_rate").iloc[0]
    assert (reopen["value"], reopen["n"]) == (pytest.approx(25), 4)


def test_volume_by_period_and_backlog_at_each_period_end(ws: Workspace) -> None:
    """A: 10 Jan -> solved 5 Feb; B: 20 Jan, never solved; C: 10 Feb -> 11 Feb; D: 1 Mar,
    first solved 2 Mar, reopened, solved for good 3 Apr. Open at the end of January: A, B;
    February: B; March: B, D (D still has work after its reopening; 1 by first solve)."""
    add_rows(
        ws,
        "tickets",
        [
            {"created_at": datetime(2025, 1, 10), "first_solved_at": datetime(2025, 2, 5),
             "solved_at": datetime(2025, 2, 5), "team": "care"},
            {"created_at": datetime(2025, 1, 20), "team": "tech"},
            {"created_at": datetime(2025, 2, 10), "first_solved_at": datetime(2025, 2, 11),
             "solved_at": datetime(2025, 2, 11), "team": "care"},
            {"created_at": datetime(2025, 3, 1), "first_solved_at": datetime(2025, 3, 2),
             "solved_at": datetime(2025, 4, 3), "reopens": 1, "team": "care"},
        ],
    )  # fmt: skip
    volume = ws.metric("volume")
    assert dict(zip(volume["period"], volume["value"], strict=True)) == {
        "2025-01": 2, "2025-02": 1, "2025-03": 1
    }  # fmt: skip
    backlog = ws.metric("backlog")
    assert list(backlog["value"]) == [2, 1, 2] and list(backlog["change"].fillna(0)) == [0, -1, 1]
    assert list(ws.metric("backlog", variant="first_solve")["value"]) == [2, 1, 1]
    by_team = ws.metric("backlog", segment="team", start="2025-03-01", end="2025-03-31")
    assert dict(zip(by_team["team"], by_team["value"], strict=True)) == {"care": 1, "tech": 1}


def test_business_hours_variants_need_a_schedule(ws: Workspace) -> None:
    add_rows(ws, "tickets", [{"created_at": T0, "first_reply_at": T0 + H}])
    with pytest.raises(ConfigError, match="cxpulse config set business_hours"):
        ws.metric("first_response_time", variant="business_hours")


def test_every_support_metric_has_its_variants_and_segments() -> None:
    names = {"first_response_time", "time_to_resolution", "average_handle_time",
             "first_contact_resolution", "reopen_rate", "backlog", "volume"}  # fmt: skip
    assert names <= set(REGISTRY.names())
    frt = REGISTRY.get("first_response_time").variants
    assert set(frt) == {"default", "median", "mean", "p90", "business_hours",
                        "business_hours_mean", "business_hours_p90"}  # fmt: skip
    ttr = REGISTRY.get("time_to_resolution").variants
    assert {"first", "full", "full_p90", "full_business_hours_mean"} <= set(ttr)
    assert "agent_id" in REGISTRY.get("volume").segments


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(minutes=st.lists(st.integers(0, 20_000), min_size=1, max_size=40))
def test_duration_statistics_match_numpy(ws: Workspace, minutes: list[int]) -> None:
    """Exact quantiles (linear interpolation, numpy's default) and the mean, in hours."""
    ws.store.con.truncate_table("tickets")
    add_rows(ws, "tickets", [{"created_at": T0, "first_reply_at": T0 + timedelta(minutes=m)}
                             for m in minutes])  # fmt: skip
    hours = np.array(minutes) / 60
    got = {v: ws.metric("first_response_time", variant=v, by="all").iloc[0]["value"]
           for v in ("median", "mean", "p90")}  # fmt: skip
    assert got["median"] == pytest.approx(np.quantile(hours, 0.5))
    assert got["mean"] == pytest.approx(hours.mean())
    assert got["p90"] == pytest.approx(np.quantile(hours, 0.9))


def test_hold_time_and_escalation_rate_known_answers(ws: Workspace) -> None:
    when = datetime(2025, 5, 5, 10)
    calls = [
        {"created_at": when, "channel": "phone", "talk_seconds": 300.0, "hold_seconds": h}
        for h in (60.0, 120.0, None)  # the third call was never put on hold: 0 s
    ]
    written = [{"created_at": when, "channel": "email", "work_seconds": 600.0}]  # no call
    flags = [{"created_at": when, "channel": "email", "escalated": e} for e in (True, False, None)]
    add_rows(ws, "tickets", calls + written + flags)
    hold = ws.metric("hold_time", as_of="2026-01-01").iloc[0]
    assert (hold["value"], hold["n"]) == (pytest.approx(60.0), 3)
    assert ws.metric("hold_time", variant="median").iloc[0]["value"] == pytest.approx(60.0)
    # one escalated among the two tickets where it was recorded (unknown is not "no")
    rate = ws.metric("escalation_rate").iloc[0]
    assert (rate["value"], rate["n"]) == (pytest.approx(50.0), 2)
    assert rate["ci_low"] < 50 < rate["ci_high"]
