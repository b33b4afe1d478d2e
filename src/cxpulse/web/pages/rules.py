"""The automation rules with their last runs; enabling or disabling one needs ``edit``, and
so does seeing a webhook's full URL (a credential).

JSON twin: ``/rules`` is ``/api/v1/dashboard/rules`` (one rule: ``/api/v1/dashboard/rules/NAME``).
"""

from __future__ import annotations

from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cxpulse.accounts.users import Permission
from cxpulse.automations.actions import ACTIONS
from cxpulse.automations.rule_runs import rules_with_runs, set_rule_active
from cxpulse.records import clean
from cxpulse.web import visible
from cxpulse.web.render import page
from cxpulse.web.security import Principal, require
from cxpulse.web.state import WebState, get_state

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/dashboard", tags=["dashboard"])
Reader = Annotated[Principal, Depends(require(Permission.read))]
Editor = Annotated[Principal, Depends(require(Permission.edit))]
State = Annotated[WebState, Depends(get_state)]


def _rules(state: WebState, principal: Principal, last: int = 5) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = state.cached(
        ("rules", last), lambda ws: rules_with_runs(ws, last)
    )
    actions = state.ws.kinds[ACTIONS]
    return [visible.rule_entry(clean(r), principal, actions) for r in rules]


def _one(state: WebState, name: str, principal: Principal) -> dict[str, Any]:
    for rule in _rules(state, principal, last=50):
        if rule["name"] == name:
            rule["yaml"] = yaml.safe_dump(rule["definition"], allow_unicode=True, sort_keys=False)
            return rule
    raise HTTPException(404, f"no rule {name!r}")


@router.get("/rules", response_class=HTMLResponse)
def rules_page(request: Request, principal: Reader, state: State) -> Response:
    return page(
        request,
        "rules.html",
        principal,
        rules=_rules(state, principal),
        can_edit=principal.can(Permission.edit),
        json_url="/api/v1/dashboard/rules",
    )


@router.get("/rules/{name}", response_class=HTMLResponse)
def rule_page(request: Request, name: str, principal: Reader, state: State) -> Response:
    return page(
        request,
        "rule.html",
        principal,
        rule=_one(state, name, principal),
        can_edit=principal.can(Permission.edit),
        json_url=f"/api/v1/dashboard/rules/{name}",
    )


@router.post("/rules/{name}/enabled")
def toggle(
    name: str,
    principal: Editor,
    state: State,
    enabled: Annotated[bool, Form()],
    next: Annotated[str, Form()] = "/rules",
) -> Response:
    with state.workspace() as ws:
        set_rule_active(ws, name, enabled)
    target = next if next.startswith("/rules") else "/rules"
    return RedirectResponse(target, status_code=303)


@api.get("/rules", summary="Every rule, enabled or not, with its last runs")
def rules_json(principal: Reader, state: State) -> list[dict[str, Any]]:
    return _rules(state, principal)


@api.get("/rules/{name}", summary="One rule with its last 50 runs")
def rule_json(name: str, principal: Reader, state: State) -> dict[str, Any]:
    return _one(state, name, principal)
