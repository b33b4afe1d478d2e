"""Dashboard page latency through a real uvicorn server on the demo company.

    python benchmarks/web_pages.py --scale 1 --reuse
    python benchmarks/web_pages.py --scale 1 --workspace /work/bench/scale1-migrated.duckdb

The server runs in its own process (``--serve``), over a copy of the demo workspace (so the
users this script adds never touch the shared file), with its clock fixed the day after the
demo ends and its worker off. It starts as `cxpulse serve` does: computing the default view of
every page in the background (warm-up); ``--cold`` starts it without, to time the queries
themselves. The client logs in through the login form like a browser, finds the dashboard pages
in the navigation bar and each page's JSON twin in its ``JSON`` link, then for each one:

- first page: how long after the server process started a logged-in user had the home page
  (the scorecard) in full; target (issue 16): under 2 s. Measured twice: on the first start
  (the copy holds no stored scorecard rows for the server's day: they are computed) and on the
  second server's start over the same file (a restart: the rows the first one stored are read);
- warm-up: how long after start the server had every default page computed (``/healthz``
  says ``warmed_for``); pages are timed after that;
- first: the first view (after warm-up; with ``--cold``, on a server that computed nothing:
  though an earlier page may have cached a query it shares); pages and their JSON twins are
  timed on two separately started servers;
- views: ``--views`` further views, median and p95. Target (issue 5): under 300 ms;
- after a change: a view right after a change made through the API (an event posted: a hard
  invalidation, the worst case: every quick result is recomputed in front of the viewer, slow
  ones are served while refreshed; survey answers are soft and cost nothing here);
- import visible: 10k NPS answers of the last complete month imported through the API, and
  how long from sending them until the home page's NPS counts them (target: 2 s);
- peak memory: the server process's peak resident set (VmHWM), read before it stops; target
  under 2 GiB.

The cache policy is :mod:`cxpulse.web.cache`'s. Results:
``benchmarks/results/web_pages-scale{S}[-cold].json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from _common import free_port

RESULTS = Path(__file__).parent / "results"
NOW = datetime(2026, 11, 2, 9, 30)  # UTC: the benchmark demo ends on 2026-11-01
USER, PASSWORD = "bench", "quiet river lamp orbit"
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


def serve(path: str, port: int, warm: bool) -> None:
    """The server process: the app as `cxpulse serve` builds it, with a fixed clock."""
    import uvicorn

    from cxpulse import Workspace
    from cxpulse.web.app import create_app

    with Workspace.open(path) as ws:
        ws.store.limit_memory("1GB")  # `cxpulse serve`'s default --memory-limit
        app = create_app(ws, clock=lambda: NOW, warm=warm)
        uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def start_server(
    path: Path, warm: bool, wait_warm: bool | None = None
) -> tuple[subprocess.Popen[bytes], str, float]:
    """The server, its URL and the seconds it took to answer (and, with ``wait_warm``, by
    default ``warm``, to have warmed every default page)."""
    wait_warm = warm if wait_warm is None else wait_warm
    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path.cwd() / "src"), str(Path.cwd())])}
    cmd = [sys.executable, __file__, "--serve", str(path), "--port", str(port)]
    started = time.monotonic()
    proc = subprocess.Popen([*cmd, *(["--warm"] if warm else [])], env=env)
    url = f"http://127.0.0.1:{port}"
    return proc, url, wait_ready(proc, url, started, wait_warm)


def wait_ready(proc: subprocess.Popen[bytes], url: str, started: float, warm: bool) -> float:
    """Seconds from ``started`` until the server answers (``warm``: has warmed every page)."""
    deadline = started + (TIMEOUT_S if warm else 120)
    while time.monotonic() < deadline:
        try:
            health = httpx.get(f"{url}/healthz", timeout=1)
            if health.status_code == 200 and (not warm or health.json()["warmed_for"]):
                return time.monotonic() - started
        except httpx.TransportError:
            pass
        time.sleep(0.05 if not warm else 0.5)
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}")
    proc.kill()
    raise SystemExit(f"the server was not ready within {deadline - started:.0f} s")


def peak_rss_mb(proc: subprocess.Popen[bytes]) -> float | None:
    """The server process's peak resident set so far (Linux: VmHWM), in MB."""
    try:
        status = Path(f"/proc/{proc.pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else None


def stop(proc: subprocess.Popen[bytes]) -> float | None:
    """Stop the server; its peak memory (MB)."""
    peak = peak_rss_mb(proc)
    proc.terminate()
    proc.wait()
    return peak


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


def change(client: httpx.Client) -> None:
    """A change through the API that marks the cache stale (hard): one event posted."""
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get("/rules").text)
    event = {"event": "benchmark_touch", "customer_id": "C0000001",
             "occurred_at": NOW.isoformat()}  # fmt: skip
    headers = {"X-CSRF-Token": token.group(1) if token else ""}
    posted = client.post("/api/v1/events", json=[event], headers=headers)
    if posted.status_code >= 300:
        raise SystemExit(f"posting an event failed: {posted.status_code} {posted.text[:200]}")


