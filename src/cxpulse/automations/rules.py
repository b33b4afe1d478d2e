"""Automation rules: a condition (``when``) and actions (``then``), written in YAML.

Example::

    name: detractor-follow-up
    when: {response: detractor}          # or {negative_interactions: 4},
                                         # {churn_risk_above: 0.7}, {mention_sentiment_below: -0.3},
                                         # {event: trial_expired},
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

from cxpulse.errors import ConfigError
from cxpulse.schema import AUTOMATION_RULES_TABLE, AUTOMATION_SCHEMAS
from cxpulse.surveys.spec import Where, read_yaml

if TYPE_CHECKING:
    from cxpulse.workspace import Workspace

RESPONSE_KINDS = ("detractor", "promoter", "csat_unsatisfied", "ces_hard")
CONDITIONS = (
    "response",
    "negative_interactions",
    "churn_risk_above",
    "mention_sentiment_below",
    "event",
    "metric",
)
ACTIONS = ("case", "webhook", "email", "tag", "review_request")
CUSTOMER_ACTIONS = ("tag", "review_request")  # actions that need a customer to act on
# what an email action's subject and text may name, in braces: the facts of a firing
PLACEHOLDERS = (
    "rule", "customer_id", "customer_name", "cause", "score", "question_type", "comment",
    "survey_id", "touchpoint", "case_id", "owner", "team", "event", "metric", "segment",
    "period", "value", "bound",
)  # fmt: skip
ASSIGN_KEYS = ("segment", "language", "channel")
PLATFORMS = ("trustpilot", "g2")


@dataclass(frozen=True)
class Condition:
    kind: str  # one of CONDITIONS
    response: str = ""  # for kind response: one of RESPONSE_KINDS
    threshold: float = 0.0  # count, risk, sentiment or metric bound
    window_days: int = 90  # negative_interactions: the window the count is taken over
    event: str = ""  # kind event: the event name (survey_events, imported or posted)
    metric: MetricWatch | None = None  # kind metric


@dataclass(frozen=True)
class MetricWatch:
    """A metric watched period by period: fires when a complete period's value is below (or
    above) the bound, with at least ``min_n`` answers or observations behind it."""

    name: str
    bound: float
    below: bool  # True: fires under the bound; False: over it
    by: str = "month"
    segment: str | None = None
    variant: str | None = None
    filters: tuple[tuple[str, str], ...] = ()
    min_n: int = 30


@dataclass(frozen=True)
class Assignment:
    """One assignment rule: when ``match`` (segment/language/channel = value) holds, the case
    goes to ``owner`` or to the next of ``round_robin``, in ``team``."""

    match: dict[str, str] = field(default_factory=dict)
    team: str | None = None
    owner: str | None = None
    round_robin: tuple[str, ...] = ()


@dataclass(frozen=True)
class Action:
    kind: str  # one of ACTIONS
    options: dict[str, Any] = field(default_factory=dict)
    assign: tuple[Assignment, ...] = ()


@dataclass(frozen=True)
class Rule:
    name: str
    when: Condition
    then: tuple[Action, ...]
    description: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


def load_rule(path: str | Path) -> Rule:
    """Read and check a rule YAML file."""
    return rule_from_dict(read_yaml(path, "a rule"), source=str(path))


def rule_from_dict(data: Any, source: str = "<rule>") -> Rule:
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: a rule is a mapping with name, when and then")
    where = Where(source)
    where.only(data, ("name", "description", "when", "then"))
    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or ":" in name:
        raise where.error("name", "required: a short name without ':' such as 'detractor-case'")
    when = _condition(data.get("when"), where)
    then = data.get("then")
    if not isinstance(then, list) or not then:
        raise where.error("then", f"required: a list of actions ({', '.join(ACTIONS)})")
    actions = tuple(_action(a, where.sub(f"then[{i}]")) for i, a in enumerate(then))
    if when.kind == "metric":
        for i, action in enumerate(actions):
            if action.kind in CUSTOMER_ACTIONS or action.options.get("to") == "customer":
                raise where.sub(f"then[{i}]").error(
                    action.kind,
                    "a metric condition is about a group, not one customer: use case, "
                    "webhook or an email to an address",
                )
    return Rule(name.strip(), when, actions, str(data.get("description") or ""), dict(data))


def _condition(value: Any, where: Where) -> Condition:
    if not isinstance(value, dict) or len(value) != 1:
        raise where.error("when", f"required: exactly one condition of {', '.join(CONDITIONS)}")
    ((kind, arg),) = value.items()
    w = where.sub("when")
    if kind == "response":
        if arg not in RESPONSE_KINDS:
            raise w.error("response", f"{arg!r} is not one of {', '.join(RESPONSE_KINDS)}")
        return Condition(kind, response=str(arg))
    if kind == "negative_interactions":
        spec = arg if isinstance(arg, dict) else {"count": arg}
        count: Any = spec.get("count")
        days: Any = spec.get("days", 90)
        if not _whole(count) or count < 1 or not _whole(days) or days < 1:
            raise w.error(kind, "a count of at least 1, or {count: 4, days: 90}")
        return Condition(kind, threshold=float(count), window_days=int(days))
    if kind == "churn_risk_above":
        if not _number(arg) or not 0 <= arg < 1:
            raise w.error(kind, f"a churn probability from 0 to 1 such as 0.7, not {arg!r}")
        return Condition(kind, threshold=float(arg))
    if kind == "mention_sentiment_below":
        if not _number(arg) or not -1 < arg <= 1:
            raise w.error(kind, f"a sentiment from -1 to 1 such as -0.3, not {arg!r}")
        return Condition(kind, threshold=float(arg))
    if kind == "event":
        if not isinstance(arg, str) or not arg.strip():
            raise w.error(kind, "the name of a customer event, such as trial_expired")
        return Condition(kind, event=arg.strip())
    if kind == "metric":
        return Condition(kind, metric=_metric_watch(arg, w.sub("metric")))
    raise where.error("when", f"unknown condition {kind!r}; conditions are {', '.join(CONDITIONS)}")


def _metric_watch(arg: Any, where: Where) -> MetricWatch:
    from cxpulse.metrics import REGISTRY
    from cxpulse.metrics.periods import check_grain

    if not isinstance(arg, dict):
        raise where.error("", "{name: nps, below: 30} (and by, segment, variant, filter, min_n)")
    fields = ("name", "below", "above", "by", "segment", "variant", "filter", "min_n")
    hint = "unknown; use name, below or above, by, segment, variant, filter, min_n"
    where.only(arg, fields, hint)
    name = arg.get("name")
    known = {spec.name: spec for spec in REGISTRY}
    if name not in known:
        raise where.error("name", f"{name!r} is not a metric; `cxpulse metrics` lists them")
    if ("below" in arg) == ("above" in arg):
        raise where.error("below", "give one bound: below (e.g. 30) or above")
    bound: Any = arg.get("below", arg.get("above"))
    if not _number(bound):
        raise where.error("below" if "below" in arg else "above", f"a number, not {bound!r}")
    by = str(arg.get("by", "month"))
    if by not in ("day", "week", "month", "quarter", "year"):
        raise where.error("by", "day, week, month, quarter or year")
    check_grain(by)
    variant = arg.get("variant")
    if variant is not None and variant not in known[name].variants:
        listed = ", ".join(known[name].variants)
        raise where.error("variant", f"{variant!r} is not a variant of {name} ({listed})")
    filters = arg.get("filter", {})
    if not isinstance(filters, dict):
        raise where.error("filter", "a mapping such as {touchpoint: delivery}")
    min_n = arg.get("min_n", 30)
    if not _whole(min_n) or min_n < 1:
        raise where.error("min_n", "a whole number of at least 1: periods with fewer are ignored")
    segment = arg.get("segment")
    if segment is not None and (not isinstance(segment, str) or not segment.strip()):
        raise where.error("segment", "a column to watch each group of, such as touchpoint")
    return MetricWatch(
        name=str(name), bound=float(bound), below="below" in arg, by=by,
        segment=segment.strip() if segment else None, variant=variant,
        filters=tuple(sorted((str(k), str(v)) for k, v in filters.items())), min_n=int(min_n),
    )  # fmt: skip


ACTION_OPTIONS = {
    "case": ("sla_hours", "assign"),
    "email": ("to", "subject", "text"),
    "webhook": ("url", "format"),
    "review_request": ("platform",),
    "tag": ("tag",),
}


def _action(value: Any, where: Where) -> Action:
    if not isinstance(value, dict) or len(value) != 1:
        raise where.error("", f"an action is a mapping with one key of {', '.join(ACTIONS)}")
    ((kind, arg),) = value.items()
    if kind not in ACTION_OPTIONS:
        raise where.error(str(kind), f"unknown action; actions are {', '.join(ACTIONS)}")
    if isinstance(arg, dict):  # a misspelt option would be silently dropped: refuse it
        options = ACTION_OPTIONS[kind]
        listed = ", ".join(options)
        where.sub(str(kind)).only(arg, options, f"unknown option; {kind} takes {listed}")
    if kind == "tag":
        tag = arg.get("tag") if isinstance(arg, dict) else arg
        if not isinstance(tag, str) or not tag.strip():
            raise where.error("tag", "a tag name such as 'at-risk'")
        return Action(kind, {"tag": tag.strip()})
    if not isinstance(arg, dict):
        raise where.error(str(kind), "takes a mapping of options")
    w = where.sub(str(kind))
    if kind == "webhook":
        url, fmt = arg.get("url"), arg.get("format", "json")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise w.error("url", "required: an http(s) URL to post to")
        if fmt not in ("json", "slack"):
            raise w.error("format", 'json (the whole event) or slack ({"text": ...})')
        return Action(kind, {"url": url, "format": fmt})
    if kind == "email":
        return Action(kind, _email(arg, w))
    if kind == "review_request":
        platform = arg.get("platform")
        if platform not in PLATFORMS:
            raise w.error("platform", f"one of {', '.join(PLATFORMS)}")
        return Action(kind, {"platform": platform})
    if kind == "case":
        hours = arg.get("sla_hours", 24)
        if not _number(hours) or hours <= 0:
            raise w.error("sla_hours", "hours until first contact is due, above 0 (e.g. 24)")
        assign = arg.get("assign", [])
        if not isinstance(assign, list):
            raise w.error("assign", "a list of assignment rules, the first match wins")
        rules = tuple(_assignment(a, w.sub(f"assign[{i}]")) for i, a in enumerate(assign))
        return Action(kind, {"sla_hours": float(hours)}, rules)
    raise where.error(str(kind), f"unknown action; actions are {', '.join(ACTIONS)}")


def _email(arg: dict[str, Any], where: Where) -> dict[str, Any]:
    """An email action: ``to`` an address, the case ``owner``'s address is not known to
    cxpulse, so the choices are an address (a person or a team list) or ``customer``."""
    from string import Formatter

    from cxpulse.surveys.spec import texts

    to = arg.get("to")
    if not isinstance(to, str) or not (to == "customer" or "@" in to):
        raise where.error("to", "an address (cx-team@acme.com) or customer")
    out: dict[str, Any] = {"to": to}
    for key in ("subject", "text"):
        if key not in arg:
            raise where.error(key, "required: {en: '...', fr: '...'} or one English text")
        value = texts(arg[key], where.sub(key))
        for lang, text in value.items():
            try:
                names = {f for _, f, _, _ in Formatter().parse(text) if f is not None}
            except ValueError as exc:
                raise where.sub(key).error(lang, f"{exc}; write a literal brace as {{{{") from None
            bad = sorted(n for n in names if n not in PLACEHOLDERS)
            if bad:
                raise where.sub(key).error(
                    lang, f"unknown placeholder {{{bad[0]}}}; known: {', '.join(PLACEHOLDERS)}"
                )
        out[key] = value
    return out


def _assignment(value: Any, where: Where) -> Assignment:
    if not isinstance(value, dict):
        raise where.error("", "a mapping such as {segment: smb, team: cx} or {round_robin: [a, b]}")
    fields = (*ASSIGN_KEYS, "team", "owner", "round_robin")
    where.only(value, fields, f"unknown; use {', '.join(fields)}")
    robin = value.get("round_robin", [])
    if not isinstance(robin, list) or not all(isinstance(o, str) for o in robin):
        raise where.error("round_robin", "a list of owners taking turns")
    if not (value.get("team") or value.get("owner") or robin):
        raise where.error("team", "an assignment needs a team, an owner or round_robin")
    match = {k: str(value[k]) for k in ASSIGN_KEYS if k in value}
    owner = value.get("owner")
    team = value.get("team")
    return Assignment(match, str(team) if team else None, str(owner) if owner else None,
                      tuple(robin))  # fmt: skip


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# -- storage ----------------------------------------------------------------------------------
def add_rule(ws: Workspace, path: str | Path, now: datetime) -> Rule:
    """Check a rule file and store it (a rule with the same name is replaced)."""
    rule = load_rule(path)
    check_settings(ws, rule, str(path))
    row = {"name": rule.name, "definition": json.dumps(rule.raw, default=str), "active": True,
           "added_at": now}  # fmt: skip
    frame = ibis.memtable([row], schema=ibis.schema(AUTOMATION_SCHEMAS[AUTOMATION_RULES_TABLE]))
    with ws.store.transaction():
        ws.store.upsert(AUTOMATION_RULES_TABLE, frame, on="name")
    return rule


def check_settings(ws: Workspace, rule: Rule, source: str) -> None:
    """What a rule needs from the workspace settings, checked when it is added rather than at
    every firing."""
    for i, action in enumerate(rule.then):
        if action.kind == "review_request":
            platform = action.options["platform"]
            if not getattr(ws.settings, f"review_url_{platform}"):
                raise (
                    Where(source)
                    .sub(f"then[{i}]")
                    .error(
                        "review_request",
                        f"set your {platform} review page first: cxpulse config set "
                        f"review_url_{platform} https://...",
                    )
                )


def stored_rules(ws: Workspace) -> list[tuple[Rule, datetime]]:
    """Active rules by name, each with the time it was added (a rule acts on causes after it)."""
    t = ws.store.table(AUTOMATION_RULES_TABLE)
    rows = t.filter(t.active).order_by("name").execute()
    return [
        (rule_from_dict(json.loads(r.definition), f"stored rule {r.name}"),
         r.added_at.to_pydatetime())
        for r in rows.itertuples(index=False)
    ]  # fmt: skip


def get_rule(ws: Workspace, name: str) -> tuple[Rule, datetime]:
    for rule, added in stored_rules(ws):
        if rule.name == name:
            return rule, added
    raise ConfigError(f"no rule {name!r}; see `cxpulse rules list` or add it with "
                      "`cxpulse rules add FILE.yaml`")  # fmt: skip
