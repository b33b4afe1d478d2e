"""/api/v1/rules: list, read, create, update, enable and disable automation rules; their dry run
and last runs. Definitions are YAML (or JSON) checked as `cxpulse rules add` checks a file."""

from __future__ import annotations

from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from cxpulse.accounts.users import Permission
from cxpulse.automations.actions import ACTIONS
from cxpulse.automations.conditions import DRY_RUN_DAYS
from cxpulse.automations.engine import dry_run, runs
from cxpulse.automations.rule_runs import rules_with_runs, set_rule_active
from cxpulse.automations.rule_text import SOURCE, check_rule_data, check_rule_text, save_rule
from cxpulse.automations.rules import Rule
from cxpulse.errors import ConfigError
from cxpulse.records import clean, frame_records
from cxpulse.surveys.editor import Problem as TextProblem
from cxpulse.web import visible
from cxpulse.web.api.surveys import definition_body_doc, read_definition, rejected
from cxpulse.web.params import Offset
from cxpulse.web.security import Principal, require
from cxpulse.web.state import WebState, get_state
from cxpulse.web.utc import UtcDateTime

router = APIRouter(prefix="/api/v1", tags=["rules"])
Reader = Annotated[Principal, Depends(require(Permission.read))]
Editor = Annotated[Principal, Depends(require(Permission.edit))]
State = Annotated[WebState, Depends(get_state)]
EXAMPLE = """name: detractor-case
when: {response: detractor}
then:
  - case: {sla_hours: 24, assign: [{round_robin: [ana, ben], team: cx}]}
  - tag: detractor
"""


class RuleRun(BaseModel):
    run_id: str
    customer_id: str | None
    cause: str | None
    cause_at: UtcDateTime | None
    fired_at: UtcDateTime | None
    actions: Any = None
    detail: Any = None


class RuleEntry(BaseModel):
    name: str
    enabled: bool
    added_at: UtcDateTime
    definition: dict[str, Any]
    fired: int
    last_fired_at: UtcDateTime | None
    cases: dict[str, int]
    runs: list[RuleRun]


class RuleDetail(RuleEntry):
    yaml: str


class DryRunHit(BaseModel):
    customer_id: str
    cause: str
    at: UtcDateTime | None
    already_fired: bool
    detail: str | None


class DryRun(BaseModel):
    rule: str
    days: int
    hits: list[DryRunHit]


def _entries(state: WebState, last: int) -> list[dict[str, Any]]:
    with state.workspace() as ws:
        return rules_with_runs(ws, last)


def _entry(state: WebState, name: str, last: int = 20) -> dict[str, Any]:
    for entry in _entries(state, last):
        if entry["name"] == name:
            return entry
    raise HTTPException(404, f"no rule {name!r}")


def _detail(state: WebState, entry: dict[str, Any], reader: Principal | None = None) -> RuleDetail:
    """``reader``: who reads it, if they might not edit rules (editors' answers pass None)."""
    entry = (
        clean(entry, utc=True)
        if reader is None
        else visible.rule_entry(clean(entry, utc=True), reader, state.ws.kinds[ACTIONS])
    )
    text = yaml.safe_dump(entry["definition"], allow_unicode=True, sort_keys=False)
    return RuleDetail(**entry, yaml=text)


@router.get(
    "/rules",
    summary="Every rule, enabled or not, with its last runs",
    response_model=list[RuleEntry],
)
def list_rules(
    principal: Reader, state: State, last: Annotated[int, Query(ge=0, le=100)] = 5
) -> list[dict[str, Any]]:
    actions = state.ws.kinds[ACTIONS]
    entries = _entries(state, last)
    return [visible.rule_entry(clean(e, utc=True), principal, actions) for e in entries]


@router.get(
    "/rules/{name}",
    summary="One rule: definition (JSON and YAML), counts, last runs",
    response_model=RuleDetail,
)
def get_rule(name: str, principal: Reader, state: State) -> RuleDetail:
    return _detail(state, _entry(state, name), principal)


