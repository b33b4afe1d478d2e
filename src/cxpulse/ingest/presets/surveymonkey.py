"""SurveyMonkey's "All responses data" export (Analyze results > Save as > Export file >
All responses data, CSV), the NPS question into survey_responses.

NOT confirmed against a real file: the layout follows SurveyMonkey's help pages on exports
as quoted by tools that read them (SurveyMonkey's own pages were not reachable from here):
TWO header rows, the question text (blank over the further columns of a question) then
``Response``, ``Open-Ended Response`` or each option's name; fixed columns ``Respondent
ID``, ``Collector ID``, ``Start Date``, ``End Date``, ``IP Address``, ``Email Address``,
``First Name``, ``Last Name``, ``Custom Data 1``; dates written ``07/15/2025 10:02:33 AM``
(month first) in the account's time zone. ``reshape`` drops the second header row (the first
response keeps its line 3), names a question's further columns ``question | option``, finds
the NPS question by its text ("How likely is it that you would recommend...") or its 0-10
answers, and reads the dates. ``Email Address`` has no column in survey_responses: use
``--map "Custom Data 1=customer_id"`` when the customer id was passed as custom data.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from cxpulse.ingest.presets.preset import Preset
from cxpulse.ingest.presets.reshaping import (
    FOLLOW_UP,
    NPS,
    NPS_ANSWER,
    add_columns,
    header_rows,
    map_values,
    nps_columns,
    with_frame,
)
from cxpulse.ingest.readers import RawFile

_SUB_HEADERS = {"response", "open-ended response"}


def us_time(value: str) -> str | None:
    """``07/15/2025 10:02:33 AM`` (SurveyMonkey's month-first US form) as ISO local time."""
    for form in ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y"):
        try:
            return datetime.strptime(value, form).isoformat(sep=" ")
        except ValueError:
            continue
    return None


def reshape(raw: RawFile) -> RawFile:
    if not len(raw.frame):
        return raw
    second = [v.strip() if isinstance(v, str) else "" for v in raw.frame.iloc[0].tolist()]
    if not any(v.lower() in _SUB_HEADERS for v in second):
        return _derive(raw)  # a file without the second header row
    _, raw = header_rows(raw, 1)
    names: list[str] = []
    question = ""
    for column, sub in zip([str(c) for c in raw.frame.columns], second, strict=True):
        if not column.startswith("(column "):
            question = column
            names.append(column)
        else:  # a blank first header: a further option of the question before it
            names.append(f"{question} | {sub}" if sub else column)
    frame = raw.frame.copy()
    frame.columns = pd.Index(names)
    return _derive(with_frame(raw, frame))


def _derive(raw: RawFile) -> RawFile:
    frame = raw.frame
    added, origins = nps_columns(frame)
    for column in ("Start Date", "End Date"):
        if column in frame.columns:
            added[column] = map_values(frame[column], us_time)
    return add_columns(raw, added, origins)


SURVEYMONKEY = Preset(
    name="surveymonkey",
    table="survey_responses",
    doc="SurveyMonkey > Analyze results > Export > All responses data (CSV), NPS question",
    columns={
        "response_id": ("Respondent ID", "RespondentID", "Response ID"),
        "responded_at": ("End Date", "EndDate", "Start Date"),
        "score": (NPS_ANSWER,),
        "comment": (FOLLOW_UP,),
    },
    constants=dict(NPS),
    requires=("score",),
    reshape=reshape,
)
