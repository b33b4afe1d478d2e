"""The scorecard computes only the periods it shows, and shows what the whole history gives."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from cxpulse import Workspace
from cxpulse.metrics import scorecard
from cxpulse.metrics.engine import compute

RESPONSES = "survey_responses"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    from cxpulse.demo.workspace import create_demo

    path = tmp_path_factory.mktemp("scorecard") / "demo.duckdb"
    with create_demo(path, scale=0.01, end=date(2026, 6, 30)) as ws:
        yield ws


def _whole_history(ws: Any, name: str, grain: Any, end: date) -> pd.DataFrame:
    return compute(ws, name, by=grain, end=end)


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return a == pytest.approx(b, rel=1e-12, abs=1e-12)
    return bool(a == b)


@pytest.mark.parametrize(
    ("by", "as_of"),
    [
        ("month", "2026-06-15"),
        ("week", "2026-06-20"),
        ("quarter", "2026-07-02"),
        ("month", "2026-10-01"),  # after the data ends: the last periods with data are shown
    ],
)
def test_two_periods_give_what_the_whole_history_gives(
    demo: Workspace, monkeypatch: pytest.MonkeyPatch, by: str, as_of: str
) -> None:
    shown = scorecard.build_scorecard(demo, by=by, as_of=as_of, stored=False).to_dict()
    monkeypatch.setattr(scorecard, "_shown_periods", _whole_history)
    whole = scorecard.build_scorecard(demo, by=by, as_of=as_of, stored=False).to_dict()
    # the same up to the last bits of a float (NRR sums its balances in another order)
    assert _close(shown, whole)
    assert sum(r["value"] is not None for r in shown["rows"]) >= 10


def test_only_the_shown_periods_are_read(demo: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    starts: dict[str, Any] = {}

    def spy(ws: Any, name: str, **kw: Any) -> pd.DataFrame:
        starts.setdefault(name, kw.get("start"))
        return compute(ws, name, **kw)

    monkeypatch.setattr(scorecard, "compute", spy)
    scorecard.build_scorecard(demo, by="month", as_of="2026-06-15", stored=False)
    assert starts["bounce_rate"] == date(2026, 4, 1)  # April and May, not two years
    assert set(starts.values()) == {date(2026, 4, 1)}


@pytest.mark.parametrize("as_of", ["2026-10-01", "2026-07-15"])
def test_data_that_stops_early_is_found_without_the_whole_history(
    demo: Workspace, monkeypatch: pytest.MonkeyPatch, as_of: str
) -> None:
    """After the data ends (every table) or with a metric whose last month has no value yet
    (tickets not answered yet), the last periods with values are computed alone."""
    calls: list[tuple[str, Any]] = []

    def spy(ws: Any, name: str, **kw: Any) -> pd.DataFrame:
        calls.append((name, kw.get("start")))
        return compute(ws, name, **kw)

    monkeypatch.setattr(scorecard, "compute", spy)
    scorecard.build_scorecard(demo, by="month", as_of=as_of, stored=False)
    assert [name for name, start in calls if start is None] == []
    assert len(calls) <= 2 * len(scorecard.DEFAULT_METRICS)


def _answers(path: Path, first: int, scores: list[int], day: str) -> Path:
    frame = pd.DataFrame(
        {
            "response_id": [f"r{first + i}" for i in range(len(scores))],
            "customer_id": [f"c{i % 7}" for i in range(len(scores))],
            "question_type": "nps",
            "score": scores,
            "responded_at": f"{day} 10:00",
        }
    )
    frame.to_csv(path, index=False)
    return path


def test_stored_rows_are_read_until_an_import_changes_their_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Import, read, import more, read again: fresh numbers, each equal to a computation
    from scratch; the rows whose tables did not change are read back, not computed."""
    metrics, as_of = ["nps", "first_response_time"], "2026-12-05"
    computed: list[str] = []
    row_data = scorecard._row_data

    def spy(ws: Any, name: str, *args: Any) -> dict[str, Any]:
        computed.append(name)
        return row_data(ws, name, *args)

    monkeypatch.setattr(scorecard, "_row_data", spy)

    def fresh(ws: Workspace) -> scorecard.Scorecard:
        return scorecard.build_scorecard(ws, metrics=metrics, as_of=as_of, stored=False)

    with Workspace.open(tmp_path / "w.duckdb", create=True) as ws:
        ws.import_file(_answers(tmp_path / "1.csv", 0, [9, 10, 3, 5] * 5, "2026-10-10"), RESPONSES)
        ws.import_file(_answers(tmp_path / "2.csv", 100, [9, 2] * 5, "2026-11-10"), RESPONSES)
        first = ws.scorecard(metrics=metrics, as_of=as_of)
        assert first.rows[0].n == 10
        assert first == fresh(ws)
        computed.clear()
        assert ws.scorecard(metrics=metrics, as_of=as_of) == first
        assert ws.scorecard(metrics=metrics, as_of="2026-12-31").rows == first.rows  # same end
        assert computed == []
        ws.import_file(_answers(tmp_path / "3.csv", 200, [10] * 10, "2026-11-12"), RESPONSES)
        again = ws.scorecard(metrics=metrics, as_of=as_of)
        assert computed == ["nps"]  # the support row read no survey answers
        assert again.rows[0].n == 20
        assert again.rows[0].value != first.rows[0].value
        assert again == fresh(ws)
