"""The stored surveys with their state: listed with whether they are active, switched on or off.

An inactive survey stays stored with its invitations and answers; :func:`cxpulse.surveys.store.
surveys` leaves it out of runs until it is activated again.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from cxpulse.errors import ConfigError
from cxpulse.schema import SURVEY_DEFINITIONS_TABLE
from cxpulse.surveys.channels import CHANNELS
from cxpulse.surveys.definition import Survey, survey_from_dict

if TYPE_CHECKING:
    from cxpulse.context import Context


def survey_entries(ws: Context, survey_id: str | None = None) -> list[dict[str, Any]]:
    """Every stored survey by id (or the one asked for): ``survey``, ``active``, ``added_at``."""
    t = ws.store.table(SURVEY_DEFINITIONS_TABLE)
    if survey_id is not None:
        t = t.filter(t.survey_id == survey_id)
    rows = t.order_by("survey_id").execute()
    channels = ws.kinds[CHANNELS]
    return [
        {
            "survey": survey_from_dict(
                json.loads(r.definition), f"stored survey {r.survey_id}", channels
            ),
            "active": bool(r.active),
            "added_at": r.added_at.to_pydatetime(),
        }
        for r in rows.itertuples(index=False)
    ]


def survey_entry(ws: Context, survey_id: str) -> dict[str, Any]:
    found = survey_entries(ws, survey_id)
    if not found:
        raise ConfigError(f"no survey {survey_id!r}; add it with `cxpulse surveys add FILE.yaml`")
    return found[0]


def set_survey_active(ws: Context, survey_id: str, active: bool) -> Survey:
    """Activate or deactivate a stored survey (what it already collected is kept)."""
    survey: Survey = survey_entry(ws, survey_id)["survey"]
    with ws.store.transaction():
        ws.store.update(SURVEY_DEFINITIONS_TABLE, {"survey_id": survey_id}, {"active": active})
    return survey
