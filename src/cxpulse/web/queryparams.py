"""Query parameters the JSON API does not know are refused, not ignored.

``/api/v1/responses?survey_id=S1`` (the parameter is ``survey``) used to answer every response
of the workspace: a client believed it had one survey's. Every ``/api/v1`` route now answers
400 naming the unknown parameters and the accepted ones, read from the route's own declared
parameters (its signature and its dependencies'), so no route repeats the check and a new
parameter is accepted as soon as it is declared.

Only the JSON API: public survey links, the widget and webhook receivers keep ignoring what
mail tools and vendors add to their addresses (``utm_*`` and the like).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel

from cxpulse.errors import CxpulseError

STRICT_PREFIX = "/api/v1/"


class UnknownQueryParameter(CxpulseError, ValueError):
    """The request names query parameters the route does not declare (a typo, or another
    route's parameter): answered 400 with the accepted ones."""

    def __init__(self, unknown: list[str], accepted: list[str]) -> None:
        names = ", ".join(unknown)
        allowed = ", ".join(accepted) if accepted else "none"
        word = "parameter" if len(unknown) == 1 else "parameters"
        super().__init__(f"unknown query {word} {names}; this address accepts: {allowed}")
        self.unknown = unknown
        self.accepted = accepted


def declared(dependant: Dependant) -> frozenset[str]:
    """The names (aliases) of every query parameter of ``dependant`` and its dependencies."""
    names: set[str] = set()
    pending = [dependant]
    while pending:
        current = pending.pop()
        for field in current.query_params:
            model = _query_model(field.field_info.annotation)
            if model is None:
                names.add(field.alias)
            else:  # a Query() model: its fields are the parameters
                names.update(f.alias or name for name, f in model.model_fields.items())
        pending.extend(current.dependencies)
    return frozenset(names)


def _query_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


_ACCEPTED: dict[int, frozenset[str]] = {}  # id(route) -> its parameters (routes live forever)


def accepted(route: APIRoute) -> frozenset[str]:
    key = id(route)
    if key not in _ACCEPTED:
        _ACCEPTED[key] = declared(route.dependant)
    return _ACCEPTED[key]


async def known_query_parameters(request: Request) -> None:
    """An app-wide dependency: on ``/api/v1`` routes, raise :class:`UnknownQueryParameter`
    for any query parameter the matched route does not declare. It runs before the route's
    own dependencies (a 400 costs no token check)."""
    if not request.url.path.startswith(STRICT_PREFIX) or not request.url.query:
        return
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    allowed = accepted(route)
    unknown = sorted(set(request.query_params.keys()) - allowed)
    if unknown:
        raise UnknownQueryParameter(unknown, sorted(allowed))
