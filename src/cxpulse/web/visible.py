"""Definitions as a principal may see them: webhook URLs (credentials) only for those who may
edit rules and surveys; everyone else sees where they point (:mod:`cxpulse.redact`)."""

from __future__ import annotations

from typing import Any

from cxpulse import redact
from cxpulse.accounts.users import Permission
from cxpulse.surveys.channels import secret_fields
from cxpulse.web.security import Principal


def rule_entry(entry: dict[str, Any], who: Principal) -> dict[str, Any]:
    """A rule listing entry (with its ``definition``) for ``who``."""
    if who.can(Permission.edit):
        return entry
    return {**entry, "definition": redact.rule(entry["definition"])}


def survey_definition(raw: dict[str, Any], who: Principal) -> dict[str, Any]:
    return raw if who.can(Permission.edit) else redact.survey(raw, secret_fields())
