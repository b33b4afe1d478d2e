"""API tokens for machines: shown once, stored hashed, scoped, revocable.

A token reads ``cxp_<id>_<secret>``; the id lets `cxpulse token list` and the audit log name a
token without anyone holding the secret.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import ibis
import pandas as pd

from cxpulse.accounts.passwords import token_hash
from cxpulse.accounts.users import AccountError, Permission
from cxpulse.schema import ACCOUNT_SCHEMAS, API_TOKENS_TABLE

if TYPE_CHECKING:
    from cxpulse.context import Context

SCOPES: dict[str, frozenset[Permission]] = {
    "read": frozenset({Permission.read, Permission.all_cases}),
    "ingest": frozenset({Permission.ingest}),
    "admin": frozenset(Permission),
}


@dataclass(frozen=True)
class Token:
    token_id: str
    name: str
    scopes: tuple[str, ...]

    @property
    def permissions(self) -> frozenset[Permission]:
        return frozenset().union(*(SCOPES[s] for s in self.scopes))


def _schema() -> ibis.Schema:
    return ibis.schema(ACCOUNT_SCHEMAS[API_TOKENS_TABLE])


def parse_scopes(scopes: str | list[str]) -> tuple[str, ...]:
    items = scopes.split(",") if isinstance(scopes, str) else scopes
    clean = tuple(sorted({s.strip() for s in items if s.strip()}))
    unknown = [s for s in clean if s not in SCOPES]
    if unknown or not clean:
        raise AccountError(
            f"scopes {', '.join(unknown) or '(none)'}: choose from {', '.join(SCOPES)}"
        )
    return clean


def create_token(
    ws: Context, name: str, scopes: str | list[str], created_by: str, now: datetime
) -> tuple[Token, str]:
    """The token and its secret text, which is shown this once and never stored."""
    scope_tuple = parse_scopes(scopes)
    token_id = secrets.token_hex(4)
    secret = f"cxp_{token_id}_{secrets.token_urlsafe(32)}"
    row = {
        "token_id": token_id,
        "name": name,
        "token_hash": token_hash(secret),
        "scopes": ",".join(scope_tuple),
        "created_by": created_by,
        "created_at": now,
        "revoked_at": None,
        "last_used_at": None,
    }
    ws.store.insert(API_TOKENS_TABLE, [row], schema=_schema())
    return Token(token_id, name, scope_tuple), secret


def verify_token(ws: Context, secret: str) -> Token | None:
    t = ws.store.table(API_TOKENS_TABLE)
    rows = t.filter(t.token_hash == token_hash(secret)).execute().to_dict("records")
    if not rows or (rows[0]["revoked_at"] is not None and not pd.isna(rows[0]["revoked_at"])):
        return None
    row = rows[0]
    return Token(str(row["token_id"]), str(row["name"]), tuple(str(row["scopes"]).split(",")))


def revoke_token(ws: Context, token_id: str, now: datetime) -> None:
    t = ws.store.table(API_TOKENS_TABLE)
    rows = t.filter(t.token_id == token_id).execute().to_dict("records")
    if not rows:
        raise AccountError(f"no token {token_id!r}; `cxpulse token list` shows them")
    row = {**rows[0], "revoked_at": now}
    ws.store.upsert(API_TOKENS_TABLE, [row], schema=_schema(), on="token_id")


def list_tokens(ws: Context) -> pd.DataFrame:
    t = ws.store.table(API_TOKENS_TABLE)
    df: pd.DataFrame = t.drop("token_hash").order_by("created_at").execute()
    return df
