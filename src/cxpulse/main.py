"""The ``cxpulse`` command: the CLI of :mod:`cxpulse.cli` plus ``cxpulse serve``, which runs
the web app, the JSON API and the worker in one process.

The composition root of the edges: the only module that imports both the CLI and the web app,
so that neither imports the other (DESIGN.md, Layers; the import contract in pyproject.toml).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from cxpulse.cli.app import app
from cxpulse.cli.app import main as _cli_main
from cxpulse.cli.options import WorkspaceOpt, open_workspace

out = Console(markup=False)


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    worker_interval: Annotated[
        float, typer.Option(help="Seconds between worker ticks; 0 turns the worker off.")
    ] = 60.0,
    warm: Annotated[
        bool, typer.Option(help="Compute the default pages in the background at start-up.")
    ] = True,
    memory_limit: Annotated[
        str,
        typer.Option(
            help="DuckDB's memory for the server (e.g. 1GB; beyond it, it spills to disk); "
            "'none' for DuckDB's default, 80% of the machine's memory.",
        ),
    ] = "1GB",
    trusted_proxies: Annotated[
        str | None,
        typer.Option(
            envvar="CXPULSE_TRUSTED_PROXIES",
            help="Reverse proxies (IP addresses or networks, comma-separated) whose "
            "X-Forwarded-For and X-Forwarded-Proto are believed; none by default.",
        ),
    ] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Serve the dashboard and the JSON API (/api/docs) and run the worker in the same process
    (a DuckDB workspace can only be held by one process)."""
    # imported here: every other command starts without loading the web app
    import logging

    import uvicorn

    from cxpulse.accounts import list_users
    from cxpulse.web.app import create_app
    from cxpulse.web.proxies import parse_trusted_proxies, uvicorn_proxy_options

    proxies = uvicorn_proxy_options(parse_trusted_proxies(trusted_proxies))
    # the worker's one line per tick goes to the server's log
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    ws = open_workspace(workspace)
    try:
        if memory_limit.lower() != "none":
            # DuckDB keeps what it read cached up to its limit: on the scale-1 demo the server grew
            # past 5 GB; at 1GB the scorecard and website pages peaked at 1.3 GB instead of 2.1 GB
            ws.store.limit_memory(memory_limit)
        if not list_users(ws):
            out.print(
                Text.assemble(
                    ("No user yet:", "yellow"),
                    " stop the server and create the first admin with "
                    "`cxpulse user add NAME --role admin`.",
                ),
                highlight=False,
            )
        web_app = create_app(ws, worker_interval=worker_interval or None, warm=warm)
        out.print(f"cxpulse on http://{host}:{port}  (API docs: /api/docs)", highlight=False)
        uvicorn.run(web_app, host=host, port=port, log_level="info", access_log=False, **proxies)
    finally:
        ws.close()


def main() -> None:
    """The console script: the CLI with every command, ``serve`` included."""
    _cli_main()
