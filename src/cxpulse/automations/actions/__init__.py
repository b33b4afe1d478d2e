"""Rule actions (``then``): one small class per kind, listed once in :data:`DEFAULT`.

A new action is one module here (an :class:`Action` subclass with ``parse``, ``fire``,
``describe`` and ``to_dict``, and ``redacted`` if it holds a credential) plus one line in
:data:`DEFAULT`; a plugin or a test adds its own to one workspace with
``ws.kinds[ACTIONS].add(MyAction)``.
"""

from __future__ import annotations

from typing import Any

from cxpulse import redact
from cxpulse.automations.actions.base import Action, Firing, customer, fire
from cxpulse.automations.actions.case import Assignment, Case
from cxpulse.automations.actions.email import Email
from cxpulse.automations.actions.review_request import ReviewRequest
from cxpulse.automations.actions.tag import Tag
from cxpulse.automations.actions.webhook import Webhook
from cxpulse.kinds import Kind, Registry

DEFAULT: list[type[Action]] = [Case, Webhook, Email, Tag, ReviewRequest]
ACTIONS = Kind("rule action", DEFAULT)


def redacted(definition: dict[str, Any], actions: Registry[type[Action]]) -> dict[str, Any]:
    """A stored rule definition as readers who may not edit rules see it: each action's
    argument through its class's ``redacted`` (an action no longer registered: any ``url``
    option shortened, the safe side)."""

    def hide(name: str, raw: Any) -> Any:
        return actions.get(name).redacted(raw) if name in actions else redact.urls(raw)

    return redact.rule(definition, hide)


__all__ = ["ACTIONS", "DEFAULT", "Action", "Assignment", "Firing", "customer", "fire", "redacted"]
