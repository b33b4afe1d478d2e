"""What readers who may not edit a definition see of its secrets.

A webhook URL is a credential: a Slack incoming-webhook or an SMS gateway URL lets anyone who
has it post. Rules and surveys store such URLs; readers without the ``edit`` permission (agents,
read-only tokens) see only where it points: the scheme and the last two labels of the host
(the full host can itself be the secret, as in ``x7k2q.m.pipedream.net``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit


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
