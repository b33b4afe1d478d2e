"""Survey channels as registered classes: email, webhook and widget (:mod:`.base` says what a
channel answers). A new built-in is one module here plus one line in ``DEFAULT``; a workspace
may register its own (``ws.kinds[CHANNELS].add(Sms)``) and every survey command, run and
worker on that workspace takes it."""

from __future__ import annotations

from cxpulse.kinds import Kind, Registry
from cxpulse.surveys.channels.base import Channel, Message, Post, Rule, Send, Transports
from cxpulse.surveys.channels.email import Email
from cxpulse.surveys.channels.webhook import Webhook
from cxpulse.surveys.channels.widget import Widget

DEFAULT: list[type[Channel]] = [Email, Webhook, Widget]
CHANNELS = Kind("survey channel", DEFAULT)


def secret_fields(channels: Registry[type[Channel]] | None = None) -> list[str]:
    """The definition fields of every channel that hold a credential (``webhook_url``)."""
    members = channels if channels is not None else CHANNELS.builtins()
    return [name for channel in members for name in channel.secrets]


__all__ = [
    "CHANNELS",
    "DEFAULT",
    "Channel",
    "Email",
    "Message",
    "Post",
    "Rule",
    "Send",
    "Transports",
    "Webhook",
    "Widget",
    "secret_fields",
]
