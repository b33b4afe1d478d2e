"""The OpenAPI document, as the app answers: FastAPI's, completed where the app's own edges
(errors.py, queryparams.py, middleware.py, security.py) answer something FastAPI cannot see.

- Every error is the JSON ``Error`` object errors.py writes (``{"error", "detail", ...}``);
  FastAPI's ``HTTPValidationError`` shape (``loc``/``msg``/``type``) is never sent, so the 422s
  point at ``Error`` too.
- Statuses the edges answer on every route of a kind are listed on each: 400 (an unknown query
  parameter on /api/v1, a NUL in the address, a library error), 401/403 (login and scope),
  404 (an unknown id or name), 429 where a rate limit applies (the public widget endpoints).
- The bearer token and the session cookie are declared as the security schemes of /api/v1.

Checked by schemathesis against a served app (tests/web/test_openapi_fuzz.py).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from cxpulse.web.queryparams import STRICT_PREFIX

ERROR = "#/components/schemas/Error"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

ERROR_SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "title": "Error",
        "description": "Every error answer: what went wrong, and what to do (detail).",
        "required": ["error"],
        "properties": {
            "error": {"type": "string", "description": "the kind of error"},
            "detail": {
                "description": "a sentence, or one entry per invalid part of the request",
                "anyOf": [
                    {"type": "string"},
                    {"type": "array", "items": {"$ref": "#/components/schemas/Problem"}},
                ],
            },
            "unknown": {
                "type": "array",
                "items": {"type": "string"},
                "description": "400 on /api/v1: the query parameters the route does not know",
            },
            "accepted": {
                "type": "array",
                "items": {"type": "string"},
                "description": "400 on /api/v1: the query parameters the route accepts",
            },
            "problems": {
                "type": "array",
                "items": {"type": "object"},
                "description": "422 of an import: the rejected rows, columns and rules",
            },
        },
    },
    "Problem": {
        "type": "object",
        "title": "Problem",
        "required": ["where", "problem"],
        "properties": {
            "where": {"type": "string", "examples": ["query.offset", "body.3.event"]},
            "problem": {"type": "string"},
        },
    },
}

SECURITY_SCHEMES = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "an API token: `cxpulse token create NAME --scopes read`",
    },
    "session": {"type": "apiKey", "in": "cookie", "name": "cxpulse_session"},
}

_DESCRIPTIONS = {
    "400": "Bad request: an unknown query parameter (the answer lists the accepted ones), a "
    "NUL in the address, or a value the library refuses",
    "401": "No valid token or session",
    "403": "The token's scope or the user's role does not allow this",
    "404": "No such record, metric or table",
    "409": "Conflicts with what exists",
    "422": "A parameter or the body is invalid (detail says where and why)",
    "429": "Too many requests from this address; retry after Retry-After seconds",
}


def _error(status: str) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": _DESCRIPTIONS[status],
        "content": {"application/json": {"schema": {"$ref": ERROR}}},
    }
    if status == "429":
        answer["headers"] = {
            "Retry-After": {
                "description": "seconds to wait",
                "schema": {"type": "integer", "minimum": 1},
            }
        }
    if status == "401":
        answer["headers"] = {
            "WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}
        }
    return answer


def _rate_limited(route: APIRoute) -> bool:
    from cxpulse.web.pages.public import rate_limited

    pending = [route.dependant]
    while pending:
        current = pending.pop()
        if current.call is rate_limited:
            return True
        pending.extend(current.dependencies)
    return False


def _routes() -> list[APIRoute]:
    from cxpulse.web.routes import ROUTERS

    return [r for router in ROUTERS for r in router.routes if isinstance(r, APIRoute)]


def complete(spec: dict[str, Any], limited: set[str]) -> dict[str, Any]:
    """``spec`` with the errors and security of the app's edges (``limited``: the paths
    under a rate limit)."""
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas.update(ERROR_SCHEMAS)
    spec["components"]["securitySchemes"] = SECURITY_SCHEMES
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            responses = op.setdefault("responses", {})
            statuses = ["400", "422"]
            if path.startswith(STRICT_PREFIX):
                statuses += ["401", "403", "404"]
                op["security"] = [{"bearer": []}, {"session": []}]
            if path in limited:
                statuses += ["403", "404", "429"]
            if "409" in responses:
                statuses.append("409")
            for status in statuses:
                own = responses.get(status, {}).get("description")  # a route's own words
                responses[status] = _error(status)
                if own and status != "422":
                    responses[status]["description"] = own
    return spec


def document(app: FastAPI) -> dict[str, Any]:
    """The app's document, made once."""
    if app.openapi_schema is None:
        spec = get_openapi(
            title=app.title,
            version=app.version,
            summary=app.summary,
            routes=app.routes,
        )
        limited = {r.path for r in _routes() if _rate_limited(r)}
        app.openapi_schema = complete(spec, limited)
    return app.openapi_schema
