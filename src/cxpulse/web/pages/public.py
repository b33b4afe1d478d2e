"""The public survey endpoints: the signed link's page, its answers, unsubscribe, the widget.

No login here: the signed token is the only credential (:mod:`cxpulse.surveys.links` checks it;
nothing is signed or verified in this module), so a form needs no CSRF token: a page elsewhere
cannot post without the token. The email's links never write on GET, because mail security
scanners fetch every link (some in a real browser, running scripts): a score link shows the
score chosen and an unsubscribe link asks to confirm; the person's POST records. Every route is
rate-limited per client address (429 with Retry-After). The widget's JSON endpoints answer
cross-origin requests only from the origins of the ``widget_origins`` setting; any other origin
gets no CORS header and a 403, so a page elsewhere can neither read an offer nor make one; and
offers are budgeted per client address and per site (:mod:`cxpulse.surveys.offer_budget`).
"""

from __future__ import annotations

import asyncio
import math
import re
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from cxpulse.surveys.definition import pick_language
from cxpulse.surveys.links import (
    ExpiredLink,
    InvalidAnswer,
    InvalidLink,
    TamperedLink,
    UnknownInvitation,
    survey_for_token,
)
from cxpulse.surveys.unsubscribe import unsubscribe, unsubscribe_language
from cxpulse.surveys.widget import (
    WIDGET_CHANNEL,
    UnverifiedCustomer,
    verified_customer,
    widget_survey,
)
from cxpulse.surveys.widget_offers import claim_offer, is_offer_token
from cxpulse.web import i18n
from cxpulse.web.render import page
from cxpulse.web.security import client_address
from cxpulse.web.state import WebState, get_state

State = Annotated[WebState, Depends(get_state)]
WIDGET_JS = Path(__file__).parent.parent / "static" / "widget.js"
VISITOR = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
CORS_METHODS = "GET, POST, OPTIONS"


async def rate_limited(request: Request, state: State) -> None:
    """A dependency: 429 with Retry-After when this address asks too often."""
    wait = state.public_limiter.allow(client_address(request))
    if wait:
        seconds = max(1, math.ceil(wait))
        raise HTTPException(
            429, f"too many requests; retry in {seconds} s", headers={"Retry-After": str(seconds)}
        )


router = APIRouter(include_in_schema=False, dependencies=[Depends(rate_limited)])
api = APIRouter(prefix="/public/widget", tags=["public"], dependencies=[Depends(rate_limited)])

LINK_ERRORS: tuple[tuple[type[InvalidLink], int, str], ...] = (
    (ExpiredLink, 410, "This survey has closed: its link has expired. Thank you all the same."),
    (UnknownInvitation, 404, "We could not find this survey. The link may be incomplete."),
    (
        TamperedLink,
        403,
        "This survey link is not valid: it was altered or cut. "
        "Open it again from the email, as it is.",
    ),
)


