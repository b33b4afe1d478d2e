"""/api/v1/surveys: list, read, create, update, activate and deactivate survey definitions.

A definition is sent as YAML text (the file `cxpulse surveys add` reads) or as the same thing
in JSON; it goes through the same checks, and a problem is a 422 naming the field path
(``questions[0].points``) and, for YAML, the line.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from cxpulse.accounts.users import Permission
from cxpulse.errors import ImportRejected, Problem
from cxpulse.kinds import Registry
from cxpulse.records import clean
from cxpulse.surveys.catalog import set_survey_active, survey_entries
from cxpulse.surveys.channels import CHANNELS, Channel
from cxpulse.surveys.definition import Survey, survey_from_dict
from cxpulse.surveys.editor import Problem as TextProblem
from cxpulse.surveys.editor import check_text, definition_text, save_survey
from cxpulse.web import visible
from cxpulse.web.security import Principal, require
from cxpulse.web.state import WebState, get_state

router = APIRouter(prefix="/api/v1", tags=["surveys"])
Reader = Annotated[Principal, Depends(require(Permission.read))]
Editor = Annotated[Principal, Depends(require(Permission.edit))]
State = Annotated[WebState, Depends(get_state)]
YAML_TYPES = ("text/yaml", "application/yaml", "application/x-yaml", "text/plain", "text/x-yaml")
MAX_DEFINITION_BYTES = 1024 * 1024


class DefinitionRejected(ImportRejected):
    """A survey or rule definition sent to the API breaks a rule: a 422 whose ``problems``
    name the field path (as ``column``) and the line of the YAML text."""


def definition_body_doc(example_yaml: str, what: str) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "description": f"The {what} as YAML text (what `cxpulse {what}s add` reads) or as "
            "a JSON object with the same fields.",
            "content": {
                "text/yaml": {"schema": {"type": "string"}, "example": example_yaml},
                "application/json": {"schema": {"type": "object"}},
            },
        }
    }


async def read_definition(request: Request) -> tuple[str | None, Any]:
    """(YAML text, None) or (None, decoded JSON) from the request body."""
    kind = request.headers.get("content-type", "text/yaml").split(";")[0].strip().lower()
    body = await request.body()
    if len(body) > MAX_DEFINITION_BYTES:
        raise DefinitionRejected("the definition is larger than 1 MiB")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise DefinitionRejected("the definition is not UTF-8 text") from None
    if kind == "application/json":
        try:
            return None, json.loads(text)
        except json.JSONDecodeError as exc:
            raise DefinitionRejected(f"the body is not valid JSON ({exc})") from None
    if kind not in YAML_TYPES:
        raise DefinitionRejected(
            f"Content-Type {kind!r}: send text/yaml (the YAML file) or application/json"
        )
    return text, None


def rejected(problem: TextProblem, source: str) -> DefinitionRejected:
    where = Problem(
        source, problem.line or 0, problem.field or "(definition)", None, problem.message
    )
    return DefinitionRejected(problem.message, [where])


SOURCE = "survey.yaml"
EXAMPLE = """id: support-csat
name: After a solved ticket
touchpoint: support
trigger: {event: ticket_solved, delay: 24 hours}
questions:
  - {id: satisfaction, type: csat, points: 5, text: {en: "How satisfied are you?"}}
