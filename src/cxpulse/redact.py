"""What readers who may not edit a definition see of its secrets.

A webhook URL is a credential: a Slack incoming-webhook or an SMS gateway URL lets anyone who
has it post. Rules and surveys store such URLs; readers without the ``edit`` permission (agents,
read-only tokens) see only where it points: the scheme and the last two labels of the host
(the full host can itself be the secret, as in ``x7k2q.m.pipedream.net``).
"""

from __future__ import annotations

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


def survey(data: dict[str, Any]) -> dict[str, Any]:
    """A survey definition with its webhook channel's URL shortened."""
    out = dict(data)
    if isinstance(out.get("webhook_url"), str):
        out["webhook_url"] = url(out["webhook_url"])
    return out
