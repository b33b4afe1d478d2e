"""Closed-loop follow-up: rules (condition -> actions), cases with an SLA, the outbox and the
worker that runs surveys, rules and deliveries (see DESIGN.md, layer ``automations``)."""

from cxpulse.automations.case_metrics import first_contact, recovery_rate, sla_summary
from cxpulse.automations.cases import (
    CaseError,
    add_note,
    cases,
    get_case,
    move,
    open_case,
    reassign,
)
from cxpulse.automations.engine import dry_run, run_rules, runs
from cxpulse.automations.rules import Rule, add_rule, load_rule, rule_from_dict
from cxpulse.automations.worker import run_forever, run_once

__all__ = [
    "CaseError",
    "Rule",
    "add_note",
    "add_rule",
    "cases",
    "dry_run",
    "first_contact",
    "get_case",
    "load_rule",
    "move",
    "open_case",
    "reassign",
    "recovery_rate",
    "rule_from_dict",
    "run_forever",
    "run_once",
    "run_rules",
    "runs",
    "sla_summary",
]
