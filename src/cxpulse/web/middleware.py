"""What every request goes through, as one plain ASGI middleware (Starlette's
``BaseHTTPMiddleware`` costs a task and a stream per request: measurable on the survey
endpoint under load).

- A NUL (%00) in the path or query string is refused with 400: Ibis inlines filter values
  into SQL and DuckDB's parser ends a string literal at a NUL, so it would be a 500 (found by
  the schemathesis run). No legitimate address holds one.
- Security headers on every answer (Content-Security-Policy: no inline script, nothing from
  another origin).
- A successful request (answered below 400) that changes data marks cached results stale,
  hard or soft as :mod:`cxpulse.web.writes` says for its route; a request with
  ``Cache-Control: no-cache`` gets nothing stale (:data:`cxpulse.web.cache.FRESH`).
- Every request but health checks and static files is counted while it is answered
  (:class:`cxpulse.web.viewers.InFlight`): the warm-up waits for a quiet moment.
"""

from __future__ import annotations

import json
from typing import Protocol
from urllib.parse import unquote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cxpulse.web.cache import FRESH
from cxpulse.web.viewers import InFlight
from cxpulse.web.writes import Effect, effect, refused

# No inline script, nothing from another origin; ECharts sets inline styles on its canvas.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)


class Invalidate(Protocol):
    def __call__(self, *, soft: bool = False, purge: bool = False) -> None: ...


class EdgeMiddleware:
    def __init__(
        self, app: ASGIApp, on_write: Invalidate, in_flight: InFlight | None = None
    ) -> None:
        self.app = app
        self.on_write = on_write
        self.in_flight = in_flight

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode("latin-1")
        if "\x00" in scope["path"] or "\x00" in unquote(query):
            body = json.dumps(
                {"error": "invalid request", "detail": "the address holds a NUL character (%00)"}
            ).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 400,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                        *HEADERS,
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in HEADERS if k not in present]
                message["headers"] = [*message.get("headers", []), *extra]
                if message["status"] < 400 and not refused(scope):
                    change = effect(scope["method"], scope["path"])
                    if change is not Effect.NONE:
                        self.on_write(soft=change is Effect.SOFT, purge=change is Effect.PURGE)
            await send(message)

        counted = self.in_flight if self.in_flight and InFlight.counts(scope["path"]) else None
        if counted is not None:
            counted.enter()
        token = FRESH.set(True) if _no_cache(scope) else None
        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            if token is not None:
                FRESH.reset(token)
            if counted is not None:
                counted.leave()


def _no_cache(scope: Scope) -> bool:
    """The request says ``Cache-Control: no-cache`` (or ``Pragma: no-cache``): it wants what
    is stale computed again, not served while refreshed (an API client reading its writes)."""
    for name, value in scope.get("headers", ()):
        if name in (b"cache-control", b"pragma") and b"no-cache" in value.lower():
            return True
    return False
