"""The PostgreSQL promise, all at once: serve with its worker, two more workers, two imports of
the same files and API ingests on one database for a bounded time.

First a crash: a worker starts alone and is killed (SIGKILL) while it sends (the SMTP server
takes 0.2 s a message), its claimed messages left ``sending``. Then everything runs at once;
at the end a worker acting 6 minutes later takes the crashed worker's stale claims again.

Afterwards: no natural key stored twice in any table; every queued message delivered (a real
SMTP server, a real HTTP receiver) once per key, a second copy only of a message delivered
before the crash, with the same key; the count of temporary relations flat while it ran; no
error in any process's log. The figures are printed (``pytest -s``) for the notes.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from cxpulse import Workspace, schema
from tests.automations.conftest import Hooks
from tests.postgres.test_workers import busy_workspace
from tests.surveys.test_email import Inbox, free_port, smtp_server

RUN_SECONDS = 30.0  # everything at once for this long
SURVEYED, DETRACTORS, PROMOTERS = 40, 20, 10
FILE_CUSTOMERS, FILE_RESPONSES = 2000, 3000
TICK = "2"  # seconds between worker ticks
# a line of a log that says something went wrong ("0 failed" in a tick's summary does not)
PROBLEM = re.compile(r"Traceback|\bERROR\b|Error:|FATAL|failed:|\b[1-9]\d* failed|error ignored")

pytestmark = pytest.mark.slow


class SlowInbox(Inbox):
    """An SMTP server taking 0.2 s a message: a worker is caught in the middle of sending."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(0.2)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow_inbox() -> Iterator[tuple[Inbox, int]]:
    with smtp_server(SlowInbox()) as served:
        yield served


def files(tmp: Path) -> tuple[Path, Path]:
    customers = tmp / "customers.csv"
    customers.write_text(
        "customer_id,created_at,segment\n"
        + "".join(f"f{i:05d},2025-0{1 + i % 9}-15,smb\n" for i in range(FILE_CUSTOMERS))
    )
    responses = tmp / "responses.csv"
    responses.write_text(  # passives (7-8): no rule fires on them, the messages stay known
        "response_id,customer_id,question_type,score,responded_at\n"
        + "".join(
            f"r{i:05d},f{i % FILE_CUSTOMERS:05d},nps,{7 + i % 2},2025-06-{1 + i % 28:02d}\n"
            for i in range(FILE_RESPONSES)
        )
    )
    return customers, responses


class Processes:
    """cxpulse commands as real processes, each writing its output to a log file."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "cxpulse", *args], stdout=log, stderr=subprocess.STDOUT,
            env=self.env,
        )  # fmt: skip
        self.running[name] = proc
        return proc

    def stop(self) -> None:
        for proc in self.running.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        for proc in self.running.values():
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")


def temporary_relations(url: str) -> int:
    with psycopg.connect(url) as con:
        row = con.execute("SELECT count(*) FROM pg_class WHERE relpersistence = 't'").fetchone()
    assert row is not None
    return int(row[0])


def token(url: str, procs: Processes) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "cxpulse", "token", "create", "ci", "--scopes", "ingest",
         "-w", url], capture_output=True, text=True, env=procs.env, check=True, timeout=120,
    )  # fmt: skip
    found = re.search(r"\b(cxp_\S+|[A-Za-z0-9_-]{30,})\b", done.stdout)
    assert found, done.stdout
    return found[1]


def wait_for(url: str, seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} did not answer in {seconds} s")


def crash_while_sending(procs: Processes, url: str, box: Inbox, hooks: Hooks) -> set[str]:
    """Start a worker alone, kill it once it has claimed messages and sent a few; return the
    keys delivered by then (a message on its way may arrive just after the kill)."""
    crashed = procs.start("crashed", "worker", "-w", url, "--interval", TICK)
    end = time.monotonic() + 120
    with psycopg.connect(url, autocommit=True) as con:
        while time.monotonic() < end:
            row = con.execute("SELECT count(*) FROM automation_outbox WHERE status = 'sending'")
            sending = row.fetchone()
            if sending and sending[0] > 0 and len(box.messages) >= 3:
                break
            time.sleep(0.05)
        else:
            raise AssertionError("the worker sent nothing in 2 minutes: " + procs.log("crashed"))
    crashed.kill()  # SIGKILL: no cleanup, its claims left as they were
    crashed.wait()
    time.sleep(1)
    return {str(m["X-Cxpulse-Delivery"]) for m in box.messages} | {
        str(h["key"]) for h in hooks.received
    }


def ingest(base: str, secret: str, stop: threading.Event, sent: list[int], errors: list[str]):
    """POST batches of survey responses until ``stop``: each batch new ids and, again, the
    previous batch's (written unchanged: the upsert path)."""
    batch, previous = 0, []
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {secret}"}) as http:
        while not stop.is_set():
            rows = [
                {"response_id": f"a{batch:04d}-{i}", "customer_id": f"f{i:05d}",
                 "question_type": "nps", "score": 7 + i % 2, "responded_at": "2025-07-01"}
                for i in range(20)
            ]  # fmt: skip
            answer = http.post("/api/v1/ingest/survey_responses", json=rows + previous, timeout=60)
            if answer.status_code != 200:
                errors.append(f"{answer.status_code} {answer.text[:300]}")
            sent.append(len(rows))
            previous, batch = rows, batch + 1


