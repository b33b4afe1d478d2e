"""Definitions as a principal may see them: webhook URLs (credentials) only for those who may
edit rules and surveys; everyone else sees where they point (:mod:`cxpulse.redact`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cxpulse import redact
from cxpulse.accounts.users import Permission
from cxpulse.automations.actions import redacted
from cxpulse.surveys.channels import secret_fields
from cxpulse.web.security import Principal

if TYPE_CHECKING:
    from cxpulse.automations.actions import Action
    from cxpulse.kinds import Registry


def rule_entry(
    entry: dict[str, Any], who: Principal, actions: Registry[type[Action]]
) -> dict[str, Any]:
    """A rule listing entry (with its ``definition``) for ``who``; each action shows what its
    class lets readers see (``actions``: the workspace's, ``ws.kinds[ACTIONS]``)."""
    if who.can(Permission.edit):
        return entry
    return {**entry, "definition": redacted(entry["definition"], actions)}


def survey_definition(raw: dict[str, Any], who: Principal) -> dict[str, Any]:
    return raw if who.can(Permission.edit) else redact.survey(raw, secret_fields())