def import_visible(client: httpx.Client, rows: int = 10_000) -> dict[str, Any]:
    """Seconds from sending ``rows`` NPS answers of the last complete month (every one a
    promoter) through the import API until the home page's NPS counts them all."""

    def nps_n() -> int:
        data = client.get("/api/v1/scorecard").json()
        return int(next(r["n"] for r in data["rows"] if r["metric"] == "nps"))

    before = nps_n()
    day = (NOW.replace(day=1) - timedelta(days=1)).replace(hour=12, minute=0)
    lines = ["response_id,customer_id,question_type,score,responded_at"]
    lines += [
        f"BENCH{i:06d},C{i % 90000 + 1:07d},nps,10,{(day - timedelta(seconds=i)).isoformat()}Z"
        for i in range(rows)
    ]
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get("/rules").text)
    headers = {"X-CSRF-Token": token.group(1) if token else "", "Content-Type": "text/csv"}
    started = time.perf_counter()
    posted = client.post(
        "/api/v1/ingest/survey_responses", content="\n".join(lines), headers=headers
    )
    imported = time.perf_counter() - started
    if posted.status_code >= 300:
        raise SystemExit(f"the import failed: {posted.status_code} {posted.text[:300]}")
    seen = before
    while time.perf_counter() - started < TIMEOUT_S:
        seen = nps_n()
        if seen >= before + rows:
            break
        time.sleep(0.1)
    visible = time.perf_counter() - started
    print(f"import of {rows} rows: {imported:.2f} s, visible after {visible:.2f} s", flush=True)
    return {"rows": rows, "import_s": imported, "visible_s": visible, "n": [before, seen]}


def measure(client: httpx.Client, url: str, views: int) -> dict[str, Any]:
    try:
        first, status, _ = timed_get(client, url)
    except httpx.TimeoutException:
        print(f"{url}: no answer within {TIMEOUT_S:.0f} s", flush=True)
        return {"url": url, "status": f"no answer in {TIMEOUT_S:.0f} s"}
    print(f"{url}: first view {first:.0f} ms", flush=True)
    if status != 200:
        return {"url": url, "status": status}
    warm = sorted(timed_get(client, url)[0] for _ in range(views))
    p95 = statistics.quantiles(warm, n=100, method="inclusive")[94]
    return {
        "url": url,
        "status": status,
        "first_ms": first,
        "warm_median_ms": statistics.median(warm),
        "warm_p95_ms": p95,
        "warm_ms": warm,
    }


def after_changes(client: httpx.Client, result: dict[str, Any], changes: int = 3) -> None:
    """Views right after a change (timed after every page's first views: a change empties
    what the next page's first view would find)."""
    after = []
    for _ in range(changes):
        change(client)
        after.append(timed_get(client, result["url"])[0])
    result.update(after_change_max_ms=max(after), after_change_ms=after)


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
    parser.add_argument(
        "--workspace",
        type=Path,
        help="time a copy of this existing demo workspace (e.g. /work/bench/scale1-migrated."
        "duckdb) instead of building one; --scale only labels the results",
    )
    parser.add_argument("--cold", action="store_true", help="start the server without its warm-up")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--warm", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.warm)
        return

    args.workdir.mkdir(parents=True, exist_ok=True)
    demo = args.workspace or build_workspace(args.scale, args.seed, args.workdir, args.reuse)
    copy = prepare_copy(demo, args.workdir)
    try:
        # two passes, each on a freshly started server, so that both a page and its JSON twin
        # have a genuinely cold first view (they share their queries, hence their cache)
        page_results, twins, start = run_pages(copy, args.views, tuple(args.skip), args.cold)
        twin_results = run_twins(copy, twins, args.views, args.cold, start)
    finally:
        copy.unlink(missing_ok=True)
        Path(f"{copy}.wal").unlink(missing_ok=True)
    results = [{"page": p, "json": twin_results.get(p["url"])} for p in page_results]
    report_results(args, results, start)


