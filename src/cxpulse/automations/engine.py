"""Run the stored rules on what happened since they last looked, and the dry run.

A firing (its run row, case, tags and outbox rows) commits in one transaction; its run id is
``rule:cause``, checked before firing, so a rule never fires twice for the same cause even when
the worker runs again over the same window.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import ibis
import pandas as pd

from cxpulse.automations.actions import fire
from cxpulse.automations.cases import write_cases
from cxpulse.automations.conditions import DRY_RUN_DAYS, LOOKBACK, hits
from cxpulse.automations.rules import Rule, get_rule, stored_rules
from cxpulse.errors import CxpulseError
from cxpulse.schema import (
    AUTOMATION_OUTBOX_TABLE,
    AUTOMATION_RUNS_TABLE,
    AUTOMATION_SCHEMAS,
    CUSTOMER_TAGS_TABLE,
)

if TYPE_CHECKING:
    from cxpulse.workspace import Workspace

log = logging.getLogger("cxpulse.rules")


@dataclass
class Fired:
    rule: str
    run_id: str
    customer_id: str
    done: list[str]


@dataclass
class RulesReport:
    now: datetime
    fired: list[Fired] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # rules that could not run, and why
    # rules that left causes for a later run, and why (texts not annotated yet)
    waiting: list[str] = field(default_factory=list)


def _fired(ws: Workspace, rule: str) -> set[str]:
    r = ws.store.table(AUTOMATION_RUNS_TABLE)
    return {str(x) for x in r.filter(r.rule == rule).run_id.execute()}


def run_rules(ws: Workspace, now: datetime) -> RulesReport:
    """Fire every active rule on the causes it has not acted on yet (naive UTC ``now``)."""
    report = RulesReport(now)
    for rule, added_at in stored_rules(ws):
        since = max(added_at, now - LOOKBACK)
        done = _fired(ws, rule.name)
        try:
            found = hits(ws, rule.when, since, now)
        except CxpulseError as exc:  # one rule that cannot run (a metric lacking a setting)
            log.warning("rule %s could not run: %s", rule.name, exc)
            report.errors.append(f"rule {rule.name}: {exc}")
            continue
        left = rule.when.waiting(ws, since, now)
        if left:
            log.warning("rule %s left causes for later: %s", rule.name, left)
            report.waiting.append(f"rule {rule.name}: {left}")
        for hit in found:
            run_id = f"{rule.name}:{hit.cause}"
            if run_id in done:
                continue
            firing = fire(ws, rule, hit, run_id, now)
            run = {"run_id": run_id, "rule": rule.name, "cause": hit.cause,
                   "customer_id": hit.customer_id or None, "cause_at": hit.at, "fired_at": now,
                   "detail": json.dumps(hit.detail, default=str),
                   "actions": json.dumps(firing.done)}  # fmt: skip
            with ws.store.transaction():
                _upsert(ws, AUTOMATION_RUNS_TABLE, [run], "run_id")
                write_cases(ws, firing.cases)
                _upsert(ws, CUSTOMER_TAGS_TABLE, firing.tags, "tag_id")
                _upsert(ws, AUTOMATION_OUTBOX_TABLE, firing.outbox, "outbox_key")
            done.add(run_id)
            report.fired.append(Fired(rule.name, run_id, hit.customer_id, firing.done))
    return report


def _upsert(ws: Workspace, table: str, rows: list[dict[str, Any]], key: str) -> None:
    if rows:
        frame = ibis.memtable(rows, schema=ibis.schema(AUTOMATION_SCHEMAS[table]))
        ws.store.upsert(table, frame, on=key)


def dry_run(
    ws: Workspace, rule: str | Rule, now: datetime, days: int = DRY_RUN_DAYS
) -> pd.DataFrame:
    """Whom a rule would have hit in the ``days`` before ``now``, without acting: one row per
    cause with customer_id, cause, at, already_fired and what matched."""
    found = get_rule(ws, rule)[0] if isinstance(rule, str) else rule
    fired = _fired(ws, found.name)
    rows = [
        {"customer_id": h.customer_id, "cause": h.cause, "at": h.at,
         "already_fired": f"{found.name}:{h.cause}" in fired,
         "detail": json.dumps(h.detail, default=str)}
        for h in hits(ws, found.when, now - timedelta(days=days), now)
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["customer_id", "cause", "at", "already_fired", "detail"])


def runs(ws: Workspace, rule: str | None = None) -> pd.DataFrame:
    """Every firing recorded, newest first."""
    r = ws.store.table(AUTOMATION_RUNS_TABLE)
    if rule is not None:
        r = r.filter(r.rule == rule)
    df: pd.DataFrame = r.order_by([ibis.desc("fired_at"), "run_id"]).execute()
    return df
