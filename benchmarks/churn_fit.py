"""Time ``cxpulse churn fit`` end to end, and its stages, on a workspace and on a customer file.

    python benchmarks/churn_fit.py --workspace /tmp/me/s1.duckdb   # a COPY of the scale-1 demo
    python benchmarks/churn_fit.py --file /work/data/telco.csv --id-column customerID \\
        --label-column Churn                                         # the IBM Telco sample

End to end: the command itself in a fresh process (imports, the labelled snapshots, both
models' cross-validation, the rules), warmed up once, median of ``--repeats``, with its peak
memory; ``--src`` runs another checkout's code the same way (say, the commit before a change,
exported with ``git archive``), alternating with this one, so both see the same load.

Stages, in this process: the labelled snapshots (DuckDB; or reading the file), both models'
cross-validation (:func:`cxpulse.churn.scoring.fit_both`, ``refit=False`` as the command) on
``--workers`` threads each (default 1 and 2; each fit on one OpenMP/BLAS thread,
:mod:`cxpulse.churn.threads`), the rules. The cross-validated AUC must not depend on the thread
count (checked). Wall and CPU seconds (all threads) are given with the load average, since the
machine is shared. Results go to benchmarks/results/churn_fit-<data>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from _common import RESULTS, peak_rss_mib
from cxpulse.churn.rules import evaluate_rules
from cxpulse.churn.scoring import ChurnData, file_data, fit_both, workspace_data
from cxpulse.workspace import Workspace


def timed(fn: Any) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def command(args: argparse.Namespace) -> list[str]:
    """``cxpulse churn fit`` on the benchmark's data, as a user runs it."""
    cli = [sys.executable, "-m", "cxpulse", "churn", "fit", "--format", "json"]
    if args.file:
        return [*cli, "--file", args.file, "--id-column", args.id_column, "--label-column",
                args.label_column]  # fmt: skip
    return [*cli, "--workspace", args.workspace]


def run_command(cmd: list[str], src: str | None) -> dict[str, Any]:
    """One run of ``cmd`` in a fresh process: wall seconds, CPU seconds and the AUCs shown."""
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = src
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, text=True, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    models = json.loads(proc.stdout)["models"]
    aucs = {m["model"]: m["cv_auc"] for m in models if m["model"] != "majority class"}
    return {"wall": wall, "cpu": cpu, "cv_auc": aucs}


def end_to_end(args: argparse.Namespace, report: dict[str, Any]) -> None:
    cmd = command(args)
    versions = {"this checkout": None, **({"--src": args.src} if args.src else {})}
    runs: dict[str, list[dict[str, Any]]] = {k: [] for k in versions}
    for i in range(args.repeats + 1):  # the first round is the warm-up
        for name, src in versions.items():  # alternating: both see the same load
            got = run_command(cmd, src)
            print(f"  run {i} ({name}{', warm-up' if not i else ''}): {got['wall']:.1f} s wall, "
                  f"{got['cpu']:.1f} s CPU, load {os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
            if i:
                runs[name].append(got)
    for name, got in runs.items():
        wall = statistics.median(r["wall"] for r in got)
        cpu = statistics.median(r["cpu"] for r in got)
        entry = {"wall": wall, "cpu": cpu, "cv_auc": got[-1]["cv_auc"], "src": versions[name]}
        report[f"command ({name})"] = entry
        shown = ", ".join(f"{k} {v:.4f}" for k, v in entry["cv_auc"].items())
        print(f"cxpulse churn fit ({name}): {wall:.1f} s wall, {cpu:.1f} s CPU; AUC {shown}")
    # the largest peak of any child: the command's own (every run is the same command)
    report["command_peak_rss_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def stages(args: argparse.Namespace, report: dict[str, Any]) -> None:
    def load() -> ChurnData:
        if args.file:
            return file_data(
                Path(args.file), id_column=args.id_column, label_column=args.label_column
            )
        with Workspace.open(args.workspace) as ws:
            return workspace_data(ws)

    data, wall, cpu = timed(load)
    report["rows"] = len(data.frame)
    report["labelled_rows"] = {"wall": wall, "cpu": cpu}  # "data" names the data set
    print(f"labelled rows: {len(data.frame):,}, {wall:.1f} s wall, {cpu:.1f} s CPU")

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

    if not args.file:
        labelled = data.frame[data.frame[data.label].notna()]
        _, wall, cpu = timed(lambda: evaluate_rules(labelled, label=data.label))
        report["rules"] = {"wall": wall, "cpu": cpu}
        print(f"rules: {wall:.1f} s wall, {cpu:.1f} s CPU")
    report["peak_rss_mib"] = peak_rss_mib()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    data = parser.add_mutually_exclusive_group(required=True)
    data.add_argument("--workspace", help="a copy: the command writes nothing, but be safe")
    data.add_argument("--file", help="a customer table, one row per customer")
    parser.add_argument("--id-column", default="customer_id")
    parser.add_argument("--label-column", default="churned")
    parser.add_argument("--workers", default="1,2", help="thread counts to time, comma-separated")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--src", help="another checkout's src/ to time the command with too")
    parser.add_argument("--skip-stages", action="store_true", help="time the command only")
    args = parser.parse_args()
    if args.src and not (Path(args.src) / "cxpulse").is_dir():
        # else the child would silently import the installed cxpulse and time the wrong code
        raise SystemExit(f"--src {args.src}: no cxpulse package there")

    name = Path(args.file or args.workspace).stem
    report: dict[str, Any] = {"benchmark": "churn_fit", "data": name}
    report["date"] = date.today().isoformat()
    report["timing"] = f"median of {args.repeats} runs after a warm-up"
    report["load_before"] = os.getloadavg()
    end_to_end(args, report)
    if not args.skip_stages:
        stages(args, report)
    report["load_after"] = os.getloadavg()
    print(f"load average {report['load_before']} -> {report['load_after']}")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"churn_fit-{name}.json"
    out.write_text(json.dumps(report, indent=2))
    print(f"written {out}")


if __name__ == "__main__":
    main()
