"""The scale-0.02 demo, built once per test module."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from cxpulse import Workspace
from cxpulse.demo import create_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    path: Path = tmp_path_factory.mktemp("churn") / "demo.duckdb"
    # a fixed end: by default the demo ends this month, and the planted patterns the tests
    # check (and their backtest dates) must not move with the calendar
    with create_demo(path, scale=0.02, end=date(2026, 11, 1)) as ws:
        yield ws
