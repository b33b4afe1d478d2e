"""The survey scorecard benchmark's references give cxpulse's numbers in the workspace's own time
zone, including one whose months start at a quarter hour (the benchmark refuses to compare the
times of approaches that disagree; this finds a wrong reference earlier, on a tiny demo), and
the UTC buckets they group by never straddle a local month. Nothing here is timed."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import _common  # noqa: E402
import survey_scorecard as sc  # noqa: E402

ZONES = ("Europe/Paris", "Asia/Kolkata", "Asia/Kathmandu", "America/St_Johns", "UTC")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from cxpulse.demo import create_demo

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    create_demo(path, scale=0.01, seed=7, end=date(2026, 11, 1)).close()
    return path


@pytest.mark.parametrize("zone", ["Europe/Paris", "Asia/Kathmandu"])
@pytest.mark.parametrize("segment", [None, "touchpoint"])
def test_references_agree_with_cxpulse(demo: Path, zone: str, segment: str | None) -> None:
    from cxpulse import Workspace

    with Workspace.open(demo) as ws:
        ws.set_setting("timezone", zone)
        cx = sc.run_cxpulse(ws, segment)
    sql_state = sc.load_sql(str(demo))
    try:
        assert sql_state[1].zone == zone
        assert sql_state[1].bucket_s == (3600 if zone == "Europe/Paris" else 900)
        sql = sc.run_sql(sql_state, segment)
    finally:
        sql_state[0].close()
    pdf = sc.run_pandas(sc.load_pandas(str(demo)), segment)
    assert set(cx["metric"]) == set(sc.METRICS)
    assert sc.disagreement(cx, sql) is None
    assert sc.disagreement(cx, pdf) is None


def test_a_different_count_is_a_disagreement(demo: Path) -> None:
    sql_state = sc.load_sql(str(demo))
    try:
        sql = sc.run_sql(sql_state, None)
    finally:
        sql_state[0].close()
    wrong = sql.copy()
    wrong.loc[0, "n"] += 1
    assert "n differs" in (sc.disagreement(sql, wrong) or "")
    assert "groups differ" in (sc.disagreement(sql, sql.iloc[1:]) or "")


@settings(max_examples=200, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    instant=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1)),
)
def test_a_bucket_never_straddles_a_local_month(zone: str, instant: datetime) -> None:
    bounds = _common.month_bounds(zone, instant - timedelta(days=40), instant + timedelta(days=40))
    width = _common.bucket_seconds(bounds)
    start = instant - timedelta(seconds=(instant - datetime(1970, 1, 1)).total_seconds() % width)
    last = start + timedelta(seconds=width) - timedelta(microseconds=1)
    tz = ZoneInfo(zone)

    def month(t: datetime) -> tuple[int, int]:
        local = t.replace(tzinfo=UTC).astimezone(tz)
        return local.year, local.month

    assert month(start) == month(instant) == month(last)
    assert width >= 900  # whole-hour zones get hours, +5:30 half hours, +5:45 quarters


def test_targets_are_issue_16s() -> None:
    cx = {"ratio_vs_sql": 1.25, "ratio_vs_pandas": 0.3, "memory_vs_sql": 1.6}
    assert sc.targets({"by month": {"cxpulse": cx}}) == {
        "by month: within 1.3x of SQL": (True, 1.25),
        "by month: 4x faster than pandas": (False, 3.33),
        "by month: memory within 1.5x of SQL": (False, 1.6),
    }
