"""Delighted's responses download (a project's Dashboard > Export > CSV) into
survey_responses.

The fields are those of Delighted's survey response object (API documentation, "Listing
survey responses", https://delighted.com/docs/api/listing-survey-responses): ``id``,
``person``, ``survey_type``, ``score``, ``comment``, ``permalink``, ``created_at`` and
``updated_at`` (Unix seconds), ``person_properties``. The CSV writes them as ``Response ID``,
``Person ID``, ``Email``, ``Score``, ``Comment``, ``Permalink``, ``Created (timestamp)``,
``Updated (timestamp)`` and one column per person property; those column names are NOT
confirmed against a real file, so the usual variants are listed. ``reshape`` reads Unix
timestamps and the survey type when the file has one (an NPS project is 0-10; CSAT 1-5;
CES 1-7, high is easy; 5-star 1-5; smileys 1-5); without one the project is read as NPS,
Delighted's default. Properties fill the survey_responses columns that exist
(``Customer ID`` -> customer_id, ``Locale``/``Language`` -> language, ``Channel``/
``Delighted Source`` -> channel, ``Touchpoint``, ``Ticket ID``, ``Agent ID``); the others are
reported as ignored. A person's email has no column in survey_responses.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from cxpulse.ingest.presets.preset import Preset
from cxpulse.ingest.presets.reshaping import add_columns, map_values, unix_seconds
from cxpulse.ingest.readers import RawFile

TYPE = "(question type)"
SCALE_MIN = "(scale min)"
SCALE_MAX = "(scale max)"
POLARITY = "(polarity)"
CREATED = "(created at)"
_TYPE_COLUMNS = ("Survey Type", "survey_type", "Type")
_CREATED = ("Created (timestamp)", "Created At", "Created", "Response timestamp", "created_at")
_KINDS = {
    "nps": ("nps", "0", "10", "high_is_good"),
    "csat": ("csat", "1", "5", "high_is_good"),
    "ces": ("ces", "1", "7", "high_is_easy"),
    "star": ("rating", "1", "5", "high_is_good"),
    "smiley": ("rating", "1", "5", "high_is_good"),
    "enps": ("nps", "0", "10", "high_is_good"),
}
_CHANNELS = {"email": "email", "sms": "sms", "web": "web", "link": "web", "kiosk": "other"}


def _part(index: int) -> Callable[[str], str | None]:
    def pick(value: str) -> str | None:
        kind = _KINDS.get(value.strip().lower())
        return kind[index] if kind else None

    return pick


def _first(frame: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    loose = {str(c).strip().lower(): str(c) for c in frame.columns}
    return next((loose[n.lower()] for n in names if n.lower() in loose), None)


def reshape(raw: RawFile) -> RawFile:
    frame = raw.frame
    kind_column = _first(frame, _TYPE_COLUMNS)
    kinds = frame[kind_column] if kind_column else pd.Series(["nps"] * len(frame), dtype=str)
    kinds.index = frame.index
    added: dict[str, pd.Series] = {
        TYPE: map_values(kinds, _part(0)),
        SCALE_MIN: map_values(kinds, _part(1), keep_unknown=False),
        SCALE_MAX: map_values(kinds, _part(2), keep_unknown=False),
        POLARITY: map_values(kinds, _part(3), keep_unknown=False),
    }
    created = _first(frame, _CREATED)
    if created is not None:  # Unix seconds as the API writes them; a date stays as it is
        added[CREATED] = map_values(frame[created], unix_seconds)
    channel = _first(frame, ("Channel", "Delighted Source", "Survey Channel"))
    if channel is not None:
        added[channel] = map_values(frame[channel], lambda v: _CHANNELS.get(v.lower(), "other"))
    language = _first(frame, ("Locale", "Language", "Delighted Locale"))
    if language is not None:  # en, en-US, fr_FR: ISO 639-1 is the first two letters
        added[language] = map_values(frame[language], lambda v: v[:2].lower())
    origins: dict[str, str] = {}
    if kind_column is not None:
        origins = {name: kind_column for name in (TYPE, SCALE_MIN, SCALE_MAX, POLARITY)}
    if created is not None:
        origins[CREATED] = created
    return add_columns(raw, added, origins)


DELIGHTED = Preset(
    name="delighted",
    table="survey_responses",
    doc="Delighted > Dashboard > Export (CSV of responses)",
    columns={
        "response_id": ("Response ID", "Response Id", "id"),
        "question_type": (TYPE,),
        "scale_min": (SCALE_MIN,),
        "scale_max": (SCALE_MAX,),
        "polarity": (POLARITY,),
        "score": ("Score", "score"),
        "comment": ("Comment", "comment"),
        "responded_at": (CREATED,),
        "customer_id": ("Customer ID", "customer_id", "Customer Id"),
        "language": ("Locale", "Language", "Delighted Locale"),
        "channel": ("Channel", "Delighted Source", "Survey Channel"),
        "touchpoint": ("Touchpoint", "touchpoint"),
        "ticket_id": ("Ticket ID", "ticket_id"),
        "agent_id": ("Agent ID", "agent_id"),
    },
    reshape=reshape,
)
