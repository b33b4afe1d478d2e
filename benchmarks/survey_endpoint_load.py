"""The public survey response endpoint under load from a second process on loopback.

    python benchmarks/survey_endpoint_load.py --endpoint widget --invitations 30000
    python benchmarks/survey_endpoint_load.py --base results/work/suite-scale1-seed7.duckdb

Setup (this process): a workspace with ``--invitations`` more customers (a fresh one, or a copy
of ``--base``, such as the suite's scale-1 workspace with its million answers), a one-question
NPS survey sent to all of them (real invitations through ``send_to_segment``), and a signed
link for each. The server (``--serve``: its own process, as `cxpulse serve` runs the app)
answers; the client (``--client``: another process, a small asyncio HTTP/1.1 client: httpx's
own cost capped it at 175 requests/s) posts one answer per link with ``--concurrency`` requests
in flight on keep-alive connections for ``--duration`` seconds, through either endpoint:

- ``link``: ``POST /s/{token}`` with the form an email's survey page sends (HTML answer);
- ``widget``: ``POST /public/widget/answer`` with the JSON the web widget sends.

The public endpoints are rate-limited per client address (20/s); here every request comes
from 127.0.0.1 while it stands for thousands of customers, so the benchmark server lifts that
limit. Reported: responses per second, latency p50/p90/p99/max, errors; then, with the server
stopped, every answer that got a 200 must be in ``survey_responses`` with its score (no loss).
``--profile`` samples the server with py-spy during the run and prints where its time goes.
Target (issue 7): at least 1,000 responses/s with p99 under 100 ms.
Results: ``benchmarks/results/survey_endpoint_load-{endpoint}[-base].json``.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import start_server

RESULTS = Path(__file__).parent / "results"
NOW = datetime(2026, 11, 2, 9, 30)  # the server's fixed clock (UTC)
SURVEY = """
id: pulse
name: Pulse
touchpoint: relationship
priority: 1
trigger: {every: 365 days}
questions:
  - id: recommend
    type: nps
    text: {en: "Would you recommend us?", fr: "Nous recommanderiez-vous ?"}
"""
ORIGIN = "https://shop.example"  # the widget's page, allowed in widget_origins
FORM = "application/x-www-form-urlencoded"


# -- setup -------------------------------------------------------------------------------------
def prepare(folder: Path, count: int, base: Path | None = None) -> tuple[Path, list[str]]:
    """A workspace (fresh, or a copy of ``base``) with ``count`` open invitations of load
    customers, and their signed links."""
    import ibis

    from cxpulse import Workspace, schema
    from cxpulse.store.migrations import SURVEY_DELIVERIES_TABLE
    from cxpulse.surveys.links import sign
    from cxpulse.surveys.manual import send_to_segment
    from cxpulse.surveys.store import add_survey, link_secret

    path = folder / "load.duckdb"
    if base is not None:
        shutil.copyfile(base, path)
    opened = Workspace.open(path) if base else Workspace.init(path, timezone="Europe/Paris")
    with opened as ws:
        tab = schema.table("customers")
        rows = [
            {c: None for c in tab.names}
            | {
                "customer_id": f"LOAD{i:07d}",
                "email": f"c{i}@example.com",
                "email_consent": True,
                "plan": "load-test",
                "language": "fr" if i % 3 == 0 else "en",
                "created_at": datetime(2024, 1, 1),
                "source": "bench",
            }
            for i in range(count)
        ]
        frame = ibis.memtable(rows, schema=ibis.schema(tab.ibis_schema()))
        ws.store.con.insert("customers", frame)
        survey_file = folder / "pulse.yaml"
        survey_file.write_text(SURVEY, encoding="utf-8")
        add_survey(ws, survey_file, NOW - timedelta(days=1))
        report = send_to_segment(ws, "pulse", {"plan": "load-test"}, NOW - timedelta(hours=1))
        if report.invited != count:
            raise SystemExit(f"only {report.invited} of {count} customers were invited")
        ws.set_setting("widget_origins", ORIGIN)
        d = ws.store.table(SURVEY_DELIVERIES_TABLE)
        ids = sorted(set(d.invitation_id.execute().astype(str)))
        secret = link_secret(ws, NOW)
        tokens = [sign(secret, inv, NOW + timedelta(days=30)) for inv in ids]
    return path, tokens


# -- server ------------------------------------------------------------------------------------
def serve(path: str, port: int) -> None:
    import uvicorn

    from cxpulse import Workspace
    from cxpulse.web.app import create_app
    from cxpulse.web.ratelimit import RateLimiter

    with Workspace.open(path) as ws:
        app = create_app(ws, clock=lambda: NOW)
        # one loopback address stands for every customer: lift the per-address limit
        app.state.cx.public_limiter = RateLimiter(1e9, 10**9)
        uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


# -- client (its own process) ------------------------------------------------------------------
def score_of(i: int) -> int:
    return i % 11


class Connection:
    """One keep-alive HTTP/1.1 connection over asyncio streams. httpx's AsyncClient costs
    about 2.5 ms of CPU a request: against a trivial endpoint it managed 175 requests/s with
    32 in flight on this 2-core machine, so it measured itself, not the server. This client
    sends a prepared request and reads the status line, headers and Content-Length body."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes, content_type: str, extra: str = "") -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n{extra}\r\n"
        )
        self.writer.write(head.encode() + body)
        header = await self.reader.readuntil(b"\r\n\r\n")
        lines = header.split(b"\r\n")
        status = int(lines[0].split()[1])
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def request_for(endpoint: str, token: str, score: int) -> tuple[str, bytes, str, str]:
    """(path, body, content type, extra headers) of one answer, as a browser would send it."""
    if endpoint == "link":
        return f"/s/{token}", f"score.recommend={score}".encode(), FORM, ""
    body = json.dumps({"token": token, "answers": {"recommend": {"score": score}}}).encode()
    return "/public/widget/answer", body, "application/json", f"Origin: {ORIGIN}\r\n"


