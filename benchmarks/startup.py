"""Time the start of the command line: `cxpulse --help` and `cxpulse metric nps` on the
default demo, each a new process, as a user types them.

    python benchmarks/startup.py --repeats 5
    python benchmarks/startup.py --baseline /tmp/old/src   # another source tree, same run

Each command runs once as a warm-up (the OS file cache, and the compiled bytecode an installed
package has), then ``--repeats`` times; the median of the wall and CPU (user + system) times
and the largest peak memory are reported, with the load average before and after. With
``--baseline``, the other tree (a checkout's ``src``) runs each command alternately with this
one, so the two see the same machine and the ratio comes from one run. Results go to
benchmarks/results/startup.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import RESULTS, describe, machine

SRC = Path(__file__).resolve().parents[1] / "src"


def child_env(src: Path, pycache: Path) -> dict[str, str]:
    """The environment of a timed process: ``src`` first on the path, and compiled bytecode
    kept (under ``pycache``, not in the tree) as an installed package has it; without it every
    run would compile cxpulse's sources again (PYTHONDONTWRITEBYTECODE set in the shell)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return env | {"PYTHONPATH": str(src), "PYTHONPYCACHEPREFIX": str(pycache)}


def run_once(args: list[str], env: dict[str, str]) -> dict[str, float]:
    """One `python -m cxpulse ARGS` process: wall and CPU seconds, peak memory (MiB)."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "cxpulse", *args],
            stdout=subprocess.DEVNULL,
            stderr=errors,
            env=env,
        )
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own usage, not all children's
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"cxpulse {' '.join(args)} failed:\n{errors.read().decode()}")
    return {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_mib": usage.ru_maxrss / 1024,
    }


def summary(runs: list[dict[str, float]]) -> dict[str, float]:
    return {
        "wall_s": round(statistics.median(r["wall_s"] for r in runs), 3),
        "cpu_s": round(statistics.median(r["cpu_s"] for r in runs), 3),
        "peak_mib": round(max(r["peak_mib"] for r in runs), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--workspace", help="A demo workspace (default: build one, scale 0.05).")
    parser.add_argument("--baseline", type=Path, help="Another source tree to time alongside.")
    opts = parser.parse_args()
    load_at_start = list(os.getloadavg())

    with tempfile.TemporaryDirectory() as tmp:
        workspace = opts.workspace or str(Path(tmp) / "demo.duckdb")
        if not opts.workspace:
            subprocess.run(
                [sys.executable, "-m", "cxpulse", "demo", "--path", workspace],
                env={**os.environ, "PYTHONPATH": str(SRC)},
                capture_output=True,
                check=True,
            )
        commands = {"--help": ["--help"], "metric nps": ["metric", "nps", "-w", workspace]}
        trees = {"cxpulse": SRC} | ({"baseline": opts.baseline} if opts.baseline else {})
        envs = {tree: child_env(src, Path(tmp) / "pycache") for tree, src in trees.items()}
        results: dict[str, Any] = {}
        for name, args in commands.items():
            runs: dict[str, list[dict[str, float]]] = {tree: [] for tree in trees}
            for env in envs.values():
                run_once(args, env)  # warm-up: the file cache, and the bytecode written
            for _ in range(opts.repeats):
                for tree, env in envs.items():
                    runs[tree].append(run_once(args, env))
            results[name] = {tree: summary(r) for tree, r in runs.items()}
            line = ", ".join(
                f"{tree} {s['wall_s']:.2f} s wall, {s['cpu_s']:.2f} s CPU, {s['peak_mib']:.0f} MiB"
                for tree, s in results[name].items()
            )
            print(f"cxpulse {name}: {line}")
    # after the runs: a child's peak memory counts from this process's at the fork, and
    # machine() imports DuckDB, Ibis and pandas to read their versions
    about = machine()
    about["load_average_at_end"] = about.pop("load_average_at_start")
    about["load_average_at_start"] = load_at_start
    print(describe(about))
    out = {"machine": about, "repeats": opts.repeats, "results": results}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "startup.json").write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
