"""Where a Spark metric command's time goes: JVM start, session, first query, later queries;
and the same command on DuckDB.

    python benchmarks/spark_phases.py --parquet DIR --workspace FILE.duckdb [--repeats 3]

DIR is ``cxpulse parquet export DIR -w FILE.duckdb`` (the same data). Each run of ``--repeats``
is a fresh interpreter (the JVM start is the point), so the phase figures are medians over
cold processes; the later-query figures are medians within one process, after a warm-up. The
end-to-end lines time the CLI itself (``cxpulse metric nps``, table output) as a user runs it.
Results go to benchmarks/results/spark_phases.json, with the load average before and after
(the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

from _common import RESULTS, machine, run_child

METRIC = "nps"


def phases(folder: str, workspace: str, repeats: int) -> dict[str, Any]:
    """One cold process: the phases of ``metric nps`` on Spark, then on DuckDB."""
    t0 = time.perf_counter()
    import pyspark.java_gateway

    from cxpulse import Workspace
    from cxpulse.store import spark

    imported = time.perf_counter()
    jvm: list[float] = []
    launch = pyspark.java_gateway.launch_gateway

    def timed_launch(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return launch(*args, **kwargs)
        finally:
            jvm.append(time.perf_counter() - start)

    pyspark.java_gateway.launch_gateway = timed_launch  # cxpulse looks it up when it starts
    session = spark.local_session()
    started = time.perf_counter()
    store = spark.open_spark_store(folder, session=session)
    opened = time.perf_counter()
    ws = Workspace(store)  # reads the settings: Spark's first query
    settings = time.perf_counter()
    ws.metric(METRIC)
    first = time.perf_counter()
    later = _median(lambda: ws.metric(METRIC), repeats)
    csat_first = _once(lambda: ws.metric("csat"))
    registered = sorted(store.tables)
    ws.close()
    reopen = _once(lambda: Workspace(spark.open_spark_store(folder)).metric(METRIC))

    duck_open = _once(lambda: Workspace.open(workspace).close())
    with Workspace.open(workspace) as duck:
        duck_first = _once(lambda: duck.metric(METRIC))
        duck_later = _median(lambda: duck.metric(METRIC), repeats)
    return {
        "import_s": imported - t0,
        "jvm_start_s": sum(jvm),
        "context_and_session_s": started - imported - sum(jvm),
        "open_store_s": opened - started,
        "first_query_settings_s": settings - opened,
        "first_metric_s": first - settings,
        "later_metric_median_s": later,
        "first_csat_in_same_session_s": csat_first,
        "second_store_open_and_metric_s": reopen,
        "tables_registered_for_nps_and_csat": registered,
        "duckdb_open_s": duck_open,
        "duckdb_first_metric_s": duck_first,
        "duckdb_later_metric_median_s": duck_later,
    }


def _once(fn: Any) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _median(fn: Any, repeats: int) -> float:
    fn()  # warm-up
    return statistics.median(_once(fn) for _ in range(repeats))


def cli_wall(args: list[str], repeats: int) -> dict[str, Any]:
    """Median wall time of the CLI command over ``repeats`` cold runs, and its stderr."""
    times, stderr = [], ""
    for _ in range(repeats):
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "cxpulse", *args], capture_output=True, text=True, check=True
        )
        times.append(time.perf_counter() - start)
        stderr = done.stderr
    return {"median_s": statistics.median(times), "runs_s": times, "stderr": stderr}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parquet", required=True)
    parser.add_argument("--workspace", required=True)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(phases(args.parquet, args.workspace, args.repeats)))
        return
    info = machine()
    child = [
        "--child",
        *("--parquet", args.parquet, "--workspace", args.workspace),
        *("--repeats", str(args.repeats)),
    ]
    runs = [run_child(__file__, child) for _ in range(args.repeats)]
    keys = [k for k, v in runs[0].items() if isinstance(v, float)]
    result: dict[str, Any] = {
        "machine": info,
        "phases_median_s": {k: statistics.median(r[k] for r in runs) for k in keys},
        "tables_registered": runs[0].get("tables_registered_for_nps_and_csat"),
        "runs": runs,
        "cli_spark": cli_wall(
            ["metric", METRIC, "--backend", "spark", "--parquet", args.parquet], args.repeats
        ),
        "cli_duckdb": cli_wall(["metric", METRIC, "-w", args.workspace], args.repeats),
        "load_average_at_end": list(os.getloadavg()),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "spark_phases.json").write_text(json.dumps(result, indent=2) + "\n")
    for key, value in result["phases_median_s"].items():
        print(f"{key:40} {value:8.2f} s")
    for name in ("cli_spark", "cli_duckdb"):
        print(f"{name:40} {result[name]['median_s']:8.2f} s  stderr: {result[name]['stderr']!r}")
    print(f"load average {info['load_average_at_start']} -> {result['load_average_at_end']}")


if __name__ == "__main__":
    main()