def _public(
    request: Request, template: str, lang: str, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """A public page in the customer's language (not the dashboard user's); never cached, as
    its address carries the customer's token."""
    response = page(
        request,
        template,
        None,
        status_code=status_code,
        lang=lang,
        _=lambda text: i18n.translate(lang, text),
        **context,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _visitor_lang(request: Request) -> str:
    return i18n.pick_language(request.headers.get("accept-language"))


def _link_error(request: Request, exc: InvalidLink) -> HTMLResponse:
    status, message = next(
        ((s, m) for kind, s, m in LINK_ERRORS if isinstance(exc, kind)),
        (400, "This survey link is not valid."),
    )
    return _public(
        request,
        "public/link_error.html",
        _visitor_lang(request),
        status,
        message=message,
        kind=type(exc).__name__,
    )


def _answered_all(view: dict[str, Any]) -> bool:
    given = view["answers"]
    return bool(given) and all(
        q["id"] in given and (given[q["id"]]["score"] is not None or given[q["id"]]["comment"])
        for q in view["questions"]
    )


def _follow_up(question: dict[str, Any], score: int | None) -> str | None:
    if score is None:
        return None
    for f in question["follow_up"]:
        if f["scores"][0] <= score <= f["scores"][1]:
            return str(f["text"])
    return None


def _survey_page(
    request: Request,
    token: str,
    view: dict[str, Any],
    status_code: int = 200,
    *,
    chosen: dict[str, int] | None = None,
    **context: Any,
) -> HTMLResponse:
    """The survey form; ``chosen``: scores shown selected but not yet saved (the email's)."""
    for q in view["questions"]:
        given = view["answers"].get(q["id"], {})
        q["given_score"] = (chosen or {}).get(q["id"], given.get("score"))
        q["given_comment"] = given.get("comment") or ""
        q["follow_up_text"] = _follow_up(q, q["given_score"])
    return _public(
        request,
        "public/survey.html",
        view["language"],
        status_code,
        view=view,
        token=token,
        answered_all=_answered_all(view),
        confirm=bool(chosen),
        **context,
    )


@router.get("/s/{token}", response_class=HTMLResponse)
def survey_page(
    request: Request,
    token: str,
    state: State,
    q: str | None = None,
    score: Annotated[str | None, Query()] = None,
) -> Response:
    """The survey of a signed link. ``?q=QUESTION&score=N`` (the email's score links; the
    first question when ``q`` is left out) shows that score chosen, with its follow-up
    question, and records nothing: a GET is what mail scanners fetch too. The person's
    Send (a POST of the form) records it."""
    now = state.now()
    with state.workspace() as ws:
        try:
            view = survey_for_token(ws, token, now)
            if score is None:
                return _survey_page(request, token, view)
            qid = q or view["questions"][0]["id"]
            try:
                survey_for_token(ws, token, now, proposed={qid: {"score": int(score)}})
            except ValueError as exc:  # int() or InvalidAnswer: the page says what is wrong
                problem = str(exc) if isinstance(exc, InvalidAnswer) else "not a score"
                return _survey_page(request, token, view, 422, error=problem)
        except InvalidLink as exc:
            return _link_error(request, exc)
    return _survey_page(request, token, view, chosen={qid: int(score)})


async def _record(
    request: Request,
    token: str,
    state: State,
    answers: dict[str, dict[str, Any]],
) -> HTMLResponse:
    """Answers through the intake (one transaction for all that arrive meanwhile), then the
    survey page as the customer now sees it, from what the write returned (no query here)."""
    try:
        recorded = await asyncio.wrap_future(state.intake.submit(token, answers))
    except InvalidAnswer as exc:
        view = await run_in_threadpool(_view_or_error, request, token, state)
        if isinstance(view, HTMLResponse):
            return view
        return _survey_page(request, token, view, 422, error=str(exc))
    except InvalidLink as exc:
        return _link_error(request, exc)
    return _survey_page(request, token, recorded.view, thanks=True)


def _view_or_error(request: Request, token: str, state: State) -> dict[str, Any] | HTMLResponse:
    with state.workspace() as ws:
        try:
            return survey_for_token(ws, token, state.now())
        except InvalidLink as exc:
            return _link_error(request, exc)


async def _fields(request: Request) -> list[tuple[str, Any]]:
    """The posted fields. The survey page posts a urlencoded form: parsed here with the
    standard library, about four times cheaper than Starlette's form parser (measured on the
    answer endpoint under load); anything else (multipart) goes through Starlette's."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        body = (await request.body()).decode("utf-8", errors="replace")
        try:
            return parse_qsl(body, keep_blank_values=True, max_num_fields=1000)
        except ValueError:  # more fields than any survey has
            raise InvalidAnswer("too many fields in the form") from None
    return list((await request.form()).multi_items())


def _answers(fields: list[tuple[str, Any]]) -> dict[str, dict[str, Any]]:
    """``score.ID``, ``comment.ID`` and ``choice.ID`` fields -> the library's answers mapping
    (empty fields are left out, so what was answered before is kept). The survey checks the
    rest: an unknown question, a score out of scale, a choice it does not offer."""
    out: dict[str, dict[str, Any]] = {}
    for field, value in fields:
        kind, _, qid = field.partition(".")
        if kind not in ("score", "comment", "choice") or not qid or not isinstance(value, str):
            continue
        text = value.strip()
        if not text:
            continue
        given = out.setdefault(qid, {})
        if kind == "score":
            try:
                given["score"] = int(text)
            except ValueError:
                raise InvalidAnswer(f"{text!r} is not a score") from None
        elif kind == "comment":
            given["comment"] = text
        else:
            given.setdefault("choice", []).append(text)
    return out


@router.post("/s/{token}", response_class=HTMLResponse)
async def submit(request: Request, token: str, state: State) -> Response:
    try:
        answers = _answers(await _fields(request))
    except InvalidAnswer as exc:
        view = await run_in_threadpool(_view_or_error, request, token, state)
        if isinstance(view, HTMLResponse):
            return view
        return _survey_page(request, token, view, 422, error=str(exc))
    return await _record(request, token, state, answers)


@router.get("/s/{token}/unsubscribe", response_class=HTMLResponse)
def unsubscribe_confirm(request: Request, token: str, state: State) -> Response:
    """Asks to confirm (the email's link): a GET changes nothing, as mail scanners fetch
    links too; the page's button posts."""
    with state.workspace() as ws:
        try:
            lang = pick_language(unsubscribe_language(ws, token, state.now()))
        except InvalidLink as exc:
            return _link_error(request, exc)
    return _public(request, "public/unsubscribe.html", lang, token=token)


@router.post("/s/{token}/unsubscribe", response_class=HTMLResponse)
def unsubscribe_page(request: Request, token: str, state: State) -> Response:
    """Honoured at once: the confirm page's button, or a mail client's one-click
    List-Unsubscribe POST (RFC 8058; its body, List-Unsubscribe=One-Click, needs no reading).
    Expired links still unsubscribe."""
    now = state.now()
    with state.workspace() as ws:
        try:
            customer_id = unsubscribe(ws, token, now)
        except InvalidLink as exc:
            return _link_error(request, exc)
        c = ws.table("customers")
        found = c.filter(c.customer_id == customer_id).language.execute()
    lang = pick_language(str(found.iloc[0]) if len(found) and found.iloc[0] else None)
    return _public(request, "public/unsubscribed.html", lang)


# -- the web widget -----------------------------------------------------------------------------
@router.get("/widget.js")
def widget_js() -> Response:
    return FileResponse(
        WIDGET_JS, media_type="text/javascript", headers={"Cache-Control": "public, max-age=3600"}
    )


def allowed_origins(state: WebState) -> frozenset[str]:
    # settings live in memory: no need to wait for the workspace (the intake may hold it)
    raw = state.ws.settings.widget_origins
    return frozenset(o.strip().rstrip("/").lower() for o in re.split(r"[,\s]+", raw) if o.strip())


def cors_headers(request: Request, state: WebState) -> dict[str, str] | None:
    """The CORS headers for this request: empty without an Origin (not a cross-site browser
    request), None when the origin is not one of ``widget_origins``."""
    origin = request.headers.get("origin")
    if origin is None:
        return {}
    if origin.rstrip("/").lower() not in allowed_origins(state):
        return None
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}


def _refused() -> JSONResponse:
    return JSONResponse(
        {
            "error": "origin not allowed",
            "detail": "add this site to the widget_origins setting to embed the widget",
        },
        status_code=403,
    )


@api.options("/survey", include_in_schema=False)
@api.options("/answer", include_in_schema=False)
def preflight(request: Request, state: State) -> Response:
    headers = cors_headers(request, state)
    if not headers:
        return _refused()
    headers.update(
        {
            "Access-Control-Allow-Methods": CORS_METHODS,
            "Access-Control-Allow-Headers": "Content-Type",
            "Access-Control-Max-Age": "600",
        }
    )
    return Response(status_code=204, headers=headers)


@api.get("/survey", summary="The survey to show a visitor on a page now (null: none)")
def widget_offer(
    request: Request,
    state: State,
    page_url: Annotated[str, Query(alias="page", max_length=2000, description="the page URL")],
    visitor: Annotated[
        str,
        # documented, checked below (a refusal must carry the CORS headers)
        Query(
            description="the widget's visitor id (8-64 of A-Z a-z 0-9 _ -)",
            json_schema_extra={"pattern": VISITOR.pattern},
        ),
    ],
    lang: Annotated[str | None, Query(max_length=35)] = None,
    customer: Annotated[
        str | None,
        Query(max_length=200, description="the logged-in customer's id, if the site knows it"),
    ] = None,
    signature: Annotated[
        str | None,
        Query(max_length=128, description="HMAC-SHA256 (hex) of customer with the widget key"),
    ] = None,
) -> Response:
    headers = cors_headers(request, state)
    if headers is None:
        return _refused()
    if not VISITOR.match(visitor):
        return JSONResponse(
            {"error": "invalid request", "detail": "visitor: 8-64 characters of A-Z a-z 0-9 _ -"},
            status_code=422,
            headers=headers,
        )
    if customer is not None and not signature:
        return JSONResponse(
            {"error": "invalid request", "detail": "customer needs its signature"},
            status_code=400,  # two parameters that go together: each is valid alone
            headers=headers,
        )
    with state.workspace() as ws:
        try:
            known = (
                verified_customer(ws, customer, signature or "", state.now()) if customer else None
            )
        except UnverifiedCustomer as exc:
            return JSONResponse(
                {"error": "UnverifiedCustomer", "detail": str(exc)},
                status_code=403,
                headers=headers,
            )
        # requests without an Origin (scripts, a site's own server) are budgeted as one site
        site = (request.headers.get("origin") or "(no origin)").rstrip("/").lower()
        keys = [("address", client_address(request)), ("site", site)]
        offer = widget_survey(
            ws,
            page_url,
            state.now(),
            customer_id=known,
            visitor_id=visitor,
            language=lang,
            spend=lambda: state.widget_budget.spend(keys),
        )
    body = {"offer": offer.as_dict() if offer else None}
    return JSONResponse(body, headers={**headers, "Cache-Control": "no-store"})


class WidgetAnswer(BaseModel):
    token: str = Field(max_length=600, description="the offer's token")
    answers: dict[str, dict[str, Any]] = Field(
        description='{question_id: {"score": 4, "comment": "...", "choice": "..."}}'
    )


@api.post("/answer", summary="Record a visitor's answers to a widget offer (again: updates)")
async def widget_answer(request: Request, body: WidgetAnswer, state: State) -> Response:
    headers = cors_headers(request, state)
    if headers is None:
        return _refused()
    try:
        token = body.token
        if is_offer_token(token):  # an anonymous visitor's first answer: now an invitation
            token = await run_in_threadpool(_claim, state, token, body.answers)
        # no read here: the token is checked and the answer written in the intake's batch
        recorded = await asyncio.wrap_future(
            state.intake.submit(token, body.answers, channel=WIDGET_CHANNEL)
        )
    except InvalidLink as exc:
        status = next((s for kind, s, _ in LINK_ERRORS if isinstance(exc, kind)), 422)
        return JSONResponse(
            {"error": type(exc).__name__, "detail": str(exc)},
            status_code=status,
            headers=headers,
        )
    return JSONResponse({"recorded": recorded.response_ids}, headers=headers)


def _claim(state: WebState, token: str, answers: dict[str, dict[str, Any]]) -> str:
    with state.workspace() as ws:
        return claim_offer(ws, token, answers, state.now())
