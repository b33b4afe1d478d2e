"""Surveys with their response rates, and the YAML editor with a live preview.

The preview (htmx, on input) shows the email as the customer gets it (its HTML part in a
sandboxed iframe, its text part) and the widget; saving needs ``edit``. Problems are shown
next to the field path they name, with the line of the YAML text.

JSON twin: ``/surveys`` is ``/api/v1/dashboard/surveys``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cxpulse.accounts.users import Permission
from cxpulse.errors import ConfigError
from cxpulse.records import clean
from cxpulse.schema import LANGUAGES
from cxpulse.surveys.editor import (
    check_text,
    definition_text,
    email_preview,
    save_survey,
    widget_preview,
)
from cxpulse.surveys.report import response_rates
from cxpulse.surveys.store import get_survey, surveys
from cxpulse.web import visible
from cxpulse.web.render import language, page
from cxpulse.web.security import Principal, require
from cxpulse.web.state import WebState, get_state

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/dashboard", tags=["dashboard"])
Reader = Annotated[Principal, Depends(require(Permission.read))]
Editor = Annotated[Principal, Depends(require(Permission.edit))]
State = Annotated[WebState, Depends(get_state)]

TEMPLATE = """id: new-survey
name: New survey
touchpoint: support
subject: {en: "How did we do?", fr: "Comment nous en sommes-nous sortis ?"}
intro: {en: "Your ticket was solved.", fr: "Votre demande est résolue."}
trigger: {event: ticket_solved, delay: 24 hours}
questions:
  - id: satisfaction
    type: csat
    points: 5
    text: {en: "How satisfied are you?", fr: "Êtes-vous satisfait ?"}
    follow_up:
      - {scores: 1-2, text: {en: "What went wrong?", fr: "Qu'est-ce qui n'a pas été ?"}}
"""


def survey_listing(state: WebState) -> dict[str, Any]:
    def compute(ws: Any) -> dict[str, Any]:
        by_survey = {str(r["survey_id"]): r for r in response_rates(ws, ("survey_id",))}
        by_channel = response_rates(ws, ("survey_id", "channel"))
        rows = []
        for s in surveys(ws, active_only=False):
            rate = by_survey.get(s.id, {})
            rows.append(
                {
                    "id": s.id,
                    "name": s.name,
                    "touchpoint": s.touchpoint,
                    "channel": s.channel,
                    "questions": [q.type for q in s.questions],
                    "trigger": s.trigger.kind,
                    "priority": s.priority,
                    "invitations": rate.get("invitations", 0),
                    "answered": rate.get("answered", 0),
                    "response_rate": rate.get("response_rate"),
                    "ci_low": rate.get("ci_low"),
                    "ci_high": rate.get("ci_high"),
                }
            )
        return {"surveys": rows, "by_channel": by_channel}

    result: dict[str, Any] = state.cached(("surveys-listing",), compute)
    return {k: clean(v) for k, v in result.items()}


@router.get("/surveys", response_class=HTMLResponse)
def surveys_page(request: Request, principal: Reader, state: State) -> Response:
    return page(
        request,
        "surveys.html",
        principal,
        data=survey_listing(state),
        saved=request.query_params.get("saved"),
        can_edit=principal.can(Permission.edit),
        json_url="/api/v1/dashboard/surveys",
    )


def _editor(
    request: Request,
    principal: Principal,
    text: str,
    survey_id: str | None,
    *,
    status_code: int = 200,
    problem: Any = None,
) -> Response:
    return page(
        request,
        "surveys_edit.html",
        principal,
        status_code=status_code,
        text=text,
        survey_id=survey_id,
        problem=problem,
        languages=LANGUAGES,
        can_edit=principal.can(Permission.edit),
        json_url=f"/api/v1/dashboard/surveys/{survey_id}" if survey_id else None,
    )


@router.get("/surveys/new", response_class=HTMLResponse)
def new_survey(request: Request, principal: Reader) -> Response:
    return _editor(request, principal, TEMPLATE, None)


@router.get("/surveys/{survey_id}", response_class=HTMLResponse)
def edit_survey(request: Request, survey_id: str, principal: Reader, state: State) -> Response:
    with state.workspace() as ws:
        try:
            survey = get_survey(ws, survey_id)
        except ConfigError as exc:
            raise HTTPException(404, str(exc)) from None
    raw = visible.survey_definition(survey.raw, principal)
    return _editor(request, principal, definition_text(raw), survey.id)


@router.post("/surveys/preview", response_class=HTMLResponse)
def preview(
    request: Request,
    principal: Reader,
    state: State,
    yaml_text: Annotated[str, Form(alias="yaml")] = "",
    preview_language: Annotated[str, Form()] = "",
) -> Response:
    """The email and widget preview of the text being edited (nothing is stored)."""
    survey, problem = check_text(yaml_text)
    lang = preview_language if preview_language in LANGUAGES else language(request, principal)
    context: dict[str, Any] = {"problem": problem, "survey": survey, "preview_lang": lang}
    if survey is not None:
        with state.workspace() as ws:
            settings = ws.settings
        context["email"] = email_preview(settings, survey, lang)
        context["widget"] = widget_preview(survey, lang)
    return page(request, "surveys_preview.html", principal, **context)


@router.post("/surveys", response_class=HTMLResponse)
def save(
    request: Request,
    principal: Editor,
    state: State,
    yaml_text: Annotated[str, Form(alias="yaml")] = "",
    survey_id: Annotated[str, Form()] = "",
) -> Response:
    survey, problem = check_text(yaml_text)
    if survey is None:
        return _editor(
            request, principal, yaml_text, survey_id or None, status_code=422, problem=problem
        )
    with state.workspace() as ws:
        save_survey(ws, survey, state.now())
    return RedirectResponse(f"/surveys?saved={survey.id}", status_code=303)


@api.get("/surveys", summary="Every survey with its response rate, and rates by channel")
def surveys_json(principal: Reader, state: State) -> dict[str, Any]:
    return survey_listing(state)


@api.get("/surveys/{survey_id}", summary="One survey's definition (as YAML and as data)")
def survey_json(survey_id: str, principal: Reader, state: State) -> dict[str, Any]:
    with state.workspace() as ws:
        try:
            survey = get_survey(ws, survey_id)
        except ConfigError as exc:
            raise HTTPException(404, str(exc)) from None
    raw = visible.survey_definition(clean(survey.raw), principal)
    return {"id": survey.id, "yaml": definition_text(raw), "definition": raw}
