"""What every local vendor API of the connector tests shares: the account's failure knobs, a
quiet handler that records each request, and a server on a free port.

A vendor's module (zendesk_server, stripe_server...) subclasses :class:`Account` with its data
and :class:`VendorHandler` with its routes; its ``serve`` is ``vendor_server.serve(account,
Handler)``. The knobs are the ones every sync test needs: ``throttle`` (answer 429 to that many
requests first), ``unavailable`` (then 503 to that many), ``hang_at`` (the request number that
waits until ``release`` is set, so a test can kill a sync mid-page).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Literal
from urllib.parse import parse_qs, urlsplit


@dataclass
class Account:
    """The failure knobs and request log of a fake vendor account."""

    throttle: int = 0
    unavailable: int = 0
    hang_at: int | None = None
    release: threading.Event = field(default_factory=threading.Event)
    requests: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def query(self, number: int) -> dict[str, list[str]]:
        """The query parameters of request ``number`` (0 the first), every value kept."""
        return parse_qs(urlsplit(self.requests[number]).query)


Arrival = Literal["ok", "throttled", "unavailable"]


class VendorHandler(BaseHTTPRequestHandler):
    """Records each request on the server's account and sends JSON."""

    server: VendorServer
    content_type = "application/json; charset=utf-8"
    extra_headers: ClassVar[dict[str, str]] = {}
    """Sent with every answer (Stripe's Request-Id)."""

    def log_message(self, *args: Any) -> None:  # quiet tests
        pass

    def arrive(self) -> Arrival:
        """Log the request, wait if the account says to hang here, and say whether the
        account's knobs throttle it or make the service unavailable (the vendor's handler
        checks authentication first, as the vendors do, then answers as it sees fit)."""
        account = self.server.account
        with account.lock:
            account.requests.append(self.path)
            number = len(account.requests)
            arrival: Arrival = "ok"
            if account.throttle > 0:
                account.throttle -= 1
                arrival = "throttled"
            elif account.unavailable > 0:
                account.unavailable -= 1
                arrival = "unavailable"
        if account.hang_at is not None and number >= account.hang_at:
            account.release.wait(60)
        return arrival

    def send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(data)))
        for k, v in {**self.extra_headers, **(headers or {})}.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)


class VendorServer(ThreadingHTTPServer):
    daemon_threads = True
    account: Any
    """The vendor module's own :class:`Account` subclass."""


@contextmanager
def serve(account: Account, handler: type[VendorHandler]) -> Iterator[str]:
    """Serve ``account`` with ``handler`` on a free local port; yields its base URL."""
    server = VendorServer(("127.0.0.1", 0), handler)
    server.account = account
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        account.release.set()  # a hanging request lets go, so shutdown does not wait on it
        server.shutdown()
        server.server_close()


def kill_mid_sync(
    account: Account, location: str, source: str, env: dict[str, str], at: int
) -> None:
    """Run `cxpulse sources sync SOURCE` in a subprocess, let the vendor hold request number
    ``at`` and ``kill -9`` the sync while it waits (no cleanup, no atexit): what it committed
    before stays, nothing after. ``env``: the token's variable."""
    import os
    import subprocess
    import sys
    import time

    account.hang_at = at
    run = subprocess.Popen(
        [sys.executable, "-m", "cxpulse", "sources", "sync", source, "-w", location],
        env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while len(account.requests) < at and time.monotonic() < deadline:
        assert run.poll() is None, run.communicate()
        time.sleep(0.05)
    run.kill()
    run.wait(30)
    account.hang_at = None
    account.release.set()
