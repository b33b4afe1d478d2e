"""The insights benchmark's stored results: no false-finding rate from a handful of runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# what insights_null.py writes (insights_run-*.json are run times: insights_run.py)
RESULTS = sorted(
    p
    for p in (ROOT / "benchmarks" / "results").glob("insights_*.json")
    if not p.stem.startswith("insights_run")
)


@pytest.mark.parametrize("path", RESULTS, ids=[p.stem for p in RESULTS])
def test_a_null_rate_rests_on_enough_runs(path: Path) -> None:
    """A "null" block is read as the false-finding rate: one run (rate 1.0 or 0.0) is not
    one. The power-only results say how many tests a run makes instead."""
    data = json.loads(path.read_text())
    assert "null" not in data or data["null"]["runs"] >= 40
    assert data.get("tests_per_run", 0) > 0


def test_the_benchmark_refuses_a_handful_of_null_runs() -> None:
    script = ROOT / "benchmarks" / "insights_null.py"
    done = subprocess.run(
        [sys.executable, str(script), "--runs", "1"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2 and "0 (no null runs) or at least 40" in done.stderr
