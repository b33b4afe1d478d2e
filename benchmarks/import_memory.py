"""Peak memory and time of a Parquet import (``import_parquet``) into a new workspace, by scale.

    python benchmarks/import_memory.py --workdir /tmp/me --scales 0.25 0.5 1 --label after

The demo is written as Parquet once per scale (``suite_data.write_parquet``, reused), then each
import runs in a fresh process (its peak memory is its own: VmHWM) into a new workspace file
(``Workspace.init``, the demo's time zone), as a user runs ``cxpulse parquet import``. The child
samples its resident memory every 50 ms and splits the run in phases at the derived tables'
flush (the store's hook at the end of the outermost transaction):

- **load**: the tables copied from the files (everything before the flush);
- **derived**: the sessions and page views built from the web hits (the flush);
- **commit**: the rest (commit, settings read back).

For each phase: its seconds and the largest resident memory seen during it, with DuckDB's own
count (``duckdb_memory()``: bytes held, bytes spilled to its temporary folder) at its end.
Each case runs ``--repeats`` times; the median time and the largest peak are reported with the
load average. Results are merged by ``--label`` into benchmarks/results/import_memory.json.
Never run it at scale 10 on a shared machine: measure the slope at small scales instead.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from _common import RESULTS, describe, machine, run_child

OUT = RESULTS / "import_memory.json"


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _hwm_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Sampler:
    """The largest resident memory of this process per phase, sampled on a thread."""

    def __init__(self) -> None:
        self.phase = "start"
        self.peaks: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            rss = _rss_mib()
            self.peaks[self.phase] = max(self.peaks.get(self.phase, 0.0), rss)
            self._stop.wait(0.05)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _duckdb_memory(store: Any) -> dict[str, float]:
    held, spilled = store.con.con.execute(
        "SELECT sum(memory_usage_bytes), sum(temporary_storage_bytes) FROM duckdb_memory()"
    ).fetchone()
    return {"duckdb_mib": (held or 0) / 2**20, "spilled_mib": (spilled or 0) / 2**20}


def child(folder: str, db: str) -> dict[str, Any]:
    """One import of ``folder`` into a new workspace ``db``, split in phases."""
    from cxpulse import Workspace
    from cxpulse.store.derived import Derived
    from cxpulse.store.parquet import import_parquet
    from suite_data import TIMEZONE

    marks: dict[str, float] = {}
    duck: dict[str, dict[str, float]] = {}
    flush = Derived.flush

    def timed_flush(self: Derived, store: Any) -> None:
        if store.derived is not self or "derived" in marks:  # another store's, or nested
            return flush(self, store)
        duck["load"] = _duckdb_memory(store)
        marks["derived"] = time.perf_counter()
        sampler.phase = "derived"
        flush(self, store)
        duck["derived"] = _duckdb_memory(store)
        marks["commit"] = time.perf_counter()
        sampler.phase = "commit"

    ws = Workspace.init(db, timezone=TIMEZONE)
    sampler = Sampler()
    Derived.flush = timed_flush  # type: ignore[method-assign]
    with sampler:
        sampler.phase = "load"
        start = time.perf_counter()
        report = import_parquet(ws, folder)
        end = time.perf_counter()
        settings = ws.store.con.con.execute(
            "SELECT current_setting('memory_limit'), current_setting('threads')"
        ).fetchone()
        ws.close()
    load_end = marks.get("derived", end)
    derived_end = marks.get("commit", load_end)
    seconds = {
        "load": load_end - start,
        "derived": derived_end - load_end,
        "commit": end - derived_end,
    }
    return {
        "rows": sum(report.rows.values()),
        "web_events": report.rows.get("web_events", 0),
        "total_s": end - start,
        "phases": {
            p: {"s": seconds[p], "peak_mib": sampler.peaks.get(p, float("nan")), **duck.get(p, {})}
            for p in seconds
        },
        "peak_mib": _hwm_mib(),
        "memory_limit_after": settings[0] if settings else None,
        "file_mib": Path(db).stat().st_size / 2**20,
    }


def run(workdir: Path, scale: float, seed: int, repeats: int) -> dict[str, Any]:
    from suite_data import write_parquet

    folder, rows, _ = write_parquet(workdir, scale, seed, reuse=True)
    runs = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(dir=workdir) as tmp:
            db = Path(tmp) / "imported.duckdb"
            load = os.getloadavg()[0]
            result = run_child(__file__, ["--child", str(folder), str(db)])
            result["load_1min"] = load
            runs.append(result)
            print(f"  scale {scale:g}: {json.dumps(result)}", file=sys.stderr, flush=True)
    ok = [r for r in runs if "error" not in r]
    if not ok:
        return {"scale": scale, "rows": sum(rows.values()), "error": runs[-1]["error"]}
    return {
        "scale": scale,
        "rows": ok[0]["rows"],
        "web_events": ok[0]["web_events"],
        "runs": len(ok),
        "total_s_median": statistics.median(r["total_s"] for r in ok),
        "peak_mib_max": max(r["peak_mib"] for r in ok),
        "phases": ok[-1]["phases"],
        "file_mib": ok[-1]["file_mib"],
        "memory_limit_after": ok[-1]["memory_limit_after"],
        "load_1min": [r["load_1min"] for r in ok],
    }


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2], sys.argv[3])))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, required=True, help="Parquet folders, scratch.")
    parser.add_argument("--scales", type=float, nargs="+", default=[0.25, 0.5, 1.0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--label", default="current", help="Key of this run in the results.")
    args = parser.parse_args()
    m = machine()
    print(describe(m), file=sys.stderr)
    results = [run(args.workdir, s, args.seed, args.repeats) for s in args.scales]
    saved = json.loads(OUT.read_text()) if OUT.exists() else {}
    saved[args.label] = {"machine": m, "load_at_end": list(os.getloadavg()), "scales": results}
    OUT.write_text(json.dumps(saved, indent=2) + "\n")
    for r in results:
        if "error" in r:
            print(f"scale {r['scale']:g}: {r['error']}")
            continue
        phases = ", ".join(
            f"{p} {v['s']:.1f} s / {v['peak_mib']:.0f} MiB" for p, v in r["phases"].items()
        )
        print(
            f"scale {r['scale']:g}: {r['rows']:,} rows, {r['total_s_median']:.1f} s, "
            f"peak {r['peak_mib_max']:.0f} MiB ({phases})"
        )


if __name__ == "__main__":
    main()
