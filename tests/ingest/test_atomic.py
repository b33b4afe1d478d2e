"""An import is one transaction: a process killed in the middle leaves the workspace as it was.

These tests start a real import in a child process, wait until it reports that a chunk of
rows has been written (inside the open transaction), kill it with SIGKILL and reopen the
workspace file.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import cxpulse.ingest
from cxpulse.ingest import import_file
from cxpulse.schema import IMPORTS_TABLE
from cxpulse.settings import Settings
from cxpulse.store import open_store
from cxpulse.store.migrations import migrate

from .conftest import stored

pytestmark = pytest.mark.slow

BIG_ROWS = 300_000
SEED_ROWS = 1_000

CHILD = r"""
import sys, time
from pathlib import Path
from cxpulse.ingest import import_file
from cxpulse.settings import Settings
from cxpulse.store import open_store

workspace, path, mode = sys.argv[1:4]

def progress(message):
    print(message, file=sys.stderr, flush=True)
    if mode == "pause" and "wrote" in message:
        time.sleep(600)  # hold the transaction open until the test kills this process

store = open_store(workspace)
import_file(store, Settings(timezone="Europe/Paris"), "survey_responses", Path(path),
            progress=progress)
print("finished", file=sys.stderr, flush=True)
"""


def survey_file(path: Path, rows: int, comment: str) -> Path:
    ids = np.arange(rows)
    frame = pd.DataFrame(
        {
            "response_id": pd.Series(ids).map("r{:07d}".format),
            "customer_id": pd.Series(ids % 997).map("c{}".format),
            "question_type": "nps",
            "score": ids % 11,
            "comment": comment,
            "responded_at": pd.Series(
                pd.Timestamp("2025-01-01") + pd.to_timedelta(ids % 525_600, unit="min")
            ).dt.strftime("%d/%m/%Y %H:%M"),
        }
    )
    frame.to_csv(path, sep=";", index=False)
    return path


def seeded_workspace(tmp_path: Path) -> tuple[Path, pd.DataFrame, int]:
    db = tmp_path / "ws.duckdb"
    store = open_store(db)
    migrate(store)
    seed = survey_file(tmp_path / "seed.csv", SEED_ROWS, "première version")
    import_file(store, Settings(timezone="Europe/Paris"), "survey_responses", seed)
    before = stored(store, "survey_responses")
    imports = int(store.table(IMPORTS_TABLE).count().execute())
    store.close()
    return db, before, imports


def start_child(db: Path, path: Path, mode: str) -> subprocess.Popen[str]:
    src = str(Path(cxpulse.ingest.__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), str(path), mode],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def wait_for_first_chunk(child: subprocess.Popen[str], timeout: float = 300) -> list[str]:
    assert child.stderr is not None
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = child.stderr.readline()
        if not line:
            child.wait()
            pytest.fail("the import ended before writing a chunk:\n" + "".join(seen))
        seen.append(line)
        if "wrote" in line:
            return seen
    child.kill()
    pytest.fail("no chunk written in time:\n" + "".join(seen))


def kill(child: subprocess.Popen[str]) -> None:
    os.kill(child.pid, signal.SIGKILL)
    assert child.wait(timeout=60) == -signal.SIGKILL


def test_killed_mid_import_leaves_the_workspace_as_it_was(tmp_path: Path) -> None:
    db, before, imports = seeded_workspace(tmp_path)
    big = survey_file(tmp_path / "big.csv", BIG_ROWS, "deuxième version")

    child = start_child(db, big, "pause")
    said = wait_for_first_chunk(child)
    kill(child)

    assert "survey_responses: wrote 50,000 of" in said[-1]
    store = open_store(db)
    try:
        assert_frame_equal(stored(store, "survey_responses"), before)
        assert store.table(IMPORTS_TABLE).count().execute() == imports
        # The workspace is fine afterwards: the same import now runs to the end.
        report = import_file(store, Settings(timezone="Europe/Paris"), "survey_responses", big)
        assert (report.rows_new, report.rows_updated) == (BIG_ROWS - SEED_ROWS, SEED_ROWS)
        assert store.table("survey_responses").count().execute() == BIG_ROWS
    finally:
        store.close()


def test_killed_at_any_moment_it_is_all_or_nothing(tmp_path: Path) -> None:
    """No pause: the kill lands wherever the import is; never a partial import."""
    db, before, imports = seeded_workspace(tmp_path)
    big = survey_file(tmp_path / "big.csv", BIG_ROWS, "deuxième version")

    child = start_child(db, big, "run")
    wait_for_first_chunk(child)
    kill(child)

    store = open_store(db)
    try:
        after = stored(store, "survey_responses")
        logged = int(store.table(IMPORTS_TABLE).count().execute())
        if len(after) == SEED_ROWS:
            assert_frame_equal(after, before)
            assert logged == imports
        else:
            assert len(after) == BIG_ROWS
            assert set(after["comment"]) == {"deuxième version"}
            assert logged == imports + 1
    finally:
        store.close()
