"""Time `cxpulse insights` for one period from a cold process: the median of several runs
after a warm-up, each run's wall and CPU seconds, its parts and its peak memory.

    python benchmarks/insights_run.py --workspace /tmp/me/s1.duckdb --period 2025-11 \\
        --as-of 2026-11-02 --runs 3

The workspace is opened by cxpulse (which may apply migrations): give it a copy of a shared
file, never the file itself. Each run is a child process, so imports count. The parts
(significant changes, then the evidence: themes, costs, the churn link) are timed inside the
child. Issue 17's target: one month at scale 1 under 5 s. Results go to
benchmarks/results/insights_run-<workspace>-<period>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from _common import RESULTS, describe, machine, peak_rss_mib, run_child

TARGET_S = 5.0


def child(workspace: str, period: str | None, as_of: str | None) -> dict[str, Any]:
    """In a fresh process: import, open, run the insights (as the CLI does) and time it."""
    wall, cpu = time.perf_counter(), time.process_time()
    from cxpulse.insights.run import insights
    from cxpulse.workspace import Workspace

    imported = time.perf_counter() - wall
    with Workspace.open(workspace) as ws:
        run = insights(ws, period=period, as_of=as_of)
        run.to_dict("en")
    return {
        "wall_s": round(time.perf_counter() - wall, 3),
        "cpu_s": round(time.process_time() - cpu, 3),
        "import_s": round(imported, 3),
        "run_s": round(run.seconds, 3),
        "findings": len(run.findings),
        "tests": run.changes.tests,
        "period": run.window.label,
        "peak_rss_mib": round(peak_rss_mib(), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", required=True)
    parser.add_argument("--period", default=None, help="a month, e.g. 2025-11 (default: last)")
    parser.add_argument("--as-of", default=None)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.workspace, args.period, args.as_of)))
        return
    argv = ["--workspace", args.workspace, "--child"]
    argv += ["--period", args.period] if args.period else []
    argv += ["--as-of", args.as_of] if args.as_of else []
    runs: list[dict[str, Any]] = []
    for i in range(args.runs + 1):  # the first warms the file cache: not counted
        load = os.getloadavg()[0]
        result = run_child(__file__, argv)
        if "error" in result:
            sys.exit(f"the insights run {result['error']}")
        result["load"] = round(load, 2)
        if i:
            runs.append(result)
    median = {k: statistics.median(r[k] for r in runs) for k in ("wall_s", "cpu_s", "run_s")}
    report = {
        "machine": machine(),
        "workspace": Path(args.workspace).name,
        "period": runs[0]["period"],
        "as_of": args.as_of,
        "runs": runs,
        "median": median,
        "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
        "target_s": TARGET_S,
    }
    RESULTS.mkdir(exist_ok=True)
    name = f"insights_run-{Path(args.workspace).stem}-{report['period']}.json"
    (RESULTS / name).write_text(json.dumps(report, indent=2) + "\n")
    print(describe(report["machine"]))
    for r in runs:
        print(
            f"  {r['wall_s']:6.2f} s wall, {r['cpu_s']:6.2f} s CPU (insights() {r['run_s']:.2f} s,"
            f" imports {r['import_s']:.2f} s), {r['findings']} findings, load {r['load']}"
        )
    print(f"median of {len(runs)}: {median['wall_s']:.2f} s wall, {median['cpu_s']:.2f} s CPU, "
          f"peak {report['peak_rss_mib']:.0f} MiB")  # fmt: skip


if __name__ == "__main__":
    main()
