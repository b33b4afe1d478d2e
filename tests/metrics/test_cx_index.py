"""The CX index: the two presets by hand, versioned weights with the history recomputed and the
change marked, renormalisation over missing components, and the question_id migration."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from cxpulse import Workspace
from cxpulse.errors import ConfigError
from cxpulse.metrics import cx_weights as cw
from cxpulse.metrics.cx_index import cx_index_report
from cxpulse.store.migrations import LOOKUP_INDEXES, MIGRATIONS
from tests.conftest import add_rows

JAN = datetime(2025, 1, 15, 12)


def answers(ws: Workspace, at: datetime) -> None:
    def rows(kind: str, scores: list[int], **extra: object) -> list[dict[str, object]]:
        return [{"question_type": kind, "score": s, "responded_at": at} | extra for s in scores]

    add_rows(
        ws,
        "survey_responses",
        rows("ces", [7, 6, 5, 2], scale_min=1, scale_max=7, polarity="high_is_easy")  # 75 easy
        + rows("rating", [5, 3], scale_min=1, scale_max=5, question_id="empathy")  # 100, 50
        + rows("rating", [2, 4], scale_min=1, scale_max=5, question_id="Understanding")  # 25, 75
        + rows("csat", [5, 4, 2], scale_min=1, scale_max=5)  # 2 of 3 satisfied
        + rows("nps", [10, 9, 7, 0]),  # NPS 25 -> 62.5
    )


def tickets(ws: Workspace, at: datetime) -> None:
    h = timedelta(hours=1)
    add_rows(
        ws,
        "tickets",
        [
            {"created_at": at, "first_solved_at": at + 2 * h, "work_seconds": 300.0},  # 100
            {"created_at": at, "first_solved_at": at + 48 * h, "work_seconds": 1200.0},  # 0
            {"created_at": at, "work_seconds": 60.0},  # not solved yet: handle time only, 100
            {
                "created_at": at,
                "first_solved_at": at + h,
                "talk_seconds": 240.0,
                "hold_seconds": 60.0,
                "wrap_seconds": 400.0,
            },  # voice: 700 s > 10 min: 50
        ],
    )


@pytest.fixture
def filled(ws: Workspace) -> Workspace:
    answers(ws, JAN)
    tickets(ws, JAN)
    return ws


def test_four_part_index_by_hand(filled: Workspace) -> None:
    report = cx_index_report(filled, by="all")
    row = report.frame.iloc[0]
    assert report.weights.preset == "cx4" and report.weights.version == 0
    assert (row["effort"], row["empathy"], row["understanding"]) == (75, 75, 50)
    assert row["efficiency"] == pytest.approx((100 + 0 + 100 + 50) / 4)
    assert row["cx_index"] == pytest.approx((75 + 75 + 50 + 62.5) / 4)
    assert row["empathy_contribution"] == pytest.approx(75 / 4) and row["empathy_weight"] == 0.25
    assert row["missing"] == "" and row["n"] == 4 + 2 + 2 + 4
    metric = filled.metric("cx_index", by="all")
    assert metric["value"].iloc[0] == pytest.approx(row["cx_index"])


def test_satisfaction_loyalty_preset_and_targets(filled: Workspace) -> None:
    cw.set_weights(filled.store, preset="satisfaction_loyalty", effective_from=date(2024, 1, 1))
    row = cx_index_report(filled, by="all").frame.iloc[0]
    resolution = 100 * 2 / 3  # solved within 24 h: 2 of the 3 solved tickets
    assert row["resolution"] == pytest.approx(resolution)
    expected = 0.3 * 100 * 2 / 3 + 0.3 * 62.5 + 0.2 * 75 + 0.2 * resolution
    assert row["cx_index"] == pytest.approx(expected)
    filled.set_setting("resolution_target_hours", "72")
    assert cx_index_report(filled, by="all").frame.iloc[0]["resolution"] == 100


def test_missing_components_are_left_out_and_named(ws: Workspace) -> None:
    tickets(ws, JAN)
    add_rows(ws, "survey_responses", [{"question_type": "nps", "score": 10, "responded_at": JAN}])
    row = cx_index_report(ws, by="all").frame.iloc[0]
    assert row["missing"] == "effort, empathy, understanding"
    assert row["cx_index"] == pytest.approx(62.5) and row["efficiency_weight"] == 1


def test_the_measured_share_of_the_weights_is_reported_and_warned_under_half(
    ws: Workspace,
) -> None:
    from cxpulse.metrics.cx_index import coverage_caveats

    tickets(ws, JAN)  # efficiency only: a quarter of the cx4 weights
    add_rows(ws, "survey_responses", [{"question_type": "nps", "score": 10, "responded_at": JAN}])
    row = cx_index_report(ws, by="all").frame.iloc[0]
    assert row["measured_weight"] == pytest.approx(0.25)
    (said,) = coverage_caveats(ws, "month", date(2025, 1, 1))
    assert said.startswith("less than half of the CX index was measured")
    assert "efficiency only" in said and "25% of the weight" in said
    answers(ws, JAN)  # now every component has data: nothing to say
    assert cx_index_report(ws, by="all").frame.iloc[0]["measured_weight"] == 1
    assert coverage_caveats(ws, "month", date(2025, 1, 1)) == []


def said_by_the_report(ws: Workspace, start: date, end: date) -> tuple[str, float] | None:
    """What the full report says of the period: the missing components and measured weight."""
    frame = cx_index_report(ws, by="month", start=start, end=end).frame
    if frame.empty:
        return None
    row = frame.iloc[-1]
    return str(row["missing"]), float(row["measured_weight"])


@pytest.mark.parametrize(
    "fill",
    [
        "nothing",
        "tickets",
        "nps",
        "everything",
        "older_version_only",
        "across_midnight",
    ],
)
def test_the_caveat_agrees_with_the_report_it_no_longer_computes(tmp_path: Path, fill: str) -> None:
    from cxpulse.metrics.cx_index import coverage_caveats

    start, end = date(2025, 1, 1), date(2025, 1, 31)
    # a zone east of UTC: the last evening of December (UTC) is in January there
    with Workspace.init(tmp_path / "ws.duckdb", timezone="Asia/Kathmandu") as ws:
        if fill == "tickets":
            tickets(ws, JAN)
        elif fill == "nps":
            add_rows(
                ws, "survey_responses", [{"question_type": "nps", "score": 9, "responded_at": JAN}]
            )
        elif fill == "everything":
            answers(ws, JAN)
            tickets(ws, JAN)
        elif fill == "older_version_only":
            # version 1 weighs csat, version 2 does not; January has only csat answers
            cw.set_weights(ws.store, weights={"csat": 1}, effective_from=date(2024, 12, 1))
            cw.set_weights(ws.store, weights={"nps": 1}, effective_from=date(2025, 2, 1))
            add_rows(
                ws,
                "survey_responses",
                [{"question_type": "csat", "score": 5, "responded_at": JAN, "scale_max": 5}],
            )
        elif fill == "across_midnight":
            tickets(ws, datetime(2024, 12, 31, 20))  # 01:45 on 1 January in Kathmandu
            add_rows(
                ws,
                "survey_responses",
                [{"question_type": "nps", "score": 9, "responded_at": datetime(2025, 1, 31, 19)}],
            )  # 00:45 on 1 February there: not January
        report = said_by_the_report(ws, start, end)
        caveats = coverage_caveats(ws, "month", start)
    if report is None or report[1] >= 1:
        assert caveats == []
        return
    missing, measured = report
    (said,) = caveats
    assert f"{measured:.0%} of the weight was measured" in said
    assert all(c in said for c in missing.split(", ") if c)
    assert said.startswith("less than half") == (measured < 0.5)


def test_a_running_period_is_partial_and_few_answers_are_flagged(ws: Workspace) -> None:
    answers(ws, JAN)
    january = {"start": "2025-01-01", "end": "2025-01-31"}
    frame = cx_index_report(ws, as_of="2025-01-20", **january).frame
    assert bool(frame.iloc[0]["partial"]) and bool(frame.iloc[0]["low_n"])
    assert not bool(cx_index_report(ws, as_of="2025-02-01", **january).frame.iloc[0]["partial"])


def test_new_weights_recompute_the_history_and_mark_the_change(ws: Workspace) -> None:
    for month in (1, 2, 3):
        answers(ws, datetime(2025, month, 10, 12))
        tickets(ws, datetime(2025, month, 10, 12))
    first = cw.set_weights(
        ws.store, weights={"effort": 1, "nps": 3}, effective_from=date(2025, 1, 1)
    )
    assert first.version == 1 and first.preset == "custom"
    assert first.weights == {"effort": 0.25, "nps": 0.75}
    second = cw.set_weights(
        ws.store, preset="satisfaction_loyalty", effective_from=date(2025, 3, 1), note="board"
    )
    report = cx_index_report(ws)
    frame = report.frame
    assert report.weights == second and [v.version for v in report.history] == [0, 1, 2]
    assert list(frame["weights_version"]) == [1, 1, 2]
    assert list(frame["weights_changed"]) == [False, False, True]
    # every month is recomputed with the current weights, and the old value is kept beside it
    assert frame["cx_index"].round(6).nunique() == 1
    assert frame["cx_index_then"].iloc[0] == pytest.approx(0.25 * 75 + 0.75 * 62.5)
    assert frame["cx_index_then"].iloc[2] == pytest.approx(frame["cx_index"].iloc[2])
    by_month = ws.metric("cx_index")
    assert list(by_month["value"].round(6)) == list(frame["cx_index"].round(6))
    assert report.to_dict()["history"][2]["note"] == "board"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weights": {"speed": 1}}, "unknown CX index component speed"),
        ({"weights": {"nps": -1}}, "at least 0"),
        ({"weights": {"nps": 0}}, "at least one component"),
        ({"preset": "nope"}, "unknown CX index preset"),
        ({}, "give a preset"),
    ],
)
def test_bad_weights_are_refused(ws: Workspace, kwargs: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ConfigError, match=message):
        cw.set_weights(ws.store, **kwargs)


def test_a_version_cannot_take_effect_before_the_current_one(ws: Workspace) -> None:
    cw.set_weights(ws.store, preset="cx4", effective_from=date(2025, 6, 1))
    with pytest.raises(ConfigError, match="cannot take effect earlier"):
        cw.set_weights(ws.store, preset="cx4", effective_from=date(2025, 5, 1))


def test_older_workspaces_get_the_question_id_column(tmp_path: Path) -> None:
    # later migrations may exist: apply this one on its own to a workspace that predates it
    (cx_migration,) = [m for m in MIGRATIONS if m.name.startswith("CX index weights")]
    with Workspace.init(tmp_path / "old.duckdb") as ws:
        con = ws.store.con
        for index, _, _ in LOOKUP_INDEXES:  # made by a later migration; DuckDB drops no
            con.raw_sql(f"DROP INDEX {index}")  # column of an indexed table
        con.raw_sql("ALTER TABLE survey_responses DROP COLUMN question_id")
        con.raw_sql("DROP TABLE cxpulse_cx_index_weights")
        assert "question_id" not in ws.table("survey_responses").columns
        cx_migration.apply(ws.store)
        assert ws.table("survey_responses").columns[-1] == "question_id"
        assert cw.history(ws.store) == [cw.DEFAULT_VERSION]


@pytest.mark.parametrize("key", ["resolution_target_hours", "handle_time_target_minutes"])
def test_targets_are_positive_numbers(ws: Workspace, key: str) -> None:
    assert ws.set_setting(key, "12,5").__dict__[key] == 12.5
    with pytest.raises(ConfigError, match=f"{key} takes a number above 0"):
        ws.set_setting(key, "0")
