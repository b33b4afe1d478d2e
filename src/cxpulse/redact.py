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
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote, urlsplit

MASK = "***"
_PASSWORD_PARAMETER = re.compile(r"(?i)(^|&)(password|pass)=[^&]*")


def connection(location: str) -> str:
    """``location`` fit to show: a URL with the password of its user part, and of a
    ``password=`` parameter, replaced by ``***``; anything else (a file path) unchanged."""
    if "://" not in location:
        return location
    scheme, _, rest = location.partition("://")
    user, at, after = _user_part(rest)
    if ":" in user:
        user = f"{user.split(':', 1)[0]}:{MASK}"
    head, mark, query = after.partition("?")
    query = _PASSWORD_PARAMETER.sub(rf"\1\2={MASK}", query)
    # put back together as written (urlunsplit would drop the // of postgresql:///db)
    return f"{scheme}://{user}{at}{head}{mark}{query}"


def passwords(location: str) -> list[str]:
    """The passwords written in ``location`` (to take out of a driver's error message)."""
    if "://" not in location:
        return []
    user, _, after = _user_part(location.partition("://")[2])
    found = [user.split(":", 1)[1]] if ":" in user else []
    query = after.partition("?")[2]
    found += [m.group(0).split("=", 1)[1] for m in _PASSWORD_PARAMETER.finditer(query)]
    return sorted({v for p in found if p for v in (p, unquote(p))}, key=len, reverse=True)


def _user_part(rest: str) -> tuple[str, str, str]:
    """``(user[:password], "@", what follows)`` of a URL after its ``scheme://``, or ``("",
    "", rest)`` without one. Read as libpq reads it, not as urllib does: only a ``/`` ends
    the user part, so a ``#``, ``?`` or ``[`` of an unencoded password belongs to it (urllib
    would cut a fragment or a query there, and show the password). The last ``@`` before the
    ``/``: a stray ``@`` of the password is masked with it."""
    authority = rest.split("/", 1)[0]
    if "@" not in authority:
        return "", "", rest
    cut = authority.rindex("@")
    return rest[:cut], "@", rest[cut + 1 :]


def url(value: str) -> str:
    parts = urlsplit(value)
    host = ".".join((parts.hostname or "").split(".")[-2:])
    return f"{parts.scheme}://…{host}/…"


def urls(raw: Any) -> Any:
    """An action's options with any ``url`` shortened: what a rule shows of an action whose
    class is not known here (the safe side: a URL an action posts to is a credential)."""
    if isinstance(raw, dict) and isinstance(raw.get("url"), str):
        return {**raw, "url": url(raw["url"])}
    return raw


def rule(data: dict[str, Any], hide: Callable[[str, Any], Any] | None = None) -> dict[str, Any]:
    """A rule definition with each action's secrets shortened: ``hide(name, options)`` gives
    what readers see of one action (the automations layer asks each action's class, see
    :func:`cxpulse.automations.actions.redacted`); without it, any ``url`` option."""
    out = dict(data)
    then = out.get("then")
    if isinstance(then, list):
        shown = []
        for action in then:
            if isinstance(action, dict) and len(action) == 1:
                ((name, raw),) = action.items()
                action = {name: hide(str(name), raw) if hide else urls(raw)}
            shown.append(action)
        out["then"] = shown
    return out


def survey(data: dict[str, Any], fields: Iterable[str] = ("webhook_url",)) -> dict[str, Any]:
    """A survey definition with the URLs of its channel's secret ``fields`` shortened (the
    channels say which: :func:`cxpulse.surveys.channels.secret_fields`)."""
    out = dict(data)
    for name in fields:
        if isinstance(out.get(name), str):
            out[name] = url(out[name])
    return out
