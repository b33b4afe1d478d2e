"""What readers who may not edit a definition see of its secrets.

A webhook URL is a credential: a Slack incoming-webhook or an SMS gateway URL lets anyone who
has it post. Rules and surveys store such URLs; readers without the ``edit`` permission (agents,
read-only tokens) see only where it points: the scheme and the last two labels of the host
(the full host can itself be the secret, as in ``x7k2q.m.pipedream.net``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit


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


def survey(data: dict[str, Any], fields: Iterable[str] = ("webhook_url",)) -> dict[str, Any]:
    """A survey definition with the URLs of its channel's secret ``fields`` shortened (the
    channels say which: :func:`cxpulse.surveys.channels.secret_fields`)."""
    out = dict(data)
    for name in fields:
        if isinstance(out.get(name), str):
            out[name] = url(out[name])
    return out
