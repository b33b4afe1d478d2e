"""Time ``cxpulse churn fit`` on a workspace, stage by stage, and its fits on 1 and 2 threads.

    python benchmarks/churn_fit.py --workspace /tmp/me/s1.duckdb   # a COPY of the scale-1 demo

Stages as the command runs them: the labelled snapshots (DuckDB), both models' cross-validation
(:func:`cxpulse.churn.scoring.fit_both`, ``refit=False`` as the command), the rules. The fits
are timed with ``--workers`` threads each (default 1 and 2; each fit on one OpenMP/BLAS thread,
:mod:`cxpulse.churn.threads`), warmed up once, median of ``--repeats``; the cross-validated AUC
must not depend on the thread count (checked). Wall and CPU seconds (all threads) are given,
with the load average, since the machine is shared. Results go to benchmarks/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from datetime import date
from typing import Any

from _common import RESULTS, peak_rss_mib
from cxpulse.churn.rules import evaluate_rules
from cxpulse.churn.scoring import fit_both, workspace_data
from cxpulse.workspace import Workspace


def timed(fn: Any) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workspace", required=True, help="a copy: the command writes nothing")
    parser.add_argument("--workers", default="1,2", help="thread counts to time, comma-separated")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    report: dict[str, Any] = {"benchmark": "churn_fit", "date": date.today().isoformat()}
    report["timing"] = f"median of {args.repeats} runs after a warm-up"
    report["load_before"] = os.getloadavg()
    with Workspace.open(args.workspace) as ws:
        data, wall, cpu = timed(lambda: workspace_data(ws))
    report["rows"] = len(data.frame)
    report["data"] = {"wall": wall, "cpu": cpu}
    print(f"labelled snapshots: {len(data.frame):,} rows, {wall:.1f} s wall, {cpu:.1f} s CPU")

    aucs: dict[int, dict[str, float]] = {}
    for n in (int(w) for w in args.workers.split(",")):
        runs = []
        for i in range(args.repeats + 1):  # the first is the warm-up
            models, wall, cpu = timed(lambda n=n: fit_both(data, refit=False, max_workers=n))
            if i:
                runs.append((wall, cpu))
        aucs[n] = {k: m.cv_auc_mean_ for k, m in models.items()}
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        report[f"fit_{n}_workers"] = {"wall": wall, "cpu": cpu, "cv_auc": aucs[n]}
        shown = ", ".join(f"{k} {v:.4f}" for k, v in aucs[n].items())
        print(f"both models, {n} worker(s): {wall:.1f} s wall, {cpu:.1f} s CPU; AUC {shown}")
    if len({json.dumps(a, sort_keys=True) for a in aucs.values()}) > 1:
        raise SystemExit(f"the AUC depends on the thread count: {aucs}")

    labelled = data.frame[data.frame[data.label].notna()]
    _, wall, cpu = timed(lambda: evaluate_rules(labelled, label=data.label))
    report["rules"] = {"wall": wall, "cpu": cpu}
    print(f"rules: {wall:.1f} s wall, {cpu:.1f} s CPU")
    report["load_after"] = os.getloadavg()
    report["peak_rss_mib"] = peak_rss_mib()
    print(f"load average {report['load_before']} -> {report['load_after']}")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "churn_fit.json"
    out.write_text(json.dumps(report, indent=2))
    print(f"written {out}")


if __name__ == "__main__":
    main()
