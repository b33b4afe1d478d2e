"""Typeform's responses download (Results > Responses > Download all responses, CSV), the
NPS question into survey_responses.

NOT confirmed against a real file: Typeform's API reference documents the fields each
response carries (``response_id``/token, ``landed_at``, ``submitted_at``, hidden fields;
https://typeform.com/developers/responses/reference/retrieve-responses), and the download
writes them as ``#`` (the response token), one column per question named by its text, one
per hidden field, then ``Start Date (UTC)``, ``Stage Date (UTC)``, ``Submit Date (UTC)``,
``Network ID``, ``Tags``. ``reshape`` finds the NPS question by its text ("How likely are
you to recommend...") or, failing that, as the only column of 0-10 answers
(``--map "THEIR QUESTION=score"`` when several qualify), the follow-up question by its text,
and dates a partial response (no submit date) by its stage or start date. A hidden field named
``customer_id`` is matched by name.
"""

from __future__ import annotations

from cxpulse.ingest.presets.preset import Preset
from cxpulse.ingest.presets.reshaping import (
    FOLLOW_UP,
    NPS,
    NPS_ANSWER,
    add_columns,
    blank,
    nps_columns,
)
from cxpulse.ingest.readers import RawFile

ANSWERED = "(answered at)"
_DATES = ("Submit Date (UTC)", "Stage Date (UTC)", "Start Date (UTC)")


def reshape(raw: RawFile) -> RawFile:
    frame = raw.frame
    added, origins = nps_columns(frame)
    dates = [c for c in _DATES if c in frame.columns]
    if dates:
        when = frame[dates[0]].copy()
        for later in dates[1:]:  # a partial response was never submitted
            missing = blank(when)
            when[missing] = frame[later][missing]
        added[ANSWERED] = when
        origins[ANSWERED] = dates[0]
    return add_columns(raw, added, origins)


TYPEFORM = Preset(
    name="typeform",
    table="survey_responses",
    doc="Typeform > Results > Responses > Download all responses (CSV), NPS question",
    columns={
        "response_id": ("#", "Response ID", "Token", "response_id"),
        "responded_at": (ANSWERED, "Submitted At", "submitted_at"),
        "score": (NPS_ANSWER,),
        "comment": (FOLLOW_UP,),
    },
    constants=dict(NPS),
    timezone="UTC",  # the export says so in its headers
    requires=("score",),
    reshape=reshape,
)
