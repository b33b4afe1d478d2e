"""Real receivers for the automation tests: aiosmtpd (from the survey tests) and an HTTP
server on a free port that records webhooks and can answer 500 first."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.surveys.test_email import inbox  # noqa: F401  (the SMTP fixture, reused)


class Hooks:
    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.fail_next: list[int] = []  # statuses to answer before accepting
        self.url = ""


@pytest.fixture
def hooks() -> Iterator[Hooks]:
    box = Hooks()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status = box.fail_next.pop(0) if box.fail_next else 200
            if status == 200:
                box.received.append({"path": self.path, "key": self.headers["X-Cxpulse-Delivery"],
                                     "body": json.loads(body)})  # fmt: skip
            self.send_response(status)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet tests

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    box.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield box
    finally:
        server.shutdown()
        server.server_close()
