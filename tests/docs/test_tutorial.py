"""The tutorial runs as written: every ```bash block of docs/tutorial.md, in order, in an empty
folder holding only the sample files a reader downloads first."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.docs.shell_blocks import ROOT, Ran, Shell, blocks, failure

PAGE = ROOT / "docs" / "tutorial.md"
SAMPLES = ROOT / "docs" / "tutorial"


def _run_all(folder: Path) -> list[Ran]:
    for sample in SAMPLES.glob("*.csv"):  # the "download the four sample files" step
        shutil.copy(sample, folder)
    shell = Shell(folder)
    done = []
    for block in blocks(PAGE.read_text(encoding="utf-8"), "bash"):
        ran = shell.run(block)
        assert ran.returncode == 0, failure(ran)
        done.append(ran)
    return done


def _output_of(runs: list[Ran], command: str) -> str:
    """The output of the one block that contains ``command`` (or is exactly it)."""
    found = [r for r in runs if command in r.block.code]
    if len(found) > 1:
        found = [r for r in found if r.block.code.strip() == command.strip()]
    [ran] = found
    return ran.stdout + ran.stderr


@pytest.mark.slow
def test_every_command_of_the_tutorial_runs_as_written(tmp_path: Path) -> None:
    folder = tmp_path / "first-week"
    folder.mkdir()
    runs = _run_all(folder)
    assert len(runs) >= 10
    linked = {p.name for p in SAMPLES.glob("*.csv")}
    assert all(f"(tutorial/{name})" in PAGE.read_text(encoding="utf-8") for name in linked)

    imported = _output_of(runs, "--mapping nps-mapping.yaml")
    assert "72 rows read, 72 new" in imported
    assert "30 unchanged" in _output_of(runs, "cxpulse import tickets.csv --table tickets\n")
    typo = _output_of(runs, "typo.csv")
    assert "line 2" in typo and "refused, as it should be" in typo  # the error the page shows
    scorecard = _output_of(runs, "cxpulse scorecard")
    assert "2026-11" in scorecard and "nps" in scorecard
    assert "3 invited" in _output_of(runs, "surveys run --now")
    cases = _output_of(runs, "cxpulse cases list\n")
    assert "C006" in cases and "owner=camille" in cases and "team=cx-fr" in cases
    assert "cases=1" in _output_of(runs, "cxpulse cases metrics")
