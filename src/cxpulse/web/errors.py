"""Errors at the web edge: library errors become 4xx with their message, never a traceback.

API routes (under /api) answer JSON ``{"error": ..., "detail": ...}``; pages answer a page in
the user's language. An unexpected exception is logged and answered 500 without details.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from cxpulse.errors import (
    CxpulseError,
    DiskFullError,
    ImportRejected,
    SourceBusyError,
    SourceError,
    UnknownMetricError,
    UnknownTableError,
    WebhookRejected,
    WorkspaceDamagedError,
    WorkspaceLockedError,
    WorkspacePermissionError,
    WorkspaceReadOnlyError,
)
from cxpulse.store.faults import storage_error
from cxpulse.web.queryparams import UnknownQueryParameter
from cxpulse.web.security import CsrfFailed, Forbidden, LoginRequired
from cxpulse.web.writes import mark_refused

log = logging.getLogger("cxpulse.web")


# the API's documentation is a page for people: a login redirect, not a JSON 401
PAGES_UNDER_API = frozenset({"/api/docs"})


def _is_api(request: Request) -> bool:
    path = request.url.path
    if path.startswith("/hooks/"):  # vendors' webhooks: machines, answered in JSON
        return True
    return path.startswith("/api/") and path not in PAGES_UNDER_API


def _here(request: Request) -> str:
    """The path and query string as the client sent them (still percent-encoded: a customer
    id holding ``?`` or ``&`` must come back as the same address)."""
    raw = request.scope.get("raw_path")
    path = raw.decode("latin-1") if raw else quote(request.url.path)
    return path + (f"?{request.url.query}" if request.url.query else "")


def _status(exc: CxpulseError) -> int:
    if isinstance(exc, (UnknownMetricError, UnknownTableError, LookupError)):
        return 404
    if isinstance(
        exc, (WorkspaceLockedError, WorkspaceDamagedError, DiskFullError, WorkspacePermissionError)
    ):
        return 503  # the server cannot serve this now; the message says why and what to do
    if isinstance(exc, WorkspaceReadOnlyError):
        return 409
    if isinstance(exc, WebhookRejected):
        return 401  # the sender could not prove it holds the source's signing secret
    if isinstance(exc, SourceBusyError):
        return 409  # a sync of this source is running: nothing failed, try again later
    if isinstance(exc, SourceError):
        return 502  # a vendor refused or failed: the message names the source and what to do
    return 422 if isinstance(exc, ImportRejected) else 400


ALL_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> list[str]:
    """Every method the address's route answers. Starlette's 405 names only the methods of
    the first route matching the path, and GET and POST on one address are two routes: it said
    ``Allow: GET`` where POST works too. The address belongs to the first route whose
    template matches it (``/api/v1/cases/metrics``, not ``/api/v1/cases/{case_id}``, which
    would read "metrics" as a case id): the methods are those of the routes of that template."""
    from cxpulse.web.routes import ROUTERS

    routes = [r for router in ROUTERS for r in router.routes if isinstance(r, APIRoute)]
    scope = {**request.scope, "method": "\x00"}  # no route takes it: a match is on the path
    template = next((r.path for r in routes if r.matches(scope)[0] != Match.NONE), None)
    methods = {m for r in routes if r.path == template for m in r.methods or ()}
    return [m for m in ALL_METHODS if m in methods]


def _error_page(request: Request, status: int, message: str) -> Response:
    from cxpulse.web.render import page

    principal = getattr(request.state, "principal", None)
    return page(request, "error.html", principal, status_code=status, message=message)


def install(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        mark_refused(request.scope)  # a page answers 303: not a change (see writes.py)
        if _is_api(request):
            return JSONResponse(
                {"error": "authentication required", "detail": "log in or send a bearer token"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        return RedirectResponse(f"/login?next={quote(_here(request), safe='/')}", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        if _is_api(request):
            return JSONResponse(
                {"error": "forbidden", "detail": "your role or token scope does not allow this"},
                status_code=403,
            )
        return _error_page(request, 403, "You do not have access to this page.")

    @app.exception_handler(CsrfFailed)
    async def csrf_failed(request: Request, exc: CsrfFailed) -> Response:
        return JSONResponse(
            {"error": "CSRF token missing or wrong", "detail": "reload the page and try again"},
            status_code=403,
        )

    @app.exception_handler(CxpulseError)
    async def library_error(request: Request, exc: CxpulseError) -> Response:
        status = _status(exc)
        if _is_api(request) or request.method not in {"GET", "HEAD"}:
            body: dict[str, object] = {"error": type(exc).__name__, "detail": str(exc)}
            if isinstance(exc, ImportRejected):
                body["problems"] = [p.as_dict() for p in exc.problems]
            if isinstance(exc, UnknownQueryParameter):
                body["unknown"] = exc.unknown
                body["accepted"] = exc.accepted
            return JSONResponse(body, status_code=status)
        return _error_page(request, status, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            {"where": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg", "")}
            for e in exc.errors()
        ]
        return JSONResponse({"error": "invalid request", "detail": problems}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request))
        if _is_api(request) or exc.status_code not in {404, 405}:
            return JSONResponse(
                {"error": str(exc.detail)}, status_code=exc.status_code, headers=headers
            )
        answer = _error_page(request, exc.status_code, "Page not found.")
        answer.headers.update(headers)
        return answer

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        # a damaged file or a full disk is not a bug: say what it is (the CLI's message)
        state = getattr(request.app.state, "cx", None)
        # through the server's own store: damage found here stops its later writes too
        known = state.ws.store.explain(exc) if state is not None else storage_error(exc, None)
        if known is not None:
            log.error("%s on %s %s: %s", type(known).__name__, request.method,
                      request.url.path, known)  # fmt: skip
            return await library_error(request, known)
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse({"error": "internal error; see the server log"}, status_code=500)
