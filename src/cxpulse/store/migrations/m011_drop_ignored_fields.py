"""Migration 11 (3ababd6): survey questions and rule actions now refuse unknown fields instead
of ignoring them; drop those fields from stored definitions (they changed nothing) so they still
load. The fields known then are written out here: this migration must not follow later
changes of the survey or rule formats."""

from __future__ import annotations

import json
from typing import Any

import ibis
import pandas as pd

from cxpulse.store.connect import Store
from cxpulse.store.migrations.base import B, Migration, S, T

QUESTION_FIELDS = ("id", "type", "text", "points", "polarity", "choices", "follow_up")
FOLLOW_UP_FIELDS = ("scores", "text")
ACTION_OPTIONS = {
    "case": ("sla_hours", "assign"),
    "email": ("to", "subject", "text"),
    "webhook": ("url", "format"),
    "review_request": ("platform",),
    "tag": ("tag",),
}
DEFINITIONS = {"definition": S, "active": B, "added_at": T}


def drop_ignored_fields(data: dict[str, Any]) -> dict[str, Any]:
    """A survey without the question and follow-up fields cxpulse accepted and ignored."""
    out = dict(data)
    questions = out.get("questions")
    if isinstance(questions, list):
        out["questions"] = [_known_question_fields(q) for q in questions]
    return out


def _known_question_fields(q: Any) -> Any:
    if not isinstance(q, dict):
        return q
    kept = {k: v for k, v in q.items() if k in QUESTION_FIELDS}
    if isinstance(kept.get("follow_up"), list):
        kept["follow_up"] = [
            {k: v for k, v in f.items() if k in FOLLOW_UP_FIELDS} if isinstance(f, dict) else f
            for f in kept["follow_up"]
        ]
    return kept


def drop_ignored_options(data: dict[str, Any]) -> dict[str, Any]:
    """A rule without the action options cxpulse accepted and ignored (``sla_hour``)."""
    out = dict(data)
    then = out.get("then")
    if isinstance(then, list):
        out["then"] = [_known_options(a) for a in then]
    return out


def _known_options(action: Any) -> Any:
    if not isinstance(action, dict) or len(action) != 1:
        return action
    ((kind, arg),) = action.items()
    if kind not in ACTION_OPTIONS or not isinstance(arg, dict):
        return action
    return {kind: {k: v for k, v in arg.items() if k in ACTION_OPTIONS[kind]}}


def apply(store: Store) -> None:
    for table, key, clean in (
        ("survey_definitions", "survey_id", drop_ignored_fields),
        ("automation_rules", "name", drop_ignored_options),
    ):
        changed = []
        for row in store.table(table).execute().to_dict("records"):
            stored = json.loads(row["definition"])
            cleaned = clean(stored) if isinstance(stored, dict) else stored
            if cleaned != stored:
                changed.append({**row, "definition": json.dumps(cleaned, default=str)})
        if changed:  # an upsert, not hand-quoted SQL: the same on DuckDB and PostgreSQL
            schema = ibis.schema({key: S, **DEFINITIONS})
            frame = ibis.memtable(pd.DataFrame(changed), schema=schema)
            store.con.upsert(table, frame, on=key)


MIGRATION = Migration(11, "stored surveys and rules without ignored fields", apply)
