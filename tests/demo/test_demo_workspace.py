"""The demo workspace: built fresh, replaced when it is a demo, never over real data."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from cxpulse import Workspace
from cxpulse.demo import create_demo
from cxpulse.errors import ConfigError
from cxpulse.text.annotate import score_workspace
from cxpulse.text.trends import theme_trends
from tests.conftest import add_rows

END = date(2026, 11, 1)


def test_the_demo_is_rebuilt_in_place(tmp_path: Path) -> None:
    path = tmp_path / "demo.duckdb"
    with create_demo(path, scale=0.005, end=END) as ws:
        first = ws.counts()
        assert ws.settings.timezone == "Europe/Paris"
        assert all(n > 0 for n in first.values()), first
    with create_demo(path, scale=0.005, end=END) as ws:
        assert ws.counts() == first  # same seed, same company, nothing doubled


def test_the_demo_themes_its_comments_with_its_coffee_taxonomy(tmp_path: Path) -> None:
    with create_demo(tmp_path / "demo.duckdb", scale=0.005, end=END) as ws:
        assert ws.settings.theme_taxonomy == "cxpulse.demo:taxonomy.yaml"
        score_workspace(ws, ["survey_responses"])
        themes = set(theme_trends(ws, "all", tables=["survey_responses"])["theme"])
    assert "coffee_quality" in themes
    with Workspace.init(tmp_path / "mine.duckdb") as ws:  # any other workspace: built in
        assert ws.settings.theme_taxonomy == ""


def test_the_demo_never_overwrites_real_data(tmp_path: Path) -> None:
    path = tmp_path / "mine.duckdb"
    with Workspace.init(path) as ws:
        add_rows(ws, "survey_responses", [{"score": 9, "responded_at": datetime(2025, 1, 1)}])
    with pytest.raises(ConfigError, match="not from the demo.*--path"):
        create_demo(path, scale=0.005, end=END)
    with Workspace.open(path) as ws:
        assert ws.counts()["survey_responses"] == 1


def test_the_demo_scorecard_shows_the_black_friday_dip(tmp_path: Path) -> None:
    with create_demo(tmp_path / "demo.duckdb", scale=0.02, end=END) as ws:
        df = ws.metric(
            "csat",
            filters={"touchpoint": ["delivery", "purchase"]},
            start="2025-10-01",
            end="2025-12-31",
        ).set_index("period")
    assert df.loc["2025-11", "value"] < df.loc["2025-10", "value"] - 10
    assert bool(df.loc["2025-11", "significant"])
    assert df.loc["2025-12", "value"] > df.loc["2025-11", "value"] + 10