@router.get(
    "/rules/{name}/dry-run",
    summary="Whom the rule would have hit lately, acting on nobody",
    response_model=DryRun,
)
def rule_dry_run(
    name: str,
    principal: Reader,
    state: State,
    days: Annotated[int, Query(ge=1, le=365)] = DRY_RUN_DAYS,
) -> DryRun:
    rule = _rule(state, name)
    with state.workspace() as ws:
        found = dry_run(ws, rule, state.now(), days)
    return DryRun(
        rule=name, days=days, hits=[DryRunHit(**r) for r in frame_records(found, utc=True)]
    )


@router.get(
    "/rules/{name}/runs", summary="The rule's firings, newest first", response_model=list[RuleRun]
)
def rule_runs(
    name: str,
    principal: Reader,
    state: State,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
) -> list[dict[str, Any]]:
    _rule(state, name)
    with state.workspace() as ws:
        found = runs(ws, name)
    return frame_records(found.iloc[offset : offset + limit], utc=True)


def _rule(state: WebState, name: str) -> Rule:
    from cxpulse.automations.rule_text import stored_rule
    from cxpulse.errors import ConfigError

    with state.workspace() as ws:
        try:
            rule: Rule = stored_rule(ws, name)["rule"]
        except ConfigError:
            raise HTTPException(404, f"no rule {name!r}") from None
    return rule


@router.post(
    "/rules",
    summary="Create a rule from YAML or JSON (the checks of `cxpulse rules add`)",
    response_model=RuleDetail,
    status_code=201,
    openapi_extra=definition_body_doc(EXAMPLE, "rule"),
    responses={
        409: {"description": "a rule with this name exists: PUT it"},
        422: {"description": "a field breaks a rule; `problems` name its path"},
    },
)
async def create_rule(request: Request, principal: Editor, state: State) -> RuleDetail:
    text, data = await read_definition(request)
    return await run_in_threadpool(_save, state, text, data, None)


@router.put(
    "/rules/{name}",
    summary="Replace a rule (enabled or not as before; it acts on causes from now on)",
    response_model=RuleDetail,
    openapi_extra=definition_body_doc(EXAMPLE, "rule"),
)
async def update_rule(name: str, request: Request, principal: Editor, state: State) -> RuleDetail:
    text, data = await read_definition(request)
    return await run_in_threadpool(_save, state, text, data, name)


def _save(state: WebState, text: str | None, data: Any, name: str | None) -> RuleDetail:
    try:
        kinds = state.ws.kinds  # a plugin's conditions and actions, as `cxpulse rules add`
        rule, problem = (
            check_rule_text(text, SOURCE, kinds)
            if text is not None
            else check_rule_data(data, kinds=kinds)
        )
    except (TypeError, AttributeError, KeyError) as exc:  # a shape the checks did not expect
        rule, problem = None, TextProblem(f"{SOURCE}: not a rule definition ({exc})")
    if problem is not None or rule is None:
        raise rejected(problem or TextProblem("empty definition"), SOURCE)
    existing = [e for e in _entries(state, 0) if e["name"] == rule.name]
    if name is None and existing:
        raise HTTPException(
            409, f"rule {rule.name!r} exists; PUT /api/v1/rules/{rule.name} to replace it"
        )
    if name is not None:
        _rule(state, name)
        if rule.name != name:
            raise rejected(
                TextProblem(
                    f"{SOURCE}: field 'name': {rule.name!r} differs from the "
                    f"rule in the address ({name!r})",
                    "name",
                ),
                SOURCE,
            )
    active = bool(existing[0]["enabled"]) if existing else True
    with state.workspace() as ws:
        try:
            save_rule(ws, rule, state.now(), active=active)
        except ConfigError as exc:  # a setting the rule needs (save_rule checks it)
            raise rejected(TextProblem(str(exc), "then"), SOURCE) from None
    return _detail(state, _entry(state, rule.name))


@router.post("/rules/{name}/enable", summary="Enable a rule", response_model=RuleDetail)
def enable_rule(name: str, principal: Editor, state: State) -> RuleDetail:
    return _switch(state, name, True)


@router.post(
    "/rules/{name}/disable",
    summary="Disable a rule (runs and cases are kept)",
    response_model=RuleDetail,
)
def disable_rule(name: str, principal: Editor, state: State) -> RuleDetail:
    return _switch(state, name, False)


def _switch(state: WebState, name: str, active: bool) -> RuleDetail:
    _rule(state, name)
    with state.workspace() as ws:
        set_rule_active(ws, name, active)
    return _detail(state, _entry(state, name))
