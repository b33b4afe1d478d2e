"""`cxpulse scorecard` in a cold process, as a user types it, on a copy of a workspace.

    python benchmarks/scorecard_cold.py --workspace /work/bench/scale1-migrated.duckdb

The workspace is copied first (the runs write stored results into the copy, never into the
original). Each case runs once as a warm-up (the OS file cache), then ``--repeats`` times,
each a new process; the median wall and CPU time and the largest peak memory are reported,
with the load average before and after:

- **import floor**: ``python -c "import ibis, pandas; ibis.duckdb.connect"``, what any
  command reading the workspace pays before cxpulse does anything;
- **stored**: every row of the scorecard is a current stored result (the usual case: the
  server or an earlier command computed it since the last change);
- **after an import**: before each run, one survey answer is imported (in another process,
  not timed): the survey rows (NPS, CSAT, CES, response rate, CX index) are computed again,
  the others read back;
- **nothing stored**: before each run every stored result is dropped (the first run after an
  upgrade or a change of settings): all twelve rows are computed, in two periods each.

Results: benchmarks/results/scorecard_cold.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import RESULTS, describe, machine
from startup import SRC, child_env, run_once, summary

FLOOR = "import ibis, pandas; ibis.duckdb.connect"

IMPORT_ONE = """
import sys, uuid
import pandas as pd
from cxpulse import Workspace
path, csv = sys.argv[1:3]
pd.DataFrame({"response_id": [f"BENCH-{uuid.uuid4().hex}"], "customer_id": ["C0000001"],
              "question_type": ["nps"], "score": [10],
              "responded_at": ["2026-10-15T12:00:00Z"]}).to_csv(csv, index=False)
with Workspace.open(path) as ws:
    ws.import_file(csv, "survey_responses")
"""

FORGET = """
import sys
from cxpulse import Workspace
from cxpulse.store.results import forget
with Workspace.open(sys.argv[1]) as ws:
    forget(ws.store)
"""


def floor_once(env: dict[str, str]) -> dict[str, float]:
    """The import floor, as :func:`startup.run_once` times a command."""
    import time

    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", FLOOR], env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status):
        raise SystemExit("the import floor failed")
    return {
        "wall_s": time.perf_counter() - start,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_mib": usage.ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspace", required=True, help="A workspace to copy (scale 1).")
    parser.add_argument("--repeats", type=int, default=3)
    opts = parser.parse_args()
    load_at_start = list(os.getloadavg())
    with tempfile.TemporaryDirectory() as tmp:
        copy = str(Path(tmp) / "ws.duckdb")
        shutil.copy(opts.workspace, copy)
        env = child_env(SRC, Path(tmp) / "pycache")
        csv = str(Path(tmp) / "one.csv")

        def script(code: str, *args: str) -> Callable[[], None]:
            def run() -> None:
                cmd = [sys.executable, "-c", code, *args]
                subprocess.run(cmd, env=env, check=True, capture_output=True)

            return run

        command = ["scorecard", "-w", copy]
        cases: dict[str, tuple[Callable[[], dict[str, float]], Callable[[], None] | None]] = {
            "import floor": (lambda: floor_once(env), None),
            "stored": (lambda: run_once(command, env), None),
            "after an import": (lambda: run_once(command, env), script(IMPORT_ONE, copy, csv)),
            "nothing stored": (lambda: run_once(command, env), script(FORGET, copy)),
        }
        run_once(command, env)  # the first open upgrades the copy and stores every row
        results: dict[str, Any] = {}
        for name, (timed, before) in cases.items():
            runs = []
            for i in range(opts.repeats + 1):
                if before is not None:
                    before()
                run = timed()
                if i:  # the first is the warm-up
                    runs.append(run)
            results[name] = summary(runs)
            s = results[name]
            print(
                f"{name}: {s['wall_s']:.2f} s wall, {s['cpu_s']:.2f} s CPU, "
                f"{s['peak_mib']:.0f} MiB",
                flush=True,
            )
    about = machine()
    about["load_average_at_end"] = about.pop("load_average_at_start")
    about["load_average_at_start"] = load_at_start
    print(describe(about))
    out = {"machine": about, "repeats": opts.repeats, "workspace": opts.workspace}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "scorecard_cold.json").write_text(
        json.dumps(out | {"results": results}, indent=2) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
