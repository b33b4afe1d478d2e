"""``cxpulse user`` and ``cxpulse token``: the accounts of the web app. (``cxpulse serve``
itself is :mod:`cxpulse.main`, the one module that imports both edges.)"""

from __future__ import annotations

import getpass
import os
from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console

from cxpulse.cli.options import Format, FormatOpt, WorkspaceOpt, open_workspace
from cxpulse.cli.support import emit
from cxpulse.errors import ConfigError

out = Console(markup=False)
user_app = typer.Typer(help="Users of the web app: admin, analyst or agent.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for machines (read, ingest, admin).", no_args_is_help=True)


def _now() -> datetime:
    from cxpulse.automations.worker import utc_now

    return utc_now()


def _password(env: str | None) -> str:
    if env:
        value = os.environ.get(env)
        if not value:
            raise ConfigError(f"the environment variable {env} is empty or not set")
        return value
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise ConfigError("the two passwords differ; nothing was changed")
    return first


PasswordEnv = Annotated[
    str | None,
    typer.Option(
        "--password-env", help="Read the password from this environment variable (scripts)."
    ),
]


@user_app.command("add")
def user_add(
    name: str,
    role: Annotated[str, typer.Option(help="admin, analyst or agent.")] = "analyst",
    language: Annotated[str, typer.Option(help="en or fr.")] = "en",
    password_env: PasswordEnv = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Create a user (asks for the password twice unless --password-env)."""
    from cxpulse.accounts import add_user

    password = _password(password_env)
    with open_workspace(workspace) as ws:
        user = add_user(ws, name, password, role, _now(), language=language)
    out.print(f"Created {user.user_id} ({user.role.value})", highlight=False)


@user_app.command("set")
def user_set(
    name: str,
    role: Annotated[str | None, typer.Option(help="admin, analyst or agent.")] = None,
    language: Annotated[str | None, typer.Option(help="en or fr.")] = None,
    password: Annotated[bool, typer.Option("--password", help="Set a new password.")] = False,
    password_env: PasswordEnv = None,
    disable: Annotated[bool | None, typer.Option("--disable/--enable")] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Change a user's role, language, password, or disable the account."""
    from cxpulse.accounts import update_user

    secret = _password(password_env) if password or password_env else None
    with open_workspace(workspace) as ws:
        user = update_user(
            ws, name, now=_now(), role=role, language=language, password=secret, disabled=disable
        )
    out.print(f"Updated {user.user_id} ({user.role.value}, {user.language})", highlight=False)


@user_app.command("list")
def user_list(workspace: WorkspaceOpt = None, format_: FormatOpt = Format.table) -> None:
    """The users, their roles and languages."""
    import pandas as pd

    from cxpulse.accounts import list_users

    with open_workspace(workspace) as ws:
        users = list_users(ws)
    df = pd.DataFrame(
        [(u.user_id, u.role.value, u.language, u.disabled) for u in users],
        columns=["user", "role", "language", "disabled"],
    )
    emit(df, format_, "Users")


@token_app.command("create")
def token_create(
    name: str,
    scopes: Annotated[str, typer.Option(help="Comma-separated: read, ingest, admin.")] = "read",
    workspace: WorkspaceOpt = None,
) -> None:
    """Create a token; its secret is printed once and never stored."""
    from cxpulse.accounts.tokens import create_token

    with open_workspace(workspace) as ws:
        token, secret = create_token(ws, name, scopes, "cli", _now())
    scopes_text = ", ".join(token.scopes)
    out.print(f"Token {token.token_id} ({scopes_text}); keep it now, it is not shown again:")
    print(secret)


@token_app.command("list")
def token_list(workspace: WorkspaceOpt = None, format_: FormatOpt = Format.table) -> None:
    """Tokens (never their secrets), when they were used and revoked."""
    from cxpulse.accounts.tokens import list_tokens

    with open_workspace(workspace) as ws:
        df = list_tokens(ws)
    emit(df, format_, "API tokens")


@token_app.command("revoke")
def token_revoke(token_id: str, workspace: WorkspaceOpt = None) -> None:
    """Revoke a token at once."""
    from cxpulse.accounts.tokens import revoke_token

    with open_workspace(workspace) as ws:
        revoke_token(ws, token_id, _now())
    out.print(f"Revoked {token_id}", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
