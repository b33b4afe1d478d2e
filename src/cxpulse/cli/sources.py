"""``cxpulse sources``: thin commands over :mod:`cxpulse.sources` (library errors become one
message in the app's command group)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from cxpulse.cli import render
from cxpulse.cli.automations import JsonOpt, NowOpt, WorkspaceOpt, _open
from cxpulse.cli.surveys import _now
from cxpulse.errors import CxpulseError

out = Console(soft_wrap=True, markup=False)
err = Console(stderr=True, soft_wrap=True, markup=False)
sources_app = typer.Typer(help="Live sources: connectors that keep the workspace current.")

NameArg = Annotated[str, typer.Argument(help="The source's name, e.g. support.")]


@sources_app.command("add")
def add(
    connector: Annotated[
        str,
        typer.Argument(
            help="The connector: zendesk, stripe, hubspot, shopify, trustpilot, google_reviews, "
            "or webhook (receives only)."
        ),
    ],
    name: NameArg,
    subdomain: Annotated[
        str | None, typer.Option(help="Zendesk: acme for acme.zendesk.com.")
    ] = None,
    email: Annotated[
        str | None, typer.Option(help="Zendesk: the admin the token belongs to.")
    ] = None,
    shop: Annotated[str | None, typer.Option(help="Shopify: acme for acme.myshopify.com.")] = None,
    token_env: Annotated[
        str | None, typer.Option(help="The environment variable holding the API token.")
    ] = None,
    token_file: Annotated[
        str | None, typer.Option(help="Or a secrets file of KEY=value lines holding it...")
    ] = None,
    token_key: Annotated[str | None, typer.Option(help="...under this key.")] = None,
    start: Annotated[
        str | None, typer.Option(help="First sync from this day (YYYY-MM-DD; default: all).")
    ] = None,
    base_url: Annotated[
        str | None, typer.Option(help="Another address of the vendor's API (a proxy, a test).")
    ] = None,
    vendor: Annotated[
        str | None,
        typer.Option(help="webhook: whose signatures POST /hooks/NAME checks (zendesk...)."),
    ] = None,
    business_unit_id: Annotated[
        str | None, typer.Option(help="trustpilot: the business unit's id.")
    ] = None,
    account: Annotated[
        str | None, typer.Option(help="google_reviews: the Business Profile account id.")
    ] = None,
    location: Annotated[str | None, typer.Option(help="google_reviews: the location id.")] = None,
    reply_window_days: Annotated[
        str | None,
        typer.Option(help="trustpilot, google_reviews: days each sync reads again (30)."),
    ] = None,
    every: Annotated[int, typer.Option(help="The worker syncs it every N minutes.")] = 60,
    workspace: WorkspaceOpt = None,
    now: NowOpt = None,
) -> None:
    """Add a live source; its token is never stored, only where to read it.

    --token-env NAME, or --token-file PATH with --token-key KEY."""
    from cxpulse.sources import add_source
    from cxpulse.sources.secrets import describe, reference

    secret = reference(token_env, token_file, token_key)
    options = {
        "subdomain": subdomain,
        "email": email,
        "shop": shop,
        "start": start,
        "base_url": base_url,
        "vendor": vendor,
        "business_unit_id": business_unit_id,
        "account": account,
        "location": location,
        "reply_window_days": reply_window_days,
    }
    with _open(workspace) as ws:
        source = add_source(ws, connector, name, options, secret, _now(now), every)
    if source.connector == "webhook":
        out.print(
            f"Added webhook source {source.name!r} ({source.options['vendor']} signatures), "
            f"signing secret from {describe(secret)}; point the vendor at POST /hooks/{name}"
        )
        return
    out.print(
        f"Added {source.connector} source {source.name!r}, token from {describe(secret)}; "
        f"synced every {every} min by the worker, or now: cxpulse sources sync {name}"
    )


@sources_app.command("list")
def list_(workspace: WorkspaceOpt = None, json_: JsonOpt = False) -> None:
    """Every source: last sync, rows written, cursor and last error (never a token)."""
    from cxpulse.sources import list_sources

    with _open(workspace) as ws:
        shown = [s.shown() for s in list_sources(ws)]
    if json_:
        out.print_json(render.to_json(shown))
        return
    if not shown:
        out.print(
            "No sources yet: cxpulse sources add zendesk NAME --subdomain ... "
            "--email ... --token-env ZENDESK_TOKEN"
        )
    for s in shown:
        when = (
            s["last_sync_at"].isoformat(sep=" ", timespec="minutes")
            if s["last_sync_at"]
            else "never"
        )
        options = "".join(f", {k}={v}" for k, v in s["options"].items()).replace(", ", ": ", 1)
        out.print(
            f"{s['name']} ({s['connector']}{options}; token from {s['token_from']}; "
            f"every {s['schedule_minutes']} min)"
        )
        out.print(
            f"  last sync: {when} ({s['last_status'] or 'not yet'}), {s['rows']:,} rows "
            f"written; cursor: {s['cursor'] or 'none'}"
        )
        if s["last_error"]:
            out.print(f"  last error: {s['last_error']}")
        skipped = (s["last_report"] or {}).get("skipped_rows") or []
        if skipped:
            listed = ", ".join(f"{r['table']} {r['id']} ({r['reason']})" for r in skipped[:5])
            out.print(f"  skipped in the last sync: {listed}")


@sources_app.command("sync")
def sync(
    name: Annotated[str | None, typer.Argument(help="The source (default: every one).")] = None,
    full: Annotated[
        bool, typer.Option("--full", help="From the start, not the cursor (rows are upserted).")
    ] = False,
    workspace: WorkspaceOpt = None,
    now: NowOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Sync now, from each source's cursor; an interrupted sync resumes where it stopped.

    Each page's rows and the vendor's cursor commit together."""
    from cxpulse.sources import list_sources, sync_source

    failed = []
    reports = []
    with _open(workspace) as ws:
        every = list_sources(ws)
        # a webhook-only source has nothing to pull (the vendor sends its events)
        names = [name] if name else [s.name for s in every if s.connector != "webhook"]
        for each in names:
            try:
                report = sync_source(
                    ws,
                    each,
                    full=full,
                    now=_now(now),
                    progress=lambda line: err.print(line, style="dim", highlight=False),
                )
            except CxpulseError as exc:
                if name:
                    raise
                failed.append(each)
                render.error(err, str(exc))
                continue
            reports.append(report)
            if not json_:
                out.print(report.summary())
                for r in report.skipped_rows:
                    out.print(f"  skipped {r['table']} {r['id']}: {r['reason']}")
    if json_:
        out.print_json(render.to_json([r.to_dict() for r in reports]))
    if not names:
        out.print(
            "Nothing to sync: every source here receives its vendor's webhooks."
            if every
            else "No sources yet: cxpulse sources add zendesk NAME ..."
        )
    if failed:
        raise typer.Exit(1)


@sources_app.command("remove")
def remove(name: NameArg, workspace: WorkspaceOpt = None) -> None:
    """Forget a source and its cursor; the rows it wrote stay."""
    from cxpulse.sources import remove_source

    with _open(workspace) as ws:
        source = remove_source(ws, name)
    out.print(f"Removed source {source.name!r} ({source.rows:,} rows it wrote stay)")


def register(app: typer.Typer) -> None:
    """Add the ``sources`` group to the main app."""
    app.add_typer(sources_app, name="sources")
