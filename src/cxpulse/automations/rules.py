"""Automation rules: a condition (``when``) and actions (``then``), written in YAML.

Example::

    name: detractor-follow-up
    when: {response: detractor}          # or {negative_interactions: 4},
                                         # {churn_risk_above: 0.7}, {mention_sentiment_below: -0.3},
                                         # {event: trial_expired}, {theme: delivery},
                                         # {sentiment: negative}, {keyword: [refund*, cancel*]},
                                         # {metric: {name: nps, below: 30, by: week,
                                         #           segment: touchpoint}}
    then:
      - case: {sla_hours: 24, assign: [{segment: enterprise, team: key-accounts},
                                       {round_robin: [ana, ben], team: cx}]}
      - webhook: {url: "https://hooks.slack.com/...", format: slack}
      - email: {to: cx-team@acme.com, subject: "Detractor: {customer_name}",
                text: "{customer_name} gave {score}: {comment}"}
      - tag: at-risk
      - review_request: {platform: trustpilot}

A metric condition is about a group, not a customer: it fires once per period (and segment)
whose complete value crosses the bound, and takes the actions that need no customer (case,
webhook, email to an address).

Each condition and each action is a small class, one module per kind, in
:mod:`cxpulse.automations.conditions` and :mod:`cxpulse.automations.actions`; this module only
reads the rule's shape and hands each part to its class (a workspace's registries when parsing
with one, so a plugin's condition or action is known there).

Every problem is reported as :class:`ConfigError` naming the file and the field, so a typo is
found when the rule is added rather than when it should have fired.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis

from cxpulse.automations.actions import ACTIONS, Action
from cxpulse.automations.conditions import CONDITIONS, Condition
from cxpulse.errors import ConfigError
from cxpulse.schema import AUTOMATION_RULES_TABLE, AUTOMATION_SCHEMAS
from cxpulse.surveys.spec import Where, read_yaml

if TYPE_CHECKING:
    from cxpulse.context import Context
    from cxpulse.kinds import Kind, Kinds, M, Registry


@dataclass(frozen=True)
class Rule:
    name: str
    when: Condition
    then: tuple[Action, ...]
    description: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False)

    def describe(self, lang: str = "en") -> str:
        """The rule in one sentence (``lang``: en or fr; secrets shortened)."""
        actions = [a.describe(lang) for a in self.then]
        if lang == "fr":
            return f"Quand {self.when.describe(lang)} : {' ; '.join(actions)}."
        return f"When {self.when.describe(lang)}: {'; '.join(actions)}."

    def to_dict(self) -> dict[str, Any]:
        """The rule as YAML would write it, each part in its canonical form (``raw`` is what
        was written and is what is stored: an editor gets their own text back)."""
        out: dict[str, Any] = {"name": self.name}
        if self.description:
            out["description"] = self.description
        return {**out, "when": self.when.to_dict(), "then": [a.to_dict() for a in self.then]}


def load_rule(path: str | Path, kinds: Kinds | None = None) -> Rule:
    """Read and check a rule YAML file (``kinds``: a workspace's, else the built-ins)."""
    return rule_from_dict(read_yaml(path, "a rule"), source=str(path), kinds=kinds)


def rule_from_dict(data: Any, source: str = "<rule>", kinds: Kinds | None = None) -> Rule:
    """Check a rule definition; conditions and actions come from ``kinds`` (a workspace's
    registries, ``ws.kinds``) or, without it, the built-ins."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: a rule is a mapping with name, when and then")
    where = Where(source)
    where.only(data, ("name", "description", "when", "then"))
    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or ":" in name:
        raise where.error("name", "required: a short name without ':' such as 'detractor-case'")
    when = _condition(data.get("when"), where, _registry(kinds, CONDITIONS))
    actions = _registry(kinds, ACTIONS)
    then = data.get("then")
    if not isinstance(then, list) or not then:
        raise where.error("then", f"required: a list of actions ({', '.join(actions.names())})")
    done = tuple(_action(a, where.sub(f"then[{i}]"), actions) for i, a in enumerate(then))
    _check_group(when, done, where)
    return Rule(name.strip(), when, done, str(data.get("description") or ""), dict(data))


def _registry(kinds: Kinds | None, kind: Kind[M]) -> Registry[M]:
    return kinds[kind] if kinds is not None else kind.builtins()


def _check_group(when: Condition, then: tuple[Action, ...], where: Where) -> None:
    """A condition about a group (a metric) takes only the actions that need no customer."""
    for i, action in enumerate(then):
        if not when.per_customer and action.needs_customer():
            raise where.sub(f"then[{i}]").error(
                action.name,
                f"a {when.name} condition is about a group, not one customer: use case, "
                "webhook or an email to an address",
            )


def _condition(value: Any, where: Where, conditions: Registry[type[Condition]]) -> Condition:
    names = ", ".join(conditions.names())
    if not isinstance(value, dict) or len(value) != 1:
        raise where.error("when", f"required: exactly one condition of {names}")
    ((kind, arg),) = value.items()
    if kind not in conditions:
        raise where.error("when", f"unknown condition {kind!r}; conditions are {names}")
    return conditions.get(kind).parse(arg, where.sub("when"))


def _action(value: Any, where: Where, actions: Registry[type[Action]]) -> Action:
    names = ", ".join(actions.names())
    if not isinstance(value, dict) or len(value) != 1:
        raise where.error("", f"an action is a mapping with one key of {names}")
    ((kind, arg),) = value.items()
    if kind not in actions:
        raise where.error(str(kind), f"unknown action; actions are {names}")
    return actions.get(kind).parse(arg, where)


# -- storage ----------------------------------------------------------------------------------
def add_rule(ws: Context, path: str | Path, now: datetime) -> Rule:
    """Check a rule file and store it (a rule with the same name is replaced)."""
    rule = load_rule(path, ws.kinds)
    check_settings(ws, rule, str(path))
    row = {"name": rule.name, "definition": json.dumps(rule.raw, default=str), "active": True,
           "added_at": now}  # fmt: skip
    frame = ibis.memtable([row], schema=ibis.schema(AUTOMATION_SCHEMAS[AUTOMATION_RULES_TABLE]))
    with ws.store.transaction():
        ws.store.upsert(AUTOMATION_RULES_TABLE, frame, on="name")
    return rule


def check_settings(ws: Context, rule: Rule, source: str) -> None:
    """What a rule needs from the workspace settings, checked when it is added rather than at
    every firing."""
    missing = rule.when.check(ws.settings)
    if missing:
        raise Where(source).sub("when").error(rule.when.name, missing)
    for i, action in enumerate(rule.then):
        missing = action.check(ws.settings)
        if missing:
            raise Where(source).sub(f"then[{i}]").error(action.name, missing)


def stored_rules(ws: Context) -> list[tuple[Rule, datetime]]:
    """Active rules by name, each with the time it was added (a rule acts on causes after it)."""
    t = ws.store.table(AUTOMATION_RULES_TABLE)
    rows = t.filter(t.active).order_by("name").execute()
    return [
        (rule_from_dict(json.loads(r.definition), f"stored rule {r.name}", ws.kinds),
         r.added_at.to_pydatetime())
        for r in rows.itertuples(index=False)
    ]  # fmt: skip


def get_rule(ws: Context, name: str) -> tuple[Rule, datetime]:
    for rule, added in stored_rules(ws):
        if rule.name == name:
            return rule, added
    raise ConfigError(f"no rule {name!r}; see `cxpulse rules list` or add it with "
                      "`cxpulse rules add FILE.yaml`")  # fmt: skip
