"""Dashboard page latency through a real uvicorn server on the demo company.

    python benchmarks/web_pages.py --scale 1 --reuse

The server runs in its own process (``--serve``), over a copy of the demo workspace (so the
users this script adds never touch the shared file), with its clock fixed the day after the
demo ends and its worker off. The client logs in through the login form like a browser, finds
the dashboard pages in the navigation bar (a page another change has not built yet answers 404
and is listed as missing), and each page's JSON twin in its ``JSON`` link, then for each one:

- cold: the first view after the server started (nothing cached for that page yet, though an
  earlier page may have cached a query it shares: the scorecard's rows are the metric pages'
  last periods); pages and their JSON twins are timed on two separately started servers;
- warm: ``--views`` further views, median and p95. Target (issue 5): warm < 300 ms.

The web app caches query results for 5 minutes (``WebState.cached``), invalidated by any
successful write request and by worker ticks: the warm figures measure that cache, the cold
ones the queries. Results: ``benchmarks/results/web_pages-scale{S}.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx

RESULTS = Path(__file__).parent / "results"
NOW = datetime(2026, 11, 2, 9, 30)  # UTC: the benchmark demo ends on 2026-11-01
USER, PASSWORD = "bench", "benchmark password 1"
TARGET_MS = 300.0
TIMEOUT_S = 600.0  # a first view slower than this is reported as such
# pages beyond the navigation bar: one metric, and the same with its segment breakdown
EXTRA_PAGES = ("/metrics/nps", "/metrics/nps?segment=touchpoint", "/?all=true")


def build_workspace(scale: float, seed: int, folder: Path, reuse: bool) -> Path:
    """The demo workspace, as benchmarks/survey_scorecard.py builds it (and shares it)."""
    from cxpulse.demo import create_demo

    path = folder / f"demo-scale{scale:g}-seed{seed}.duckdb"
    if not (reuse and path.exists()):
        start = time.perf_counter()
        create_demo(path, scale=scale, seed=seed, end=date(2026, 11, 1)).close()
        print(f"built the scale-{scale:g} demo in {time.perf_counter() - start:.0f} s")
    return path


def prepare_copy(demo: Path, folder: Path) -> Path:
    from cxpulse import Workspace
    from cxpulse.accounts import add_user

    copy = folder / f"web-{demo.name}"
    shutil.copy(demo, copy)
    with Workspace.open(copy) as ws:
        add_user(ws, USER, PASSWORD, "admin", NOW, language="en")
    return copy


def serve(path: str, port: int) -> None:
    """The server process: the app as `cxpulse serve` builds it, with a fixed clock."""
    import uvicorn

    from cxpulse import Workspace
    from cxpulse.web.app import create_app

    with Workspace.open(path) as ws:
        app = create_app(ws, clock=lambda: NOW)
        uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_server(path: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path.cwd() / "src"), str(Path.cwd())])}
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(path), "--port", str(port)], env=env
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.2)
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}")
    proc.kill()
    raise SystemExit("the server did not answer within 120 s")


def log_in(client: httpx.Client) -> None:
    client.get("/login")
    response = client.post(
        "/login",
        data={
            "username": USER,
            "password": PASSWORD,
            "csrf_token": client.cookies.get("cxpulse_login_csrf") or "",
            "next": "/",
        },
    )
    if response.status_code != 303:
        raise SystemExit(f"log-in failed: {response.status_code} {response.text[:200]}")


def timed_get(client: httpx.Client, url: str) -> tuple[float, int, str]:
    start = time.perf_counter()
    response = client.get(url)
    body = response.text  # read fully: the page is only there once it has all arrived
    return (time.perf_counter() - start) * 1000, response.status_code, body


def pages(client: httpx.Client) -> list[str]:
    html = client.get("/").text
    nav = html[html.index("<nav>") : html.index("</nav>")]
    found = re.findall(r'<a href="([^"]+)"', nav)
    return list(dict.fromkeys([*found, *EXTRA_PAGES]))


def twin_of(client: httpx.Client, url: str) -> str | None:
    match = re.search(r'<a class="twin" href="([^"]+)"', client.get(url).text)
    return match.group(1).replace("&amp;", "&") if match else None


def measure(client: httpx.Client, url: str, views: int) -> dict[str, Any]:
    try:
        cold, status, _ = timed_get(client, url)
    except httpx.TimeoutException:
        print(f"{url}: no answer within {TIMEOUT_S:.0f} s", flush=True)
        return {"url": url, "status": f"no answer in {TIMEOUT_S:.0f} s"}
    print(f"{url}: first view {cold:.0f} ms", flush=True)
    if status != 200:
        return {"url": url, "status": status}
    warm = sorted(timed_get(client, url)[0] for _ in range(views))
    p95 = statistics.quantiles(warm, n=100, method="inclusive")[94]
    return {
        "url": url,
        "status": status,
        "cold_ms": cold,
        "warm_median_ms": statistics.median(warm),
        "warm_p95_ms": p95,
        "warm_ms": warm,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--views", type=int, default=20)
    parser.add_argument("--workdir", type=Path, default=RESULTS / "work")
    parser.add_argument(
        "--reuse", action="store_true", help="reuse a demo workspace built by an earlier run"
    )
    parser.add_argument(
        "--skip", action="append", default=[], help="a page not to time (repeatable), e.g. /website"
    )
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port)
        return

    args.workdir.mkdir(parents=True, exist_ok=True)
    demo = build_workspace(args.scale, args.seed, args.workdir, args.reuse)
    copy = prepare_copy(demo, args.workdir)
    try:
        # two passes, each on a freshly started server, so that both a page and its JSON twin
        # have a genuinely cold first view (they share their queries, hence their cache)
        page_results, twins = run_pages(copy, args.views, tuple(args.skip))
        twin_results = run_twins(copy, twins, args.views)
    finally:
        copy.unlink(missing_ok=True)
        Path(f"{copy}.wal").unlink(missing_ok=True)
    results = [{"page": p, "json": twin_results.get(p["url"])} for p in page_results]
    report_results(args, results)


def run_pages(
    path: Path, views: int, skip: tuple[str, ...]
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    proc, url = start_server(path)
    try:
        with httpx.Client(base_url=url, timeout=TIMEOUT_S) as client:
            log_in(client)
            first = measure(client, "/", views)
            targets = pages(client)
            results, twins = [first], {}
            for page in targets:
                if page != "/" and page not in skip:
                    results.append(measure(client, page, views))
            for r in results:
                twin = twin_of(client, r["url"]) if r["status"] == 200 else None
                if twin:
                    twins[r["url"]] = twin
            return results, twins
    finally:
        proc.terminate()
        proc.wait()


def run_twins(path: Path, twins: dict[str, str], views: int) -> dict[str, dict[str, Any]]:
    proc, url = start_server(path)
    try:
        with httpx.Client(base_url=url, timeout=TIMEOUT_S) as client:
            log_in(client)
            return {page: measure(client, twin, views) for page, twin in twins.items()}
    finally:
        proc.terminate()
        proc.wait()


def report_results(args: argparse.Namespace, results: list[dict[str, Any]]) -> None:
    header = f"{'page':<36}{'kind':<6}{'cold ms':>9}{'warm p50':>10}{'warm p95':>10}  target"
    print(header)
    print("-" * len(header))
    missing = []
    for r in results:
        for kind in ("page", "json"):
            m = r[kind]
            if m is None:
                continue
            if m["status"] != 200:
                missing.append(f"{m['url']} ({m['status']})")
                continue
            ok = "ok" if m["warm_p95_ms"] < TARGET_MS else "MISSED"
            name = m["url"] if kind == "page" else "  " + m["url"].split("?")[0]
            print(
                f"{name[:35]:<36}{kind:<6}{m['cold_ms']:>9.0f}{m['warm_median_ms']:>10.1f}"
                f"{m['warm_p95_ms']:>10.1f}  {ok}"
            )
    if missing:
        print("not measured:", ", ".join(missing))
    if args.skip:
        print("skipped:", ", ".join(args.skip))
    report = {
        "benchmark": "web_pages",
        "scale": args.scale,
        "views": args.views,
        "target_warm_ms": TARGET_MS,
        "machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "date": date.today().isoformat(),
        "results": results,
        "missing": missing,
        "skipped": args.skip,
    }
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"web_pages-scale{args.scale:g}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
