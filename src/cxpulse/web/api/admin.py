"""/api/v1/users, /api/v1/tokens, /api/v1/audit: accounts for admins, every change audited.

A token's secret is in the answer that creates it and nowhere else (only its hash is stored).
The last enabled admin cannot be demoted or disabled, so the app always has someone to run it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from cxpulse.accounts import audit
from cxpulse.accounts.tokens import create_token, list_tokens, revoke_token
from cxpulse.accounts.users import (
    AccountError,
    Permission,
    Role,
    User,
    add_user,
    get_user,
    list_users,
    update_user,
)
from cxpulse.records import frame_records
from cxpulse.web.security import SESSION_COOKIE, Principal, require
from cxpulse.web.state import WebState, get_state
from cxpulse.web.utc import UtcDateTime

if TYPE_CHECKING:
    from cxpulse.workspace import Workspace

router = APIRouter(prefix="/api/v1", tags=["admin"])
Admin = Annotated[Principal, Depends(require(Permission.admin))]
State = Annotated[WebState, Depends(get_state)]
Language = Literal["en", "fr"]
Scope = Literal["read", "ingest", "admin"]


class UserOut(BaseModel):
    user_id: str
    role: Role
    language: str
    disabled: bool


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user_id: str = Field(min_length=2, max_length=64, examples=["kim@example.com"])
    password: str = Field(min_length=1, max_length=1000)
    role: Role
    language: Language = "en"


class UserPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role | None = None
    language: Language | None = None
    password: str | None = Field(default=None, min_length=1, max_length=1000)
    disabled: bool | None = None


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100, examples=["crm-sync"])
    scopes: list[Scope] = Field(min_length=1)


class TokenOut(BaseModel):
    token_id: str
    name: str
    scopes: str
    created_by: str | None
    created_at: UtcDateTime | None
    revoked_at: UtcDateTime | None
    last_used_at: UtcDateTime | None


class TokenCreated(BaseModel):
    token_id: str
    name: str
    scopes: list[str]
    secret: str = Field(description="send as `Authorization: Bearer SECRET`; shown only once")


class AuditEntry(BaseModel):
    at: UtcDateTime
    actor: str
    action: str
    subject: str
    detail: str | None


def _user(u: User) -> UserOut:
    return UserOut(user_id=u.user_id, role=u.role, language=u.language, disabled=u.disabled)


@router.get("/users", summary="Every user with role and language", response_model=list[UserOut])
def users(principal: Admin, state: State) -> list[UserOut]:
    with state.workspace() as ws:
        return [_user(u) for u in list_users(ws)]


@router.post("/users", summary="Create a user", response_model=UserOut, status_code=201)
def create_user(body: UserIn, principal: Admin, state: State) -> UserOut:
    with state.workspace() as ws, ws.store.transaction():
        user = add_user(
            ws, body.user_id, body.password, body.role.value, state.now(), language=body.language
        )
        audit.record(
            ws,
            principal.name,
            "user.add",
            user.user_id,
            state.now(),
            role=user.role.value,
            language=user.language,
        )
    return _user(user)


@router.patch(
    "/users/{user_id}",
    summary="Change a user's role, language, password or state",
    response_model=UserOut,
)
def patch_user(
    user_id: str, body: UserPatch, principal: Admin, state: State, request: Request
) -> UserOut:
    with state.workspace() as ws:
        try:
            before = get_user(ws, user_id)
        except AccountError:
            raise HTTPException(404, f"no user {user_id!r}") from None
        demoted = body.role is not None and body.role != Role.admin
        if before.role == Role.admin and (demoted or body.disabled) and _last_admin(ws, before):
            raise HTTPException(
                409, f"{before.user_id} is the last enabled admin; make another admin first"
            )
        with ws.store.transaction():
            # a new password, role or state ends the user's other sessions; an admin
            # changing their own keeps the session making the change
            own = principal.via == "session" and principal.name == before.user_id
            user = update_user(
                ws,
                user_id,
                now=state.now(),
                role=body.role.value if body.role else None,
                language=body.language,
                password=body.password,
                disabled=body.disabled,
                keep_session=request.cookies.get(SESSION_COOKIE) if own else None,
            )
            changed: dict[str, Any] = {
                k: v for k, v in body.model_dump(exclude_none=True).items() if k != "password"
            }
            if body.password is not None:
                changed["password"] = "changed"  # never the password itself
            audit.record(ws, principal.name, "user.update", user.user_id, state.now(), **changed)
    return _user(user)


def _last_admin(ws: Workspace, user: User) -> bool:
    admins = [u for u in list_users(ws) if u.role == Role.admin and not u.disabled]
    return [u.user_id for u in admins] == [user.user_id]


@router.get("/tokens", summary="API tokens (never their secrets)", response_model=list[TokenOut])
def tokens(principal: Admin, state: State) -> list[dict[str, Any]]:
    with state.workspace() as ws:
        return frame_records(list_tokens(ws), utc=True)


@router.post(
    "/tokens",
    summary="Create an API token; its secret is shown once",
    response_model=TokenCreated,
    status_code=201,
)
def new_token(body: TokenIn, principal: Admin, state: State) -> TokenCreated:
    with state.workspace() as ws, ws.store.transaction():
        token, secret = create_token(ws, body.name, list(body.scopes), principal.name, state.now())
        audit.record(
            ws,
            principal.name,
            "token.create",
            token.token_id,
            state.now(),
            name=token.name,
            scopes=list(token.scopes),
        )
    return TokenCreated(
        token_id=token.token_id, name=token.name, scopes=list(token.scopes), secret=secret
    )


@router.delete(
    "/tokens/{token_id}", summary="Revoke an API token (at once)", response_model=TokenOut
)
def revoke(token_id: str, principal: Admin, state: State) -> dict[str, Any]:
    with state.workspace() as ws:
        found = list_tokens(ws)
        if token_id not in set(found.token_id):
            raise HTTPException(404, f"no token {token_id!r}")
        with ws.store.transaction():
            revoke_token(ws, token_id, state.now())
            audit.record(ws, principal.name, "token.revoke", token_id, state.now())
        rows = frame_records(list_tokens(ws), utc=True)
    return next(r for r in rows if r["token_id"] == token_id)


@router.get("/audit", summary="The audit log, newest first", response_model=list[AuditEntry])
def audit_log(
    principal: Admin,
    state: State,
    subject: str | None = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 200,
) -> list[dict[str, Any]]:
    with state.workspace() as ws:
        return frame_records(audit.entries(ws, subject, limit), utc=True)
