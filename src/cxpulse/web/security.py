"""Who is calling: a browser session (cookie + CSRF token) or a machine (bearer API token).

Pages that need a login redirect to it; API routes answer 401/403 in JSON. Only the public
survey endpoints and the health check go without a principal.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from cxpulse.accounts.passwords import same_secret
from cxpulse.accounts.sessions import find_session
from cxpulse.accounts.tokens import verify_token
from cxpulse.accounts.users import Permission, Role
from cxpulse.web.state import WebState, get_state

SESSION_COOKIE = "cxpulse_session"
LANG_COOKIE = "cxpulse_lang"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class LoginRequired(Exception):
    """No valid session or token: 401 for the API, a redirect to /login for pages."""


class Forbidden(Exception):
    """Logged in, but the role or token scope does not allow this."""


class CsrfFailed(Exception):
    """A form or htmx request with a cookie session but without its CSRF token."""


@dataclass(frozen=True)
class Principal:
    name: str
    permissions: frozenset[Permission]
    via: str  # "session" or "token"
    role: Role | None = None
    language: str = "en"
    csrf_token: str = ""

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions


def identify(request: Request, state: WebState) -> Principal | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        with state.workspace() as ws:
            token = verify_token(ws, auth[7:].strip())
        if token is None:
            return None
        return Principal(f"token:{token.token_id}", token.permissions, "token")
    sid = request.cookies.get(SESSION_COOKIE)
    if not sid:
        return None
    with state.workspace() as ws:
        session = find_session(ws, sid, state.now())
    if session is None:
        return None
    user = session.user
    return Principal(
        user.user_id, user.permissions, "session", user.role, user.language, session.csrf_token
    )


async def _check_csrf(request: Request, principal: Principal) -> None:
    # bearer tokens are not sent by browsers on their own, so only cookie sessions need it
    if request.method in SAFE_METHODS or principal.via != "session":
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not same_secret(sent, principal.csrf_token):
        raise CsrfFailed


def current_principal(
    request: Request, state: Annotated[WebState, Depends(get_state)]
) -> Principal | None:
    """Sync on purpose: FastAPI runs it in the thread pool, so waiting for the workspace lock
    never blocks the event loop."""
    return identify(request, state)


def require(permission: Permission) -> Callable[..., Awaitable[Principal]]:
    """A dependency: the principal, when it holds ``permission`` (and a CSRF token for
    state-changing requests from a browser)."""

    async def dependency(
        request: Request, principal: Annotated[Principal | None, Depends(current_principal)]
    ) -> Principal:
        if principal is None:
            raise LoginRequired
        if not principal.can(permission):
            raise Forbidden
        await _check_csrf(request, principal)
        request.state.principal = principal
        return principal

    return dependency


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
