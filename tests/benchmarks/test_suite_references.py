"""The benchmark suite's data and references are right: chunked demo data stays consistent, and
the hand-written SQL and pandas give cxpulse's numbers (the suite refuses to compare times of
engines that disagree, so a wrong reference would stop it; this finds it earlier, on a tiny
demo). Nothing here is timed."""

from __future__ import annotations

import sys
from argparse import Namespace
from pathlib import Path

import duckdb
import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import suite  # noqa: E402
import suite_data  # noqa: E402
import suite_refs  # noqa: E402


@pytest.fixture(scope="module")
def chunked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo of scale 0.03 written as three chunks of 0.01."""
    old = suite_data.CHUNK_SCALE
    suite_data.CHUNK_SCALE = 0.01
    try:
        folder, _, _ = suite_data.write_parquet(
            tmp_path_factory.mktemp("work"), 0.03, 7, reuse=False, log=lambda _: None
        )
    finally:
        suite_data.CHUNK_SCALE = old
    return folder


def _sql(folder: Path, query: str) -> list[tuple[object, ...]]:
    con = duckdb.connect()
    for name in ("customers", "orders", "survey_responses", "web_events", "subscriptions"):
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{folder}/{name}.parquet')")
    return con.execute(query).fetchall()


def test_chunks_split_the_scale_evenly() -> None:
    assert suite_data.chunks(0.5) == [0.5]
    assert suite_data.chunks(1.0) == [1.0]
    assert suite_data.chunks(10.0) == [1.0] * 10
    assert suite_data.chunks(2.5) == pytest.approx([2.5 / 3] * 3)


def test_chunked_ids_are_unique_and_references_hold(chunked: Path) -> None:
    ((n, distinct, chunks),) = _sql(
        chunked,
        "SELECT count(*), count(DISTINCT customer_id), count(DISTINCT split_part(customer_id, "
        "'-', 1)) FROM customers",
    )
    assert n == distinct and chunks == 3
    (orphans,) = _sql(
        chunked,
        "SELECT count(*) FROM orders o ANTI JOIN customers c USING (customer_id)",
    )[0]
    assert orphans == 0
    ((events, distinct_events),) = _sql(
        chunked, "SELECT count(*), count(DISTINCT event_id) FROM web_events"
    )
    assert events == distinct_events
    # surveys are the same in every chunk: their ids are not prefixed
    (prefixed,) = _sql(
        chunked, "SELECT count(*) FROM survey_responses WHERE survey_id LIKE 'k%-%'"
    )[0]
    assert prefixed == 0


@pytest.fixture(scope="module")
def workspace(chunked: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    db = str(tmp_path_factory.mktemp("ws") / "suite.duckdb")
    a = Namespace(db=db, parquet=str(chunked))
    rows, _ = suite.import_cxpulse(None, a)
    assert rows["web_events"] > 10_000
    return db


@pytest.mark.parametrize("segment", [None, suite.SEGMENT])
def test_sql_and_pandas_references_agree_with_cxpulse(workspace: str, segment: str | None) -> None:
    a = Namespace(db=workspace, segment=segment)
    months = suite.months()
    ws = suite._open_ws(a)
    try:
        cx, _ = suite.scorecard_cxpulse(ws, a)
    finally:
        ws.close()
    con = suite._open_sql(a)
    sql = suite_refs.sql_metrics(con, segment, months)
    con.close()
    frames = suite_refs.load_frames(workspace, suite_refs.PANDAS_TABLES)
    pdf = suite_refs.pandas_metrics(frames, segment, months)
    results = {
        n: {"result": df.to_dict("records")}
        for n, df in (("cxpulse", cx), ("sql", sql), ("pandas", pdf))
    }
    assert set(sql["metric"]) == set(suite_refs.REFERENCED)
    assert suite.check_metrics(results) is None


def test_sessionisation_references_agree_with_cxpulse(workspace: str) -> None:
    a = Namespace(db=workspace)
    ws = suite._open_ws(a)
    try:
        cx, _ = suite.sessions_cxpulse(ws, a)
    finally:
        ws.close()
    con = suite._open_sql(a)
    sql, _ = suite.sessions_sql(con, a)
    con.close()
    pdf, _ = suite.sessions_pandas(suite._load_hits(a), a)
    assert cx == sql == pdf
    assert 0 < cx["engaged"] < cx["sessions"] <= cx["pageviews"]


def test_lifetimes_fits_the_same_summary_to_the_same_parameters(workspace: str) -> None:
    a = Namespace(db=workspace)
    ours, _ = suite.bgnbd_cxpulse(suite._load_orders_cxpulse(a), a)
    theirs, _ = suite.bgnbd_lifetimes(suite._load_orders_lifetimes(a), a)
    assert ours["customers"] == theirs["customers"] > 100
    assert suite.check_fits({"cxpulse": ours, "lifetimes": theirs}) is None
    off = {**theirs, "params": {k: v * 1.01 for k, v in theirs["params"].items()}}
    assert "parameters differ" in (suite.check_fits({"cxpulse": ours, "lifetimes": off}) or "")


def test_targets_read_only_the_latest_runs_agreeing_scenarios() -> None:
    def entry(run: str, cx: float, disagreement: str | None = None) -> dict[str, object]:
        engines = {"cxpulse": {"median_s": cx}, "sql": {"median_s": 1.0}}
        return {"engines": engines, "disagreement": disagreement, "run": run}

    report = {
        "scale": 1,
        "run": "new",
        "tasks": {
            "scorecard": entry("old", 1.5),  # kept in the file by an --only run
            f"scorecard x {suite.SEGMENT}": entry("new", 1.5, "values differ"),
        },
    }
    assert suite.targets(report) == {}
    report["tasks"]["scorecard"] = entry("new", 1.5)
    assert suite.targets(report) == {"scorecard: within 2x of SQL": (True, 1.5)}