"""


class SurveySummary(BaseModel):
    id: str
    name: str
    touchpoint: str
    channel: str
    trigger: str
    priority: int
    min_gap_days: float
    questions: list[str]
    active: bool
    added_at: datetime


class SurveyDetail(SurveySummary):
    definition: dict[str, Any]
    yaml: str


def _summary(entry: dict[str, Any]) -> dict[str, Any]:
    s: Survey = entry["survey"]
    return {
        "id": s.id,
        "name": s.name,
        "touchpoint": s.touchpoint,
        "channel": s.channel,
        "trigger": s.trigger.kind,
        "priority": s.priority,
        "min_gap_days": s.min_gap_days,
        "questions": [q.id for q in s.questions],
        "active": entry["active"],
        "added_at": entry["added_at"],
    }


def _detail(entry: dict[str, Any], reader: Principal | None = None) -> SurveyDetail:
    """``reader``: who reads it, if they might not edit surveys (editors' answers pass None)."""
    s: Survey = entry["survey"]
    raw = clean(s.raw) if reader is None else visible.survey_definition(clean(s.raw), reader)
    return SurveyDetail(**_summary(entry), definition=raw, yaml=definition_text(raw))


def _check(text: str | None, data: Any, channels: Registry[type[Channel]]) -> Survey:
    from cxpulse.errors import ConfigError

    try:
        if text is not None:
            survey, problem = check_text(text, SOURCE, channels)
        else:
            try:
                survey, problem = survey_from_dict(data, SOURCE, channels), None
            except ConfigError as exc:
                survey, problem = None, _problem(str(exc))
    except (TypeError, AttributeError, KeyError) as exc:  # a shape the checks did not expect
        survey, problem = None, TextProblem(f"{SOURCE}: not a survey definition ({exc})")
    if problem is not None or survey is None:
        raise rejected(problem or TextProblem("empty definition"), SOURCE)
    return survey


def _problem(message: str) -> TextProblem:
    path = message.split("field '", 1)[1].split("'", 1)[0] if "field '" in message else ""
    return TextProblem(message, path, None)


def _entry(state: WebState, survey_id: str) -> dict[str, Any]:
    with state.workspace() as ws:
        found = survey_entries(ws, survey_id)
    if not found:
        raise HTTPException(404, f"no survey {survey_id!r}")
    return found[0]


@router.get(
    "/surveys", summary="Every stored survey, active or not", response_model=list[SurveySummary]
)
def list_surveys(principal: Reader, state: State) -> list[dict[str, Any]]:
    with state.workspace() as ws:
        return [_summary(e) for e in survey_entries(ws)]


@router.get(
    "/surveys/{survey_id}",
    summary="One survey's definition (JSON and YAML)",
    response_model=SurveyDetail,
)
def get_survey(survey_id: str, principal: Reader, state: State) -> SurveyDetail:
    return _detail(_entry(state, survey_id), principal)


@router.post(
    "/surveys",
    summary="Create a survey from YAML or JSON (the checks of `cxpulse surveys add`)",
    response_model=SurveyDetail,
    status_code=201,
    openapi_extra=definition_body_doc(EXAMPLE, "survey"),
    responses={
        409: {"description": "a survey with this id exists: PUT it"},
        422: {"description": "a field breaks a rule; `problems` name its path"},
    },
)
async def create_survey(request: Request, principal: Editor, state: State) -> SurveyDetail:
    text, data = await read_definition(request)
    return await run_in_threadpool(_save, state, text, data, None)


@router.put(
    "/surveys/{survey_id}",
    summary="Replace a survey's definition (its state, active or not, is kept)",
    response_model=SurveyDetail,
    openapi_extra=definition_body_doc(EXAMPLE, "survey"),
)
async def update_survey(
    survey_id: str, request: Request, principal: Editor, state: State
) -> SurveyDetail:
    text, data = await read_definition(request)
    return await run_in_threadpool(_save, state, text, data, survey_id)


def _save(state: WebState, text: str | None, data: Any, survey_id: str | None) -> SurveyDetail:
    survey = _check(text, data, state.ws.kinds[CHANNELS])  # the server's, with any it added
    with state.workspace() as ws:
        existing = survey_entries(ws, survey.id)
        if survey_id is None and existing:
            raise HTTPException(
                409, f"survey {survey.id!r} exists; PUT /api/v1/surveys/{survey.id} to replace it"
            )
        if survey_id is not None:
            if not survey_entries(ws, survey_id):
                raise HTTPException(404, f"no survey {survey_id!r}")
            if survey.id != survey_id:
                raise rejected(
                    TextProblem(
                        f"{SOURCE}: field 'id': {survey.id!r} differs from "
                        f"the survey in the address ({survey_id!r})",
                        "id",
                    ),
                    SOURCE,
                )
        save_survey(ws, survey, state.now())
        if existing and not existing[0]["active"]:
            set_survey_active(ws, survey.id, False)
        return _detail(survey_entries(ws, survey.id)[0])


@router.post(
    "/surveys/{survey_id}/activate",
    summary="Activate a survey: runs invite for it",
    response_model=SurveySummary,
)
def activate(survey_id: str, principal: Editor, state: State) -> dict[str, Any]:
    return _switch(state, survey_id, True)


@router.post(
    "/surveys/{survey_id}/deactivate",
    summary="Deactivate a survey: no more invitations; answers are kept",
    response_model=SurveySummary,
)
def deactivate(survey_id: str, principal: Editor, state: State) -> dict[str, Any]:
    return _switch(state, survey_id, False)


def _switch(state: WebState, survey_id: str, active: bool) -> dict[str, Any]:
    _entry(state, survey_id)
    with state.workspace() as ws:
        set_survey_active(ws, survey_id, active)
        return _summary(survey_entries(ws, survey_id)[0])
