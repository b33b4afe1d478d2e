"""Server-rendered pages: Jinja2 with autoescaping, the user's language and locale formats.

Every customer text reaches the page through Jinja's autoescaping (never ``|safe``); chart
data goes through ``tojson``, which escapes ``<``, ``>`` and ``&``, into a
``<script type="application/json">`` block that the page's own script reads: the Content
Security Policy allows no inline script at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context

from cxpulse.web import i18n
from cxpulse.web.security import LANG_COOKIE, Principal

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.autoescape = True
TEMPLATES.env.filters["period"] = lambda v, lang: i18n.format_period(v, lang)
TEMPLATES.env.filters["num"] = lambda v, lang, digits=1: i18n.format_number(v, lang, digits)
TEMPLATES.env.filters["pct"] = lambda v, lang, digits=1: i18n.format_percent(v, lang, digits)
TEMPLATES.env.filters["date"] = lambda v, lang, time=False: i18n.format_date(v, lang, time=time)


@pass_context
def _value(context: Any, value: Any, unit: str, lang: str) -> str:
    # money shows the workspace's currency, which each page puts in its context
    return i18n.format_value(value, unit, lang, str(context.get("currency") or ""))


TEMPLATES.env.filters["value"] = _value

NAV: tuple[tuple[str, str], ...] = ()
"""The navigation when the app has none of its own (``app.state.nav``, made from the
workspace's reports by :func:`cxpulse.web.reports.nav`)."""


def language(request: Request, principal: Principal | None) -> str:
    return i18n.pick_language(
        principal.language if principal and principal.via == "session" else None,
        request.cookies.get(LANG_COOKIE),
        request.headers.get("accept-language"),
    )


def _currency(request: Request) -> str:
    """The workspace's currency (setting, else the one its amounts carry), cached with the
    other results."""
    state = getattr(request.app.state, "cx", None)
    if state is None:
        return ""
    from cxpulse.metrics.money import currency_of

    found: str = state.cached(("currency",), lambda ws: currency_of(ws, ws.settings))
    return found


def page(
    request: Request,
    template: str,
    principal: Principal | None,
    *,
    status_code: int = 200,
    json_url: str | None = None,
    **context: Any,
) -> HTMLResponse:
    lang = language(request, principal)
    context.setdefault("currency", _currency(request))
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "lang": lang,
            "_": lambda text: i18n.translate(lang, text),
            "principal": principal,
            "csrf_token": principal.csrf_token if principal else "",
            "nav": getattr(request.app.state, "nav", NAV),
            "path": request.url.path,
            "json_url": json_url,
            **context,
        },
        status_code=status_code,
    )
