"""The scorecard computes only the periods it shows, and shows what the whole history gives."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pandas as pd
import pytest

from cxpulse import Workspace
from cxpulse.metrics import scorecard
from cxpulse.metrics.engine import compute


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
    shown = scorecard.build_scorecard(demo, by=by, as_of=as_of).to_dict()
    monkeypatch.setattr(scorecard, "_shown_periods", _whole_history)
    whole = scorecard.build_scorecard(demo, by=by, as_of=as_of).to_dict()
    # the same up to the last bits of a float (NRR sums its balances in another order)
    assert _close(shown, whole)
    assert sum(r["value"] is not None for r in shown["rows"]) >= 10


def test_only_the_shown_periods_are_read(demo: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    starts: dict[str, Any] = {}

    def spy(ws: Any, name: str, **kw: Any) -> pd.DataFrame:
        starts.setdefault(name, kw.get("start"))
        return compute(ws, name, **kw)

    monkeypatch.setattr(scorecard, "compute", spy)
    scorecard.build_scorecard(demo, by="month", as_of="2026-06-15")
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
    scorecard.build_scorecard(demo, by="month", as_of=as_of)
    assert [name for name, start in calls if start is None] == []
    assert len(calls) <= 2 * len(scorecard.DEFAULT_METRICS)
