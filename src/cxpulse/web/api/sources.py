"""/api/v1/sources: live sources for admins (list, add, sync now, remove), every change audited.

What a source shows never holds its token: only where the token is read (an environment
variable or a secrets file on the server), and a base URL with any password masked. A sync
waits for the vendor without the workspace lock; each page is written under it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from cxpulse.accounts import audit
from cxpulse.accounts.users import Permission
from cxpulse.errors import ConfigError
from cxpulse.sources import add_source, list_sources, remove_source, sync_source
from cxpulse.sources.connectors import CONNECTORS
from cxpulse.sources.definitions import DEFAULT_SCHEDULE_MINUTES
from cxpulse.sources.secrets import reference
from cxpulse.web.security import Principal, require
from cxpulse.web.state import WebState, get_state
from cxpulse.web.utc import UtcDateTime

router = APIRouter(prefix="/api/v1", tags=["sources"])
Admin = Annotated[Principal, Depends(require(Permission.admin))]
State = Annotated[WebState, Depends(get_state)]


class SourceOut(BaseModel):
    name: str
    connector: str
    options: dict[str, str]
    token_from: str
    schedule_minutes: int
    cursor: dict[str, Any]
    added_at: UtcDateTime
    last_sync_at: UtcDateTime | None
    last_status: str | None
    rows: int
    last_error: str | None
    last_report: dict[str, Any] | None


class SourceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    connector: str = Field(examples=["zendesk"])
    name: str = Field(min_length=1, max_length=63, examples=["support"])
    options: dict[str, str] = Field(
        examples=[{"subdomain": "acme", "email": "admin@acme.com"}],
        description="The connector's options: "
        + "; ".join(
            f"{c.name}: {', '.join(o.name for o in c.options) or 'none'}"
            for c in CONNECTORS.builtins()
        )
        + ".",
    )
    token_env: str | None = Field(default=None, examples=["ZENDESK_TOKEN"])
    token_file: str | None = Field(default=None, description="A secrets file on the server...")
    token_key: str | None = Field(default=None, description="...and the token's key in it.")
    schedule_minutes: int = Field(default=DEFAULT_SCHEDULE_MINUTES, ge=1)


class SyncIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    full: bool = False


def _shown(name: str, state: WebState) -> dict[str, Any]:
    with state.workspace() as ws:
        return next(s.shown() for s in list_sources(ws) if s.name == name)


@router.get(
    "/sources", summary="Every live source and its last sync", response_model=list[SourceOut]
)
def sources(principal: Admin, state: State) -> list[dict[str, Any]]:
    with state.workspace() as ws:
        return [s.shown() for s in list_sources(ws)]


@router.post("/sources", summary="Add a live source", response_model=SourceOut, status_code=201)
def add(body: SourceIn, principal: Admin, state: State) -> dict[str, Any]:
    # a file path or another API address would let a web admin send any server file's line or
    # environment variable to a host of their choosing: those stay with the CLI, whose user
    # is on the server already
    if body.token_file or "base_url" in body.options:
        raise ConfigError(
            "token_file and base_url are set with the CLI on the server "
            "(`cxpulse sources add ... --token-file` / `--base-url`), not through the API"
        )
    secret = reference(body.token_env, body.token_file, body.token_key)
    with state.workspace() as ws:
        now: datetime = state.now()
        source = add_source(ws, body.connector, body.name, dict(body.options), secret, now,
                            body.schedule_minutes)  # fmt: skip
        with ws.store.transaction():
            audit.record(ws, principal.name, "source.add", source.name, now,
                         connector=source.connector)  # fmt: skip
        return source.shown()


@router.post(
    "/sources/{name}/sync",
    summary="Sync a source now, from its cursor (full: from the start)",
    response_model=SourceOut,
)
def sync(name: str, principal: Admin, state: State, body: SyncIn | None = None) -> dict[str, Any]:
    full = body.full if body is not None else False
    sync_source(state.ws, name, full=full, now=state.now(), hold=lambda: state.lock)
    return _shown(name, state)


@router.delete(
    "/sources/{name}",
    summary="Remove a source and its cursor (the rows it wrote stay)",
    response_model=SourceOut,
)
def remove(name: str, principal: Admin, state: State) -> dict[str, Any]:
    with state.workspace() as ws:
        source = remove_source(ws, name)
        with ws.store.transaction():
            audit.record(ws, principal.name, "source.remove", name, state.now())
        return source.shown()
