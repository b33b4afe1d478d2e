"""Every stored rule (enabled or not) with its recent runs, and switching a rule on or off.

A disabled rule stays stored with its history; :func:`cxpulse.automations.rules.stored_rules`
only returns enabled ones, so the worker skips it until it is enabled again.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import ibis
import pandas as pd

from cxpulse.errors import ConfigError
from cxpulse.schema import AUTOMATION_RULES_TABLE, AUTOMATION_RUNS_TABLE, CASES_TABLE

if TYPE_CHECKING:
    from cxpulse.context import Context


def rules_with_runs(ws: Context, last: int = 5) -> list[dict[str, Any]]:
    """One entry per stored rule, by name: its definition, whether it is enabled, when it was
    added, how many times it fired, the cases it opened and its ``last`` runs, newest first."""
    rules = ws.store.table(AUTOMATION_RULES_TABLE).order_by("name").execute()
    runs = ws.store.table(AUTOMATION_RUNS_TABLE)
    counts = runs.group_by("rule").aggregate(fired=runs.count(), last_fired=runs.fired_at.max())
    totals = {str(r.rule): (int(r.fired), r.last_fired) for r in counts.execute().itertuples()}
    ranked = runs.mutate(
        rank=ibis.row_number().over(group_by="rule", order_by=ibis.desc("fired_at"))
    )
    recent = (
        ranked.filter(ranked["rank"] < last)
        .drop("rank")
        .order_by(["rule", ibis.desc("fired_at"), "run_id"])
        .execute()
    )
    c = ws.store.table(CASES_TABLE)
    opened = c.group_by(["rule", "state"]).aggregate(n=c.count()).execute()
    out = []
    for r in rules.itertuples(index=False):
        name = str(r.name)
        fired, last_fired = totals.get(name, (0, None))
        mine = recent[recent.rule == name]
        cases = {str(x.state): int(x.n) for x in opened[opened.rule == name].itertuples()}
        out.append(
            {
                "name": name,
                "enabled": bool(r.active),
                "added_at": r.added_at,
                "definition": json.loads(r.definition),
                "fired": fired,
                "last_fired_at": None if pd.isna(last_fired) else last_fired,
                "cases": cases,
                "runs": [
                    {
                        "run_id": x.run_id,
                        "customer_id": x.customer_id,
                        "cause": x.cause,
                        "cause_at": x.cause_at,
                        "fired_at": x.fired_at,
                        "actions": _json(x.actions),
                        "detail": _json(x.detail),
                    }
                    for x in mine.itertuples(index=False)
                ],
            }
        )
    return out


def set_rule_active(ws: Context, name: str, active: bool) -> None:
    """Enable or disable a stored rule (its runs and cases are kept)."""
    t = ws.store.table(AUTOMATION_RULES_TABLE)
    if not int(t.filter(t.name == name).count().execute()):
        raise ConfigError(f"no rule {name!r}; see `cxpulse rules list`")
    with ws.store.transaction():
        ws.store.update(AUTOMATION_RULES_TABLE, {"name": name}, {"active": active})


def _json(text: Any) -> Any:
    if not isinstance(text, str):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text
