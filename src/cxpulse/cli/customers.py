"""``cxpulse customer find|show|export|erase``: thin commands over :mod:`cxpulse.customers`.

Registered by :mod:`cxpulse.cli.app` (``register(app)``). Erasure asks for ``--yes`` (it cannot
be undone) and is recorded in the audit log under ``--actor`` (default: ``cli:`` and the
operating-system user).
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.table import Table

from cxpulse.cli import render
from cxpulse.cli.options import WorkspaceOpt
from cxpulse.cli.options import open_workspace as _open
from cxpulse.cli.surveys import JsonOpt, NowOpt, _now, out
from cxpulse.errors import ConfigError

customer_app = typer.Typer(help="One customer: search, timeline, GDPR export and erasure.")


@customer_app.command("find")
def find(
    text: Annotated[str, typer.Argument(help="Part of an id, email or name.")] = "",
    limit: Annotated[int, typer.Option(help="Rows shown.")] = 20,
    workspace: WorkspaceOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Customers whose id, email or name contains TEXT."""
    from cxpulse.customers import find_customers

    with _open(workspace) as ws:
        rows, total = find_customers(ws, text, limit=limit)
    if json_:
        out.print_json(render.to_json({"total": total, "rows": render.frame_records(rows)}))
        return
    table = Table(box=box.SIMPLE, title=f"{total:,} found", title_justify="left")
    for col in rows.columns:
        table.add_column(str(col))
    for r in rows.itertuples(index=False):
        table.add_row(*(render.fmt(v) for v in r))
    render.print_table(out, table)


@customer_app.command("show")
def show(
    customer_id: str,
    workspace: WorkspaceOpt = None,
    json_: JsonOpt = False,
    last: Annotated[int, typer.Option(help="Items shown, newest (0: all).")] = 30,
) -> None:
    """Everything known about one customer, on one timeline."""
    from cxpulse.customers import customer_view

    with _open(workspace) as ws:
        view = customer_view(ws, customer_id)
    if json_:
        out.print_json(render.to_json(view.as_dict()))
        return
    items = view.items[-last:] if last else view.items
    table = Table(box=box.SIMPLE, title=f"{customer_id}: {len(view.items):,} items",
                  title_justify="left")  # fmt: skip
    for col in ("at (UTC)", "kind", "title", "detail"):
        table.add_column(col)
    for i in items:
        table.add_row(f"{i.at:%Y-%m-%d %H:%M}", i.kind, i.title, i.detail)
    render.print_table(out, table)


@customer_app.command("export")
def export(
    customer_id: str,
    output: Annotated[
        Path | None, typer.Option("--out", help="Write the JSON here instead of printing it.")
    ] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """GDPR export: every row about the customer in every table, as JSON."""
    from cxpulse.customers import export_customer

    with _open(workspace) as ws:
        data = export_customer(ws, customer_id)
    text = render.to_json(data)
    if output is None:
        out.print_json(text)
        return
    output.write_text(text + "\n", encoding="utf-8")
    total = sum(data["row_counts"].values())
    out.print(f"Wrote {total:,} rows about {customer_id} to {output}")


@customer_app.command("erase")
def erase(
    customer_id: str,
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: erasure cannot be undone.")] = False,
    actor: Annotated[
        str | None, typer.Option(help="Who asks, for the audit log [cli:OS user].")
    ] = None,
    workspace: WorkspaceOpt = None,
    now: NowOpt = None,
) -> None:
    """GDPR erasure: remove the customer's personal data; de-identified numbers stay."""
    from cxpulse.customers import erase_customer

    if not yes:
        raise ConfigError(
            f"erasing {customer_id}'s personal data cannot be undone: add --yes to confirm "
            f"(`cxpulse customer export {customer_id}` first keeps a copy)"
        )
    with _open(workspace) as ws:
        done = erase_customer(ws, customer_id, actor or f"cli:{getpass.getuser()}", _now(now))
    changed = ", ".join(f"{table} {n:,}" for table, n in done.rows.items())
    out.print(f"Erased {customer_id}'s personal data ({changed} rows).")


def register(app: typer.Typer) -> None:
    """Add the ``customer`` group to the main app."""
    app.add_typer(customer_app, name="customer")
