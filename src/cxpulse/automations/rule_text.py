"""Rules written as YAML text (the API and editors): check with the field path and line, store,
and read a stored rule whether it is enabled or not."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

import ibis
import yaml

from cxpulse.automations.rules import Rule, check_settings, rule_from_dict
from cxpulse.errors import ConfigError
from cxpulse.schema import AUTOMATION_RULES_TABLE, AUTOMATION_SCHEMAS, LANGUAGES
from cxpulse.surveys.editor import Problem, locate

if TYPE_CHECKING:
    from cxpulse.context import Context
    from cxpulse.kinds import Kinds

SOURCE = "rule.yaml"


def check_rule_text(
    text: str, source: str = SOURCE, kinds: Kinds | None = None
) -> tuple[Rule | None, Problem | None]:
    """The rule a YAML (or JSON) text defines, or the first problem with it (never both);
    ``kinds``: the workspace's conditions and actions (else the built-ins)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc)
        return None, Problem(
            f"{source}: not valid YAML ({reason})", "", mark.line + 1 if mark is not None else None
        )
    return check_rule_data(data, source, text, kinds)


def check_rule_data(
    data: Any, source: str = SOURCE, text: str | None = None, kinds: Kinds | None = None
) -> tuple[Rule | None, Problem | None]:
    try:
        return rule_from_dict(data, source, kinds), None
    except ConfigError as exc:
        message = str(exc)
        path = message.split("field '", 1)[1].split("'", 1)[0] if "field '" in message else ""
        return None, Problem(message, path, locate(text, path) if text is not None else None)


def save_rule(ws: Context, rule: Rule, now: datetime, active: bool = True) -> None:
    """Store a checked rule (one with the same name is replaced), as `cxpulse rules add`. The
    time it is stored is when it starts acting: causes before it are left alone. What the
    rule needs from the settings (a review page...) is checked first, as `rules add` does."""
    check_settings(ws, rule, SOURCE)
    row = {
        "name": rule.name,
        "definition": json.dumps(rule.raw, default=str),
        "active": active,
        "added_at": now,
    }
    frame = ibis.memtable([row], schema=ibis.schema(AUTOMATION_SCHEMAS[AUTOMATION_RULES_TABLE]))
    with ws.store.transaction():
        ws.store.upsert(AUTOMATION_RULES_TABLE, frame, on="name")


def stored_rule(ws: Context, name: str) -> dict[str, Any]:
    """A stored rule, enabled or not: ``rule``, ``active``, ``added_at``."""
    t = ws.store.table(AUTOMATION_RULES_TABLE)
    rows = t.filter(t.name == name).execute()
    if rows.empty:
        raise ConfigError(
            f"no rule {name!r}; see `cxpulse rules list` or add it with "
            "`cxpulse rules add FILE.yaml`"
        )
    r = rows.iloc[0]
    return {
        "rule": rule_from_dict(json.loads(r.definition), f"stored rule {name}", ws.kinds),
        "active": bool(r.active),
        "added_at": r.added_at.to_pydatetime(),
    }


def rule_in_words(ws: Context, name: str, lang: str = "en") -> dict[str, Any]:
    """A stored rule (enabled or not) as `cxpulse rules show` prints it: ``when`` and each of
    ``then`` in words (``lang``: en or fr; webhook URLs shortened), the whole ``sentence``, and
    its ``definition`` as written."""
    if lang not in LANGUAGES:
        raise ConfigError(f"unknown language {lang!r}: use {' or '.join(LANGUAGES)}")
    found = stored_rule(ws, name)
    rule: Rule = found["rule"]
    return {"name": rule.name, "enabled": found["active"], "added_at": found["added_at"],
            "description": rule.description, "when": rule.when.describe(lang),
            "then": [a.describe(lang) for a in rule.then], "sentence": rule.describe(lang),
            "definition": rule.raw}  # fmt: skip
