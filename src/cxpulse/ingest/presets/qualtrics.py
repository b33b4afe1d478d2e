"""Qualtrics' response data download (Data & Analysis > Export & Import > Export Data, CSV),
the NPS question into survey_responses.

Qualtrics documents the layout ("Understanding Your Dataset",
https://www.qualtrics.com/support/survey-platform/data-and-analysis-module/data/download-data/understanding-your-dataset/):
CSV and TSV files have three header rows: the field's internal id (``StartDate``,
``EndDate``, ``RecordedDate``, ``ResponseId``, ``ExternalReference``, ``DistributionChannel``,
``UserLanguage``, ``Q1``...), then the question text, then a JSON object per column
(``{"ImportId":"recordedDate","timeZone":"America/Denver"}``). An NPS question has its answer
in ``Qn`` (0-10, or the choice text such as ``10 - Extremely likely``) and its group in
``Qn_NPS_GROUP``. ``reshape`` drops rows two and three (the first data row keeps its line 4),
finds the NPS question by its ``_NPS_GROUP`` twin or its text, the follow-up question by its
text, and reads the dates in the zone the third row names. Partial responses
(``Finished`` 0) are kept: a score counts even without the rest.
"""

from __future__ import annotations

import json
from functools import partial
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from cxpulse.ingest.presets.preset import Preset
from cxpulse.ingest.presets.reshaping import (
    FOLLOW_UP,
    NPS,
    NPS_ANSWER,
    add_columns,
    find_nps,
    find_reason,
    header_rows,
    map_values,
    score_values,
    zoned,
)
from cxpulse.ingest.readers import RawFile

_CHANNELS = {"email": "email", "sms": "sms", "anonymous": "web", "gl": "web", "social": "social"}


def _import_ids(row: list[str | None]) -> list[dict[str, str]]:
    ids: list[dict[str, str]] = []
    for cell in row:
        try:
            found = json.loads(cell or "{}")
        except json.JSONDecodeError:
            found = {}
        ids.append(found if isinstance(found, dict) else {})
    return ids


def _is_import_row(cells: list[object]) -> bool:
    """Qualtrics' third header row: ``{"ImportId":...}`` in its cells."""
    return any(isinstance(c, str) and c.lstrip().startswith('{"ImportId"') for c in cells)


def reshape(raw: RawFile) -> RawFile:
    columns = [str(c) for c in raw.frame.columns]
    texts: list[str | None] = [None] * len(columns)
    imports: list[str | None] = [None] * len(columns)
    if len(raw.frame) >= 2 and _is_import_row(raw.frame.iloc[1].tolist()):
        (texts, imports), raw = header_rows(raw, 2)
    elif len(raw.frame) >= 1 and _is_import_row(raw.frame.iloc[0].tolist()):
        (imports,), raw = header_rows(raw, 1)  # exported without the question-text row
    frame = raw.frame
    added: dict[str, pd.Series] = {}
    origins: dict[str, str] = {}
    grouped = [c.removesuffix("_NPS_GROUP") for c in columns if c.endswith("_NPS_GROUP")]
    names = [t or c for t, c in zip(texts, columns, strict=True)]
    nps = next((c for c in grouped if c in columns), None) or find_nps(frame, names)
    if nps is not None:
        added[NPS_ANSWER] = score_values(frame[nps])
        origins[NPS_ANSWER] = nps
        reason = find_reason(frame, nps, names)
        if reason is not None:
            added[FOLLOW_UP] = frame[reason]
            origins[FOLLOW_UP] = reason
    for column, meta in zip(columns, _import_ids(imports), strict=True):
        zone_name = meta.get("timeZone") if isinstance(meta, dict) else None
        if zone_name and column in ("RecordedDate", "EndDate", "StartDate"):
            try:
                zone = ZoneInfo(zone_name)
            except (ZoneInfoNotFoundError, ValueError):
                continue  # an unknown zone: the workspace's zone applies
            added[column] = map_values(frame[column], partial(zoned, zone=zone))
    if "UserLanguage" in columns:  # EN, FR, EN-GB, PT-BR: ISO 639-1 is the first two letters
        added["UserLanguage"] = map_values(frame["UserLanguage"], lambda v: v[:2].lower())
    if "DistributionChannel" in columns:
        added["DistributionChannel"] = map_values(
            frame["DistributionChannel"], lambda v: _CHANNELS.get(v.lower(), "other")
        )
    return add_columns(raw, added, origins)


QUALTRICS = Preset(
    name="qualtrics",
    table="survey_responses",
    doc="Qualtrics > Data & Analysis > Export Data (CSV, three header rows), NPS question",
    columns={
        "response_id": ("ResponseId", "ResponseID", "Response ID"),
        "responded_at": ("RecordedDate", "EndDate", "Recorded Date", "End Date"),
        "score": (NPS_ANSWER,),
        "comment": (FOLLOW_UP,),
        "customer_id": ("ExternalReference", "ExternalDataReference", "External Data Reference"),
        "language": ("UserLanguage", "User Language"),
        "channel": ("DistributionChannel", "Distribution Channel"),
    },
    constants=dict(NPS),
    confirmed=True,
    requires=("score",),
    reshape=reshape,
)
