"""HubSpot's feedback submissions export (Service > Feedback surveys > a survey's responses,
or the Feedback submissions index > Export, CSV) into survey_responses: NPS, CSAT and CES.

The properties are HubSpot's documented feedback-submission properties (Survey responses API,
https://developers.hubspot.com/docs/api/crm/feedback-submissions): ``hs_object_id``,
``hs_survey_type``, ``hs_response_value``, ``hs_content``, ``hs_submission_timestamp``,
``hs_survey_channel``, ``hs_survey_id``. An export from HubSpot's screens names columns by the
properties' labels (``Record ID``, ``Survey type``, ``Response value``, ``Feedback``,
``Submitted date``...): those labels are NOT confirmed against a real file, so both spellings
are listed. ``reshape`` turns the survey type into the question type, scale and polarity:
NPS 0-10; CES 1-7, high is easy ("The company made it easy for me to handle my issue");
CSAT on HubSpot's three faces, read as 1-3 whether the export writes the words
(Dissatisfied, Neutral, Satisfied) or 0-2 as some integrations report them. A custom survey
has no scale cxpulse can know and is rejected with its line (``--on-error skip`` imports the
rest). The contact's email has no column in survey_responses: map the contact's id
(``--map "Contact ID=customer_id"``) when the workspace keys customers by HubSpot id.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from cxpulse.ingest.presets.preset import Preset
from cxpulse.ingest.presets.reshaping import add_columns, map_values
from cxpulse.ingest.readers import RawFile

TYPE = "(question type)"
SCALE_MIN = "(scale min)"
SCALE_MAX = "(scale max)"
POLARITY = "(polarity)"
SCORE = "(score)"
_SURVEY_TYPE = ("hs_survey_type", "Survey type", "Feedback survey type", "Survey Type")
_VALUE = ("hs_response_value", "Response value", "Rating", "Value", "hs_value")
_KINDS = {
    "nps": ("nps", "0", "10", "high_is_good"),
    "loyalty": ("nps", "0", "10", "high_is_good"),
    "net promoter score": ("nps", "0", "10", "high_is_good"),
    "csat": ("csat", "1", "3", "high_is_good"),
    "satisfaction": ("csat", "1", "3", "high_is_good"),
    "customer satisfaction": ("csat", "1", "3", "high_is_good"),
    "ces": ("ces", "1", "7", "high_is_easy"),
    "effort": ("ces", "1", "7", "high_is_easy"),
    "customer effort score": ("ces", "1", "7", "high_is_easy"),
}
_FACES = {
    "dissatisfied": "1",
    "not satisfied": "1",
    "negative": "1",
    "neutral": "2",
    "satisfied": "3",
    "positive": "3",
    "0": "1",
    "1": "2",
    "2": "3",
}


def _column(frame: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    loose = {str(c).strip().lower(): str(c) for c in frame.columns}
    return next((loose[n.lower()] for n in names if n.lower() in loose), None)


def _part(index: int) -> Callable[[str], str | None]:
    """One part (type, scale min, scale max, polarity) of what a survey type means."""

    def pick(value: str) -> str | None:
        kind = _KINDS.get(value.strip().lower().replace("_", " "))
        return kind[index] if kind else None

    return pick


def reshape(raw: RawFile) -> RawFile:
    frame = raw.frame
    kind_column, value_column = _column(frame, _SURVEY_TYPE), _column(frame, _VALUE)
    if kind_column is None:
        return raw  # the import says which required columns are missing
    kinds = frame[kind_column]
    added = {
        # an unknown type stays as written, so the import rejects the row naming its line
        TYPE: map_values(kinds, _part(0)),
        SCALE_MIN: map_values(kinds, _part(1), keep_unknown=False),
        SCALE_MAX: map_values(kinds, _part(2), keep_unknown=False),
        POLARITY: map_values(kinds, _part(3), keep_unknown=False),
    }
    if value_column is not None:
        values = frame[value_column]
        csat = added[TYPE] == "csat"
        faces = map_values(values, lambda v: _FACES.get(v.lower()))
        added[SCORE] = values.where(~csat.fillna(False).to_numpy(dtype=bool), faces)
    origins = {name: kind_column for name in (TYPE, SCALE_MIN, SCALE_MAX, POLARITY)}
    if value_column is not None:
        origins[SCORE] = value_column
    return add_columns(raw, added, origins)


HUBSPOT_FEEDBACK = Preset(
    name="hubspot-feedback",
    table="survey_responses",
    doc="HubSpot > Feedback surveys > responses > Export (CSV): NPS, CSAT, CES",
    columns={
        "response_id": ("hs_object_id", "Record ID", "Feedback submission ID", "Submission ID"),
        "question_type": (TYPE,),
        "scale_min": (SCALE_MIN,),
        "scale_max": (SCALE_MAX,),
        "polarity": (POLARITY,),
        "score": (SCORE,),
        "comment": ("hs_content", "Feedback", "Response", "Content", "Comment"),
        "responded_at": (
            "hs_submission_timestamp",
            "Submitted date",
            "Submission date",
            "Submitted at",
            "hs_createdate",
            "Create date",
        ),
        "survey_id": ("hs_survey_id", "Survey ID"),
        "ticket_id": ("Associated ticket ID", "Ticket ID"),
    },
    reshape=reshape,
)
