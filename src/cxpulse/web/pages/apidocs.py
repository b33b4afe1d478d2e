"""The API's OpenAPI document and its documentation page, for logged-in users only.

FastAPI's own pages are off (``docs_url``, ``redoc_url`` and ``openapi_url`` are None in
``create_app``): they answer without login, and its Swagger UI page loads its script from a CDN
with an inline script, which the Content Security Policy refuses anyway. Vendoring Swagger UI
(1.5 MB of script) for a reference page is not worth it: ``/api/docs`` is a server-rendered
page made from the same document, and ``/api/v1/openapi.json`` (session or read token) serves
the document itself to code generators and tools.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from cxpulse.accounts.users import Permission
from cxpulse.web.render import page
from cxpulse.web.security import Principal, require

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(require(Permission.read))]
OPENAPI_URL = "/api/v1/openapi.json"
METHODS = ("get", "post", "put", "patch", "delete")


def type_text(schema: dict[str, Any]) -> str:
    """A JSON schema in a few words: ``CaseOut``, ``array of string``, ``integer or null``."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return " or ".join(type_text(part) for part in schema[key])
    if "enum" in schema:
        return "one of " + ", ".join(str(v) for v in schema["enum"])
    kind = schema.get("type")
    if kind == "array":
        return f"array of {type_text(schema.get('items', {}))}"
    bounds = [str(schema["format"])] if "format" in schema else []  # date, date-time...
    bounds += [
        f"{word} {schema[key]}"
        for key, word in (("minimum", "≥"), ("maximum", "≤"), ("maxLength", "length ≤"))
        if key in schema
    ]
    text = str(kind) if kind else "any"
    return f"{text} ({', '.join(bounds)})" if bounds else text


def _parameter(p: dict[str, Any]) -> dict[str, Any]:
    schema = p.get("schema", {})
    return {
        "name": p["name"],
        "in": p["in"],
        "required": bool(p.get("required")),
        "type": type_text(schema),
        "default": schema.get("default"),
        "description": p.get("description") or schema.get("description") or "",
    }


def _content(content: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {"media_type": media, "type": type_text(body.get("schema", {}))}
        for media, body in content.items()
    ]


def operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The document's operations grouped by tag (in order of first appearance)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            body = op.get("requestBody")
            groups.setdefault((op.get("tags") or ["other"])[0], []).append(
                {
                    "id": op.get("operationId", f"{method}-{path}"),
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "parameters": [_parameter(p) for p in op.get("parameters", [])],
                    "body": _content(body.get("content", {})) if body else [],
                    "body_description": body.get("description", "") if body else "",
                    "responses": [
                        {
                            "status": status,
                            "description": r.get("description", ""),
                            "content": _content(r.get("content", {})),
                        }
                        for status, r in op.get("responses", {}).items()
                    ],
                }
            )
    return [{"tag": tag, "operations": ops} for tag, ops in groups.items()]


def schemas(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The document's named schemas with their fields, by name."""
    out = []
    for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items()):
        required = set(schema.get("required", []))
        fields = [
            {
                "name": field,
                "type": type_text(s),
                "required": field in required,
                "description": s.get("description", ""),
            }
            for field, s in schema.get("properties", {}).items()
        ]
        out.append({"name": name, "description": schema.get("description", ""), "fields": fields})
    return out


@router.get(OPENAPI_URL)
def openapi_document(request: Request, principal: Reader) -> Response:
    return JSONResponse(request.app.openapi())


@router.get("/api/docs", response_class=HTMLResponse)
def docs_page(request: Request, principal: Reader) -> Response:
    spec = request.app.openapi()
    return page(
        request,
        "api_docs.html",
        principal,
        info=spec.get("info", {}),
        groups=operations(spec),
        schemas=schemas(spec),
        json_url=OPENAPI_URL,
    )
