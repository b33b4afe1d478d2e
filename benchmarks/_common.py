"""Helpers the benchmark scripts share: peak memory, the machine description, child processes."""

from __future__ import annotations

import json
import os
import platform
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

RESULTS = Path(__file__).parent / "results"


def peak_rss_mib() -> float:
    """This process's peak resident memory since exec (VmHWM). Not ru_maxrss: a child's
    ru_maxrss starts from the forking parent's peak, which holds the demo build."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def free_port() -> int:
    """A TCP port free on loopback now, for a server the benchmark starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_server(script: str, path: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Run ``script --serve PATH --port N`` (a load benchmark's own server half) in its own
    process; its URL once ``/healthz`` answers (60 s at most)."""
    import time

    import httpx

    port = free_port()
    proc = subprocess.Popen([sys.executable, script, "--serve", str(path), "--port", str(port)])
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.2)
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}")
    proc.kill()
    raise SystemExit("the server did not answer within 60 s")


def _proc_field(path: str, key: str) -> str | None:
    try:
        for line in Path(path).read_text().splitlines():
            name, _, value = line.partition(":")
            if name.strip() == key:
                return value.strip()
    except OSError:
        pass
    return None


def _os_name() -> str:
    pretty = None
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                pretty = line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    kernel = f"{platform.system()} {platform.release()}"
    return f"{pretty} ({kernel})" if pretty else kernel


def machine() -> dict[str, Any]:
    """What the run measured on, read from the system (not typed in by hand)."""
    import duckdb
    import ibis
    import numpy
    import pandas

    mem_kib = _proc_field("/proc/meminfo", "MemTotal")
    return {
        "cpu": _proc_field("/proc/cpuinfo", "model name") or platform.processor() or "unknown",
        "cores": os.cpu_count(),
        "ram_gib": round(int(mem_kib.split()[0]) / 2**20, 1) if mem_kib else None,
        "os": _os_name(),
        "arch": platform.machine(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "ibis": ibis.__version__,
        "pandas": pandas.__version__,
        "numpy": numpy.__version__,
        "load_average_at_start": list(os.getloadavg()),
    }


def describe(m: dict[str, Any]) -> str:
    return (
        f"{m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM, {m['os']}, "
        f"Python {m['python']}, DuckDB {m['duckdb']}, Ibis {m['ibis']}, pandas {m['pandas']}"
    )


def run_child(script: str, args: list[str], timeout: float | None = None) -> dict[str, Any]:
    """Run ``script`` in a fresh interpreter (so its peak memory is its own) and return the
    JSON it prints on stdout; a failure is returned as ``{"error": ...}``, not raised."""
    cmd = [sys.executable, script, *args]
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    if proc.returncode != 0:
        reason = "killed (out of memory?)" if proc.returncode in (-9, 137) else "failed"
        return {"error": f"{reason}: exit status {proc.returncode}"}
    try:
        payload: dict[str, Any] = json.loads(proc.stdout)
    except json.JSONDecodeError:
        return {"error": f"no JSON on stdout: {proc.stdout[-500:]!r}"}
    return payload


# -- local months without converting every row -------------------------------------------------
def month_bounds(zone: str, lo: datetime, hi: datetime) -> list[datetime]:
    """The naive-UTC starts of the local months of ``zone`` from the one holding ``lo`` to the
    one after the month holding ``hi`` (``lo``, ``hi``: naive UTC)."""
    tz = ZoneInfo(zone)
    first = lo.replace(tzinfo=UTC).astimezone(tz)
    last = hi.replace(tzinfo=UTC).astimezone(tz)
    out = []
    for k in range(first.year * 12 + first.month - 1, last.year * 12 + last.month + 1):
        start = datetime(k // 12, k % 12 + 1, 1, tzinfo=tz)
        out.append(start.astimezone(UTC).replace(tzinfo=None))
    return out


def bucket_seconds(bounds: list[datetime]) -> int:
    """The widest UTC bucket (an hour, half an hour, a quarter, a minute) that no local month
    boundary cuts: every bucket then lies inside one month, so counts summed per bucket roll up
    to months exactly, and only the buckets' starts need a time-zone conversion. An hour for
    whole-hour zones such as Europe/Paris; 15 minutes for +5:45 (Kathmandu)."""
    epoch = datetime(1970, 1, 1)
    seconds = [int((b - epoch).total_seconds()) for b in bounds]
    for width in (3600, 1800, 900, 60):
        if all(s % width == 0 for s in seconds):
            return width
    return 1


def workspace_zone(con: Any) -> str:
    """The workspace's time zone, read from its settings table with a plain connection."""
    row = con.execute("SELECT value FROM cxpulse_settings WHERE key = 'timezone'").fetchone()
    return str(json.loads(row[0])) if row else "UTC"