def test_serve_workers_imports_and_api_at_once(
    pg_url: str, tmp_path: Path, slow_inbox: tuple[Inbox, int], hooks: Hooks
) -> None:
    started = time.monotonic()
    box, smtp_port = slow_inbox
    t0 = datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=25, minutes=2)
    with Workspace.init(pg_url) as ws:
        busy_workspace(
            ws, tmp_path, smtp_port, hooks.url, t0=t0,
            counts=(SURVEYED, DETRACTORS, PROMOTERS), prefix="p",
        )  # fmt: skip
    customers, responses = files(tmp_path)
    logs = tmp_path / "logs"
    logs.mkdir()
    procs = Processes(logs)
    secret = token(pg_url, procs)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    crashed = crash_while_sending(procs, pg_url, box, hooks)
    procs.start("serve", "serve", "-w", pg_url, "--port", str(port), "--worker-interval", TICK,
                "--no-warm")  # fmt: skip
    wait_for(base)
    for n in (1, 2):
        procs.start(f"worker{n}", "worker", "-w", pg_url, "--interval", TICK)
    stop, sent, api_errors = threading.Event(), [], []
    api = threading.Thread(target=ingest, args=(base, secret, stop, sent, api_errors))
    api.start()
    samples: list[int] = []
    imports = []
    begin = time.monotonic()
    while time.monotonic() - begin < RUN_SECONDS:
        elapsed = time.monotonic() - begin
        if not imports and elapsed > 2:  # each file twice, at the same moment
            for n, (path, table) in enumerate([(customers, "customers")] * 2
                                              + [(responses, "survey_responses")] * 2):  # fmt: skip
                imports.append(procs.start(f"import{n}", "import", str(path), "--table", table,
                                           "-w", pg_url))  # fmt: skip
        samples.append(temporary_relations(pg_url))
        time.sleep(0.5)
    stop.set()
    api.join(timeout=120)
    for proc in imports:
        proc.wait(timeout=300)
    procs.stop()
    # what the killed worker had claimed is taken again once its claim is stale (5 minutes)
    later = (datetime.now(UTC) + timedelta(minutes=6)).replace(tzinfo=None)
    settle = procs.start("settle", "worker", "--once", "-w", pg_url, "--now", later.isoformat())
    assert settle.wait(timeout=300) == 0, procs.log("settle")
    wall = time.monotonic() - started

    # -- no natural key stored twice, in any table ------------------------------------------
    rows: dict[str, int] = {}
    with psycopg.connect(pg_url) as con:
        for name, tab in {**schema.TABLES, **schema.OPERATIONAL}.items():
            if tab.key is None:
                continue
            total, distinct = con.execute(  # type: ignore[misc]
                f'SELECT count(*), count(DISTINCT "{tab.key}") FROM "{name}"'
            ).fetchone()
            assert total == distinct, f"{name}: {total} rows for {distinct} keys"
            rows[name] = total
        statuses = dict(con.execute(  # type: ignore[arg-type]
            "SELECT status, count(*) FROM automation_outbox GROUP BY status"
        ).fetchall())  # fmt: skip
        queued = [k for (k,) in con.execute("SELECT outbox_key FROM automation_outbox")]
    people = SURVEYED + DETRACTORS + PROMOTERS
    assert rows["customers"] == people + FILE_CUSTOMERS
    assert rows["survey_responses"] == DETRACTORS + PROMOTERS + FILE_RESPONSES + sum(sent)

    # -- every queued message delivered, once per key ------------------------------------
    assert statuses == {"sent": SURVEYED + DETRACTORS + PROMOTERS}, statuses
    emails = Counter(str(m["X-Cxpulse-Delivery"]) for m in box.messages)
    posts = Counter(str(h["key"]) for h in hooks.received)
    delivered = emails + posts
    assert set(delivered) == set(queued)
    again = {key: n for key, n in delivered.items() if n > 1}
    assert all(n == 2 for n in again.values()), again
    assert set(again) <= crashed, again  # only messages the crashed worker had sent

    # -- temporary relations flat; no error in any log ---------------------------------------
    half = len(samples) // 2
    assert max(samples) <= 12, samples
    assert max(samples[half:]) <= max(samples[:half]) + 4, samples
    assert api_errors == []
    for name in procs.running:
        if name == "crashed":  # killed: its log ends where it stopped
            continue
        said = procs.log(name)
        bad = [line for line in said.splitlines() if PROBLEM.search(line)]
        assert bad == [], f"{name}: {bad[:5]}"
    print(
        json.dumps(
            {"wall_seconds": round(wall, 1), "rows": rows, "api_batches": len(sent),
             "emails": sum(emails.values()), "webhooks": sum(posts.values()),
             "outbox_keys": len(queued), "sent_before_the_crash": len(crashed),
             "sent_twice_after_crash": len(again),
             "temporary_relations": {"max": max(samples), "samples": len(samples),
                                     "first_half_max": max(samples[:half]),
                                     "second_half_max": max(samples[half:])},
             "load": os.getloadavg()},
            indent=1,
        )
    )  # fmt: skip
