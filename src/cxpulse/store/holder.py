"""Who holds a DuckDB workspace file: when it is a running ``cxpulse serve``, where it listens.

DuckDB lets one process open a file at a time, so while ``cxpulse serve`` runs every other
command is refused the workspace; the refusal can then name the server that answers the same
questions over its JSON API. The holder's command line is read from ``/proc`` (Linux); where it
cannot be read (another system, another user's process) the holder is simply not named.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

# `cxpulse serve`'s own defaults (cxpulse.cli.server.serve)
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def serve_url(pid: int) -> str | None:
    """``http://HOST:PORT`` of the ``cxpulse serve`` running as ``pid``, else None."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return serve_url_of([part.decode(errors="replace") for part in raw.split(b"\0") if part])


def serve_url_of(argv: Sequence[str]) -> str | None:
    """The URL a ``cxpulse serve`` command line listens on (``.../cxpulse serve --port 8001``
    or ``python -m cxpulse serve``), None for any other command."""
    rest: list[str] | None = None
    for i, arg in enumerate(argv):
        if Path(arg).name == "cxpulse" or (arg == "cxpulse" and i and argv[i - 1] == "-m"):
            rest = list(argv[i + 1 :])
            break
    if not rest or rest[0] != "serve":
        return None
    host, port = DEFAULT_HOST, str(DEFAULT_PORT)
    options = rest[1:]
    for i, arg in enumerate(options):
        name, sep, value = arg.partition("=")
        if not sep:
            value = options[i + 1] if i + 1 < len(options) else ""
        if name == "--host" and value:
            host = value
        elif name == "--port" and value:
            port = value
    if host in ("0.0.0.0", "::", ""):  # listening everywhere: this machine reaches it locally
        host = DEFAULT_HOST
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"