async def load(
    url: str, endpoint: str, tokens: list[str], concurrency: int, duration: float
) -> dict[str, Any]:
    host, _, port = url.removeprefix("http://").partition(":")
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(len(tokens)):
        queue.put_nowait(i)
    latencies: list[float] = []
    statuses: collections.Counter[int] = collections.Counter()
    ok: list[int] = []

    async def worker() -> None:
        conn = Connection(host, int(port))
        try:
            while time.perf_counter() < deadline:
                try:
                    i = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                request = request_for(endpoint, tokens[i], score_of(i))
                start = time.perf_counter()
                try:
                    status = await conn.post(*request)
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    conn.close()
                    conn = Connection(host, int(port))
                    status = 0
                latencies.append(time.perf_counter() - start)
                statuses[status] += 1
                if status == 200:
                    ok.append(i)
        finally:
            conn.close()

    start = time.perf_counter()
    deadline = start + duration
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    return {"elapsed_s": elapsed, "latencies_s": latencies, "statuses": statuses, "ok": ok}


def client_main(args: argparse.Namespace) -> None:
    tokens = json.loads(Path(args.tokens).read_text())
    result = asyncio.run(load(args.client, args.endpoint, tokens, args.concurrency, args.duration))
    result["statuses"] = {str(k): v for k, v in result["statuses"].items()}
    Path(args.out).write_text(json.dumps(result))


# -- check and report --------------------------------------------------------------------------
def stored_scores(path: Path) -> dict[str, int]:
    from cxpulse import Workspace

    with Workspace.open(path) as ws:
        r = ws.table("survey_responses")
        r = r.filter((r.source == "cxpulse-survey") & r.customer_id.startswith("LOAD"))
        frame = r.select("invitation_id", "score").execute()
    return {str(a): int(b) for a, b in zip(frame.invitation_id, frame.score, strict=True)}


def quantile(sorted_ms: list[float], q: float) -> float:
    return statistics.quantiles(sorted_ms, n=1000, method="inclusive")[round(q * 1000) - 1]


def spy_exe() -> str:
    beside = Path(sys.executable).parent / "py-spy"  # pip installs it next to the interpreter
    found = shutil.which("py-spy") or (str(beside) if beside.exists() else None)
    if found is None:
        raise SystemExit("--profile needs py-spy: pip install py-spy")
    return found


