"""Which peers may tell uvicorn the client's address (``X-Forwarded-For``) and scheme.

uvicorn believes those headers from 127.0.0.1 unless told otherwise, so anyone on the
machine, or a local proxy that passes the client's own header through, could choose the
address the log-in throttle counts. cxpulse believes them only from the proxies named with
``cxpulse serve --trusted-proxies`` (none by default), and from those uvicorn takes the
last address that is not a trusted proxy, never one the client wrote.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from cxpulse.errors import ConfigError


def parse_trusted_proxies(value: str | None) -> tuple[str, ...]:
    """Addresses and networks (``10.0.0.5``, ``10.0.0.0/8``, ``::1``), comma-separated."""
    entries = tuple(e.strip() for e in (value or "").split(",") if e.strip())
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ConfigError(
                f"trusted proxy {entry!r} is not an IP address or network; give the "
                "addresses of your reverse proxies, e.g. 127.0.0.1 or 10.0.0.0/8"
            ) from None
    return entries


def uvicorn_proxy_options(trusted: tuple[str, ...]) -> dict[str, Any]:
    """uvicorn's ``proxy_headers`` and ``forwarded_allow_ips``, both always given: left out,
    uvicorn trusts 127.0.0.1 (or the ``FORWARDED_ALLOW_IPS`` environment variable)."""
    return {"proxy_headers": bool(trusted), "forwarded_allow_ips": ",".join(trusted)}
