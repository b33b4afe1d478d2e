"""Log in, log out, and the language switch (remembered for the user, or in a cookie)."""

from __future__ import annotations

import math
import secrets
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cxpulse.accounts.passwords import same_secret
from cxpulse.accounts.sessions import close_session, open_session
from cxpulse.accounts.users import authenticate, update_user
from cxpulse.schema import LANGUAGES
from cxpulse.web.render import page
from cxpulse.web.security import (
    LANG_COOKIE,
    SESSION_COOKIE,
    CsrfFailed,
    LoginRequired,
    Principal,
    client_address,
    current_principal,
)
from cxpulse.web.state import WebState, get_state

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "cxpulse_login_csrf"
DEVICE_COOKIE = "cxpulse_device"  # this browser logged in before (web/login_throttle.py)
DEVICE_DAYS = 30
State = Annotated[WebState, Depends(get_state)]


def _safe_next(target: str | None) -> str:
    r"""Only a path on this site: an open redirect would let a phishing link borrow our login.

    Browsers read a backslash as a slash and drop tabs and newlines from an address, so
    ``/\evil.example`` and ``/<TAB>/evil.example`` would leave the site as ``//evil.example``
    does: an address holding either is refused too."""
    if not target or any(c == "\\" or ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> Response:
    token = secrets.token_urlsafe(24)
    response = page(request, "login.html", None, login_csrf=token, next=_safe_next(next))
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request)
    )
    return response


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    state: State,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    # double submit: a cross-site form cannot read our cookie to copy it into the field
    if not same_secret(csrf_token, request.cookies.get(LOGIN_CSRF_COOKIE, "")):
        raise CsrfFailed
    throttle = state.login_throttle
    attempt, wait = throttle.start(
        client_address(request), username, request.cookies.get(DEVICE_COOKIE)
    )
    if wait:
        refused = page(
            request,
            "login.html",
            None,
            status_code=429,
            error="Too many attempts; wait a few minutes and try again.",
            login_csrf=csrf_token,
            next=_safe_next(next),
        )
        refused.headers["retry-after"] = str(math.ceil(wait))
        return refused
    with state.workspace() as ws:
        user = authenticate(ws, username, password)
        session = open_session(ws, user, state.now()) if user else None
    if session is None:
        throttle.failed(attempt)
        return page(
            request,
            "login.html",
            None,
            status_code=401,
            error="Wrong user name or password.",
            login_csrf=csrf_token,
            next=_safe_next(next),
        )
    device = throttle.succeeded(attempt)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session.session_id,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        max_age=int((session.expires_at - state.now()).total_seconds()),
    )
    response.set_cookie(
        DEVICE_COOKIE,
        device,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        max_age=DEVICE_DAYS * 86400,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


def _check(principal: Principal, csrf_token: str) -> None:
    if not same_secret(csrf_token, principal.csrf_token):
        raise CsrfFailed


@router.post("/logout")
def logout(
    request: Request,
    state: State,
    principal: Annotated[Principal | None, Depends(current_principal)],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    if principal is not None and principal.via == "session":
        _check(principal, csrf_token)
        with state.workspace() as ws:
            close_session(ws, request.cookies.get(SESSION_COOKIE, ""), state.now())
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.post("/language")
def set_language(
    state: State,
    principal: Annotated[Principal | None, Depends(current_principal)],
    language: Annotated[str, Form()] = "en",
    next: Annotated[str, Form()] = "/",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    if principal is None:  # only logged-in pages offer the switch (public pages follow the
        raise LoginRequired  # customer's browser language)
    lang = language if language in LANGUAGES else "en"
    if principal.via == "session":
        _check(principal, csrf_token)
        with state.workspace() as ws:
            update_user(ws, principal.name, now=state.now(), language=lang)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(LANG_COOKIE, lang, samesite="lax", max_age=365 * 86400)
    return response
