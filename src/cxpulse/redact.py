"""What may be shown of a secret: a workspace URL's password, a webhook URL.

A workspace URL (``postgresql://cx:PASSWORD@host/db``) is shown by :func:`connection` with its
password masked, in every message, log line and API response: cxpulse stores the masked form
as the workspace's location, so nothing downstream sees the password.

A webhook URL is a credential: a Slack incoming-webhook or an SMS gateway URL lets anyone who
has it post. Rules and surveys store such URLs; readers without the ``edit`` permission (agents,
read-only tokens) see only where it points: the scheme and the last two labels of the host
(the full host can itself be the secret, as in ``x7k2q.m.pipedream.net``).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

MASK = "***"
_PASSWORD_PARAMETER = re.compile(r"(?i)(^|&)(password|pass)=[^&]*")


def connection(location: str) -> str:
    """``location`` fit to show: a URL with the password of its user part, and of a
    ``password=`` parameter, replaced by ``***``; anything else (a file path) unchanged."""
    if "://" not in location:
        return location
    parts = urlsplit(location)
    netloc = parts.netloc
    if "@" in netloc:
        user, _, host = netloc.rpartition("@")
        if ":" in user:
            netloc = f"{user.split(':', 1)[0]}:{MASK}@{host}"
    query = _PASSWORD_PARAMETER.sub(rf"\1\2={MASK}", parts.query)
    if (netloc, query) == (parts.netloc, parts.query):
        return location  # as written (urlunsplit would drop the // of postgresql:///db)
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def passwords(location: str) -> list[str]:
    """The passwords written in ``location`` (to take out of a driver's error message)."""
    if "://" not in location:
        return []
    parts = urlsplit(location)
    found = [parts.password] if parts.password else []
    found += [m.group(0).split("=", 1)[1] for m in _PASSWORD_PARAMETER.finditer(parts.query)]
    return sorted({v for p in found if p for v in (p, unquote(p))}, key=len, reverse=True)


def url(value: str) -> str:
    parts = urlsplit(value)
    host = ".".join((parts.hostname or "").split(".")[-2:])
    return f"{parts.scheme}://…{host}/…"


def rule(data: dict[str, Any]) -> dict[str, Any]:
    """A rule definition with each webhook action's URL shortened."""
    out = dict(data)
    then = out.get("then")
    if isinstance(then, list):
        shown = []
        for action in then:
            hook = action.get("webhook") if isinstance(action, dict) else None
            if isinstance(hook, dict) and isinstance(hook.get("url"), str):
                action = {"webhook": {**hook, "url": url(hook["url"])}}
            shown.append(action)
        out["then"] = shown
    return out


def survey(data: dict[str, Any]) -> dict[str, Any]:
    """A survey definition with its webhook channel's URL shortened."""
    out = dict(data)
    if isinstance(out.get("webhook_url"), str):
        out["webhook_url"] = url(out["webhook_url"])
    return out
