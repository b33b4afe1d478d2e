"""Survey definitions edited as YAML text (the web editor): check, locate errors, preview, save.

A checked survey is stored exactly as `cxpulse surveys add` stores a file. Errors keep the
library's wording (:class:`~cxpulse.surveys.spec.Where`: ``SOURCE: field 'questions[0].points':
...``); :func:`check_text` also gives the field path and the line of the YAML text it points
at, so an editor can show the message next to the field.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import ibis
import yaml

from cxpulse.errors import ConfigError
from cxpulse.kinds import Registry
from cxpulse.schema import SURVEY_DEFINITIONS_TABLE, SURVEY_OPERATIONAL_SCHEMAS
from cxpulse.settings import Settings
from cxpulse.surveys.channels import Channel
from cxpulse.surveys.definition import Survey, survey_from_dict

if TYPE_CHECKING:
    from cxpulse.context import Context

SOURCE = "survey.yaml"
PREVIEW_TOKEN = "preview"  # score links in a preview go nowhere valid: no invitation is signed
_FIELD = re.compile(r"field '([^']*)': ")
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


@dataclass(frozen=True)
class Problem:
    """What is wrong with a survey text, where: ``field`` is the path ('questions[0].points',
    empty for the whole text), ``line`` the 1-based line of the YAML text (None if unknown)."""

    message: str
    field: str = ""
    line: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"message": self.message, "field": self.field, "line": self.line}


def check_text(
    text: str, source: str = SOURCE, channels: Registry[type[Channel]] | None = None
) -> tuple[Survey | None, Problem | None]:
    """The survey a YAML text defines, or the first problem with it (never both);
    ``channels``: a workspace's (the built-ins when None)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        return None, Problem(f"{source}: not valid YAML ({reason})", "", line)
    try:
        return survey_from_dict(data, source, channels), None
    except ConfigError as exc:
        message = str(exc)
        found = _FIELD.search(message)
        path = found[1] if found else ""
        return None, Problem(message, path, locate(text, path))


def locate(text: str, path: str) -> int | None:
    """The 1-based line of the YAML node at ``path`` (``questions[0].points``); the nearest
    parent that exists when the field itself is missing."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return None
    if node is None:
        return None
    line: int = node.start_mark.line + 1
    for name, index in _STEP.findall(path):
        child = None
        if name and isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == name:
                    child, line = value, key.start_mark.line + 1
                    break
        elif index and isinstance(node, yaml.SequenceNode) and int(index) < len(node.value):
            child = node.value[int(index)]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line


def to_text(survey: Survey) -> str:
    """A stored survey as YAML, in the order it was written."""
    return definition_text(survey.raw)


def definition_text(raw: dict[str, Any]) -> str:
    return yaml.safe_dump(raw, allow_unicode=True, sort_keys=False, width=100)


def save_survey(ws: Context, survey: Survey, now: datetime) -> None:
    """Store a checked survey (one with the same id is replaced), as `cxpulse surveys add`."""
    row = {
        "survey_id": survey.id,
        "definition": json.dumps(survey.raw, default=str),
        "active": True,
        "added_at": now,
    }
    schema = ibis.schema(SURVEY_OPERATIONAL_SCHEMAS[SURVEY_DEFINITIONS_TABLE])
    with ws.store.transaction():
        ws.store.upsert(SURVEY_DEFINITIONS_TABLE, [row], schema=schema, on="survey_id")


def email_preview(settings: Settings, survey: Survey, language: str) -> dict[str, str]:
    """The survey email as a customer in ``language`` would get it: subject, text and HTML."""
    from cxpulse.surveys.email import build_message

    msg = build_message(settings, survey, PREVIEW_TOKEN, language, "customer@example.com")
    parts: dict[str, str] = {"subject": str(msg["Subject"]), "text": "", "html": ""}
    for part in msg.walk():
        kind = part.get_content_type()
        if kind in ("text/plain", "text/html"):
            parts["text" if kind == "text/plain" else "html"] = str(part.get_content())
    return parts


def widget_preview(survey: Survey, language: str) -> dict[str, Any]:
    """What the widget (or the response page) shows in ``language``: the same view the signed
    link gives, without answers."""
    from cxpulse.surveys.links import _question_view  # one builder, so the preview cannot drift

    return {
        "survey": survey.id,
        "language": language,
        "intro": survey.intro.get(language) or survey.intro.get("en", ""),
        "questions": [_question_view(q, language) for q in survey.questions],
        "answers": {},
    }
