"""Survey definitions and the link-signing secret, kept in the workspace's operational tables."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import ibis

from cxpulse.errors import ConfigError
from cxpulse.schema import (
    SURVEY_DEFINITIONS_TABLE,
    SURVEY_OPERATIONAL_SCHEMAS,
    SURVEY_SECRETS_TABLE,
)
from cxpulse.surveys.channels import CHANNELS
from cxpulse.surveys.definition import Survey, load_survey, survey_from_dict

if TYPE_CHECKING:
    from cxpulse.context import Context


def add_survey(ws: Context, path: str | Path, now: datetime) -> Survey:
    """Check a YAML file and store it (a survey with the same id is replaced)."""
    survey = load_survey(path, ws.kinds[CHANNELS])
    row = {
        "survey_id": survey.id,
        "definition": json.dumps(survey.raw, default=str),
        "active": True,
        "added_at": now,
    }
    frame = ibis.memtable(
        [row], schema=ibis.schema(SURVEY_OPERATIONAL_SCHEMAS[SURVEY_DEFINITIONS_TABLE])
    )
    with ws.store.transaction():
        ws.store.upsert(SURVEY_DEFINITIONS_TABLE, frame, on="survey_id")
    return survey


def surveys(ws: Context, active_only: bool = True) -> list[Survey]:
    """The stored surveys, by id."""
    t = ws.store.table(SURVEY_DEFINITIONS_TABLE)
    if active_only:
        t = t.filter(t.active)
    rows = t.order_by("survey_id").execute()
    channels = ws.kinds[CHANNELS]
    return [
        survey_from_dict(json.loads(r.definition), f"stored survey {r.survey_id}", channels)
        for r in rows.itertuples(index=False)
    ]


class SurveyShelf:
    """The active surveys, parsed once, for hot paths such as the answer endpoint (parsing
    every definition for each batch of answers cost as much as writing the answers).

    The stored definitions are read again when the shelf is older than ``max_age`` seconds or
    is asked for a survey it does not hold, so an edit by any process (the survey editor,
    `cxpulse surveys add` on PostgreSQL) applies within a second; a survey added a moment ago
    applies at once."""

    def __init__(self, max_age: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_age = max_age
        self._clock = clock
        self._read_at: float | None = None
        self._by_id: dict[str, Survey] = {}

    def active(self, ws: Context, wanted: Iterable[str] = ()) -> dict[str, Survey]:
        """The active surveys by id; ``wanted``: ids the caller needs (read again if missing)."""
        now = self._clock()
        stale = self._read_at is None or now - self._read_at >= self.max_age
        if stale or any(w not in self._by_id for w in wanted):
            self._by_id = {s.id: s for s in surveys(ws)}
            self._read_at = now
        return self._by_id


def get_survey(ws: Context, survey_id: str) -> Survey:
    for survey in surveys(ws, active_only=False):
        if survey.id == survey_id:
            return survey
    raise ConfigError(f"no survey {survey_id!r}; add it with `cxpulse surveys add FILE.yaml`")


def link_secret(ws: Context, now: datetime) -> bytes:
    """The workspace's HMAC secret for survey links, generated on first use and stored, so
    links stay valid across processes and restarts."""
    return stored_secret(ws, "links", now)


def stored_secret(ws: Context, name: str, now: datetime) -> bytes:
    """A 32-byte secret of the workspace by name (``links``, ``widget``), made on first use."""
    t = ws.store.table(SURVEY_SECRETS_TABLE)
    found = t.filter(t.name == name).value.execute()
    if len(found):
        return bytes.fromhex(str(found.iloc[0]))
    value = secrets.token_hex(32)
    ws.store.insert(SURVEY_SECRETS_TABLE, [{"name": name, "value": value, "created_at": now}])
    return bytes.fromhex(value)