def run_pages(
    path: Path, views: int, skip: tuple[str, ...], cold: bool
) -> tuple[list[dict[str, Any]], dict[str, str], dict[str, Any]]:
    """The pages' timings, their twins, and the start: seconds to answer, to the first page,
    to every page warm, the import's visibility and the server's peak memory."""
    started = time.monotonic()
    proc, url, listen_s = start_server(path, warm=not cold, wait_warm=False)
    start: dict[str, Any] = {"listen_s": listen_s}
    try:
        with httpx.Client(base_url=url, timeout=TIMEOUT_S) as client:
            log_in(client)
            if not cold:
                # the home page as its first viewer gets it, while the warm-up runs
                status = client.get("/").status_code
                start["first_page_s"] = time.monotonic() - started
                print(f"first page ({status}) {start['first_page_s']:.1f} s after start")
                start["warmup_s"] = wait_ready(proc, url, started, warm=True)
                print(f"every default page warmed {start['warmup_s']:.0f} s after start")
                start["rss_warm_mb"] = peak_rss_mb(proc)
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
            for r in results:
                if r["status"] == 200:
                    after_changes(client, r)
            start["import"] = import_visible(client)
            return results, twins, start
    finally:
        start["peak_rss_mb"] = stop(proc)
        print(f"server peak memory {start['peak_rss_mb']:.0f} MB")


def run_twins(
    path: Path, twins: dict[str, str], views: int, cold: bool, start: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """The JSON twins' timings, on a second server over the same file: a restart, whose
    first page reads the scorecard rows the first server stored (``restart_first_page_s``)."""
    started = time.monotonic()
    proc, url, _ = start_server(path, warm=not cold, wait_warm=False)
    try:
        with httpx.Client(base_url=url, timeout=TIMEOUT_S) as client:
            log_in(client)
            if not cold:
                status = client.get("/").status_code
                start["restart_first_page_s"] = time.monotonic() - started
                print(
                    f"after a restart: first page ({status}) {start['restart_first_page_s']:.1f} s"
                )
                wait_ready(proc, url, started, warm=True)
            out = {page: measure(client, twin, views) for page, twin in twins.items()}
            for r in out.values():
                if r["status"] == 200:
                    after_changes(client, r)
            return out
    finally:
        proc.terminate()
        proc.wait()


def report_results(
    args: argparse.Namespace, results: list[dict[str, Any]], start: dict[str, Any]
) -> None:
    header = (
        f"{'page':<36}{'kind':<6}{'first ms':>9}{'p50 ms':>8}{'p95 ms':>8}"
        f"{'changed ms':>11}  target"
    )
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
            worst = max(m["first_ms"], m["warm_p95_ms"], m["after_change_max_ms"])
            ok = "ok" if worst < TARGET_MS else "MISSED"
            name = m["url"] if kind == "page" else "  " + m["url"].split("?")[0]
            print(
                f"{name[:35]:<36}{kind:<6}{m['first_ms']:>9.0f}{m['warm_median_ms']:>8.1f}"
                f"{m['warm_p95_ms']:>8.1f}{m['after_change_max_ms']:>11.0f}  {ok}"
            )
    warmup_s = start.get("warmup_s")
    if warmup_s is not None:
        print(
            f"first page {start['first_page_s']:.1f} s after start (target 2 s; nothing stored "
            f"for its day yet), {start['restart_first_page_s']:.1f} s after a restart (the rows "
            f"the first server stored); every default page computed {warmup_s:.0f} s after start"
        )
    print(
        f"server peak memory {start['peak_rss_mb']:.0f} MB (target 2048); an import of "
        f"{start['import']['rows']} rows visible after {start['import']['visible_s']:.1f} s"
        " (target 2 s)"
    )
    if missing:
        print("not measured:", ", ".join(missing))
    if args.skip:
        print("skipped:", ", ".join(args.skip))
    report = {
        "benchmark": "web_pages",
        "scale": args.scale,
        "views": args.views,
        "warm_start": not args.cold,
        "warmup_s": warmup_s,
        "start": start,
        "target_ms": TARGET_MS,
        "machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, load {os.getloadavg()[0]:.1f}",
        "date": date.today().isoformat(),
        "results": results,
        "missing": missing,
        "skipped": args.skip,
    }
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"web_pages-scale{args.scale:g}{'-cold' if args.cold else ''}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