def profile_summary(raw: Path, top: int = 18) -> list[tuple[float, str]]:
    """Share of samples in which each cxpulse/ibis/duckdb/starlette frame appears."""
    counts: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        total += int(n)
        for frame in set(stack.split(";")):
            if any(k in frame for k in ("cxpulse/", "ibis/", "duckdb", "jinja2/", "starlette/")):
                counts[frame] += int(n)
    return [(100 * c / max(total, 1), f) for f, c in counts.most_common(top)]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--endpoint", choices=("link", "widget"), default="link")
    parser.add_argument("--invitations", type=int, default=30000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--base", type=Path, help="a DuckDB workspace to copy and add to")
    parser.add_argument(
        "--duration",
        type=float,
        default=20.0,
        help="seconds of load (or until every link answered)",
    )
    parser.add_argument("--profile", action="store_true", help="sample the server with py-spy")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--client", help=argparse.SUPPRESS)
    parser.add_argument("--tokens", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port)
        return
    if args.client:
        client_main(args)
        return

    folder = Path(tempfile.mkdtemp(prefix="cxpulse-load-"))
    try:
        run(args, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(args: argparse.Namespace, folder: Path) -> None:
    start = time.perf_counter()
    path, tokens = prepare(folder, args.invitations, args.base)
    print(
        f"{len(tokens):,} invitations and links ready in {time.perf_counter() - start:.1f} s",
        flush=True,
    )
    tokens_file = folder / "tokens.json"
    tokens_file.write_text(json.dumps(tokens))
    out = folder / "client.json"
    proc, url = start_server(__file__, path)
    spy = None
    try:
        if args.profile:
            spy = subprocess.Popen(
                [spy_exe(), "record", "--pid", str(proc.pid), "-r",
                 "200", "-f", "raw", "-o", str(folder / "server.raw"), "--nonblocking"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            time.sleep(1)
        subprocess.run(
            [sys.executable, __file__, "--client", url, "--endpoint", args.endpoint, "--tokens",
             str(tokens_file), "--concurrency", str(args.concurrency), "--out", str(out),
             "--duration", str(args.duration)],
            check=True,
        )  # fmt: skip
    finally:
        if spy is not None:
            spy.send_signal(2)  # SIGINT: py-spy writes what it sampled
            spy.wait(timeout=60)
        proc.terminate()
        proc.wait()
    result = json.loads(out.read_text())
    report(args, tokens, result, path, folder / "server.raw" if args.profile else None)


def report(
    args: argparse.Namespace,
    tokens: list[str],
    result: dict[str, Any],
    path: Path,
    raw: Path | None,
) -> None:
    lat = sorted(1000 * x for x in result["latencies_s"])
    sent = len(lat)
    rate = sent / result["elapsed_s"]
    p50, p90, p99 = (quantile(lat, q) for q in (0.5, 0.9, 0.99))
    stored = stored_scores(path)
    invitation = [t.rsplit(".", 2)[0] for t in tokens]
    lost = [i for i in result["ok"] if stored.get(invitation[i]) != score_of(i)]
    print(
        f"endpoint {args.endpoint}: {sent:,} answers with {args.concurrency} in flight in "
        f"{result['elapsed_s']:.1f} s: {rate:,.0f} responses/s"
    )
    print(
        f"latency ms: p50 {p50:.1f}  p90 {p90:.1f}  p99 {p99:.1f}  max {lat[-1]:.1f}; "
        f"statuses {result['statuses']}"
    )
    print(
        f"stored: {len(stored):,} responses; answered with 200: {len(result['ok']):,}; "
        f"lost: {len(lost)}"
    )
    target = rate >= 1000 and p99 < 100
    print(f"target (>= 1,000/s, p99 < 100 ms): {'met' if target else 'MISSED'}")
    hot = profile_summary(raw) if raw and raw.exists() else []
    if hot:
        print("server time (share of samples in which the frame appears):")
        for share, frame in hot:
            print(f"  {share:5.1f}%  {frame}")
    RESULTS.mkdir(exist_ok=True)
    suffix = "-base" if args.base else ""
    out = RESULTS / f"survey_endpoint_load-{args.endpoint}{suffix}.json"
    out.write_text(
        json.dumps(
            {
                "benchmark": "survey_endpoint_load",
                "endpoint": args.endpoint,
                "invitations": len(tokens),
                "base": str(args.base) if args.base else None,
                "concurrency": args.concurrency,
                "responses_per_s": rate,
                "latency_ms": {"p50": p50, "p90": p90, "p99": p99, "max": lat[-1]},
                "statuses": result["statuses"],
                "answered_ok": len(result["ok"]),
                "stored": len(stored),
                "lost": len(lost),
                "target_met": target,
                "profile": [{"share_pct": s, "frame": f} for s, f in hot],
                "machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
                f"Python {platform.python_version()}",
                "date": date.today().isoformat(),
            },
            indent=2,
        )
        + "\n"
    )
    print(f"written to {out}")
    if lost:
        raise SystemExit(f"{len(lost)} answers that got a 200 are not stored")


if __name__ == "__main__":
    main()
